"""Printing explained decisions for people (a table) or machines (JSON)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

#: Characters that change how a text reads in a terminal without being seen (the web UI's
#: ``shownText`` takes the same): controls but tab and newline (a carriage return rewrites the
#: line, an escape starts an ANSI sequence that colours, moves the cursor or sets the title),
#: bidi embeddings, overrides and isolates, zero-width and other format characters, spaces that
#: are not the ASCII space, variation selectors, tag characters, Hangul fillers, blank braille.
_UNSEEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\u2028\u2029\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
    "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)
#: The same in a one-line cell, where a newline or a tab would break the table.
_UNSEEN_IN_CELL = re.compile(_UNSEEN.pattern[:-1] + "\t\n]")
_NAMES = {
    0x09: "TAB", 0x0A: "LF", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL", 0xA0: "NBSP", 0xAD: "SHY", 0x200B: "ZWSP",
    0x200C: "ZWNJ", 0x200D: "ZWJ", 0x200E: "LRM", 0x200F: "RLM", 0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF",
    0x202D: "LRO", 0x202E: "RLO", 0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI", 0x2060: "WJ",
    0xFEFF: "BOM",
}  # fmt: skip
#: Runs that push the rest of a text out of view: more than three blank lines, more than 32
#: spaces or tabs, or such runs spelled as JSON escapes.
_RUNS = re.compile(r"\n(?:[ \t]*\n){3,}|[ \t]{33,}|(?:\\n){4,}|(?:\\t|\\r){8,}")


def _marker(m: re.Match[str]) -> str:
    cp = ord(m.group())
    name = _NAMES.get(cp)
    return f"⟦U+{cp:04X}{' ' + name if name else ''}⟧"


def _folded(m: re.Match[str]) -> str:
    run = m.group()
    if run[0] == "\n":
        return f"\n⟦{run.count(chr(10)) - 1} blank lines⟧\n"
    if run[0] == "\\":
        return f"⟦{len(run) // 2} × {run[:2]}⟧"
    return f"⟦{len(run)} spaces or tabs⟧"


def shown(text: object, *, cell: bool = False) -> str:
    """``text`` safe to print for a person: each invisible or reordering character (also a
    newline or tab when ``cell``) as a marker naming it (``⟦U+202E RLO⟧``, ``⟦U+001B ESC⟧``),
    so nothing the agent wrote can rewrite the terminal or hide what follows it; outside a cell,
    long blank runs are folded into a marker that counts them."""
    s = str(text)
    s = (_UNSEEN_IN_CELL if cell else _UNSEEN).sub(_marker, s)
    return s if cell else _RUNS.sub(_folded, s)


def print_json(data: object, out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(data, indent=2, default=str) + "\n")


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Rows as aligned columns; every cell :func:`shown` on one line, cut at 60 characters with ``...``."""
    rows = [[shown(c, cell=True) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = min(max(widths[i], len(cell)), 60)

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join((c if len(c) <= 60 else c[:57] + "...").ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    lines = [fmt(headers), fmt(["-" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def format_decision(d: Mapping[str, Any]) -> str:
    head = f"{d['result']}"
    if d.get("policy"):
        head += f"  (decided by `{d['policy']}`)"
    lines = [head, f"reason: {shown(d.get('reason') or '-', cell=True)}"]
    if d.get("approval_id"):
        lines.append(f"approval: {d['approval_id']}")
    for w in d.get("warnings") or []:
        lines.append(f"warning: {shown(w, cell=True)}")
    rows = [
        [p["level"], p["policy"], p["verdict"], p.get("reason") or "", f"{p.get('duration_us', 0):.1f}"]
        + (["shadow"] if p.get("mode") == "shadow" else [""])
        for p in d.get("decisions", [])
    ]
    if rows:
        lines.append("")
        lines.append(table(rows, ["level", "policy", "verdict", "reason", "µs", "mode"]))
    lines.append(f"\nevaluated in {d.get('duration_us', 0):.1f} µs")
    return "\n".join(lines)
