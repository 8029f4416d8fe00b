"""Hash-chained audit entries: any edited, inserted or deleted entry breaks the chain.

An entry's hash is SHA-256 over the canonical JSON (sorted keys, no spaces) of
``seq, at, kind, session_id, payload, prev_hash``.  The payload's own canonical
JSON is what SQL stores keep as text: :func:`seal` encodes it once and builds
the hashed text around it (the same bytes ``json.dumps`` of the whole body gives).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from goalrail.jsontypes import JsonObject

GENESIS = "0" * 64
_HASHED = ("seq", "at", "kind", "session_id", "payload", "prev_hash")
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
_string = json.encoder.encode_basestring_ascii
_finite = float("-inf"), float("inf")


def _scalar(value: Any) -> str:
    """``_encode`` for the entry's scalar fields, without building an encoder pass."""
    kind = type(value)
    if kind is str:
        return str(_string(value))
    if kind is int:
        return int.__repr__(value)
    if kind is float and value == value and value not in _finite:
        return float.__repr__(value)
    return _encode(value)


def canonical(value: object) -> str:
    """The canonical JSON of ``value`` (what is hashed, and stored for a payload)."""
    return _encode(value)


def entry_hash(entry: Mapping[str, Any], payload_text: str | None = None) -> str:
    """The entry's hash; ``payload_text`` (its payload's canonical JSON) saves encoding it again."""
    if payload_text is None:
        payload_text = _encode(entry.get("payload"))
    # Keys in sorted order: at, kind, payload, prev_hash, seq, session_id.
    blob = (
        f'{{"at":{_scalar(entry.get("at"))},"kind":{_scalar(entry.get("kind"))},"payload":{payload_text},'
        f'"prev_hash":{_scalar(entry.get("prev_hash"))},"seq":{_scalar(entry.get("seq"))},'
        f'"session_id":{_scalar(entry.get("session_id"))}}}'
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def seal(entry: JsonObject, prev_hash: str, seq: int, payload_text: str | None = None) -> JsonObject:
    entry["seq"] = seq
    entry["prev_hash"] = prev_hash
    entry["hash"] = entry_hash(entry, payload_text)
    return entry


def verify(entries: Iterable[Mapping[str, Any]], *, base: tuple[int, str] | None = None) -> JsonObject:
    """Check sequence and hashes; report the first broken entry.

    ``base``: the ``(seq, hash)`` the first entry follows, for a log whose older
    entries were dropped (the memory store keeps the newest); default: the start.
    """
    expected_seq, prev = (base[0] + 1, base[1]) if base is not None else (1, GENESIS)
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
