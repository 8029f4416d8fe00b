"""Printing explained decisions for people (a table) or machines (JSON)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO


def print_json(data: object, out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(data, indent=2, default=str) + "\n")


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
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
    lines = [head, f"reason: {d.get('reason') or '-'}"]
    if d.get("approval_id"):
        lines.append(f"approval: {d['approval_id']}")
    for w in d.get("warnings") or []:
        lines.append(f"warning: {w}")
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
