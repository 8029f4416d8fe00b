"""Names a policy can refer to: ``extends: strict``, ``KernelSpace(policy="k12_safe")``,
``PolicyStack(["strict", ...])``, ``<name>.yaml`` next to a policy file.

``Policy`` and the YAML loader look names up here; ``builtin_policies`` — which
defines the built-ins and knows the templates, all of them built on ``Policy`` —
provides the lookup when the package is imported.  So the model never imports the
modules built on top of it, and there is no import cycle to hold together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy

Resolver = Callable[[str, "str | Path | None"], "Policy"]
_provided: list[Resolver] = []


def provide(resolver: Resolver) -> None:
    """Install the lookup (``builtin_policies.resolve_policy``; done once, at import)."""
    _provided[:] = [resolver]


def resolve(name: str, base_dir: str | Path | None = None) -> Policy:
    """The policy ``name`` refers to: a built-in, a template, or ``<name>.yaml`` in ``base_dir``."""
    if not _provided:  # pragma: no cover - goalrail.patterns/__init__ imports builtin_policies
        raise LookupError("policy names are not available: import goalrail.patterns")
    return _provided[0](name, base_dir)
