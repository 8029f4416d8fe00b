"""``engine.plain_json``: orjson's text of a plain value is json's, or it is not used.

An action's digest (``approvals.action_digest``) and an approval's preview
(``approvals.preview``) take orjson's text of a plain value without asking the stdlib
to compare: the digest of every approval ever given, and what an approver reads, must
be what ``json.dumps`` would have written, for any value."""

from __future__ import annotations

import hashlib
import json
import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from orjson import OPT_INDENT_2, OPT_SORT_KEYS

from goalrail.engine import approvals
from goalrail.engine.indented import indented_json
from goalrail.engine.plain_json import MAX_DEPTH, is_plain, plain_text
from goalrail.runtime import audit


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _indented(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


#: Text with what orjson writes as it is and json escapes (DEL, beyond ASCII, astral, a lone
#: surrogate it refuses) next to ASCII control characters, quotes and backslashes.
text = st.one_of(
    st.text(st.characters(max_codepoint=127), max_size=8),
    st.text(max_size=6),
    st.sampled_from(["\x7f", "a\x00b", '"\\/', "\u2028", "é", "\U0001f600", "\ud800"]),
)
plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63 - 4, max_value=2**64 + 4), text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=12),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(text, inner, max_size=4),
    ),
    max_leaves=30,
)


#: Plain values and floats of every kind among them (plain or not: small, NaN, infinite).
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text),
    lambda inner: st.one_of(
        st.lists(inner, max_size=12),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(text, inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(plain_values)
def test_plain_text_is_json_or_nothing(value: object) -> None:
    assert is_plain(value)
    compact = plain_text(value, OPT_SORT_KEYS)
    if compact is not None:
        assert compact == _compact(value).encode()
    indented = plain_text(value, OPT_SORT_KEYS | OPT_INDENT_2)
    if indented is not None:
        assert indented == _indented(value).encode()
    assert indented_json(value) == _indented(value)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_with_floats_plain_text_is_json_or_nothing(value: object) -> None:
    compact = plain_text(value, OPT_SORT_KEYS)
    if compact is not None:
        assert compact == _compact(value).encode()
    assert indented_json(value) == _indented(value)
    assert audit.canonical(value) == _compact(value)


def _repr_range(f: float) -> bool:
    return math.isfinite(f) and (f == 0.0 or abs(f) >= 1e-4)


def test_orjson_spells_the_floats_it_is_given_as_repr_does() -> None:
    """Random bit patterns (every exponent), each power of ten's neighbours and rounded
    decimals: a float is plain exactly when orjson's text of it is ``float.__repr__``'s,
    or it is one of the others (small, NaN, infinite), which are not plain."""
    rng = random.Random(13)
    floats = [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(100_000)]
    for e in range(-330, 309):
        for m in (1.0, 1.5, 9.999999, 2.2250738585072014):
            floats += [m * 10.0**e, -m * 10.0**e] if m * 10.0**e < math.inf else []
    floats += [round(rng.uniform(0, 1e6), rng.randint(0, 6)) for _ in range(20_000)]
    floats += [1e-4, -1e-4, 0.0, -0.0, 5e-324, math.nextafter(1e-4, 0), math.nan, math.inf, -math.inf]
    for f in floats:
        assert is_plain(f) == _repr_range(f), f
        if is_plain(f):
            assert plain_text([f], OPT_SORT_KEYS) == f"[{float.__repr__(f)}]".encode(), f


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, plain_values, max_size=4))
def test_the_digest_is_the_sha256_of_json_text(data: dict[str, object]) -> None:
    for etype, target in (("request", None), ("tool_call", "t")):
        event = {"type": etype, "target": target, "data": data}
        expected = _compact(approvals.canonical_action(event)).encode()
        assert approvals.action_digest(event) == hashlib.sha256(expected).hexdigest()


def test_what_is_not_plain() -> None:
    class Label(str):
        pass

    deep: list[object] = []
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    cyclic: list[object] = []
    cyclic.append(cyclic)
    for value in (
        [1e-05],
        {"k": float("nan")},
        [float("inf")],
        [Label("x")],
        {1: "a"},
        {"a": {2: 3}},
        [{1, 2}],
        [b"x"],
        deep,
        cyclic,
    ):
        assert not is_plain(value)
        assert plain_text(value, OPT_SORT_KEYS) is None
    assert is_plain({"a": [1, True, None, ("x", {"b": "c"})]}) and is_plain(list(range(20)))
    assert is_plain({"cost": 1.5, "tiny": 0.0001, "zero": -0.0, "big": 1e300})
    assert plain_text({"k": "\x7f"}, OPT_SORT_KEYS) is None  # json writes \u007f
    assert plain_text({"k": "é"}, OPT_SORT_KEYS) is None  # json writes \u00e9
    assert plain_text([2**64], OPT_SORT_KEYS) is None  # orjson refuses it


def test_a_plain_action_is_digested_without_the_stdlib_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    event = {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": "rm -rf build"}}}
    expected = approvals.action_digest(event)

    def refused(*args: object) -> object:
        raise AssertionError("the stdlib encoder was asked")

    monkeypatch.setattr(approvals, "make_encoder", refused)
    assert approvals.action_digest(event) == expected
    body = {"type": "tool_call", "target": "sys_os_shell", "data": {"name": "Bash", "arguments": {"command": "ls"}}}
    monkeypatch.setattr("goalrail.engine.indented.make_encoder", refused)
    assert approvals.preview(body) == _indented(body)
