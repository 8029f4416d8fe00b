"""The import contract written down in ``docs/layers.toml``, enforced on the source.

Checked with ``ast``: function-level imports count, and so do modules loaded by
name (a string naming a ``goalrail`` module, as handed to ``importlib``, or an
f-string prefix such as ``f"goalrail.server.routes.{name}"``), so neither a lazy
import nor a mounted router can hide a layer violation.  No two modules may
import each other, directly or round a loop.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "goalrail"
MAP: dict[str, Any] = tomllib.loads((ROOT / "docs" / "layers.toml").read_text(encoding="utf-8"))
LAYERS: dict[str, dict[str, Any]] = MAP["layers"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "goalrail"


def _type_only(tree: ast.Module) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` (imports for annotations, never run)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return out


def _names(path: Path, *, runtime_only: bool = False) -> Iterator[tuple[str, bool]]:
    """(module, by_name) for every goalrail module ``path`` imports or names for importlib.

    ``runtime_only`` leaves out imports made for type annotations only.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_only(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("goalrail"):
            for alias in node.names:  # `from goalrail.x import submodule` imports the submodule
                sub = f"{node.module}.{alias.name}"
                yield (sub if sub in MODULES else node.module), False
        elif isinstance(node, ast.Import):
            yield from ((a.name, False) for a in node.names if a.name.startswith("goalrail"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES:
            if "." not in node.value:  # the bare word "goalrail" (a logger name, a key) is no import
                continue
            yield node.value, True
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                prefix = first.value.rstrip(".")
                if prefix != first.value and prefix in MODULES:
                    yield prefix, True


def _within(target: str, entry: str) -> bool:
    name = "goalrail" if entry == "goalrail" else f"goalrail.{entry}"
    return target == name or target.startswith(name + ".")


def allowed(source: str, target: str, by_name: bool = False) -> bool:
    """May module ``source`` import (or, ``by_name``, load by name) module ``target``?"""
    layer = _layer(source)
    if _layer(target) == layer and layer != "goalrail":
        return True
    if target == "goalrail" and layer != "goalrail":
        return "goalrail" in LAYERS[layer].get("imports", [])
    rel = MODULES[source].relative_to(SRC).as_posix() if source in MODULES else ""
    for exc in MAP.get("exceptions", []):
        if exc["module"] == rel and any(_within(target, e) for e in exc["imports"]):
            return True
    rules = LAYERS.get(layer, {})
    entries = [(e, True) for e in rules.get("imports", [])] + [(e, False) for e in rules.get("forbid", [])]
    if by_name:
        entries += [(e, True) for e in rules.get("mounts", [])]
    matching = [(len(e), ok) for e, ok in entries if _within(target, e) and e != "goalrail"]
    return max(matching)[1] if matching else False


def test_layers_import_only_what_the_map_allows() -> None:
    violations = []
    for source, path in sorted(MODULES.items()):
        for target, by_name in _names(path):
            if not allowed(source, target, by_name):
                how = "loads by name" if by_name else "imports"
                violations.append(f"{path.relative_to(SRC).as_posix()} {how} {target}")
    assert not violations, "\n".join(sorted(set(violations)))


def test_the_map_covers_every_package_and_names_only_real_ones() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    packages |= {p.stem for p in SRC.glob("*.py") if not p.stem.startswith("__")} | {"goalrail", "__main__"}
    assert packages == set(LAYERS), sorted(packages ^ set(LAYERS))
    for layer, rules in LAYERS.items():
        for entry in [*rules.get("imports", []), *rules.get("forbid", []), *rules.get("mounts", [])]:
            assert entry == "goalrail" or any(_within(m, entry) for m in MODULES), f"{layer}: `{entry}`"


def test_the_rules_the_map_is_for() -> None:
    assert not allowed("goalrail.web.routes", "goalrail.server.state")  # server mounts web, not back
    assert allowed("goalrail.server.app", "goalrail.web.routes", by_name=True)
    assert not allowed("goalrail.server.app", "goalrail.web.routes")  # only as a mounted router
    assert not allowed("goalrail.engine.chain", "goalrail.policies.builtins.safety")
    assert allowed("goalrail.engine.chain", "goalrail.policies.registry")
    assert not allowed("goalrail.cli.server", "goalrail.patterns.policy")
    assert not allowed("goalrail.cli.server", "goalrail.policies.builtins.safety")


def _graph() -> dict[str, set[str]]:
    """Which module imports which, at run time (annotation-only imports cannot loop)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for source, path in MODULES.items():
        for target, by_name in _names(path, runtime_only=True):
            if by_name or target == source:
                continue
            while target not in MODULES:  # `from goalrail.x import name`: the module x
                target = target.rpartition(".")[0]
            if target != source and not source.startswith(target + "."):  # a package's own __init__
                graph[source].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    assert not _cycles(_graph())


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_architecture_doc_draws_the_same_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = re.findall(r"^\| `([\w/.]+)` \| (.*?) \| (.*?) \|$", text, re.M)
    drawn = {name.rstrip("/").removesuffix(".py"): imports for name, imports, _ in table}
    assert set(drawn) == set(LAYERS) - {"goalrail", "__main__"}, sorted(set(drawn) ^ set(LAYERS))
    for layer, imports in drawn.items():
        listed = re.findall(r"`([\w.]+)`", imports)
        assert listed == LAYERS[layer].get("imports", []), layer


def test_no_module_imports_another_modules_private_names() -> None:
    """``from goalrail.x import _name`` only for private *modules* (``_events``), never a private name."""
    found = []
    for source, path in sorted(MODULES.items()):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("goalrail"):
                for alias in node.names:
                    private = alias.name.startswith("_") and f"{node.module}.{alias.name}" not in MODULES
                    if private and node.module != source:
                        found.append(f"{source} imports {node.module}.{alias.name}")
    assert not found, found


def test_no_module_changes_a_decision_after_it_is_made() -> None:
    """A ``Decision`` is only read once made: a new verdict is a new decision (``Decision.resolved``)."""
    fields = {
        "result",
        "reason",
        "policy",
        "state_updates",
        "set_labels",
        "data",
        "warnings",
        "end_session",
        "asking",
        "ask_timeout_s",
        "duration_us",
    }
    found = []
    for source, path in sorted(MODULES.items()):
        if source == "goalrail.engine.decision":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in fields
                    and isinstance(target.value, ast.Name)
                    and "decision" in target.value.id.lower()
                ):
                    found.append(f"{source}:{node.lineno} assigns {target.value.id}.{target.attr}")
    assert not found, found
