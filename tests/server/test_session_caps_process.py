"""The per-session caps on a real single-user server (SQLite in its home, no credential = agent).

The in-process tests (test_session_caps.py) cover every store in tokens mode; this one checks
that the same answers come from `goalrail server` itself, where a local agent holds no token.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from goalrail.runtime.asks import MAX_PENDING
from goalrail.server.policy_specs import MAX_SESSION_POLICIES
from tests.server.test_process import Server

GATE = "goalrail.policies.builtins.tools.tool_gate"


def test_caps_answer_the_same_on_a_single_user_server(tmp_path: Path) -> None:
    s = Server(tmp_path, tokens=False)
    try:
        console = {"Authorization": "Bearer " + (s.home / "console-token").read_text().strip()}
        with httpx.Client(base_url=s.url, timeout=30) as c:
            assert c.post("/v1/sessions", json={"id": "local"}, headers=console).status_code == 201
            long_name = {"type": "tool_call", "target": "a" * 5_000, "data": {"arguments": {}}}
            r = c.post("/v1/sessions/local/events", json=long_name)  # the agent: no credential
            assert r.status_code == 422 and r.json()["errors"][0]["loc"] == "target", r.text
            for i in range(MAX_SESSION_POLICIES):
                body = {"name": f"p{i}", "handler": GATE, "factory_params": {"ask": [f"Tool{i}"]}}
                assert c.post("/v1/sessions/local/policies", json=body, headers=console).status_code == 201
            one_more = {"name": "extra", "handler": GATE, "factory_params": {"ask": ["Bash"]}}
            assert c.post("/v1/sessions/local/policies", json=one_more, headers=console).status_code == 409
            results = [
                c.post(
                    "/v1/sessions/local/events",
                    json={"type": "tool_call", "target": "Tool0", "data": {"arguments": {"n": i}}},
                ).json()["result"]
                for i in range(MAX_PENDING + 1)
            ]
            assert results == ["ASK"] * MAX_PENDING + ["DENY"]
            pending = c.get("/v1/approvals", params={"status": "pending"}).json()["data"]
            assert c.post(f"/v1/approvals/{pending[0]['id']}", json={"decision": "approve"}).status_code == 403
    finally:
        s.stop()
