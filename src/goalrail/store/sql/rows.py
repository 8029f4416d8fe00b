"""Conversions between table rows and the records of ``goalrail.runtime.ports``."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import RowMapping

from goalrail.engine.spec import Level, PolicySpec
from goalrail.jsontypes import JsonObject
from goalrail.runtime import audit
from goalrail.runtime.ports import ApprovalRecord, SessionInfo, TokenRecord, UsageRecord
from goalrail.store.sql.statements import APPROVAL_FIELDS

#: One ``sessions`` row as a dict keyed by ``statements.SESSION_FIELDS``, ``labels``
#: decoded; the commit paths update it in place (``changes.update_row``).  A plain
#: dict: the PostgreSQL group commit (``pg_tx``, ``pg_batch``) builds and compares it as one.
SessionRow = dict[str, Any]


def session_info(m: RowMapping | SessionRow) -> SessionInfo:
    # Positional, in the fields' order (SQLite's cached sessions build one per decision).
    return SessionInfo(
        m["id"],
        m["owner"],
        m["agent"],
        dict(m["labels"] or {}),  # labels
        m["created_at"],
        m["last_activity"],
        m["ended"],
        m["model"],
        m["harness"],
    )


def policy_values(spec: PolicySpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "handler": spec.handler,
        "params": spec.params,
        "kind": spec.kind,
        "enabled": spec.enabled,
        "mode": spec.mode,
        "on_error": spec.on_error,
        "timeout_ms": spec.timeout_ms,
        "ask_timeout_s": spec.ask_timeout_s,
        "source": spec.source,
        "extra": spec.extra or None,
    }


def policy_spec(m: RowMapping, level: Level) -> PolicySpec:
    return PolicySpec(
        name=m["name"],
        handler=m["handler"],
        level=level,
        params=m["params"],
        kind=m["kind"],
        mode=m["mode"],
        enabled=bool(m["enabled"]),
        on_error=m["on_error"],
        timeout_ms=m["timeout_ms"],
        ask_timeout_s=m["ask_timeout_s"],
        id=m["id"],
        source=m["source"],
        extra=dict(m["extra"] or {}),
    )


def usage_values(session_id: str, owner: str | None, r: UsageRecord) -> dict[str, object]:
    return {
        "session_id": session_id,
        "owner": owner or "",
        "model": r.model,
        "input_tokens": r.input_tokens,
        "output_tokens": r.output_tokens,
        "cache_read_tokens": r.cache_read_tokens,
        "cache_write_tokens": r.cache_write_tokens,
        "cost_usd": r.cost_usd,
        "price_source": r.price_source,
        "at": r.at,
        "day": r.day,
    }


def usage_record(m: RowMapping) -> UsageRecord:
    return UsageRecord(
        model=m["model"],
        input_tokens=m["input_tokens"],
        output_tokens=m["output_tokens"],
        cache_read_tokens=m["cache_read_tokens"],
        cache_write_tokens=m["cache_write_tokens"],
        cost_usd=m["cost_usd"],
        price_source=m["price_source"],
        at=m["at"],
        day=m["day"],
    )


def approval_values(a: ApprovalRecord) -> dict[str, object]:
    return {name: getattr(a, name) for name in APPROVAL_FIELDS}


def approval_record(m: RowMapping) -> ApprovalRecord:
    values = {name: m[name] for name in APPROVAL_FIELDS}
    values["policies"] = list(values["policies"] or [])
    values["grant_keys"] = list(values["grant_keys"] or [])
    return ApprovalRecord(**values)


def token_record(m: RowMapping) -> TokenRecord:
    return TokenRecord(
        id=m["id"],
        token_hash=m["token_hash"],
        user=m["user"],
        role=m["role"],
        label=m["label"],
        created_at=m["created_at"],
        revoked=bool(m["revoked"]),
        agent=m["agent"],
    )


def audit_entry(m: RowMapping) -> JsonObject:
    return {
        "seq": m["seq"],
        "at": m["at"],
        "kind": m["kind"],
        "session_id": m["session_id"],
        "payload": json.loads(m["payload"]),
        "prev_hash": m["prev_hash"],
        "hash": m["hash"],
    }


def payload_text(payload: object) -> str:
    """The payload as stored: the same JSON the hash is computed over."""
    return audit.canonical(payload)
