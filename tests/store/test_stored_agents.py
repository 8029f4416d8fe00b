"""Agent specs uploaded through one process are the specs every process judges by
(``runtime/stored_agents.py``): two runtimes, each on its own store of one
database, as two workers or replicas of a server are.  A session whose agent spec
a process does not hold fails closed instead of running without the agent's
policies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from goalrail.config.agent import agent_spec_from_text
from goalrail.runtime import Runtime
from goalrail.store import open_store

pytestmark = pytest.mark.asyncio

GATE = "goalrail.policies.builtins.tools.tool_gate"
READ = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/f"}}}
WRITE = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/f"}}}


def _yaml(denied: str, handler: str = GATE) -> str:
    gate = f"{{type: function, handler: {handler}, factory_params: {{deny: [{denied}]}}}}"
    return f"name: coder\npolicies:\n  gate: {gate}\n"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def pair(shared_url: str) -> AsyncIterator[tuple[Runtime, Runtime]]:
    one, two = await open_store(shared_url), await open_store(shared_url)
    try:
        yield Runtime(one), Runtime(two)
    finally:
        await one.close()
        await two.close()


async def _upload(rt: Runtime, text: str) -> None:
    """What ``POST /v1/agents`` does on the process that takes it."""
    spec = agent_spec_from_text(text, registry=rt.registry, require_registered=True)
    await rt.store.put_agent(spec.name, text)
    rt.set_agent(spec)


async def _verdict(rt: Runtime, session: str, event: dict[str, Any]) -> tuple[str, str | None, str]:
    d = (await rt.evaluate(session, event, owner="alice")).decision
    return d.result, d.policy, d.reason


async def test_an_upload_on_one_process_is_judged_by_on_the_other(pair: tuple[Runtime, Runtime]) -> None:
    one, two = pair
    await two.evaluate("warm", READ, owner="alice")  # the second process has built chains before the upload
    await _upload(one, _yaml("Write"))
    # a session created on the other process under the new agent: not refused there
    assert await two.knows_agent("coder")
    await two.evaluate("s1", READ, owner="alice", agent="coder")
    assert (await _verdict(two, "s1", WRITE))[:2] == ("DENY", "gate")
    assert (await _verdict(one, "s1", WRITE))[:2] == ("DENY", "gate")


async def test_an_agent_uploaded_again_replaces_its_policies_everywhere(pair: tuple[Runtime, Runtime]) -> None:
    one, two = pair
    await _upload(one, _yaml("Write"))
    await one.evaluate("s1", READ, owner="alice", agent="coder")
    assert (await _verdict(two, "s1", READ))[:2] == ("ALLOW", None)
    assert (await _verdict(two, "s1", WRITE))[:2] == ("DENY", "gate")
    await _upload(one, _yaml("Read"))
    assert (await _verdict(two, "s1", READ))[:2] == ("DENY", "gate")
    assert (await _verdict(two, "s1", WRITE))[:2] == ("ALLOW", None)
    assert [a for a in await two.current_agents()] == ["coder"]


async def test_a_stored_spec_that_no_longer_loads_fails_its_sessions_closed(pair: tuple[Runtime, Runtime]) -> None:
    one, two = pair
    await _upload(one, _yaml("Write"))
    await one.evaluate("s1", READ, owner="alice", agent="coder")
    assert (await _verdict(two, "s1", READ))[:2] == ("ALLOW", None)
    # stored by a server whose registry had a handler this one lacks
    await one.store.put_agent("coder", _yaml("Write", handler="gone_module.gate"))
    result, policy, reason = await _verdict(two, "s1", READ)
    assert (result, policy) == ("DENY", "agent_spec"), reason
    assert "agent spec `coder`" in reason and "no longer loads" in reason
    assert "coder" not in await two.current_agents()


async def test_a_session_under_an_agent_this_process_does_not_hold_is_denied(pair: tuple[Runtime, Runtime]) -> None:
    one, two = pair
    # a server given `ghost` from its agents directory; restarted with the file removed
    ghost = agent_spec_from_text(_yaml("Write").replace("coder", "ghost"), registry=one.registry)
    before = Runtime(one.store, agents={"ghost": ghost})
    await before.evaluate("s1", READ, owner="alice", agent="ghost")
    assert (await _verdict(before, "s1", WRITE))[:2] == ("DENY", "gate")
    for after in (Runtime(one.store), two):
        result, policy, reason = await _verdict(after, "s1", READ)
        assert (result, policy) == ("DENY", "agent_spec"), reason
        assert "agent spec `ghost`: it is not known to this server" in reason
        assert not await after.knows_agent("ghost")
