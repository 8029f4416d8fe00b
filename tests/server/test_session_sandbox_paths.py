"""A session's enforce_sandbox reads nothing of the server: answers show the paths as the user gave them."""

from __future__ import annotations

import os

import httpx
from server_support import auth

ALICE, AGENT = auth("alice"), auth("alice_agent")
SANDBOX = "goalrail.policies.builtins.safety.enforce_sandbox"


async def test_answers_never_show_server_symlink_targets(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    given = ["/proc/self/cwd", "/proc/self/fd/0", "/proc/self/exe"]
    body = {"name": "sb", "handler": SANDBOX, "factory_params": {"write_paths": given}}
    r = await client.post("/v1/sessions/s1/policies", json=body, headers=ALICE)
    assert r.status_code == 201, r.text
    assert r.json()["factory_params"] == {"write_paths": given}
    for url in ("/v1/sessions/s1/events", "/v1/sessions/s1/evaluate"):
        r = await client.post(url, json={"type": "session_start", "data": {}}, headers=AGENT)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["sandbox"]["write_paths"] == given
        assert os.path.realpath("/proc/self/cwd") not in r.text
        assert os.path.realpath("/proc/self/exe") not in r.text


async def test_the_server_home_is_refused_naming_the_parameter(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
    body = {"name": "sb", "handler": SANDBOX, "factory_params": {"read_paths": ["~"]}}
    r = await client.post("/v1/sessions/s1/policies", json=body, headers=ALICE)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_params"
    assert "read_paths" in r.json()["message"]
    assert os.path.expanduser("~") not in r.text
