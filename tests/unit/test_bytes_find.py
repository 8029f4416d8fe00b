"""``bytes in bytes`` first reads its operand as an integer (``PyNumber_AsSsize_t``: a byte value)
and, for a ``bytes`` operand, raises TypeError inside and clears it: an exception per test.  The
events route's body parse (``jsontext.loads``: whether a body holds a long number) ran one per
request; it and the guard's depth check search with ``find`` instead, which takes a bytes-like
operand as it is."""

from __future__ import annotations

import pytest

from goalrail import jsontext
from goalrail.server import guard

ASKED: list[bytes] = []


class Probe(bytes):
    """A bytes operand that says when it is read as an integer (in ``ASKED``)."""

    def __index__(self) -> int:
        ASKED.append(bytes(self))
        raise TypeError("not an integer")


def test_control_the_probe_sees_an_in_test() -> None:
    """Control: ``in`` reads the probe as an integer first; ``find`` does not."""
    ASKED.clear()
    assert Probe(b"ab") in b"xaby"
    assert ASKED == [b"ab"]
    ASKED.clear()
    assert b"xaby".find(Probe(b"ab")) == 1
    assert ASKED == []


def test_body_parse_searches_without_an_integer_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    ASKED.clear()
    monkeypatch.setattr(jsontext, "_LONG_RUN", Probe(b"1" * 16))
    assert jsontext.loads(b'{"type": "tool_call", "n": 12}') == {"type": "tool_call", "n": 12}
    assert jsontext.loads(b'{"n": 12345678901234567890123}') == {"n": 12345678901234567890123}
    assert ASKED == []


def test_depth_check_reads_the_same() -> None:
    deep = b'{"a": "[[[[", "b": ' + b"[" * 40 + b"]" * 40 + b"}"
    assert guard.json_too_deep(deep, 32)
    assert not guard.json_too_deep(b'{"a": "' + b"[" * 40 + b'"}', 32)
