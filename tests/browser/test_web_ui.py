"""The web UI in a real browser against a real server: sign-in, the session settings
panel with a schema-generated form, the approvals inbox releasing a waiting agent,
admin pages, and screenshots of every page at laptop and phone widths."""

from __future__ import annotations

import http.server
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

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

# The real builtins when they are registered, else the look-alikes in uitest_policies.
COST = ("goalrail.policies.builtins.cost.cost_budget", "uitest_policies.cost_budget")
ASK = ("goalrail.policies.builtins.safety.ask_on_os_tools", "uitest_policies.ask_on_os_tools")
CAP = ("goalrail.policies.builtins.safety.max_tool_calls_per_session", "uitest_policies.max_tool_calls_per_session")


def handler(server: Any, choice: tuple[str, str]) -> str:
    real, stand_in = choice
    return real if server.app.state.goalrail.runtime.registry.get(real) is not None else stand_in


def bearer(server: Any, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.tokens[who]}"}


def post_event(
    server: Any, session: str, event: dict[str, Any], *, wait: float | None = None, agent: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"wait": wait} if wait else {}
    if agent:
        params["agent"] = agent
    r = httpx.post(
        f"{server.url}/v1/sessions/{session}/events",
        json=event,
        params=params,
        headers=bearer(server, "agent"),
        timeout=300,  # (a `wait` ends at the answer; it outlasts the browser's steps on a loaded machine)
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def bash(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}


def sign_in(page: Any, server: Any, who: str, next_path: str = "/sessions") -> None:
    page.goto(f"{server.url}/signin?next={next_path}")
    page.fill("#token", server.tokens[who])
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(f"**{next_path}")
    expect(page.locator("#whoami")).to_contain_text("Sign out")


def add_policy(page: Any, handler: str, fill: dict[str, str], *, name: str | None = None) -> Any:
    """Open the add dialog, pick `handler` in the registry, fill fields; returns the dialog."""
    page.click("#add-policy, #add-server-policy")
    dialog = page.locator("dialog[open]")
    dialog.locator(f'.reg-item[data-handler="{handler}"]').click()
    if name is not None:
        dialog.locator("#policy-name").fill(name)
    for field, value in fill.items():
        dialog.locator(f"#param-{field}").fill(value)
    return dialog


def test_signed_out_pages_explain_how_to_sign_in(server: Any, new_page: Any, shots: Any) -> None:
    page = new_page()
    page.goto(f"{server.url}/sessions")
    expect(page.locator("main")).to_contain_text("Sign in to continue")
    expect(page.locator("main")).to_contain_text("one-time sign-in link")
    shots.take(page, "signed-out", phone=False)
    page.goto(f"{server.url}/signin")
    expect(page.get_by_role("heading", name="Sign in to Goalrail")).to_be_visible()
    shots.take(page, "signin")
    page.fill("#token", "gr_not_a_real_token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#token-error")).to_contain_text("not accepted")
    page.fill("#token", server.tokens["agent"])
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#token-error")).to_contain_text("agent token")
    page.goto(f"{server.url}/approvals")
    expect(page.locator("main")).to_contain_text("Sign in to continue")


def test_one_time_link_signs_in_once(server: Any, new_page: Any) -> None:
    page = new_page()
    link = server.login_link()
    page.goto(link)
    page.wait_for_url("**/sessions")
    expect(page.locator("#whoami")).to_contain_text("admin")
    expect(page.locator("nav a[href='/admin/policies']")).to_be_visible()
    other = new_page()
    other.goto(link)
    # A used link sends the browser back to sign-in with a plain explanation.
    other.wait_for_url("**/signin?error=invalid")
    expect(other.locator("body")).to_contain_text("expired or was already used")
    expect(other.locator("#whoami")).not_to_contain_text("admin")


def test_session_settings_approvals_and_toggle(server: Any, new_page: Any, shots: Any) -> None:
    sid = "ses-ui-flow"
    first = post_event(server, sid, {"type": "request", "data": {"user_content": "clean the build"}}, agent="helper")
    assert first["result"] == "ALLOW"
    for tokens_in, tokens_out in ((1800, 400), (3200, 900), (2500, 300), (5200, 1200)):
        httpx.post(
            f"{server.url}/v1/sessions/{sid}/usage",
            headers=bearer(server, "agent"),
            json={"model": "gpt-4o", "input_tokens": tokens_in, "output_tokens": tokens_out},
        ).raise_for_status()
        time.sleep(0.3)
    page = new_page()
    sign_in(page, server, "alice")

    row = page.locator(f'tr[data-session="{sid}"]')
    expect(row).to_contain_text("alice")
    shots.take(page, "sessions")
    row.locator("a").first.click()
    page.wait_for_url(f"**/sessions/{sid}")
    expect(page.locator("#settings")).to_contain_text("This session")

    # The generated form: a negative limit is refused inline, next to the field.
    dialog = add_policy(page, handler(server, COST), {"max_cost_usd": "-5"})
    expect(dialog.locator("#param-max_cost_usd")).to_have_attribute("type", "number")
    expect(dialog.locator("#param-default_max_output_tokens")).to_have_value("4096")
    expect(dialog.locator("#param-ask_thresholds_usd")).to_have_attribute("placeholder", "value, value, …")
    dialog.get_by_role("button", name="Add policy").click()
    field = dialog.locator('.field[data-field="max_cost_usd"]')
    expect(field.locator(".error")).to_contain_text("greater than 0")
    expect(field).to_have_class("field invalid")
    shots.take(page, "add-policy-validation", phone=False, full_page=False)
    # An empty budget passes the per-field checks; the server's 422 is shown in the form.
    dialog.locator("#param-max_cost_usd").fill("")
    dialog.get_by_role("button", name="Add policy").click()
    expect(dialog.locator(".schema-form > .notice.error")).to_be_visible()
    dialog.locator("#param-max_cost_usd").fill("2.5")
    dialog.get_by_role("button", name="Add policy").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    session_section = page.locator('#settings section[data-level="session"]')
    expect(session_section.locator('.policy[data-policy="cost_budget"]')).to_contain_text("max_cost_usd: 2.5")

    # Ask before shell commands: enum select, boolean checkbox and multi-choice from the schema.
    ask = handler(server, ASK)
    dialog = add_policy(page, ask, {})
    if ask.startswith("uitest_policies."):
        expect(dialog.locator("#param-mode")).to_be_visible()
        expect(dialog.locator("#param-include_reads")).not_to_be_checked()
    dialog.get_by_role("button", name="Add policy").click()
    expect(session_section.locator('.policy[data-policy="ask_on_os_tools"]')).to_be_visible()
    # Agent and server policies are shown read-only with their level.
    agent_row = page.locator('#settings section[data-level="agent"] .policy[data-policy="helper_call_cap"]')
    expect(agent_row).to_contain_text("Read-only")
    expect(agent_row.locator("input[type=checkbox]")).to_be_disabled()
    server_section = page.locator('#settings section[data-level="server"]')
    expect(server_section.locator('.policy[data-policy="tool_cap"]')).to_contain_text("from the server config file")
    expect(server_section.locator('.policy[data-policy="tool_cap"] input[type=checkbox]')).to_be_disabled()

    # The agent runs a shell command and waits; the user approves it in the inbox.
    answer: dict[str, Any] = {}
    waiter = threading.Thread(target=lambda: answer.update(post_event(server, sid, bash("rm -rf build"), wait=240)))
    waiter.start()
    inbox = new_page()
    sign_in(inbox, server, "alice", "/approvals")
    card = inbox.locator(".approval").first
    expect(card).to_contain_text("sys_os_shell")
    expect(card).to_contain_text("rm -rf build")
    expect(card).to_contain_text("ask_on_os_tools")
    expect(card).to_contain_text("gpt-4o")
    expect(inbox.locator("#pending-count")).to_have_text("1")
    shots.take(inbox, "approvals")
    card.get_by_role("button", name="Approve once").click()
    expect(card).to_contain_text("Approved once")
    waiter.join(timeout=300)
    assert answer.get("result") == "ALLOW", answer
    expect(inbox.locator("#approvals .empty-card")).to_be_visible(timeout=10_000)
    expect(inbox.locator("#history")).to_contain_text("rm -rf build", timeout=30_000)
    expect(inbox.locator("#history")).to_contain_text("by alice")
    shots.take(inbox, "approvals-empty", phone=False)

    # Disable the policy: the next shell command is allowed without asking.
    toggle = session_section.locator('.policy[data-policy="ask_on_os_tools"] .switch')
    toggle.click()
    expect(session_section.locator('.policy[data-policy="ask_on_os_tools"]')).to_contain_text("disabled")
    assert post_event(server, sid, bash("ls"))["result"] == "ALLOW"
    timeline = page.locator("#timeline")
    expect(timeline.locator("ol.timeline > li")).to_have_count(3)
    expect(timeline.locator("ol.timeline > li").first).to_have_attribute("data-result", "ALLOW")
    asked = timeline.locator('ol.timeline > li[data-result="ASK"]')
    expect(asked).to_contain_text("approved by alice")
    timeline.locator("details.explain").first.locator("summary").click()
    expect(timeline.locator("details.explain[open] table")).to_contain_text("tool_cap")
    page.wait_for_timeout(3000)  # a refresh (every 2.5 s) keeps the explanation open
    expect(timeline.locator("details.explain[open]")).to_have_count(1)
    expect(page.locator("#usage svg")).to_be_visible()
    expect(page.locator("#policy-state summary")).to_contain_text("Policy state")
    shots.take(page, "session")

    # Remove takes two clicks.
    remove = session_section.locator('.policy[data-policy="cost_budget"] button.danger')
    remove.click()
    expect(remove).to_have_text("Confirm remove")
    remove.click()
    expect(session_section.locator('.policy[data-policy="cost_budget"]')).to_have_count(0)


def test_server_validation_errors_land_on_their_field(server: Any, new_page: Any, shots: Any) -> None:
    sid = "ses-ui-errors"
    post_event(server, sid, {"type": "request", "data": {"user_content": "hello"}})
    page = new_page()
    sign_in(page, server, "alice", f"/sessions/{sid}")
    dialog = add_policy(page, "uitest_policies.deny_words", {"words": "drop table, drop table"})
    expect(dialog.locator(".field[data-field=words] .req")).to_be_visible()
    dialog.get_by_role("button", name="Add policy").click()
    # uniqueItems is only checked by the server: its 422 `errors[].loc` names the field.
    expect(dialog.locator(".field[data-field=words] .error")).to_contain_text("non-unique")
    expect(dialog.locator(".field[data-field=words]")).to_have_class("field invalid")
    dialog.locator("#policy-name").fill("x" * 121)
    dialog.locator("#param-words").fill("drop table")
    dialog.get_by_role("button", name="Add policy").click()
    expect(dialog.locator(".field[data-field=name] .error")).to_contain_text("at most 120")
    dialog.locator("#policy-name").fill("no_sql")
    dialog.get_by_role("button", name="Add policy").click()
    expect(page.locator('#settings .policy[data-policy="no_sql"]')).to_contain_text("words:")
    assert (
        post_event(server, sid, {"type": "request", "data": {"user_content": "DROP TABLE users"}})["result"] == "DENY"
    )


def test_deny_in_inbox_and_approve_for_session(server: Any, new_page: Any) -> None:
    sid = "ses-ui-deny"
    post_event(server, sid, {"type": "request", "data": {"user_content": "hi"}})
    r = httpx.post(
        f"{server.url}/v1/sessions/{sid}/policies",
        headers=bearer(server, "alice"),
        json={"name": "ask_shell", "handler": handler(server, ASK)},
    )
    assert r.status_code == 201, r.text
    page = new_page()
    sign_in(page, server, "alice", "/approvals")
    answers: list[dict[str, Any]] = []
    t = threading.Thread(target=lambda: answers.append(post_event(server, sid, bash("curl example.com"), wait=240)))
    t.start()
    card = page.locator(".approval", has_text="curl example.com")
    card.get_by_role("button", name="Deny").click()
    expect(card).to_contain_text("Denied")
    t.join(timeout=300)
    assert answers and answers[0]["result"] == "DENY"
    t = threading.Thread(target=lambda: answers.append(post_event(server, sid, bash("make test"), wait=240)))
    t.start()
    narrow = page.locator(".approval", has_text="make test")
    narrow.get_by_role("button", name="Approve this exact action for the session").click()
    expect(narrow).to_contain_text("this exact action only")
    t.join(timeout=300)
    assert answers[1]["result"] == "ALLOW"
    assert post_event(server, sid, bash("make test"))["result"] == "ALLOW"  # the identical action
    # A session grant never covers a different action (approving `make test` is not `rm -rf /`).
    assert post_event(server, sid, bash("rm -rf / --no-preserve-root"))["result"] == "ASK"
    # The wide grant is a separate button that says what it does.
    wide = page.locator(".approval", has_text="no-preserve-root")
    button = wide.get_by_role("button", name=re.compile(r"^Approve any Bash call for the session$"))
    expect(button).to_have_attribute("title", re.compile("EVERY later Bash call, whatever its arguments"))
    button.click()
    expect(wide).to_contain_text("any call of this tool, with any arguments")
    assert post_event(server, sid, bash("make lint"))["result"] == "ALLOW"
    page.goto(f"{server.url}/approvals")
    expect(page.locator("#history")).to_contain_text("approved: any call of this tool, this session")
    expect(page.locator("#history")).to_contain_text("approved: this exact action, this session")


def test_admin_adds_server_policy_user_sees_it_read_only(server: Any, new_page: Any, shots: Any) -> None:
    sid = "ses-ui-admin"
    post_event(server, sid, bash("echo hi"))
    admin = new_page()
    sign_in(admin, server, "admin", "/admin/policies")
    config_row = admin.locator('.policy[data-policy="tool_cap"]')
    expect(config_row).to_contain_text("Read-only")
    expect(config_row.locator("button")).to_have_count(0)
    dialog = add_policy(admin, handler(server, CAP), {"limit": "-1"}, name="company_cap")
    dialog.get_by_role("button", name="Add policy").click()
    expect(dialog.locator('.field[data-field="limit"] .error')).to_contain_text("Must be at least")
    dialog.locator("#param-limit").fill("1000")
    dialog.get_by_role("button", name="Add policy").click()
    row = admin.locator('.policy[data-policy="company_cap"]')
    expect(row).to_contain_text("limit: 1000")
    # Edit its parameters through the same generated form.
    row.get_by_role("button", name="Edit").click()
    edit = admin.locator("dialog[open]")
    expect(edit.locator("#param-limit")).to_have_value("1000")
    edit.locator("#param-limit").fill("900")
    edit.get_by_role("button", name="Save changes").click()
    expect(row).to_contain_text("limit: 900")
    shots.take(admin, "admin-policies")

    admin.goto(f"{server.url}/admin/agents")
    helper = admin.locator('.card[data-agent="helper"]')
    expect(helper).to_contain_text("helper_call_cap")
    expect(helper).to_contain_text("limit: 200")
    shots.take(admin, "admin-agents")
    admin.goto(f"{server.url}/admin/audit")
    expect(admin.locator("#chain-status")).to_contain_text("Chain verified")
    expect(admin.locator("#audit-entries li").first).to_be_visible()
    admin.select_option("#f-verdict", "DENY")
    admin.click("#audit-filters button[type=submit]")
    expect(admin.locator("main")).to_contain_text("DENY")
    admin.select_option("#f-verdict", "")
    admin.fill("#f-session", sid)
    admin.click("#audit-filters button[type=submit]")
    expect(admin.locator("#audit-entries li")).to_have_count(1)
    admin.fill("#f-session", "")
    admin.click("#audit-filters button[type=submit]")
    shots.take(admin, "admin-audit")

    user = new_page()
    sign_in(user, server, "alice", f"/sessions/{sid}")
    server_section = user.locator('#settings section[data-level="server"]')
    company = server_section.locator('.policy[data-policy="company_cap"]')
    expect(company).to_contain_text("Read-only")
    expect(company).to_contain_text("server")
    expect(company.locator("input[type=checkbox]")).to_be_disabled()
    expect(company.locator("button")).to_have_count(0)
    expect(user.locator("nav a[href='/admin/policies']")).to_be_hidden()

    # The admin disables it (the user's page follows), then deletes it.
    admin.goto(f"{server.url}/admin/policies")
    row = admin.locator('.policy[data-policy="company_cap"]')
    row.locator(".switch").click()
    expect(row).to_contain_text("disabled")
    expect(company).to_contain_text("disabled")
    remove = row.get_by_role("button", name="Remove company_cap")
    remove.click()
    remove.click()
    expect(admin.locator('.policy[data-policy="company_cap"]')).to_have_count(0)
    expect(admin.locator(".notice.ok")).to_contain_text("company_cap deleted")


def test_other_users_session_is_not_found(server: Any, new_page: Any) -> None:
    post_event(server, "ses-ui-private", bash("echo private"))
    page = new_page()
    sign_in(page, server, "bob")
    expect(page.locator("main")).to_contain_text("No sessions yet")
    page.goto(f"{server.url}/sessions/ses-ui-private")
    expect(page.locator("main")).to_contain_text("Session not found")


def test_goalrail_server_process_single_user_link(new_page: Any, tmp_path: Any) -> None:
    """`goalrail server` with no config: the printed one-time link signs the browser in as admin;
    without it the console only explains how to sign in (the local agent identity cannot act)."""
    port = uiserver.free_port()
    env = {**os.environ, "GOALRAIL_HOME": str(tmp_path), "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "goalrail", "server", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or []], daemon=True).start()
    try:
        link = None
        deadline = time.monotonic() + 120  # (a poll: ends when up; a loaded machine starts Python slowly)
        while link is None and time.monotonic() < deadline:
            try:
                found = re.search(r"(http://\S+/login\?code=\S+)", lines.get(timeout=1))
            except queue.Empty:
                continue
            link = found.group(1) if found else None
        assert link, "goalrail server printed no sign-in link"
        while time.monotonic() < deadline:  # the link is printed before the port is bound
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        page = new_page()
        page.goto(link.replace("/login", "/sessions").split("?")[0])
        expect(page.locator("main")).to_contain_text("local agent")
        page.goto(link)
        page.wait_for_url("**/sessions")
        expect(page.locator("#whoami")).to_contain_text("admin")
        expect(page.locator("main")).to_contain_text("No sessions yet")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_another_site_cannot_use_the_sign_in_cookie(server: Any, new_page: Any) -> None:
    """A page on another origin, in the signed-in browser, posts to the API: the server refuses
    it (Origin check) and nothing is stored."""
    sid = "ses-ui-csrf"
    post_event(server, sid, {"type": "request", "data": {"user_content": "hi"}})
    page = new_page()
    sign_in(page, server, "alice", f"/sessions/{sid}")

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>elsewhere</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
        body = {"name": "off", "handler": "uitest_policies.deny_words", "factory_params": {"words": ["x"]}}
        for content_type in ("text/plain", "application/json"):
            page.evaluate(
                """async ([url, body, ctype]) => {
                    try {
                        await fetch(url, {method: "POST", mode: "no-cors", credentials: "include",
                                          headers: {"Content-Type": ctype}, body: JSON.stringify(body)});
                    } catch (e) {}
                }""",
                [f"{server.url}/v1/sessions/{sid}/policies", body, content_type],
            )
    finally:
        evil.shutdown()
        evil.server_close()
    r = httpx.get(f"{server.url}/v1/sessions/{sid}/policies", headers=bearer(server, "alice"))
    assert r.status_code == 200
    assert r.json()["data"] == []
