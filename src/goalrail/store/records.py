"""Rules every store shares for stored records: policy ids and editable fields."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from goalrail.engine.spec import MODES, PolicySpec
from goalrail.errors import InvalidRequest

EDITABLE = ("name", "handler", "params", "enabled", "mode")


def new_policy_id(level: str) -> str:
    return ("sp_" if level == "session" else "pol_") + secrets.token_hex(8)


def changed_spec(spec: PolicySpec, changes: dict[str, Any]) -> PolicySpec:
    """``spec`` with ``changes`` applied; only the fields in ``EDITABLE`` may change."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidRequest(
            f"cannot change `{unknown[0]}` of a policy",
            [{"loc": k, "message": f"editable fields: {', '.join(EDITABLE)}"} for k in unknown],
        )
    if "mode" in changes and changes["mode"] not in MODES:
        raise InvalidRequest(
            f"unknown mode `{changes['mode']}`",
            [{"loc": "mode", "message": "expected enforce or shadow"}],
        )
    if "enabled" in changes and not isinstance(changes["enabled"], bool):
        raise InvalidRequest("`enabled` must be true or false", [{"loc": "enabled", "message": "expected a boolean"}])
    return replace(spec, **changes)
