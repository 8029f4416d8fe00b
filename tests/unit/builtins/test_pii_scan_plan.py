"""The PII scan's plan (worked out once per type list, every needle checked in one pass):
the same counts, in the same order, as the scan that checked each type's needles in turn
(``scan_before`` below, verbatim), on a corpus of every detector's hits and near misses and
on random texts made of their fragments, for every type list."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.policies.builtins import _pii
from goalrail.policies.builtins._pii import _DETECTORS, _DIGIT_RUN, _DIGIT_TYPES, _IBAN_HINT, _count, _ssn_prose


def scan_before(text: str, types: tuple[str, ...], counts: dict[str, int] | None = None) -> dict[str, int]:
    """The scan as it was: each type's needles checked in turn (a generator per type)."""
    out = {} if counts is None else counts
    if not text:
        return out
    text = _pii.normalize(text)
    wanted = tuple(types)
    digit_types = [t for t in _DIGIT_TYPES if t in wanted]
    if digit_types:
        for run in _DIGIT_RUN.finditer(text):
            if "ssn" in wanted:
                _ssn_prose(text, run, out)
            span = text[max(0, run.start() - 1) : run.end() + 1]
            for t in digit_types:
                rx, valid, _ = _DETECTORS[t]
                n = _count(rx, valid, span)
                if n:
                    out[t] = out.get(t, 0) + n
    for t in wanted:
        if t in _DIGIT_TYPES:
            continue
        rx, valid, needles = _DETECTORS[t]
        if needles and not any(needle in text for needle in needles):
            continue
        if t == "iban" and not _IBAN_HINT.search(text):
            continue
        n = _count(rx, valid, text)
        if n:
            out[t] = out.get(t, 0) + n
    return out


GH = "ghp_" + "A1b2" * 9
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
#: hits of every type, near misses, needles without a match, look-alike spellings
FRAGMENTS = [
    "ssn 536-90-4412",
    "SSN: 536904412",
    "social security number 536 90 4412",
    "123-45-6789",
    "000-12-3456",
    "card 4111 1111 1111 1111",
    "4111-1111-1111-1112",
    "378282246310005",
    "4111.1111.1111.1111",
    "jane.doe+x@example.co.uk",
    "@ alone",
    "a@b",
    "+1 415 555 2671",
    "(415) 555-2671",
    "415.555.2671",
    "GB82 WEST 1234 5698 7654 32",
    "DE89370400440532013000",
    "GB00 0000",
    "AKIAIOSFODNN7EXAMPLE",
    "AKIA short",
    GH,
    "ghp_short",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "sk-proj-" + "a1B2" * 8,
    "sk-ant-api03-" + "x" * 30,
    "sk-",
    "sk-ant-",
    "xoxb-123456789012-abcdefghij",
    "xox",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----BEGIN CERTIFICATE-----",
    JWT,
    "eyJ",
    "AIza" + "b" * 35,
    "sk_live_" + "c" * 24,
    "rk_test_short",
    "536\u201190\u20114412",
    "\uff14\uff11\uff11\uff11 1111 1111 1111",
    "jane\u200b@example.com",
    "please refactor the parser module and add tests",
    "hi",
    "",
    "\n",
    "version 1.2.3 build 20251130",
]
TYPE_LISTS = [
    _pii.ALL_TYPES,
    _pii.PII_TYPES,
    _pii.SECRET_TYPES,
    *((t,) for t in _pii.ALL_TYPES),
    ("email", "iban"),
    ("iban", "email", "ssn"),
    ("jwt", "phone", "jwt"),  # a type named twice counts twice, as it always did
    tuple(reversed(_pii.ALL_TYPES)),
]


def same(text: str, types: tuple[str, ...]) -> None:
    got, want = _pii.scan(text, types), scan_before(text, types)
    assert list(got.items()) == list(want.items()), (text, types)


@pytest.mark.parametrize("types", TYPE_LISTS)
def test_every_fragment_alone_and_together(types: tuple[str, ...]) -> None:
    for fragment in FRAGMENTS:
        same(fragment, types)
    same("\n".join(FRAGMENTS), types)
    same(" ".join(reversed(FRAGMENTS)), types)


@pytest.mark.parametrize("seed", range(20))
def test_random_mixes_of_fragments(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        text = rng.choice([" ", "\n", "", ", "]).join(rng.choices(FRAGMENTS, k=rng.randint(1, 6)))
        types = tuple(rng.sample(_pii.ALL_TYPES, rng.randint(1, len(_pii.ALL_TYPES))))
        same(text, types)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"0123456789 -.+()@_AKIGBskxoeyJ:", "\u2011", "\u200b"]), max_size=80))
def test_random_texts(text: str) -> None:
    same(text, _pii.ALL_TYPES)


def test_counts_are_added_to_the_given_dict_in_the_same_order() -> None:
    text = "mail jane@example.com, card 4111 1111 1111 1111, ssn 536-90-4412"
    got, want = {"jwt": 2, "email": 1}, {"jwt": 2, "email": 1}
    _pii.scan(text, _pii.ALL_TYPES, got)
    scan_before(text, _pii.ALL_TYPES, want)
    assert list(got.items()) == list(want.items())


def test_an_unknown_type_raises_key_error() -> None:
    with pytest.raises(KeyError):
        _pii.scan("text", ("email", "no_such_type"))
    assert _pii.scan("", ("no_such_type",)) == {}  # nothing to scan: nothing checked, as before
