"""Properties of the PII scan: look-alike spellings of a value are detected like the value itself."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.policies.builtins import _pii

FORMAT = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202c", "\u2066"]
SPACES = [" ", "\u00a0", "\u2002", "\u2009", "\u202f", "\u3000", "\u2007"]
DASHES = ["-", "\u2010", "\u2011", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]

#: (type, groups of the value, separator kinds allowed between groups)
VALUES = [
    ("ssn", ["536", "90", "4412"], "dash space dot"),
    ("credit_card", ["4111", "1111", "1111", "1111"], "dash space dot"),
    ("credit_card", ["3782", "822463", "10005"], "dash space dot"),
    ("phone", ["+44", "20", "7946", "0958"], "space"),
]


@st.composite
def spelled(draw: st.DrawFn) -> tuple[str, str]:
    kind, groups, seps = draw(st.sampled_from(VALUES))
    family = draw(st.sampled_from(seps.split()))
    sep = {"dash": draw(st.sampled_from(DASHES)), "space": draw(st.sampled_from(SPACES)), "dot": "."}[family]
    text = sep.join(groups)
    chars = list(text)
    for _ in range(draw(st.integers(0, 4))):  # format characters anywhere inside
        chars.insert(draw(st.integers(0, len(chars))), draw(st.sampled_from(FORMAT)))
    full_width = draw(st.booleans())
    value = "".join(chr(ord(c) - 48 + 0xFF10) if full_width and c.isdigit() else c for c in chars)
    return kind, f"value: {value}."


@settings(max_examples=500, deadline=None)
@given(spelled())
def test_look_alike_spellings_are_detected(case: tuple[str, str]) -> None:
    kind, text = case
    assert kind in _pii.scan(text), ascii(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_scan_is_total(text: str) -> None:
    counts = _pii.scan(text)
    assert all(isinstance(n, int) and n > 0 for n in counts.values())
