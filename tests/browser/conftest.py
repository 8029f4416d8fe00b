"""Browser tests: Playwright driving Debian's Chromium against a real Goalrail server.

Skipped when Chromium or Playwright is missing, unless CI=true (then they fail).
Never downloads a browser.  Screenshots land in artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # uiserver and uitest_policies (loaded by the server via policy_modules)
    sys.path.insert(0, str(HERE))

CHROMIUM_PATHS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


def _chromium() -> str | None:
    for path in CHROMIUM_PATHS:
        if os.path.exists(path):
            return path
    found = shutil.which("chromium")
    return found


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if _chromium() is None:
        return "Chromium is not installed (apt-get install chromium)"
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    problem = _missing()
    if problem is None or os.environ.get("CI") == "true":
        return  # with CI=true the `browser` fixture fails instead of skipping
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=problem))


# Module scope: Playwright's sync API runs an event loop on this thread, which must be
# gone before pytest-asyncio tests in other modules run.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests are required when CI=true: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # generous on a loaded CI machine (an expect ends when met)

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=_chromium(),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    import uiserver

    running = uiserver.start()
    yield running
    running.stop()


class Shots:
    """Full-page screenshots at laptop and phone widths."""

    def __init__(self) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str, *, phone: bool = True, full_page: bool = True) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)
        if phone:
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(400)
            page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(LAPTOP)


@pytest.fixture(scope="session")
def shots() -> Shots:
    return Shots()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A factory of pages in fresh browser contexts (separate cookie jars); JS errors fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make() -> Any:
        ctx = browser.new_context(viewport=LAPTOP)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(30_000)  # (a wait ends when met: only a broken page waits this long)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
