"""The built-in policies ``strict``, ``permissive`` and ``read_only`` and
name resolution for ``extends`` / ``KernelSpace(policy=<name>)``.

The built-ins are concrete YAML documents in ``goalrail/patterns/data/`` (read
them for the exact rules); every call returns a fresh, independent Policy.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from pathlib import Path

from goalrail.patterns.policy import Policy

BUILTIN_NAMES = ("strict", "permissive", "read_only")
_resolving = threading.local()


@cache
def _builtin_text(name: str) -> str:
    return resources.files("goalrail.patterns").joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")


def builtin_policy(name: str) -> Policy:
    if name not in BUILTIN_NAMES:
        raise ValueError(f"unknown built-in policy `{name}` (known: {', '.join(BUILTIN_NAMES)})")
    return Policy.from_yaml_string(_builtin_text(name))


def strict() -> Policy:
    return builtin_policy("strict")


def permissive() -> Policy:
    return builtin_policy("permissive")


def read_only() -> Policy:
    return builtin_policy("read_only")


def known_names() -> tuple[str, ...]:
    from goalrail.patterns.templates import TEMPLATES

    return (*BUILTIN_NAMES, *TEMPLATES)


def resolve_policy(name: str, base_dir: str | Path | None = None) -> Policy:
    """A built-in, a template, or ``<name>.yaml`` next to the referring file."""
    from goalrail.patterns.templates import TEMPLATES

    if name in BUILTIN_NAMES:
        return builtin_policy(name)
    if name in TEMPLATES:
        return TEMPLATES[name]()
    if base_dir is not None and name and "/" not in name and "\\" not in name and not name.startswith("."):
        for suffix in (".yaml", ".yml"):
            candidate = (Path(base_dir) / f"{name}{suffix}").resolve()
            if candidate.is_file():
                stack: set[Path] = getattr(_resolving, "stack", set())
                if candidate in stack:
                    raise ValueError(f"circular extends through `{name}`")
                _resolving.stack = stack | {candidate}
                try:
                    return Policy.from_yaml(candidate)
                finally:
                    _resolving.stack = stack
    where = f" or {name}.yaml next to the policy file" if base_dir is not None else ""
    raise ValueError(f"unknown policy `{name}` (not a built-in: {', '.join(known_names())}{where})")
