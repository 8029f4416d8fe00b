"""A ratchet on the escape hatches of static typing in ``src/goalrail``.

What is counted, file by file, with Python's own tokenizer (so strings and
docstrings never count):

* ``Any``: every ``Any`` name token outside ``import`` / ``from … import``
  statements — a bare ``x: Any`` and a nested ``dict[str, Any]`` count one
  each.  ``typing.Any`` spelled with its module counts too (the name token).
* ``type: ignore``: every comment containing ``type: ignore``, whatever its
  error codes.

The budgets are ceilings, not targets: lower them when the counts drop (the
failure message prints the counts), never raise them to make room for a new
``Any``.  Prefer a precise type — ``JsonValue`` / ``JsonObject`` from
``goalrail.jsontypes`` for decoded JSON, ``Mapping[str, object]`` for values
that are checked before use, a TypedDict or a Protocol — to an ``Any``, and a
fixed type to a ``type: ignore``.
"""

from __future__ import annotations

import io
import tokenize
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "goalrail"

ANY_BUDGET = 250
IGNORE_BUDGET = 4


def count(text: str) -> tuple[int, int]:
    """(``Any`` names outside imports, ``type: ignore`` comments) in one module's source."""
    anys = ignores = 0
    in_import = False
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NEWLINE:
            in_import = False
        elif tok.type == tokenize.NAME and tok.string in ("import", "from") and not in_import:
            in_import = tok.line.lstrip().startswith(("import ", "from "))
        if tok.type == tokenize.NAME and tok.string == "Any" and not in_import:
            anys += 1
        elif tok.type == tokenize.COMMENT and "type: ignore" in tok.string:
            ignores += 1
    return anys, ignores


@cache
def counts() -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(SRC)): count(p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))}


def _worst(per_file: dict[str, tuple[int, int]], i: int) -> str:
    top = sorted(per_file.items(), key=lambda kv: -kv[1][i])[:8]
    return ", ".join(f"{name} {n[i]}" for name, n in top if n[i])


def test_count_definition() -> None:
    text = (
        "from typing import Any\n"
        "import typing as t\n"
        "x: Any = 1\n"
        "y: dict[str, Any] = {}  # type: ignore[assignment]\n"
        "z: t.Any = 'Any'  # a comment naming Any does not count\n"
        "def f(a: Any,\n"
        "      b: int) -> list[Any]: ...\n"
        "s = '''Any\n"
        "Any'''\n"
    )
    assert count(text) == (5, 1)


def test_a_multiline_import_is_not_counted() -> None:
    assert count("from typing import (\n    Any,\n    Final,\n)\nx: Any\n") == (1, 0)


def test_any_stays_within_budget() -> None:
    per_file = counts()
    total = sum(a for a, _ in per_file.values())
    assert total <= ANY_BUDGET, f"{total} `Any` in src/goalrail (budget {ANY_BUDGET}); most in: {_worst(per_file, 0)}"


def test_type_ignores_stay_within_budget() -> None:
    per_file = counts()
    total = sum(i for _, i in per_file.values())
    assert total <= IGNORE_BUDGET, (
        f"{total} `type: ignore` in src/goalrail (budget {IGNORE_BUDGET}); most in: {_worst(per_file, 1)}"
    )
