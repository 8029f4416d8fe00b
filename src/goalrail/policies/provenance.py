"""Provenance: where each value an agent has seen came from.

The runtime records values from the user's requests (trusted) and from tool
outputs (trusted, untrusted or sensitive, per the tool's metadata) and hands
every policy a :class:`Provenance` as ``context["provenance"]``.  A policy can
then ask whether an argument is *grounded* in what the user said or in trusted
data, rather than only which tool is called::

    prov = event["context"]["provenance"]
    prov.grounded("iban@example.com")   # -> ["user"] or [] (the trusted sources)
    prov.origin("x@evil.example")       # -> first source that produced it

What is recorded, normalised so that spelling variants compare equal:
e-mail addresses (lower case), URLs (scheme and host lower case, no fragment,
no trailing slash) and their domains (without ``www.``), IBANs (upper case, no
spaces), phone numbers (digits, ``+`` kept), identifiers (tokens holding a
digit, ``_`` or ``-``), and from trusted sources also words and whole short
strings.  JSON (and JSON held in strings) is walked field by field; the first
field path a value appeared under is kept for explanations.

The record lives in the session's state under the reserved namespace
``goalrail.provenance``, one entry per event that added values, so it is
persisted, serialized and exact like all other state.  It is bounded: at most
``MAX_PER_EVENT`` values per event and ``max_values`` per session (oldest
events evicted first).  Finding and normalising the values:
``goalrail.policies.provenance_values`` (its names are re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goalrail.jsontypes import JsonObject
from goalrail.policies.provenance_values import (
    MAX_PER_EVENT,
    MAX_TEXT,
    collect,
    extract_values,
    kind_of,
    kinds_for,
    norm_domain,
    norm_email,
    norm_iban,
    norm_phone,
    norm_text,
    norm_url,
    url_host,
    words_of,
)
from goalrail.policies.schema import StateUpdate

__all__ = [
    "DEFAULT_MAX_VALUES",
    "EMPTY",
    "MAX_PER_EVENT",
    "MAX_TEXT",
    "NS",
    "SENSITIVE",
    "SEQ_KEY",
    "TRUSTED",
    "UNTRUSTED",
    "Provenance",
    "Source",
    "chunk_key",
    "collect",
    "extract_values",
    "kind_of",
    "norm_domain",
    "norm_email",
    "norm_iban",
    "norm_phone",
    "norm_text",
    "norm_url",
    "record",
    "url_host",
]

NS = "goalrail.provenance"
SEQ_KEY = "seq"
DEFAULT_MAX_VALUES = 5000

TRUSTED, UNTRUSTED, SENSITIVE = "trusted", "untrusted", "sensitive"


@dataclass(slots=True)
class Source:
    name: str  # "user" or the tool's name
    trust: str
    seq: int
    path: str | None = None
    at: float | None = None


@dataclass
class Provenance:
    """A read-only index over a session's recorded values."""

    index: dict[str, list[Source]] = field(default_factory=dict)
    tainted_by: Source | None = None
    sensitive_seen: bool = False
    keys: tuple[str, ...] = ()
    count: int = 0

    # -- building --------------------------------------------------------
    @classmethod
    def from_state(cls, state: Mapping[str, object] | None) -> Provenance:
        prov = cls()
        if state:
            prov._add_chunks(state, sorted(k for k in state if k != SEQ_KEY))
        return prov

    def advanced(self, state: Mapping[str, object] | None) -> Provenance:
        """The index brought up to date with ``state`` (the session's committed record).

        Chunks are only ever appended (newest sequence number last) or evicted
        oldest first, so the chunk count and the newest key identify the set: an
        unchanged record costs O(1), new chunks cost what they add, and only an
        eviction rebuilds.  A view is meant for one evaluation; advancing may
        extend the index an older view shares.
        """
        state = state or {}
        n = len(state) - (SEQ_KEY in state)
        seq = state.get(SEQ_KEY)
        if n == len(self.keys) and (not n or (isinstance(seq, int) and self.keys[-1] == chunk_key(seq))):
            return self
        keys = sorted(k for k in state if k != SEQ_KEY)
        if self.keys and keys[: len(self.keys)] == list(self.keys):
            prov = Provenance(self.index, self.tainted_by, self.sensitive_seen, self.keys, self.count)
            prov._add_chunks(state, keys[len(self.keys) :])
            return prov
        return Provenance.from_state(state)

    def _add_chunks(self, state: Mapping[str, object], keys: list[str]) -> None:
        for key in keys:
            chunk = state.get(key)
            if not isinstance(chunk, Mapping):
                continue
            trust = str(chunk.get("trust") or UNTRUSTED)
            name = str(chunk.get("src") or "?")
            seq = int(chunk.get("seq") or 0)
            at = chunk.get("at")
            values = chunk.get("v") or {}
            if trust == UNTRUSTED and self.tainted_by is None:
                self.tainted_by = Source(name, trust, seq, None, at)
            if trust == SENSITIVE:
                self.sensitive_seen = True
            for value_key, (_kind, path) in values.items():
                self.index.setdefault(value_key, []).append(Source(name, trust, seq, path, at))
            self.count += len(values)
        self.keys = (*self.keys, *keys)

    # -- questions policies ask -------------------------------------------
    @property
    def tainted(self) -> bool:
        """Has untrusted content been seen in this session?"""
        return self.tainted_by is not None

    def sources(self, value: str) -> list[Source]:
        out: list[Source] = []
        for key in kinds_for(value):
            out.extend(self.index.get(key, ()))
        return out

    def grounded(self, value: str) -> list[str]:
        """The trusted sources (``user`` or a tool name) ``value`` appears in; empty if none."""
        names = [s.name for s in self.sources(value) if s.trust in (TRUSTED, SENSITIVE)]
        return list(dict.fromkeys(names))

    def grounded_words(self, value: str) -> bool:
        """Every word of a free-text value appears in trusted sources (for names like `Alice Smith`)."""
        words = words_of(value)
        if not words:
            return False
        return all(any(s.trust != UNTRUSTED for s in self.index.get(f"word:{w}", ())) for w in words)

    def origin(self, value: str) -> Source | None:
        """The first source (by event order) that produced ``value``."""
        found = self.sources(value)
        return min(found, key=lambda s: s.seq) if found else None

    def sensitive_sources(self, value: str) -> list[Source]:
        return [s for s in self.sources(value) if s.trust == SENSITIVE]

    def values(self, limit: int = 500) -> list[JsonObject]:
        """What the session remembers, for display: value, kind and sources."""
        out: list[JsonObject] = []
        for key, srcs in list(self.index.items())[:limit]:
            kind, _, v = key.partition(":")
            if kind == "word":
                continue
            out.append(
                {
                    "kind": kind,
                    "value": "(sensitive)" if any(s.trust == SENSITIVE for s in srcs) else v,
                    "sources": [{"name": s.name, "trust": s.trust, "path": s.path, "seq": s.seq} for s in srcs],
                }
            )
        return out

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and bool(self.sources(value))


EMPTY = Provenance()


def chunk_key(seq: int) -> str:
    return f"e{seq:09d}"


def record(
    state: Mapping[str, Any] | None,
    payload: object,
    *,
    source: str,
    trust: str,
    at: float,
    max_values: int = DEFAULT_MAX_VALUES,
) -> list[StateUpdate]:
    """State updates (``scope: policy`` in :data:`NS`) that remember the values in ``payload``.

    Untrusted output records only structured values (addresses, links, IBANs,
    phone numbers, identifiers); trusted output and the user's requests also
    record words and short strings, so names and channels can be grounded.
    """
    values = collect(payload, words=trust != UNTRUSTED, limit=min(MAX_PER_EVENT, max_values))
    if not values and trust == TRUSTED:
        return []  # untrusted or sensitive output is remembered even without values: it taints
    state = state or {}
    seq = int(state.get(SEQ_KEY) or 0) + 1
    key = chunk_key(seq)
    updates: list[StateUpdate] = [
        {"key": SEQ_KEY, "action": "set", "value": seq, "scope": "policy"},
        {
            "key": key,
            "action": "set",
            "value": {"src": source, "trust": trust, "seq": seq, "at": at, "v": values},
            "scope": "policy",
        },
    ]
    chunks = sorted(k for k in state if k != SEQ_KEY)
    total = len(values) + sum(len((state.get(k) or {}).get("v") or {}) for k in chunks)
    for old in chunks:
        if total <= max_values:
            break
        total -= len((state.get(old) or {}).get("v") or {})
        updates.append({"key": old, "action": "delete", "scope": "policy"})
    return updates
