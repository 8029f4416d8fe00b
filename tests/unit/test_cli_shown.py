"""``cli._output.shown``: what the CLI prints of an agent's text.  Every character that would be
invisible, reorder what follows or drive the terminal is printed as a marker naming it; long blank
runs are folded into a marker that counts them; every table cell goes through it."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from goalrail.cli._output import format_decision, shown, table

#: Every character of these categories but the ASCII space, tab and newline: controls, format
#: characters (bidi, zero-width, tags…), line and paragraph separators, other spaces.
UNSEEN = [
    chr(c)
    for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp", "Zs") and c not in (0x09, 0x0A, 0x20)
]
#: Not of those categories, yet shown as nothing: fillers, blank braille, variation selectors.
BLANK = ["\u034f", "\u115f", "\u1160", "\u17b4", "\u2800", "\u3164", "\ufe0f", "\uffa0", "\U000e0100"]


def test_every_invisible_or_control_character_is_a_marker() -> None:
    for ch in UNSEEN + BLANK:
        out = shown(f"a{ch}b")
        code = f"U+{ord(ch):04X}"
        assert ch not in out and out.startswith(f"a⟦{code}") and out.endswith("⟧b"), (code, out)
        assert out[2 + len(code)] in " ⟧", (code, out)  # the code point whole, then a name or the end


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ls \x1b[2J\rok", "ls ⟦U+001B ESC⟧[2J⟦U+000D CR⟧ok"),
        ("a\u202eb\u2066c\u2069", "a⟦U+202E RLO⟧b⟦U+2066 LRI⟧c⟦U+2069 PDI⟧"),
        ("echo ok" + "\n" * 300 + "rm -rf ~", "echo ok\n⟦299 blank lines⟧\nrm -rf ~"),
        ("echo ok" + " " * 500 + "; rm -rf ~", "echo ok⟦500 spaces or tabs⟧; rm -rf ~"),
        ('"ok' + "\\n" * 40 + 'rm"', '"ok⟦40 × \\n⟧rm"'),
        ("a\n\n\nb\tc", "a\n\n\nb\tc"),  # two blank lines and a tab are text as written
        ("ɡit push", "ɡit push"),  # visible letters are left alone (the web card lists look-alikes)
    ],
)
def test_shown(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_a_cell_is_one_line_and_every_table_cell_is_shown() -> None:
    assert shown("a\nb\tc", cell=True) == "a⟦U+000A LF⟧b⟦U+0009 TAB⟧c"
    out = table([["s\u202e1", "ok\x1b]0;x\x07"]], ["id", "reason"])
    assert "\u202e" not in out and "\x1b" not in out and "\x07" not in out and "⟦U+202E RLO⟧" in out
    decision = {"result": "ASK", "reason": "asked: `rm\r`", "decisions": [], "warnings": ["w\x1b[8m"]}
    text = format_decision(decision)
    assert "\r" not in text and "\x1b" not in text and "⟦U+000D CR⟧" in text
