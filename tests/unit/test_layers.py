"""The import contract: each layer imports only from the layers above it (STYLE.md).

Checked on the source with ``ast`` (function-level imports included), so a lazy
import cannot hide a layer violation.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "goalrail"

BASE = {"errors"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "policies": BASE,
    "patterns": BASE | {"policies.schema", "policies.arguments"},
    "engine": BASE | {"policies"},
    "config": BASE | {"policies", "engine"},
    "llm": BASE,
    "runtime": BASE | {"policies", "engine", "config"},
    "store": BASE | {"policies", "engine", "config", "runtime"},
    "server": BASE | {"policies", "engine", "config", "runtime", "store", "llm", "web"},
    "integrations": BASE | {"policies", "engine", "config", "runtime", "store", "llm", "goalrail"},
    "web": BASE | {"policies", "engine", "config", "runtime", "server"},
    "cli": {"*"},
}
#: One module may reach across: the builtin that runs the declarative model in the chain.
EXCEPTIONS = {("policies/builtins/patterns.py", "patterns")}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("goalrail"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("goalrail"))


def _allowed(layer: str, target: str, rel: str) -> bool:
    parts = target.split(".")
    top = parts[1] if len(parts) > 1 else "goalrail"
    allowed = ALLOWED.get(layer, set())
    if "*" in allowed or top == layer or (rel, top) in EXCEPTIONS:
        return True
    return top in allowed or ".".join(parts[1:3]) in allowed


def test_layers_import_only_from_above() -> None:
    violations = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        layer = rel.split("/")[0].removesuffix(".py")
        if layer in ("__init__", "__main__"):
            continue
        for target in _imports(path):
            if not _allowed(layer, target, rel):
                violations.append(f"{rel} imports {target}")
    assert not violations, "\n".join(violations)


def test_the_contract_covers_every_package() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages |= {p.stem for p in SRC.glob("*.py") if not p.stem.startswith("__")}
    assert packages <= set(ALLOWED), sorted(packages - set(ALLOWED))
