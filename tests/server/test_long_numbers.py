"""``parse_body`` hands a body with a long number to the stdlib: 16 of ``[0-9.]`` in a row,
found by translating the body (issue 13; before, the regex ``[0-9.]{16}``, 5× the cost)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from goalrail import jsontext as events
from goalrail.server.events import parse_body

PATTERN = re.compile(rb"[0-9.]{16}")


def _has_run(body: bytes) -> bool:
    return events._LONG_RUN in body.translate(events._NUMBER_BYTES)


@given(st.lists(st.sampled_from([b"1", b".", b"9", b"0", b"a", b" ", b"\xff", b"\x00", b"5" * 7, b"-"]), max_size=60))
def test_the_run_is_found_where_the_pattern_finds_it(parts: list[bytes]) -> None:
    body = b"".join(parts)
    assert _has_run(body) == (PATTERN.search(body) is not None)


def test_edges_of_the_run() -> None:
    assert _has_run(b"1" * 16) and _has_run(b'{"a": 1234567.890123456}') and _has_run(b"x" + b"." * 16)
    assert not _has_run(b"1" * 15) and not _has_run(b"12345678-12345678") and not _has_run(b"")


def test_long_integers_keep_their_exact_value() -> None:
    assert parse_body(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
    assert parse_body(b'{"n": 18446744073709551616}')["n"] == 2**64  # type: ignore[index]
    assert parse_body(b'{"n": 123456789012345, "f": 0.5}') == {"n": 123456789012345, "f": 0.5}
