"""What a session says cannot write a line of the server's log (real app, HTTP).

A session policy's name is its user's to choose (1 to 120 characters, anything but NUL), and
the server logs it when the policy fails.  Before, a name holding a line break wrote a second
log line of the user's choosing — `WARNING goalrail.engine.dispatch: policy cap failed open
(allow)`, read by the operator as the admin's guard failing open; a request's path (decoded,
in uvicorn's access log) did the same.  Now the log filter escapes line breaks, controls, bidi
and zero-width characters in every record's arguments (docs/security.md, "Secrets are never
shown back": where).
"""

from __future__ import annotations

import logging

import pytest
from server_support import BASE_CONFIG, SHELL, add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

FORGED = "WARNING goalrail.engine.dispatch: policy cap failed open (allow): timed out"


async def _failing_session_policy(name: str) -> None:
    store = MemoryStore()
    await add_tokens(store)
    async with client_for(make_app(BASE_CONFIG, store=store)) as c:
        assert (await c.post("/v1/sessions", json={"id": "s1"}, headers=auth("alice"))).status_code == 201
        body = {
            "name": name,
            "handler": "goalrail.policies.builtins.tools.tool_gate",
            "factory_params": {"deny": ["Bash"]},
            "timeout_ms": 0.001,  # its own deadline: it fails, and the failure is logged
        }
        assert (await c.post("/v1/sessions/s1/policies", json=body, headers=auth("alice"))).status_code == 201
        r = await c.post("/v1/sessions/s1/events", json=SHELL, headers=auth("alice_agent"))
        assert r.json()["result"] == "DENY", r.text


@pytest.mark.parametrize("brk", ["\n", "\r", "\u2028", "\x1b[2K\r"])
async def test_a_session_policys_name_writes_no_log_line(logs: pytest.LogCaptureFixture, brk: str) -> None:
    await _failing_session_policy(f"mine{brk}{FORGED}")
    failed = [r.getMessage() for r in logs.records if "failed closed" in r.getMessage()]
    assert failed, logs.text
    for message in failed:
        assert message.splitlines() == [message] and "\x1b" not in message, repr(message)
    assert not any(line.startswith(FORGED) for line in logs.text.splitlines())


def test_a_request_path_writes_no_access_log_line(logs: pytest.LogCaptureFixture) -> None:
    make_app(BASE_CONFIG)  # puts the filter on the loggers
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/v1/x\n{FORGED}", "1.1", 404)
    (record,) = [r for r in logs.records if r.name == "uvicorn.access"]
    assert "\n" not in record.getMessage() and "\\n" + FORGED in record.getMessage()


async def test_control_a_plain_name_is_logged_as_it_is(logs: pytest.LogCaptureFixture) -> None:
    await _failing_session_policy("mine")
    assert any("policy mine failed closed" in r.getMessage() for r in logs.records), logs.text
