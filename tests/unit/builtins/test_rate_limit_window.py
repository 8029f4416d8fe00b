"""rate_limit's bounded state: the same decisions and reasons as the full list of calls
(the shape stored before: every allowed call's time, the last ``max_calls`` kept),
which is still read as it is."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from goalrail.engine.state import apply_update
from goalrail.policies.builtins import _rate, safety
from tests.unit.builtins.builtin_events import shell_event


def reference(max_calls: int, window: float, calls: list[Any], now: float) -> tuple[str, str | None]:
    """The decision of the policy as it was: a scan over the whole stored list."""
    recent = [t for t in calls if isinstance(t, (int, float)) and now - window < t <= now]
    if len(recent) >= max_calls:
        retry = max(0.0, min(recent) + window - now)
        return "DENY", f"rate limit: {max_calls} calls per {window:g} s reached; retry in {math.ceil(retry)} s"
    return "ALLOW", None


def run(max_calls: int, window: float, times: list[float], old: list[Any] | None = None) -> None:
    """Both states through ``times``: the policy's (bounded) and the full list; every answer equal."""
    policy = safety.rate_limit(max_calls=max_calls, window_seconds=window)
    state: dict[str, Any] = {"calls": list(old)} if old is not None else {}
    full: list[Any] = list(old or [])
    longest = 0
    for now in times:
        out = policy(shell_event("ls", now=now, policy_state=state))
        result, reason = reference(max_calls, window, full, now)
        assert (out["result"], out.get("reason")) == (result, reason), (now, state, full)
        if result == "ALLOW":
            full = ([*full, now])[-max_calls:]
            (upd,) = out["state_updates"]
            apply_update(state, upd)
        longest = max(longest, len(state.get("calls", [])))
        assert in_window(state.get("calls", []), now, window) == in_window(full, now, window)
    assert longest <= max(2 * max_calls, 2 * _rate._RATE_SLACK + 2 * len(in_window(full, times[-1], window)) + 2)


def in_window(calls: list[Any], now: float, window: float) -> list[Any]:
    return sorted(t for t in calls if isinstance(t, (int, float)) and now - window < t <= now)


@pytest.mark.parametrize("seed", range(40))
def test_same_decisions_as_the_full_list_on_a_clock_that_never_goes_back(seed: int) -> None:
    rng = random.Random(seed)
    max_calls = rng.choice([1, 2, 3, 5, 20, 100, 1000])
    window = rng.choice([0.5, 1.0, 1.5, 10.0, 60.0])
    now, times = 1_000.0, []
    for _ in range(600):
        # bursts, ties (the same time twice), gaps of exactly one window, long pauses
        now += rng.choice([0.0, 0.001, 0.01, 0.1, window / 4, window, 2 * window, rng.random()])
        times.append(now)
    run(max_calls, window, times)


def test_exactly_max_calls_and_window_boundaries() -> None:
    # a call exactly `window` old no longer counts; one a hair younger does
    run(3, 1.0, [10.0, 10.0, 10.0, 10.0, 10.999, 11.0, 11.0, 11.0, 11.0, 12.0, 12.0, 12.0, 12.5, 13.0])
    # the list kept is never longer than max_calls, whatever the rewrite would keep
    run(2, 100.0, [float(t) for t in range(300)])


def test_long_sessions_keep_about_two_windows_of_calls() -> None:
    policy = safety.rate_limit(max_calls=100_000, window_seconds=1)
    state: dict[str, Any] = {}
    sizes, actions = [], set()
    for i in range(5_000):  # 50 calls a second for 100 s
        out = policy(shell_event("ls", now=1_000.0 + i / 50, policy_state=state))
        assert out["result"] == "ALLOW"
        (upd,) = out["state_updates"]
        actions.add(upd["action"])
        apply_update(state, upd)
        sizes.append(len(state["calls"]))
    assert actions == {"append", "set"}
    assert max(sizes[1000:]) <= 2 * 51 + 1  # it was 5,000 (every call, up to max_calls)


def test_old_shape_state_is_read_and_compacted() -> None:
    # a list stored before (every call since the start of the session, up to max_calls)
    old = [float(t) for t in range(1_000)]
    policy = safety.rate_limit(max_calls=5_000, window_seconds=10)
    out = policy(shell_event("ls", now=1_000.0, policy_state={"calls": old}))
    assert out["result"] == "ALLOW"
    assert out["state_updates"] == [
        {"key": "calls", "action": "set", "value": [*map(float, range(991, 1_000)), 1_000.0], "scope": "policy"}
    ]
    run(5_000, 10.0, [1_000.0 + t / 3 for t in range(100)], old=old)
    run(8, 10.0, [1_000.0 + t / 3 for t in range(100)], old=old[-8:])


def test_few_stale_calls_are_appended_as_before() -> None:
    policy = safety.rate_limit(max_calls=50, window_seconds=10)
    state = {"calls": [float(t) for t in range(20)]}  # 10 stale at 20.0: under the slack
    out = policy(shell_event("ls", now=20.0, policy_state=state))
    assert out["state_updates"] == [
        {"key": "calls", "action": "append", "value": 20.0, "scope": "policy", "max_len": 50}
    ]


@pytest.mark.parametrize(
    "calls",
    [
        [5.0, 3.0, 7.0, 2.0] * 10,  # written by a clock that went back (or an approval applied late)
        [1.0, "x", None, 8.0, True, float("nan"), 9.0] * 6,  # not written by this policy
        [float("nan")] * 20 + [9.0, 9.5],
        [1, 2, 3, 9, 9.5],  # ints
        [float("-inf"), 9.0, float("inf")],
        [9.0] + ["x"] * 20,  # a call in the window before foreign values: kept where the full list keeps it
        [1, 2, 9, 10**400],  # an int too large for a float
    ],
)
def test_unsorted_or_foreign_lists_are_read_as_before(calls: list[Any]) -> None:
    for max_calls in (1, 2, 3, 40):
        policy = safety.rate_limit(max_calls=max_calls, window_seconds=3)
        for now in (8.0, 9.0, 9.5, 10.0, 11.99, 12.0, 20.0):
            out = policy(shell_event("ls", now=now, policy_state={"calls": calls}))
            assert (out["result"], out.get("reason")) == reference(max_calls, 3.0, calls, now)
            if out["result"] == "ALLOW":
                state: dict[str, Any] = {"calls": list(calls)}
                apply_update(state, out["state_updates"][0])
                later = [now, now + 1.0, now + 3.0]
                expected = ([*list(calls), now])[-max_calls:]
                for t in later:  # what the rewritten list decides later, the full one did too
                    assert reference(max_calls, 3.0, state["calls"], t) == reference(max_calls, 3.0, expected, t)


def test_a_clock_gone_back_less_than_a_window_after_a_rewrite_is_more_lenient() -> None:
    # the list is written again at 200 s without the calls at or before 140 s; an event at
    # 150 s (the clock went back 50 s, less than the window) no longer counts those in (90, 140]
    calls = [100.0 + t for t in range(41)] + [200.0] * 3
    policy = safety.rate_limit(max_calls=40, window_seconds=60)
    out = policy(shell_event("ls", now=200.0, policy_state={"calls": calls}))
    assert out["state_updates"] == [{"key": "calls", "action": "set", "value": [200.0] * 4, "scope": "policy"}]
    assert reference(40, 60.0, [*calls, 200.0], 150.0)[0] == "DENY"
    assert policy(shell_event("ls", now=150.0, policy_state={"calls": [200.0] * 4}))["result"] == "ALLOW"


def test_a_denial_writes_nothing_and_names_the_earliest_call_in_the_window() -> None:
    policy = safety.rate_limit(max_calls=3, window_seconds=60)
    calls = [float(t) for t in range(0, 100, 2)]  # 50 calls, sorted
    out = policy(shell_event("ls", now=100.0, policy_state={"calls": calls}))
    assert out == {"result": "DENY", "reason": "rate limit: 3 calls per 60 s reached; retry in 2 s"}


async def test_a_held_rewrite_is_applied_on_approval_and_replays_the_same() -> None:
    """An ASK (tool_gate) holds rate_limit's rewrite of the list; calls are allowed meanwhile;
    on approval the call's time is counted and the recorded session replays unchanged."""
    import itertools

    from goalrail.engine.spec import PolicySpec
    from goalrail.policies.registry import Registry
    from goalrail.runtime import trace
    from goalrail.runtime.replay import Replayer
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore
    from tests.replay.recording import export

    clock = itertools.count(0)
    specs = [
        PolicySpec(
            "rl", "goalrail.policies.builtins.safety.rate_limit", params={"max_calls": 100, "window_seconds": 1}
        ),
        PolicySpec("gate", "goalrail.policies.builtins.tools.tool_gate", params={"ask": ["deploy"]}),
    ]
    rt = Runtime(
        MemoryStore(), registry=Registry.load(), server_specs=specs, clock=lambda: 1_800_000_000 + next(clock) / 10
    )
    ls = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
    for _ in range(41):  # 4.1 s of calls: the list is rewritten at 2.5 s, and by the ASK at 4.1 s
        assert (await rt.evaluate("s", ls)).result == "ALLOW"
    asked = await rt.evaluate("s", {"type": "tool_call", "target": "deploy", "data": {"arguments": {}}})
    assert asked.result == "ASK" and asked.approval_id
    for _ in range(3):
        assert (await rt.evaluate("s", ls)).result == "ALLOW"
    await rt.resolve(asked.approval_id, "approve", by="alice")
    async with rt.store.transaction("s") as tx:
        snap = await tx.snapshot(user_day="2027-01-15")
    (calls,) = [v["calls"] for ns, v in snap.policy_states.items() if ns.endswith(":rl")]
    assert 1_800_000_000 + 41 / 10 in calls  # the approved call's time
    approval = [e for e in await rt.store.audit_entries(session_id="s") if e["kind"] == "approval"]
    assert approval[-1]["payload"].get("rederived") is True  # the held rewrite went stale: evaluated again
    assert len(calls) <= 2 * (_rate._RATE_SLACK + 11)
    recorded = trace.loads((await export(rt.store, "s")).to_jsonl())
    info = await rt.store.get_session("s")
    assert info is not None
    chain = await rt.chain_for(info)
    report = await Replayer(lambda _t: chain).run([recorded])
    assert report.changed == 0, [c.to_dict() for c in report.changes]


def scan_window(calls: list[Any], start: float, now: float) -> tuple[int, float, int]:
    recent = [t for t in calls if isinstance(t, (int, float)) and start < t <= now]
    live = (i for i, t in enumerate(calls) if isinstance(t, (int, float)) and t > start)
    return len(recent), min(recent, default=0.0), next(live, len(calls))


@pytest.mark.parametrize("seed", range(30))
def test_the_sorted_path_is_taken_only_for_numbers_without_nan(seed: int) -> None:
    """A NaN anywhere (found by the sum) sends a list to the scan; whichever way a list is read,
    the window is the scan's (both infinities also go to the scan; an int too large for a float,
    summed with ints only, is compared exactly by the bisections too)."""
    rng = random.Random(seed)
    pool: list[Any] = [1.0, 2.5, 3, True, False, float("nan"), float("inf"), float("-inf"), 10**400, "x", None]
    for _ in range(300):
        calls = sorted(rng.choices([0.5, 1.0, 1.5, 2.0, 7, 9.0, 11.5], k=rng.randint(0, 12)))
        for _ in range(rng.choice([0, 0, 1, 2])):
            calls.insert(rng.randint(0, len(calls)), rng.choice(pool))
        if any(isinstance(t, float) and math.isnan(t) for t in calls) or "x" in calls or None in calls:
            assert not _rate._numbers(calls), calls
        for start, at in ((0.0, 2.0), (1.0, 9.0), (5.0, 12.0)):
            assert _rate.rate_window(calls, start, at) == scan_window(calls, start, at), (calls, start, at)
