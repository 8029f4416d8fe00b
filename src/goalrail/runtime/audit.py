"""Hash-chained audit entries: any edited, inserted or deleted entry breaks the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64
_HASHED = ("seq", "at", "kind", "session_id", "payload", "prev_hash")


def entry_hash(entry: Mapping[str, Any]) -> str:
    body = {k: entry.get(k) for k in _HASHED}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def seal(entry: dict[str, Any], prev_hash: str, seq: int) -> dict[str, Any]:
    entry["seq"] = seq
    entry["prev_hash"] = prev_hash
    entry["hash"] = entry_hash(entry)
    return entry


def verify(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Check sequence and hashes; report the first broken entry."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for e in entries:
        count += 1
        if e.get("seq") != expected_seq:
            return {
                "ok": False,
                "count": count,
                "broken_at": e.get("seq"),
                "problem": f"entry {expected_seq} is missing (found seq {e.get('seq')})",
            }
        if e.get("prev_hash") != prev:
            return {"ok": False, "count": count, "broken_at": e.get("seq"), "problem": "prev_hash does not match"}
        if entry_hash(e) != e.get("hash"):
            return {"ok": False, "count": count, "broken_at": e.get("seq"), "problem": "entry was modified"}
        prev = str(e.get("hash"))
        expected_seq += 1
    return {"ok": True, "count": count, "broken_at": None, "problem": None, "head": prev}
