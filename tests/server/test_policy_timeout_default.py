"""The server's default policy deadline, ``limits.policy_timeout_ms`` (real `goalrail server`, HTTP).

A policy that sets no ``timeout_ms`` of its own runs under the server's default; one that sets
its own keeps it, whichever is longer.  Before, the default was fixed at 5 s and the key was
refused as unknown, so an operator with a slow policy could not shorten (or lengthen) every
policy's deadline in one place.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from goalrail.config.server import server_config_from_text
from goalrail.errors import GoalrailError
from tests.server.test_process import TOKENS, Server, auth_lines

DEFAULT_MS = 300  # the server's default here
NAP_S = 2.0  # the slow policy's sleep: far past the default, far below its own deadline


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("policy-timeout")
    agents = tmp / "agents"
    agents.mkdir()
    nap = f"{{type: function, handler: gr_slowpolicies.hang, factory_params: {{seconds: {NAP_S}}}"
    (agents / "hasty.yaml").write_text(f"name: hasty\npolicies:\n  nap: {nap}}}\n")
    (agents / "patient.yaml").write_text(f"name: patient\npolicies:\n  nap: {nap}, timeout_ms: 60000}}\n")
    lines = [
        "policy_modules: [gr_slowpolicies]",
        f"agents_dir: {agents}",
        f"limits: {{policy_timeout_ms: {DEFAULT_MS}}}",
        *auth_lines(),
    ]
    config = tmp / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    s = Server(tmp, config=config)
    yield s
    s.stop()


def _first(client: httpx.Client, agent: str) -> dict[str, Any]:
    sid = f"s-{agent}"
    assert client.post("/v1/sessions", json={"id": sid, "agent": agent}, headers=_h("alice")).status_code == 201
    event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
    r = client.post(f"/v1/sessions/{sid}/events", json=event, headers=_h("agent"))
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_policy_without_its_own_deadline_gets_the_servers(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        body = _first(client, "hasty")
    assert body["result"] == "DENY" and body["policy"] == "nap", body  # fails closed, naming it
    assert f"deadline of {DEFAULT_MS} ms" in body["reason"], body


def test_a_policy_with_its_own_deadline_keeps_it(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        body = _first(client, "patient")
    assert body["result"] == "ALLOW", body  # 2 s within its own 60 s, past the server's 300 ms


@pytest.mark.parametrize("value", ["0", "-5", "'fast'", "true", "700000", ".nan", ".inf"])
def test_a_bad_default_is_refused_naming_the_key(value: str) -> None:
    with pytest.raises(GoalrailError) as err:
        server_config_from_text(f"limits: {{policy_timeout_ms: {value}}}\n", "config.yaml")
    assert "limits.policy_timeout_ms" in str(err.value)
    assert "config.yaml:1" in str(err.value)


def test_the_default_is_read_from_the_config() -> None:
    assert server_config_from_text("limits: {policy_timeout_ms: 1500}\n").policy_timeout_ms == 1500.0
    assert server_config_from_text("{}\n").policy_timeout_ms == 5000.0
