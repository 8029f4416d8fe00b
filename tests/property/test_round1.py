"""``engine.decision.round1`` is ``round(x, 1)``: the same value, type and sign for any
number, durations near a tie included (every answer's, approval's and audit entry's
``duration_us`` goes through it)."""

from __future__ import annotations

import math

from hypothesis import example, given, settings
from hypothesis import strategies as st

from goalrail.engine.decision import round1


def _same(a: float, b: float) -> bool:
    if a != a:
        return b != b
    return a == b and type(a) is type(b) and math.copysign(1.0, a) == math.copysign(1.0, b)


#: Durations as the engine measures them, values on and next to a rounding tie, and any float.
near_ties = st.builds(
    lambda k, nudge: (k + 0.5) / 10 + nudge,
    st.one_of(st.integers(min_value=0, max_value=10**9), st.integers(min_value=499_999 * 10**6, max_value=10**12)),
    st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, 1e-5, -1e-5, 3e-6, -3e-6]),
)
numbers = st.one_of(
    st.floats(min_value=0.0, max_value=1e4),
    st.floats(min_value=0.0, max_value=6e10),
    near_ties,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.builds(lambda k: k * 0.37, st.integers(min_value=0, max_value=10**7)),
)


@settings(max_examples=3000, deadline=None)
@given(numbers)
@example(0.0)
@example(-0.0)
@example(-0.04)
@example(0.05)
@example(0.25)
@example(1.85)
@example(5e10)
@example(4.999999999e10)
@example(5e-324)
@example(True)
def test_round1_is_round_to_one_digit(x: float) -> None:
    assert _same(round1(x), round(x, 1))


def test_round1_agrees_on_a_grid_of_durations() -> None:
    """Every multiple of a nanosecond up to 20 µs and every 0.37 µs step up to 3.7 ms."""
    for n in range(20_001):
        x = n / 1000
        assert _same(round1(x), round(x, 1)), x
    for n in range(10_001):
        x = n * 0.37
        assert _same(round1(x), round(x, 1)), x
