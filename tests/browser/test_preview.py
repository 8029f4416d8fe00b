""" "Preview on history" in a real browser: before a policy is added (session settings, or
server-wide by an admin), the decisions it would have changed are shown; nothing is saved.
Shadow policies show how many decisions they would have changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from browser_expect import expect
from test_web_ui import ASK, CAP, COST, add_policy, bash, bearer, handler, post_event, sign_in

pytestmark = pytest.mark.browser


def _decisions(server: Any, sid: str) -> list[Any]:
    r = httpx.get(f"{server.url}/v1/sessions/{sid}", headers=bearer(server, "alice"), params={"decisions": 100})
    r.raise_for_status()
    return list(r.json()["recent_decisions"])


def test_preview_on_history_shows_what_would_change_and_saves_nothing(server: Any, new_page: Any, shots: Any) -> None:
    sid = "ses-ui-preview"
    for event in (bash("ls -la"), {"type": "request", "data": "tidy up"}, bash("make test"), bash("git status")):
        assert post_event(server, sid, event)["result"] == "ALLOW"
    recorded = _decisions(server, sid)
    page = new_page()
    sign_in(page, server, "alice", f"/sessions/{sid}")
    expect(page.locator("#settings")).to_contain_text("This session")

    dialog = add_policy(page, handler(server, ASK), {})
    dialog.get_by_role("button", name="Preview on history").click()
    report = dialog.locator(".preview")
    expect(report).to_contain_text("3 of 4 decisions would change")
    expect(report).to_contain_text("this session")
    expect(report.locator('li.change[data-transition="ALLOW→ASK"]')).to_have_count(3)
    expect(report.locator("li.change").first).to_contain_text("ask_on_os_tools")
    shots.take(page, "preview-on-history", phone=False, full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    # Nothing was added, nothing was recorded.
    expect(
        page.locator('#settings section[data-level="session"] .policy[data-policy="ask_on_os_tools"]')
    ).to_have_count(0)
    assert _decisions(server, sid) == recorded

    # A generous budget changes nothing, and says so.
    dialog = add_policy(page, handler(server, COST), {"max_cost_usd": "1000"})
    dialog.get_by_role("button", name="Preview on history").click()
    expect(dialog.locator(".preview")).to_contain_text("No decision would change: 4 recorded decisions")
    dialog.get_by_role("button", name="Cancel").click()

    # A shadow policy, once it has seen traffic, shows what enforcing it would have changed.
    r = httpx.post(
        f"{server.url}/v1/sessions/{sid}/policies",
        headers=bearer(server, "alice"),
        json={"name": "shadow_ask", "handler": handler(server, ASK), "mode": "shadow"},
    )
    assert r.status_code == 201, r.text
    post_event(server, sid, bash("ls"))
    page.reload()
    row = page.locator('#settings .policy[data-policy="shadow_ask"]')
    expect(row.locator(".would-change")).to_contain_text("would have changed 1 decision")


def test_admin_previews_a_server_wide_policy_on_recent_sessions(server: Any, new_page: Any) -> None:
    for sid in ("ses-ui-prev-a", "ses-ui-prev-b"):
        for command in ("ls", "pwd"):
            post_event(server, sid, bash(command))
    admin = new_page()
    sign_in(admin, server, "admin", "/admin/policies")
    dialog = add_policy(admin, handler(server, CAP), {"limit": "1"}, name="tight_cap")
    dialog.get_by_role("button", name="Preview on history").click()
    report = dialog.locator(".preview")
    expect(report).to_contain_text("decisions would change")
    expect(report).to_contain_text("the last 20 sessions")
    expect(report.locator('li.change[data-transition="ALLOW→DENY"]').first).to_contain_text("tight_cap")
    # An invalid parameter is refused next to its field, as on save.
    admin.locator("dialog[open] #param-limit").fill("-3")
    dialog.get_by_role("button", name="Preview on history").click()
    expect(dialog.locator('.field[data-field="limit"] .error')).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(admin.locator('.policy[data-policy="tight_cap"]')).to_have_count(0)
