"""Things written once, checked on the source so a second copy cannot creep back.

The home directory, the approval and ask-wait timeouts (``goalrail.defaults``),
the history limit and the usage totals (the runtime's), and no price table held
process-wide.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from goalrail import defaults

SRC = Path(__file__).resolve().parents[2] / "src" / "goalrail"


def _trees() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


TREES = list(_trees())


def _where(predicate: object) -> list[str]:
    return sorted({rel for rel, tree in TREES for node in ast.walk(tree) if predicate(node)})  # type: ignore[operator]


def test_goalrail_home_is_defined_once_and_read_from_the_environment_once() -> None:
    defined = _where(lambda n: isinstance(n, ast.FunctionDef) and n.name in ("goalrail_home", "_home"))
    assert defined == ["defaults.py"]
    reads = _where(lambda n: isinstance(n, ast.Constant) and n.value == "GOALRAIL_HOME")
    # (the shell file rules name it too, as a variable a command line may move the guard with:
    # `_shell_file_words.HARNESS_VARIABLES`, a table of names, never read from this environment)
    assert reads == ["defaults.py", "policies/builtins/_shell_file_words.py"]


def test_goalrail_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("GOALRAIL_HOME", raising=False)
    assert defaults.goalrail_home() == str(tmp_path / ".goalrail")
    monkeypatch.setenv("GOALRAIL_HOME", "~/elsewhere")
    assert defaults.goalrail_home() == str(tmp_path / "elsewhere")
    monkeypatch.setenv("GOALRAIL_HOME", "/srv/goalrail")
    assert defaults.goalrail_home() == "/srv/goalrail"


def test_defaults_imports_only_os() -> None:
    """The Claude Code hook imports it (through integrations.endpoint): it must stay this light."""
    tree = dict(TREES)["defaults.py"]
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported == {"os", "__future__"}


def _number(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _timeout_defaults(node: ast.AST) -> bool:
    """A number written as the default of an approval or ask timeout (a parameter, a CLI flag, a config read)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        args = node.args
        pairs = list(zip(args.args[len(args.args) - len(args.defaults) :], args.defaults, strict=True))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
        return any(("ask_timeout" in a.arg or "approval_timeout" in a.arg) and _number(d) for a, d in pairs)
    if not isinstance(node, ast.Call):
        return False
    flags = [a.value for a in node.args if isinstance(a, ast.Constant)]
    if "--ask-timeout" in flags:
        return any(k.arg == "default" and _number(k.value) for k in node.keywords)
    func = ast.unparse(node.func)
    if func.endswith(".get") and ("approval" in func or "llm_proxy" in func or "settings" in func):
        return flags[:1] in (["timeout_s"], ["ask_timeout_s"]) and _number(node.args[-1])
    return False


def test_approval_and_ask_timeouts_are_written_once() -> None:
    assert _where(_timeout_defaults) == []
    assert defaults.APPROVAL_TIMEOUT_S == 3600.0 and defaults.ASK_WAIT_S == 300.0


def test_the_timeout_check_finds_a_written_default() -> None:
    assert _timeout_defaults(ast.parse("def f(*, ask_timeout_s: float = 300.0): pass").body[0])
    assert _timeout_defaults(ast.parse("p.add_argument('--ask-timeout', default=300.0)").body[0].value)  # type: ignore[attr-defined]
    assert _timeout_defaults(ast.parse("self.approvals.get('timeout_s', 3600)").body[0].value)  # type: ignore[attr-defined]
    assert _timeout_defaults(ast.parse("settings.get('ask_timeout_s', 300)").body[0].value)  # type: ignore[attr-defined]
    assert not _timeout_defaults(ast.parse("def f(*, ask_timeout_s: float | None = None): pass").body[0])


def test_history_limit_and_usage_totals_belong_to_the_runtime() -> None:
    limit = _where(
        lambda n: (
            isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "HISTORY_LIMIT" for t in n.targets)
        )
    )
    assert limit == ["runtime/ports.py"]
    totals = _where(lambda n: isinstance(n, ast.FunctionDef) and n.name == "usage_totals")
    assert totals == ["runtime/usage.py"]
    imported = _where(
        lambda n: (
            isinstance(n, ast.ImportFrom)
            and n.module == "goalrail.store.memory"
            and any(a.name in ("usage_totals", "HISTORY_LIMIT") for a in n.names)
        )
    )
    assert imported == []


def test_no_price_table_is_held_process_wide() -> None:
    """A table is built per app and handed in: no module keeps or installs one for everybody."""
    setters = _where(lambda n: isinstance(n, ast.FunctionDef) and n.name in ("set_price_table", "get_price_table"))
    globals_ = _where(lambda n: isinstance(n, ast.Global))
    assert setters == []
    assert "policies/pricing.py" not in globals_ or _pricing_globals_are_the_lazy_import()


def _pricing_globals_are_the_lazy_import() -> bool:
    tree = dict(TREES)["policies/pricing.py"]
    names = {name for n in ast.walk(tree) if isinstance(n, ast.Global) for name in n.names}
    return names == {"_gp"}  # genai_prices, imported once on first use
