"""Exceptions raised and swallowed inside C on every SQLite decision (found by a breakpoint on
``_PyErr_SetObject`` during ``bench/http_instructions.py --store sqlite``'s requests), gone by class:

* ``list[Step]()``: calling a subscripted builtin makes the object, then sets ``__orig_class__``
  on it, which a ``list`` refuses (AttributeError, cleared): twice per decision in ``row_values``;
* binding ``None``: SQLite's driver looks for an adapter for every parameter that is not an int,
  float, str or bytes, then for ``PrepareProtocol.__adapt__`` (AttributeError, cleared): three
  times per ASK's approval row, unless an adapter for ``None`` is registered.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

from tests.store.test_sqlite_positional import _approval

import goalrail
from goalrail.store.sql import sqlite_values
from goalrail.store.sql.sqlite_values import POSITIONAL, approval_row

SRC = Path(goalrail.__file__).parent
#: the modules a decision runs through (the server's fast path, the runtime, the engine, the SQL
#: store's shared, SQLite and PostgreSQL modules)
PATH = ("server", "runtime", "engine", "store/sql")
_GENERIC = {"list", "dict", "set", "frozenset", "tuple", "deque", "defaultdict", "OrderedDict"}


def _alias_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Subscript)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in _GENERIC
        ):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_no_subscripted_builtin_is_called_on_the_decision_path() -> None:
    files = [f for d in PATH for f in sorted((SRC / d).rglob("*.py"))]
    assert len(files) > 50
    calls = [c for f in files for c in _alias_calls(f)]
    assert calls == [], calls


def test_control_the_check_finds_such_a_call(tmp_path: Path) -> None:
    """Control: the same check finds ``list[int]()`` and passes over ``list[int]`` annotations."""
    (tmp_path / "m.py").write_text("x: list[int] = []\ny = list[int]()\n")
    global SRC
    src, SRC = SRC, tmp_path
    try:
        assert _alias_calls(tmp_path / "m.py") == ["m.py:2"]
    finally:
        SRC = src


def test_none_is_bound_through_a_registered_adapter() -> None:
    """The store registers an adapter for ``None`` (its module loaded): the driver calls it for
    each ``None`` bound instead of looking for ``PrepareProtocol.__adapt__``; ``None`` is still
    written as NULL."""
    key = (type(None), sqlite3.PrepareProtocol)
    registered = sqlite3.adapters.get(key)
    assert registered is not None and registered is getattr(sqlite_values, "NONE_ADAPTER", None)
    assert registered(None) is None
    calls: list[object] = []
    sqlite3.adapters[key] = lambda value: calls.append(value) or registered(value)
    try:
        row = approval_row(_approval("pending", False))
        columns = POSITIONAL["approval.put"].split("(", 1)[1].split(")", 1)[0]
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE TABLE approvals ({columns})")
        conn.execute(POSITIONAL["approval.put"], row)
    finally:
        sqlite3.adapters[key] = registered
    assert row.count(None) == 3 and calls == [None, None, None]
    (back,) = conn.execute("SELECT * FROM approvals").fetchall()
    assert [v is None for v in back] == [v is None for v in row]
    assert conn.execute("SELECT count(*) FROM approvals WHERE resolved_at IS NULL").fetchone() == (1,)
