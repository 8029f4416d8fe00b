"""Goalrail: a contextual policy layer for AI agents.

Top-level imports stay cheap: heavy parts (server, SDK client) load lazily.
"""

from __future__ import annotations

__version__ = "0.1.0"

_LAZY = {
    "Client": ("goalrail.integrations.sdk.client", "Client"),
    "Guard": ("goalrail.integrations.sdk.guard", "Guard"),
    "guarded": ("goalrail.integrations.sdk.decorator", "guarded"),
    "PolicyDenied": ("goalrail.errors", "PolicyDenied"),
    "ApprovalRequired": ("goalrail.errors", "ApprovalRequired"),
}


def __getattr__(name: str) -> object:  # no `typing` import: keeps hooks fast
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'goalrail' has no attribute {name!r}")
