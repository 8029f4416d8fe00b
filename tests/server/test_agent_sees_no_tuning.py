"""An agent credential sees which policies govern it, not how they are tuned (real `goalrail
server`, HTTP).

The admin's server-wide `pattern_policy` matches a regex, the agent spec caps tool calls at a
threshold and maps a tool onto a shell, the user adds a session policy with its own limit.
Before, an agent token read every one of those parameters — the exact regex, the threshold,
`on_error`, the deadline, the file the policy is defined in, the spec's tool mapping — through
`GET /v1/sessions/{id}/policies` (`inherited`, which the chat tool `sys_list_policies` returns),
`GET /v1/sessions/{id}`, `GET /v1/policies[/{id}]` and `GET /v1/agents[/{name}]`: enough to pass
just under each.  Now those are withheld from an agent credential on every route (and the
answer says which keys were); people still see them whole (docs/security.md, "Lower levels only
tighten").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.server.test_process import TOKENS, Server

PATTERNS = "goalrail.policies.builtins.patterns.pattern_policy"
CAP = "goalrail.policies.builtins.safety.max_tool_calls_per_session"
#: values only the policies' parameters hold: none may reach an agent credential
SERVER_REGEX = "zq-server-regex-7781"
SPEC_LIMIT = 4321
SESSION_LIMIT = 8765
MAPPED_TOOL = "zq_mapped_runner"
SECRETS = (SERVER_REGEX, str(SPEC_LIMIT), str(SESSION_LIMIT), MAPPED_TOOL, "config.yaml", "coder.yaml")


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("tuning")
    agents = tmp / "agents"
    agents.mkdir()
    spec = {
        "name": "coder",
        "tool_mapping": {MAPPED_TOOL: "sys_os_shell"},
        "policies": {"cap": {"type": "function", "handler": CAP, "factory_params": {"limit": SPEC_LIMIT}}},
    }
    (agents / "coder.yaml").write_text(json.dumps(spec) + "\n")
    rule = {"action_type": "shell_execute", "pattern": SERVER_REGEX, "action": "deny", "severity": "high"}
    guard = {
        "type": "function",
        "handler": PATTERNS,
        "factory_params": {"inline": {"name": "guard", "patterns": [rule]}},
        "on_error": "allow",
        "timeout_ms": 1234,
    }
    lines = [f"agents_dir: {agents}", f"policies: {json.dumps({'guard': guard})}", "auth:", "  tokens:"]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    s = Server(tmp, config=config)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ids(server: Server) -> dict[str, str]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/v1/sessions", json={"id": "s-tuning", "agent": "coder"}, headers=_h("alice"))
        assert r.status_code == 201, r.text
        body = {"name": "mine", "handler": CAP, "factory_params": {"limit": SESSION_LIMIT}}
        r = c.post("/v1/sessions/s-tuning/policies", json=body, headers=_h("alice"))
        assert r.status_code == 201, r.text
        return {"session": "s-tuning", "pid": r.json()["id"]}


def _routes(ids: dict[str, str]) -> list[str]:
    sid = ids["session"]
    return [
        f"/v1/sessions/{sid}/policies",
        f"/v1/sessions/{sid}/policies/{ids['pid']}",
        f"/v1/sessions/{sid}",
        "/v1/policies",
        "/v1/policies/server:guard",
        "/v1/agents",
        "/v1/agents/coder",
    ]


def _get(server: Server, path: str, who: str) -> Any:
    r = httpx.get(server.url + path, headers=_h(who), timeout=30)
    assert r.status_code == 200, (path, r.text)
    return r.json()


@pytest.mark.parametrize("index", range(7))
def test_agent_token_reads_no_parameter_on_any_route(server: Server, ids: dict[str, str], index: int) -> None:
    path = _routes(ids)[index]
    text = json.dumps(_get(server, path, "agent"))
    leaked = [s for s in SECRETS if s in text]
    assert not leaked, (path, leaked)
    assert "factory_params" in text or "tool_mapping" in text  # named as withheld, not silently gone
    assert "withheld" in text


def test_agent_token_reads_no_on_error_or_deadline(server: Server, ids: dict[str, str]) -> None:
    listing = _get(server, f"/v1/sessions/{ids['session']}/policies", "agent")
    guard = next(p for p in listing["inherited"] if p["name"] == "guard")
    assert "on_error" not in guard and "timeout_ms" not in guard and "factory_params" not in guard
    assert set(guard["withheld"]) >= {"factory_params", "on_error"}


def test_control_agent_still_sees_which_policies_govern_it(server: Server, ids: dict[str, str]) -> None:
    listing = _get(server, f"/v1/sessions/{ids['session']}/policies", "agent")
    shown = {(p["name"], p["handler"], p["level"]) for p in listing["data"] + listing["inherited"]}
    assert {("mine", CAP, "session"), ("cap", CAP, "agent"), ("guard", PATTERNS, "server")} <= shown


def test_control_user_sees_every_parameter(server: Server, ids: dict[str, str]) -> None:
    for path in _routes(ids):
        _get(server, path, "alice")
    listing = _get(server, f"/v1/sessions/{ids['session']}/policies", "alice")
    by_name = {p["name"]: p for p in listing["data"] + listing["inherited"]}
    assert by_name["mine"]["factory_params"] == {"limit": SESSION_LIMIT}
    assert by_name["cap"]["factory_params"] == {"limit": SPEC_LIMIT}
    assert SERVER_REGEX in json.dumps(by_name["guard"]["factory_params"])
    assert by_name["guard"]["on_error"] == "allow"
    assert _get(server, "/v1/agents/coder", "alice")["tool_mapping"] == {MAPPED_TOOL: "sys_os_shell"}


def test_control_the_guard_still_denies_for_the_agent(server: Server, ids: dict[str, str]) -> None:
    event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"{SERVER_REGEX} --now"}}}
    r = httpx.post(f"{server.url}/v1/sessions/{ids['session']}/events", json=event, headers=_h("agent"), timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "DENY"
