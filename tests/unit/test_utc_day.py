"""``utc_day``: the UTC calendar day of a timestamp, whatever the day it answered last."""

from __future__ import annotations

from datetime import UTC, datetime

from goalrail.runtime.outcome import utc_day


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def test_each_timestamp_gets_its_own_day_in_any_order() -> None:
    day = 86400.0
    base = 20_000 * day  # 2024-10-04T00:00:00Z
    stamps = [
        base,
        base + day - 0.001,
        base + day,
        base - 0.001,
        base,
        base + 0.5,
        0.0,
        -0.5,
        -day,
        base + 3 * day + 1,
        base + 0.25,
        1.7e9,
        1.7e9,
    ]
    for ts in stamps:
        assert utc_day(ts) == _day(ts), ts


def test_an_integer_timestamp_reads_as_its_float() -> None:
    assert utc_day(1_700_000_000) == utc_day(1_700_000_000.0) == "2023-11-14"
