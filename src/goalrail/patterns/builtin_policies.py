"""The built-in policies ``strict``, ``permissive`` and ``read_only`` and
name resolution for ``extends`` / ``KernelSpace(policy=<name>)``.

The built-ins are concrete YAML documents in ``goalrail/patterns/data/`` (read
them for the exact rules); every call returns a fresh, independent Policy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib import resources
from pathlib import Path

from goalrail.patterns import names
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import SHIPPED, regex_engine
from goalrail.patterns.templates import TEMPLATES

BUILTIN_NAMES = ("strict", "permissive", "read_only")
_resolving = threading.local()
#: How ``extends: <name>`` reads ``<name>.yaml`` next to a policy file (None: plainly).
_READER: ContextVar[Callable[[Path], str] | None] = ContextVar("goalrail_policy_reader", default=None)


@contextmanager
def sibling_reader(reader: Callable[[Path], str]) -> Iterator[None]:
    """Policies built inside read the files their ``extends`` name through ``reader``."""
    token = _READER.set(reader)
    try:
        yield
    finally:
        _READER.reset(token)


@cache
def _builtin_text(name: str) -> str:
    return resources.files("goalrail.patterns").joinpath("data", f"{name}.yaml").read_text(encoding="utf-8")


def builtin_policy(name: str) -> Policy:
    if name not in BUILTIN_NAMES:
        raise ValueError(f"unknown built-in policy `{name}` (known: {', '.join(BUILTIN_NAMES)})")
    with regex_engine(SHIPPED):  # shipped regexes: RE2 where it can run them
        return Policy.from_yaml_string(_builtin_text(name))


def strict() -> Policy:
    return builtin_policy("strict")


def permissive() -> Policy:
    return builtin_policy("permissive")


def read_only() -> Policy:
    return builtin_policy("read_only")


def known_names() -> tuple[str, ...]:
    return (*BUILTIN_NAMES, *TEMPLATES)


def resolve_policy(name: str, base_dir: str | Path | None = None) -> Policy:
    """A built-in, a template, or ``<name>.yaml`` next to the referring file."""
    if name in BUILTIN_NAMES:
        return builtin_policy(name)
    if name in TEMPLATES:
        with regex_engine(SHIPPED):
            return TEMPLATES[name]()
    if base_dir is not None and name and "/" not in name and "\\" not in name and not name.startswith("."):
        for suffix in (".yaml", ".yml"):
            candidate = (Path(base_dir) / f"{name}{suffix}").resolve()
            if candidate.is_file():
                stack: set[Path] = getattr(_resolving, "stack", set())
                if candidate in stack:
                    raise ValueError(f"circular extends through `{name}`")
                _resolving.stack = stack | {candidate}
                reader = _READER.get()
                try:
                    if reader is None:
                        return Policy.from_yaml(candidate)
                    return Policy.from_yaml_string(reader(candidate), base_dir=candidate.parent)
                finally:
                    _resolving.stack = stack
    where = f" or {name}.yaml next to the policy file" if base_dir is not None else ""
    raise ValueError(f"unknown policy `{name}` (not a built-in: {', '.join(known_names())}{where})")


names.provide(resolve_policy)
