"""docs/quickstart.md, walked exactly as written: a fresh home directory, `goalrail
server`, the printed sign-in link, the documented curl commands (taken from the
document itself), the documented clicks, the approval in the inbox releasing the
waiting caller with ALLOW.  Every page on the way is screenshotted at 1280 and
390 px and measured: nothing wider than the viewport, no clipped policy name."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uiserver
from browser_expect import expect

from conftest import LAPTOP, PHONE, SHOTS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "docs" / "quickstart.md"
DOC_URL = "http://127.0.0.1:6767"
ASK_HANDLER = "goalrail.policies.builtins.safety.ask_on_os_tools"

# Everything that sticks out of the viewport without a scrolling or clipping ancestor
# to hold it, and every policy name that is cut off or covered by its row's buttons.
LAYOUT_PROBLEMS = """
() => {
  const doc = document.documentElement;
  const vw = doc.clientWidth;
  const problems = [];
  if (doc.scrollWidth > vw) problems.push(`page scrolls sideways: ${doc.scrollWidth} > ${vw}`);
  const contained = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== "visible") return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).position === "fixed") continue;
    if ((r.right > vw + 0.5 || r.left < -0.5) && !contained(el)) {
      problems.push(`${name(el)} spans ${Math.round(r.left)}..${Math.round(r.right)} in a ${vw} px viewport`);
    }
  }
  // Boxes that clip or scroll sideways hide part of their content (code blocks and wide tables
  // may scroll on purpose; they are marked `pre` or `.scroll`).
  for (const el of document.querySelectorAll("body *")) {
    const o = getComputedStyle(el).overflowX;
    if (o === "visible" || el.matches("pre, .scroll, input, textarea, select, svg *, .nav")) continue;
    if (!el.getBoundingClientRect().width) continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} cuts its content: ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  const names = ".policy .name, .reg-item .name, .reg-item .handler, .dlg-body .handler";
  for (const el of document.querySelectorAll(names)) {
    if (el.scrollWidth > el.clientWidth + 0.5) problems.push(`policy name "${el.textContent}" is clipped`);
    const row = el.closest(".policy");
    const actions = row && row.querySelector(".actions");
    if (actions) {
      const a = actions.getBoundingClientRect(), n = el.getBoundingClientRect();
      const overlap = n.left < a.right && a.left < n.right && n.top < a.bottom && a.top < n.bottom;
      if (overlap) problems.push(`policy name "${el.textContent}" lies under its buttons`);
    }
    const body = el.closest(".body, .reg-item");
    if (body) {
      const b = body.getBoundingClientRect(), n = el.getBoundingClientRect();
      if (n.right > b.right + 0.5) problems.push(`policy name "${el.textContent}" overflows its row`);
    }
  }
  return problems;
}
"""


def shell_blocks() -> list[str]:
    """The ```bash blocks of the quickstart, in order."""
    return re.findall(r"```bash\n(.*?)```", QUICKSTART.read_text(encoding="utf-8"), flags=re.S)


def documented(needle: str) -> str:
    found = [b for b in shell_blocks() if needle in b]
    assert len(found) == 1, f"docs/quickstart.md should have one bash block with `{needle}`"
    return found[0]


def check_layout(page: Any, name: str) -> None:
    """Screenshot at 1280 and 390 px; fail on anything wider than the viewport or a clipped name."""
    for size, suffix in ((LAPTOP, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"quickstart-{name}{suffix}.png"), full_page=True)
        problems = page.evaluate(LAYOUT_PROBLEMS)
        assert not problems, f"{name} at {size['width']} px: {problems}"
    page.set_viewport_size(LAPTOP)


class Goalrail:
    """`goalrail server` as the quickstart starts it, in a fresh home directory."""

    def __init__(self, home: Path) -> None:
        self.home = home / ".goalrail"
        self.port = uiserver.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("GOALRAIL_")},
            "HOME": str(home),
            "GOALRAIL_HOME": str(home / ".goalrail"),
            "PYTHONPATH": str(ROOT / "src"),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "goalrail", "server", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout or []], daemon=True).start()
        self.link = ""
        deadline = time.monotonic() + 120  # (a poll: ends when up)
        while not self.link and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.output)
                continue
            self.output.append(line)
            found = re.search(r"sign in to the web UI \(one-time link\): (http://\S+/login\?code=\S+)", line)
            self.link = found.group(1) if found else ""
        assert self.link, "goalrail server printed no sign-in link: " + "".join(self.output)
        assert httpx.get(f"{self.url}/healthz", timeout=60).json()["auth"] == "single-user"

    def run_documented(self, block: str, **kw: Any) -> subprocess.Popen[str]:
        """Run a bash block from the document against this server (only the port differs)."""
        script = block.replace(DOC_URL, self.url)
        return subprocess.Popen(
            ["bash", "-c", script], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def test_the_quickstart_as_documented(new_page: Any, tmp_path: Path) -> None:
    doc = QUICKSTART.read_text(encoding="utf-8")
    assert "./scripts/serve" in shell_blocks()[0] and ".venv/bin/goalrail server" in doc
    server = Goalrail(tmp_path / "fresh-home")
    try:
        # 2. Sign in: the printed one-time link.
        page = new_page()
        page.goto(server.link)
        page.wait_for_url("**/sessions")
        expect(page.locator("#whoami")).to_contain_text("local")
        expect(page.locator("#whoami")).to_contain_text("admin")

        # 3. Create a session with the documented curl command.
        made = server.run_documented(documented("/v1/sessions \\"))
        out, err = made.communicate(timeout=120)
        assert made.returncode == 0 and json.loads(out)["id"] == "demo", err
        page.reload()
        expect(page.locator("main")).to_contain_text("demo")
        check_layout(page, "sessions")

        # 4. Open it; Settings → "+ Add policy" → "Ask on OS tools" → "Add policy".
        page.get_by_role("link", name="demo").first.click()
        page.wait_for_url("**/sessions/demo")
        settings = page.locator("#settings")
        settings.get_by_role("button", name="+ Add policy").click()
        dialog = page.locator("dialog[open]")
        dialog.locator(".reg-item", has_text="Ask on OS tools").first.click()
        check_layout(page, "add-policy")
        dialog.get_by_role("button", name="Add policy").click()
        expect(page.locator("dialog[open]")).to_have_count(0)
        expect(settings.locator('.policy[data-policy="ask_on_os_tools"]')).to_be_visible()
        check_layout(page, "session-with-policy")

        # 5. The documented event blocks on the ASK.
        waiting = server.run_documented(documented("events?wait="))
        time.sleep(1.0)
        assert waiting.poll() is None, "the event call should wait for the approval"

        # 6. Approve it in the inbox: the card names the tool as the agent did (`Bash`).
        page.get_by_role("link", name=re.compile("^Approvals")).click()
        page.wait_for_url("**/approvals")
        card = page.locator(".approval").first
        expect(card.locator(".tool")).to_contain_text("Bash")
        expect(card.locator(".tool-canonical")).to_contain_text("sys_os_shell")
        expect(card).to_contain_text("rm -rf build")
        expect(card).not_to_contain_text("`")  # reasons render code, never raw backticks
        check_layout(page, "approvals")
        card.get_by_role("button", name=re.compile(r"^Approve( once)?$")).click()

        # 7. The waiting caller gets ALLOW.
        out, err = waiting.communicate(timeout=120)
        answer = json.loads(out)
        assert answer["result"] == "ALLOW" and answer["reason"] == "approved by local", answer
        assert answer["asked"]["result"] == "ASK"

        # The timeline shows what was acted on, on ASK rows and on ALLOW rows alike.
        fetch = {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://example.com/a"}}}
        allowed = httpx.post(f"{server.url}/v1/sessions/demo/events", json=fetch).json()
        assert allowed["result"] == "ALLOW", allowed
        page.goto(f"{server.url}/sessions/demo")
        rows = page.locator(".timeline li")
        expect(rows.nth(0)).to_contain_text("WebFetch")
        expect(rows.nth(0).locator("pre.action")).to_have_text("https://example.com/a")
        expect(rows.nth(1)).to_contain_text("Bash")
        expect(rows.nth(1).locator("pre.action")).to_have_text("rm -rf build")
        times = rows.locator(".when").all_text_contents()
        assert times and all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in times), times  # 24-hour
        check_layout(page, "session-after")

        # Money one way, times 24-hour, wherever the pages format them.
        shown = page.evaluate(
            """async () => {
              const d = await import("/static/dom.js");
              const evening = new Date(2026, 0, 2, 21, 5, 9);
              return [d.money(0.26), d.money(0.003), d.money(0), d.money(null), d.money(12.5),
                      d.clock(evening), d.stamp(evening)];
            }"""
        )
        assert shown == ["$0.26", "<$0.01", "$0.00", "—", "$12.50", "21:05:09", "2026-01-02 21:05:09"], shown

        # A used link says how to sign in again.
        used = new_page()
        used.goto(server.link)
        used.wait_for_url("**/signin?error=invalid")
        expect(used.locator("#link-expired")).to_contain_text("restart")
        expect(used.locator("#link-expired")).to_contain_text("goalrail token create")

        # Long names stay readable next to their buttons, and the registry fits a phone.
        console = {"Authorization": f"Bearer {(server.home / 'console-token').read_text().strip()}"}
        long_name = "ask_before_every_shell_command_in_the_production_repository"
        for url in (f"{server.url}/v1/sessions/demo/policies", f"{server.url}/v1/policies"):
            r = httpx.post(url, json={"name": long_name, "handler": ASK_HANDLER}, headers=console)
            assert r.status_code == 201, r.text
        page.goto(f"{server.url}/sessions/demo")
        expect(page.locator(f'#settings .policy[data-policy="{long_name}"]')).to_have_count(2)
        page.locator("#settings summary", has_text="Browse the policy registry").click()
        expect(page.locator("#settings .reg-item").first).to_be_visible()
        check_layout(page, "session-long-names")
        page.goto(f"{server.url}/admin/policies")
        expect(page.locator(f'.policy[data-policy="{long_name}"]').first).to_be_visible()
        check_layout(page, "admin-policies")

        # The API docs render from local files (no CDN); an unknown URL is a page, not JSON.
        page.goto(f"{server.url}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Goalrail")
        page.goto(f"{server.url}/no/such/page")
        expect(page.locator("#not-found")).to_contain_text("Page not found")
        expect(page.locator("#not-found")).to_contain_text("/no/such/page")
    finally:
        server.stop()
