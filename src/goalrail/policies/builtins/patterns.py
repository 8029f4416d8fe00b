"""Builtin policies: patterns."""

from __future__ import annotations

from typing import Any

POLICY_REGISTRY: list[dict[str, Any]] = []
