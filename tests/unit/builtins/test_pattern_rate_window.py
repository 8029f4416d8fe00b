"""pattern_policy's ``max_operations_per_minute`` lists: the same decisions as the full list
(the shape stored before: every allowed operation's time, the last ``limit`` kept), which is
still read as it is; a list written again without its stale prefix stays within about two
minutes of operations."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from goalrail.engine.state import apply_update
from goalrail.patterns.model import EvaluationResult
from goalrail.policies.builtins import _rate
from goalrail.policies.builtins.patterns import pattern_policy, to_response
from tests.unit.builtins.builtin_events import shell_event

KEY = "rate:r/p"
WINDOW = 60.0


def limited(limit: int) -> Any:
    return pattern_policy(
        inline={
            "name": "r",
            "default_action": "deny",
            "patterns": [
                {
                    "id": "p",
                    "action_type": "shell_execute",
                    "pattern": ".*",
                    "action": "allow",
                    "conditions": {"max_operations_per_minute": limit},
                }
            ],
        }
    )


def reference(limit: int, stamps: list[Any], now: float) -> str:
    """The decision as it was: a scan over the whole stored list."""
    recent = sum(1 for t in stamps if isinstance(t, (int, float)) and t > now - WINDOW)
    return "DENY" if recent >= limit else "ALLOW"


def counted(stamps: list[Any], now: float) -> list[Any]:
    return sorted(t for t in stamps if isinstance(t, (int, float)) and t > now - WINDOW)


def run(limit: int, times: list[float], old: list[Any] | None = None, exact: bool = True) -> list[Any]:
    """The policy's (bounded) list and the full one through ``times``.  ``exact``: every
    decision equal; otherwise (a clock that goes back) never stricter than the full list."""
    policy = limited(limit)
    state: dict[str, Any] = {KEY: list(old)} if old is not None else {}
    full: list[Any] = list(old or [])
    for now in times:
        out = policy(shell_event("ls", now=now, policy_state=state))
        expected = reference(limit, full, now)
        if exact:
            assert out["result"] == expected, (now, state, full)
        else:
            assert out["result"] == "ALLOW" or expected == "DENY", (now, state, full)
        if out["result"] == "ALLOW":
            (upd,) = out["state_updates"]
            apply_update(state, upd)
        if expected == "ALLOW":
            full = [*full, now][-limit:]
        if exact:
            assert counted(state.get(KEY, []), now) == counted(full, now)
    return state.get(KEY, [])


@pytest.mark.parametrize("seed", range(30))
def test_same_decisions_as_the_full_list_on_a_clock_that_never_goes_back(seed: int) -> None:
    rng = random.Random(seed)
    limit = rng.choice([1, 2, 3, 5, 20, 100, 1000])
    now, times = 1_000.0, []
    for _ in range(500):
        # bursts, ties (the same time twice), gaps of exactly one window, long pauses
        now += rng.choice([0.0, 0.001, 0.1, 1.0, 15.0, WINDOW, 2 * WINDOW, 60 * rng.random()])
        times.append(now)
    kept = run(limit, times)
    assert len(kept) <= max(limit, 2 * _rate._RATE_SLACK + 2 * len(counted(kept, times[-1])) + 2)


def test_exactly_at_the_limit_and_the_window_edges() -> None:
    # an operation exactly 60 s old no longer counts; one a hair younger does
    run(3, [10.0, 10.0, 10.0, 10.0, 69.999, 70.0, 70.0, 70.0, 70.0, 130.0, 130.0, 130.0, 130.5, 190.0])
    run(2, [float(t) for t in range(0, 3_000, 7)])  # never longer than the limit
    run(40, [float(t) for t in range(0, 3_000, 1)])  # at the limit every minute, stale prefix rewritten


def test_long_sessions_keep_about_two_minutes_of_operations() -> None:
    policy = limited(100_000)
    state: dict[str, Any] = {}
    sizes, actions = [], set()
    for i in range(3_000):  # an operation a second for 50 minutes
        out = policy(shell_event("ls", now=1_000.0 + i, policy_state=state))
        assert out["result"] == "ALLOW"
        (upd,) = out["state_updates"]
        actions.add(upd["action"])
        apply_update(state, upd)
        sizes.append(len(state[KEY]))
    assert actions == {"append", "set"}
    assert max(sizes[200:]) <= 2 * 61 + 1  # it was 3,000 (every operation, up to the limit)


def test_the_rewrite_drops_the_stale_prefix_only() -> None:
    policy = limited(5_000)
    old = [float(t) for t in range(1_000)]  # stored before: every operation since the start
    out = policy(shell_event("ls", now=1_000.0, policy_state={KEY: old}))
    assert out["state_updates"] == [
        {"key": KEY, "action": "set", "value": [*map(float, range(941, 1_000)), 1_000.0], "scope": "policy"}
    ]
    run(5_000, [1_000.0 + t / 3 for t in range(400)], old=old)
    few = [float(t) for t in range(50)]  # 10 stale at 70.0: under the slack, appended as before
    out = policy(shell_event("ls", now=70.0, policy_state={KEY: few}))
    assert out["state_updates"] == [
        {"key": KEY, "action": "append", "value": 70.0, "scope": "policy", "max_len": 5_000}
    ]


@pytest.mark.parametrize(
    "stamps",
    [
        [50.0, 30.0, 70.0, 20.0] * 10,  # written by a clock that went back (or an approval applied late)
        [1.0, "x", None, 80.0, True, float("nan"), 90.0] * 6,  # not written by this policy
        [90.0] + ["x"] * 20,  # a counted time before foreign values: kept where the full list keeps it
        [float("nan")] * 20 + [90.0, 95.0],
        [1, 2, 3, 90, 95.5, 10**400],  # ints, one too large for a float
        [float("-inf")] * 20 + [90.0, float("inf")],
        [0.0] * 17 + [100.0] + [1.0] * 17,
    ],
)
def test_unsorted_or_foreign_lists_are_read_as_before(stamps: list[Any]) -> None:
    for limit in (1, 2, 3, 40):
        for now in (80.0, 90.0, 95.0, 100.0, 149.99, 150.0, 200.0):
            run(limit, [now, now, now + 1.0, now + 59.0, now + 60.0, now + 200.0], old=stamps)


@pytest.mark.parametrize("seed", range(20))
def test_a_clock_that_goes_back_is_never_stricter_than_the_full_list(seed: int) -> None:
    rng = random.Random(seed)
    limit = rng.choice([2, 5, 20, 100])
    now, times = 1_000.0, []
    for _ in range(400):
        now += rng.choice([0.5, 1.0, 5.0, -1.0, -30.0, -WINDOW, -3 * WINDOW, 60 * rng.random()])
        times.append(now)
    run(limit, times, exact=False)
    # and exact while it does not: the same session again, every time rounded up to the latest
    run(limit, [max(times[: i + 1]) for i in range(len(times))])


def test_a_clock_gone_back_after_a_rewrite_forgets_the_dropped_operations() -> None:
    # the list is written again at 200 s without the operations at or before 140 s; an event
    # at 150 s (the clock went back 50 s) no longer counts those in (90 s, 140 s]
    stamps = [100.0 + t for t in range(41)] + [200.0] * 3
    policy = limited(40)
    out = policy(shell_event("ls", now=200.0, policy_state={KEY: stamps}))
    state = {KEY: list(stamps)}
    apply_update(state, out["state_updates"][0])
    assert out["state_updates"][0]["action"] == "set" and state[KEY] == [*stamps[41:], 200.0]
    assert reference(40, [*stamps, 200.0], 150.0) == "DENY"
    assert policy(shell_event("ls", now=150.0, policy_state=state))["result"] == "ALLOW"


def test_a_key_counted_twice_by_one_result_is_appended_twice() -> None:
    res = EvaluationResult(allowed=True, action="allow", policy="r", reason="ok", matched=True)
    res.rate_keys = [("r/p", 3), ("r/p", 5)]
    window = ([float(t) for t in range(40)], 40, 40.0)
    out = to_response(res, 100.0, {"r/p": window})
    assert out is not None and [u["action"] for u in out["state_updates"]] == ["append", "append"]
    res.rate_keys = [("r/p", 3)]
    out = to_response(res, 100.0, {"r/p": window})
    assert out is not None and out["state_updates"] == [
        {"key": KEY, "action": "set", "value": [100.0], "scope": "policy"}
    ]


def test_a_clock_that_is_not_finite_is_never_rewritten() -> None:
    stamps = [float(t) for t in range(100)]
    for now in (math.inf, -math.inf, math.nan):
        out = limited(1_000)(shell_event("ls", now=now, policy_state={KEY: stamps}))
        assert all(u["action"] == "append" for u in out.get("state_updates", []))


async def test_a_held_rewrite_is_applied_on_approval_and_replays_the_same() -> None:
    """An ASK (tool_gate) holds the pattern's rewrite of its list; operations are allowed
    meanwhile; on approval the operation's time is counted and the session replays unchanged."""
    import itertools

    from goalrail.engine.spec import PolicySpec
    from goalrail.policies.registry import Registry
    from goalrail.runtime import trace
    from goalrail.runtime.replay import Replayer
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore
    from tests.replay.recording import export

    inline = {
        "name": "r",
        "default_action": "allow",
        "patterns": [
            {
                "id": "p",
                "action_type": "tool_call",
                "pattern": ".*",
                "action": "allow",
                "conditions": {"max_operations_per_minute": 100},
            }
        ],
    }
    clock = itertools.count(0)
    specs = [
        PolicySpec("pp", "goalrail.policies.builtins.patterns.pattern_policy", params={"inline": inline}),
        PolicySpec("gate", "goalrail.policies.builtins.tools.tool_gate", params={"ask": ["deploy"]}),
    ]
    rt = Runtime(
        MemoryStore(), registry=Registry.load(), server_specs=specs, clock=lambda: 1_800_000_000 + next(clock) * 6
    )
    call = {"type": "tool_call", "target": "mcp__x__ping", "data": {"arguments": {}}}
    for _ in range(41):  # 246 s of calls: the list is rewritten at 150 s, and by the ASK at 246 s
        assert (await rt.evaluate("s", call)).result == "ALLOW"
    asked = await rt.evaluate("s", {"type": "tool_call", "target": "deploy", "data": {"arguments": {}}})
    assert asked.result == "ASK" and asked.approval_id
    for _ in range(3):
        assert (await rt.evaluate("s", call)).result == "ALLOW"
    await rt.resolve(asked.approval_id, "approve", by="alice")
    async with rt.store.transaction("s") as tx:
        snap = await tx.snapshot(user_day="2027-01-15")
    (stamps,) = [v[KEY] for ns, v in snap.policy_states.items() if ns.endswith(":pp")]
    assert 1_800_000_000 + 41 * 6 in stamps  # the approved call's time
    approval = [e for e in await rt.store.audit_entries(session_id="s") if e["kind"] == "approval"]
    assert approval[-1]["payload"].get("rederived") is True  # the held rewrite went stale: evaluated again
    assert len(stamps) <= 2 * (_rate._RATE_SLACK + 11)
    recorded = trace.loads((await export(rt.store, "s")).to_jsonl())
    info = await rt.store.get_session("s")
    assert info is not None
    chain = await rt.chain_for(info)
    report = await Replayer(lambda _t: chain).run([recorded])
    assert report.changed == 0, [c.to_dict() for c in report.changes]
