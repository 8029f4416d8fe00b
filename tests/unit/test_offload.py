"""Sync policies off the event loop: deadlines enforced while they run, abandoned threads accounted."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.offload import PER_POLICY, PER_SESSION
from goalrail.engine.spec import PolicySpec


def _policy(name: str, fn: Any, *, timeout_s: float = 5.0, on_error: str = "deny", inline: bool = False) -> Any:
    spec = PolicySpec(name, f"tests.{name}", level="session", on_error=on_error)
    return CompiledPolicy(spec, fn, False, timeout_s, False, spec.key, inline=inline)


def _sleeper(seconds: float) -> Any:
    def fn(event: Any) -> None:
        time.sleep(seconds)

    return fn


def _event(session: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"x": 1}, "context": {"session_id": session}}


def _allow(event: Any) -> Any:
    return {"result": "ALLOW", "reason": "ok"}


def _deny(event: Any) -> Any:
    return {"result": "DENY", "reason": "no"}


def _rewrite(event: Any) -> Any:
    return {"result": "ALLOW", "data": {"x": 2}}


def _sees(event: Any) -> Any:
    return {"result": "DENY", "reason": f"x={event['data']['x']}"}


async def test_the_same_answers_off_the_loop_as_inline() -> None:
    for fns in ([_allow, _deny], [_rewrite, _sees], [_allow, _allow]):
        off = Chain([_policy(f"p{i}", fn) for i, fn in enumerate(fns)])
        on = Chain([_policy(f"p{i}", fn, inline=True) for i, fn in enumerate(fns)])
        assert off.has_offload and not on.has_offload
        a, b = await aevaluate(off, _event("same")), evaluate(on, _event("same"))
        assert (a.result, a.reason, a.policy) == (b.result, b.reason, b.policy)
        assert [d.verdict for d in a.decisions] == [d.verdict for d in b.decisions]


async def test_the_deadline_is_enforced_while_the_policy_runs() -> None:
    release, finished = threading.Event(), threading.Event()

    def stuck(event: Any) -> None:  # runs until the test lets it go (at most 30 s)
        release.wait(30)
        finished.set()

    chain = Chain([_policy("stuck", stuck, timeout_s=0.2), _policy("after", _allow)])
    d = await aevaluate(chain, _event("deadline"))
    assert not finished.is_set()  # answered while the policy still ran (not once it returned)
    release.set()
    assert d.result == "DENY" and d.policy == "stuck" and "deadline of 200 ms" in d.reason
    assert [x.verdict for x in d.decisions] == ["DENY", "SKIPPED"]


async def test_an_explicit_on_error_continues_with_the_rest_of_the_chain() -> None:
    chain = Chain([_policy("stuck", _sleeper(3), timeout_s=0.2, on_error="allow"), _policy("after", _deny)])
    d = await aevaluate(chain, _event("on-error"))
    assert d.result == "DENY" and d.policy == "after"
    assert "deadline" in (d.decisions[0].reason or "")


async def test_the_loop_stays_free_while_a_policy_hangs() -> None:
    ticked = threading.Event()

    def waits_for_the_loop(event: Any) -> Any:  # returns only once the event loop has run 20 ticks
        return {"result": "ALLOW" if ticked.wait(30) else "DENY", "reason": "waited"}

    chain = Chain([_policy("waits", waits_for_the_loop, timeout_s=60)])
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1
            if ticks == 20:
                ticked.set()

    t = asyncio.create_task(tick())
    d = await aevaluate(chain, _event("free"))
    t.cancel()
    assert d.result == "ALLOW" and ticks >= 20  # the loop ticked while the policy ran (inline, it never could)


async def test_abandoned_threads_are_bounded_per_policy_and_per_session() -> None:
    started: list[float] = []
    # The hung threads run until the test lets them go (was: 2 s, which a stalled loaded machine
    # could let pass before the last call that must find them held; and 2.5 s later they had to be
    # gone, which a loaded machine could also miss: now a poll after they are let go).
    release = threading.Event()

    def sleeper(event: Any) -> None:
        started.append(time.monotonic())
        release.wait(120)

    third = _policy("third", _allow)
    try:
        stuck = _policy("stuck", sleeper, timeout_s=0.05)
        for _ in range(PER_POLICY):
            assert "deadline" in (await aevaluate(Chain([stuck]), _event("quota"))).reason
        d = await aevaluate(Chain([stuck]), _event("quota"))
        assert "not run" in d.reason and "stuck" in d.reason
        assert len(started) == PER_POLICY  # refused without a thread: the policy never started
        # another policy of the same session: the session's budget runs out too
        other = _policy("other", lambda event: release.wait(120), timeout_s=0.05)
        for _ in range(PER_SESSION - PER_POLICY):
            assert "deadline" in (await aevaluate(Chain([other]), _event("quota"))).reason
        d = await aevaluate(Chain([third]), _event("quota"))
        assert d.result == "DENY" and "this session has" in d.reason
        # other sessions are not affected
        assert (await aevaluate(Chain([third]), _event("elsewhere"))).result == "ALLOW"
    finally:
        release.set()
    # and the budget comes back with the threads
    for _ in range(600):
        d = await aevaluate(Chain([third]), _event("quota"))
        if d.result == "ALLOW":
            break
        await asyncio.sleep(0.05)
    assert d.result == "ALLOW", d.reason
