"""Provenance: where each value an agent has seen came from.

The runtime records values from the user's requests (trusted) and from tool
outputs (trusted, untrusted or sensitive, per the tool's metadata) and hands
every policy a :class:`Provenance` as ``context["provenance"]``.  A policy can
then ask whether an argument is *grounded* in what the user said or in trusted
data, rather than only which tool is called::

    prov = event["context"]["provenance"]
    prov.grounded("iban@example.com")   # -> ["user"] or [] (the trusted sources)
    prov.origin("x@evil.example")       # -> first source that produced it

What is recorded, normalised so that spelling variants compare equal: e-mail
addresses, URLs and their domains, IBANs, phone numbers, identifiers, from
trusted sources also words and whole short strings, and from sensitive sources
also digit runs (kind ``num``: ``2,381.55`` and ``2381.55`` are both ``238155``);
see ``goalrail.policies.provenance_values``.  JSON (and JSON held in strings) is
walked field by field; the first field path a value appeared under is kept.

The record lives in the session's state under the reserved namespace
``goalrail.provenance``, one entry per event that added values, so it is
persisted, serialized and exact like all other state.  It is bounded: at most
``MAX_PER_EVENT`` values per event and ``max_values`` per session (oldest
events evicted first, see :func:`record`).  The chunks a line of views holds:
``goalrail.policies.provenance_line`` (its names are re-exported here).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from goalrail.jsontypes import JsonObject
from goalrail.policies.provenance_line import SENSITIVE, TRUSTED, UNTRUSTED, Chunk, Line, Source, Tally, index_chunk
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
    numbers_of,
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
    "Tally",
    "chunk_key",
    "collect",
    "extract_values",
    "kind_of",
    "kinds_for",
    "norm_domain",
    "norm_email",
    "norm_iban",
    "norm_phone",
    "norm_text",
    "norm_url",
    "numbers_of",
    "record",
    "url_host",
]

NS = "goalrail.provenance"
SEQ_KEY = "seq"
DEFAULT_MAX_VALUES = 5000


class Provenance:
    """A read-only index over a session's recorded values.

    What every decision reads (``tainted_by``, ``sensitive_seen``, ``count``, the tally
    ``record`` needs) is kept per chunk; the index of values a question looks up
    (``grounded``, ``origin``, ``index``, ...) is built on the first question asked of
    the line and then advanced with it, so a decision that asks nothing never builds it.
    """

    __slots__ = ("_live", "_mark", "_seq", "_tip", "count", "sensitive_seen", "tainted_by")

    def __init__(self) -> None:
        self._live = Line()
        self._seq: object = None  # the record's SEQ_KEY when this view was made
        self._settle()

    def _settle(self) -> None:
        live = self._live
        self.tainted_by: Source | None = live.untrusted[0] if live.untrusted else None
        self.sensitive_seen = live.sensitive > 0
        self.count = live.count
        self._mark = mark = live.mark()  # the live chunks when this view was made
        seq = self._seq  # (whether its newest chunk is the record's ``seq``: formatted once, not per decision)
        self._tip = isinstance(seq, int) and mark[1] == chunk_key(seq)

    def __repr__(self) -> str:
        return f"Provenance(count={self.count}, chunks={self._mark[0]}, tainted_by={self.tainted_by!r})"

    # -- building --------------------------------------------------------
    @classmethod
    def from_state(cls, state: Mapping[str, object] | None) -> Provenance:
        if not state:
            return cls()
        prov = cls.__new__(cls)  # (settled once, by ``_add_chunks``: not also by ``__init__`` for an empty line)
        prov._live, prov._seq = Line(), state.get(SEQ_KEY)
        prov._add_chunks(state, sorted(k for k in state if k != SEQ_KEY))
        return prov

    @property
    def index(self) -> dict[str, list[Source]]:
        """Value key -> its sources in chunk order (built when first asked for, then kept up to date)."""
        live = self._live
        index = live.index
        if index is None:
            index = live.index = {}
            for chunk in live.chunks:
                index_chunk(index, chunk)
            if live.on_index is not None:
                live.on_index()
        return index

    # -- what a cache of views charges and drops -----------------------------
    @property
    def line(self) -> object:
        """What this view shares with the views advanced from it (a rebuilt view starts a new line)."""
        return self._live

    @property
    def chunks(self) -> int:
        """The chunks the line holds (one per recorded event)."""
        return len(self._live.chunks)

    @property
    def indexed(self) -> int:
        """The values the line's index holds: 0 while no question has built it."""
        return self._live.count if self._live.index is not None else 0

    def on_index(self, callback: Callable[[], object] | None) -> None:
        """``callback`` is called when a question builds the line's index."""
        self._live.on_index = callback

    def drop_index(self) -> None:
        """Forget the line's index (questions look in the chunks again, then rebuild it)."""
        self._live.index, self._live.scanned = None, 0

    @property
    def keys(self) -> tuple[str, ...]:
        """The chunk keys indexed, oldest first (of the newest view of a line)."""
        return tuple(c.key for c in self._live.chunks)

    def _current(self, state: Mapping[str, object]) -> bool:
        """Whether this view is the newest of its line and indexes exactly ``state``: chunks are only
        ever appended (newest sequence number last) or evicted oldest first, so the chunk count
        and the newest key identify the set (the newest key is ``seq``'s: checked once, when the
        view was made, so here ``seq`` is compared as a number)."""
        mark, chunks = self._mark, self._live.chunks
        if mark[0] != len(chunks) or mark[1] != (chunks[-1].key if chunks else None):  # ``Line.mark()``, inline
            return False
        seq = state.get(SEQ_KEY)
        n = len(state) - (seq is not None or SEQ_KEY in state)
        return n == mark[0] and (not n or (self._tip and seq == self._seq))

    def advanced(self, state: Mapping[str, object] | None) -> Provenance:
        """The view brought up to date with ``state`` (the session's committed record).

        An unchanged record costs O(1); new chunks cost what they add and evicted
        ones what they take back, whatever the size of the record; anything else
        (a record that is not this one grown, a view that is not the newest of its
        line) rebuilds.  A view is meant for one evaluation: advancing changes the
        index and chunks an older view shares.
        """
        state = {} if state is None else state  # (an empty record reads as {} either way)
        if self._current(state):
            return self
        live, seq, old = self._live, state.get(SEQ_KEY), self._seq
        n = len(state) - (SEQ_KEY in state)
        if self._mark != live.mark() or not live.chunks or not isinstance(seq, int) or not isinstance(old, int):
            return Provenance.from_state(state)
        if not old <= seq <= old + n:
            return Provenance.from_state(state)
        while live.chunks and live.chunks[0].key not in state:
            self._evict_oldest()
        prov = Provenance.__new__(Provenance)
        prov._live, prov._seq = live, seq
        prov._add_chunks(state, [k for s in range(old + 1, seq + 1) if (k := chunk_key(s)) in state])
        return prov if prov._current(state) else Provenance.from_state(state)

    def _evict_oldest(self) -> None:
        live = self._live
        chunk = live.chunks.popleft()
        index = live.index
        if index is not None:
            for value_key in chunk.values:
                sources = index[value_key]
                del sources[0]  # a value's sources are in chunk order
                if not sources:
                    del index[value_key]
        live.count -= len(chunk.values)
        if live.digests and (type(raw := chunk.raw) is dict or isinstance(raw, Mapping)) and "h" in raw:
            live.note(raw["h"], -1)
        if chunk.trust == UNTRUSTED:
            live.untrusted.popleft()
        elif chunk.trust == SENSITIVE:
            live.sensitive -= 1

    def _add_chunks(self, state: Mapping[str, object], keys: list[str]) -> None:
        live = self._live
        index = live.index
        for key in keys:
            raw = state.get(key)
            if type(raw) is not dict and not isinstance(raw, Mapping):  # (a dict, the usual chunk: no ABC check)
                live.chunks.append(Chunk(key, {}, TRUSTED, None))
                continue
            trust = str(raw.get("trust") or UNTRUSTED)
            values = raw.get("v") or {}
            chunk = Chunk(key, values, trust, raw)
            if "h" in raw:  # content recorded once (a forwarded conversation's): its digest
                live.note(raw["h"], 1)
            if trust == UNTRUSTED:
                name, seq = str(raw.get("src") or "?"), int(raw.get("seq") or 0)
                live.untrusted.append(Source(name, trust, seq, None, raw.get("at")))
            elif trust == SENSITIVE:
                live.sensitive += 1
            if index is not None:
                index_chunk(index, chunk)
            live.count += len(values)
            live.chunks.append(chunk)
        self._settle()

    def tally(self, state: Mapping[str, object]) -> Tally | None:
        """The value count and chunk keys of ``state`` for :func:`record`, if this view is current for it."""
        if not self._current(state) or state.get(SEQ_KEY) != self._seq:
            return None
        chunks = self._live.chunks
        return Tally(self._live.count, (c.key for c in chunks), len(chunks))

    # -- questions policies ask -------------------------------------------
    def _sources_of(self, key: str) -> Sequence[Source]:
        """``index.get(key, ())``; without an index, looked up in the chunks while all such lookups
        together have cost less than building the index would (then it is built)."""
        live = self._live
        if live.index is None and live.scanned + len(live.chunks) <= live.count:
            return live.scan(key)
        return self.index.get(key, ())

    def recorded(self, digest: str) -> bool:
        """Whether a chunk of the record carries ``digest`` (content ``record`` was given with it)."""
        return digest in self._live.digests

    def untrusted_domains(self) -> Iterator[str]:  # (for ``provenance_assembled``)
        return (k[7:] for c in self._live.chunks if c.trust == UNTRUSTED for k in c.values if k[:7] == "domain:")

    @property
    def tainted(self) -> bool:
        """Has untrusted content been seen in this session?"""
        return self.tainted_by is not None

    def sources(self, value: str) -> list[Source]:
        out: list[Source] = []
        for key in kinds_for(value):
            out.extend(self._sources_of(key))
        return out

    def grounded(self, value: str) -> list[str]:
        """The trusted sources (``user`` or a tool name) ``value`` appears in; empty if none."""
        names = [s.name for s in self.sources(value) if s.trust in (TRUSTED, SENSITIVE)]
        return list(dict.fromkeys(names))

    def grounded_keys(self, keys: list[str]) -> bool:
        """Whether a trusted source holds one of ``keys`` (``kinds_for`` of a value): ``grounded`` as a yes or no."""
        return any(s.trust in (TRUSTED, SENSITIVE) for key in keys for s in self._sources_of(key))

    def grounded_words(self, value: str) -> bool:
        """Every word of a free-text value appears in trusted sources (for names like `Alice Smith`)."""
        words = words_of(value)
        if not words:
            return False
        return all(any(s.trust != UNTRUSTED for s in self._sources_of(f"word:{w}")) for w in words)

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
    tally: Tally | None = None,
    digest: str | None = None,
) -> list[StateUpdate]:
    """State updates (``scope: policy`` in :data:`NS`) that remember the values in ``payload``.

    Untrusted output records only structured values (addresses, links, IBANs,
    phone numbers, identifiers); trusted output and the user's requests also
    record words and short strings, so names and channels can be grounded.

    The oldest chunks go while the record holds more than ``max_values`` values, or
    more than ``max_values`` chunks (untrusted or sensitive output is recorded even
    without values, so a count of values alone would let such chunks pile up); a sensitive
    one is moved to the newest end instead, within half of ``max_values`` (a flood of values
    must not make secrecy forget a secret).  With
    ``tally`` (``Provenance.tally`` of a view current for ``state``) that costs
    what is evicted, not a scan of the record; ``tally`` is then brought up to
    date with the updates, for a record that follows in the same commit.
    """
    values = collect(
        payload, words=trust != UNTRUSTED, numbers=trust == SENSITIVE, limit=min(MAX_PER_EVENT, max_values)
    )
    if not values and trust == TRUSTED and digest is None:
        return []  # untrusted or sensitive output is remembered even without values: it taints
    state = state or {}
    seq = int(state.get(SEQ_KEY) or 0) + 1
    key = chunk_key(seq)
    chunk: dict[str, object] = {"src": source, "trust": trust, "seq": seq, "at": at, "v": values}
    if digest is not None:
        chunk["h"] = digest
    updates: list[StateUpdate] = [
        {"key": SEQ_KEY, "action": "set", "value": seq, "scope": "policy"},
        {"key": key, "action": "set", "value": chunk, "scope": "policy"},
    ]
    if tally is None:
        chunks = sorted(k for k in state if k != SEQ_KEY)
        total = len(values) + sum(len((state.get(k) or {}).get("v") or {}) for k in chunks)
        keys: Iterator[str] = iter(chunks)
        held = len(chunks) + 1
    else:
        total, keys, held = tally.count + len(values), tally.keys, tally.chunks + 1
    kept: list[str] = []
    carried: list[str] = []
    room = min(max_values // 2, max_values - len(values))  # what evicted sensitive output may take up again
    for old in keys:
        if total <= max_values and held <= max_values:
            kept.append(old)
            break
        raw = state.get(old) or {}
        updates.append({"key": old, "action": "delete", "scope": "policy"})
        if raw.get("trust") == SENSITIVE and 0 < (n := len(raw.get("v") or {})) <= room and len(carried) < room:
            seq, room = seq + 1, room - n
            carried.append(chunk_key(seq))
            updates.append({"key": carried[-1], "action": "set", "value": dict(raw), "scope": "policy"})
            continue
        total -= len(raw.get("v") or {})
        held -= 1
    updates[0]["value"] = seq
    if tally is not None:
        tally.count, tally.keys, tally.chunks = total, itertools.chain(kept, keys, (key, *carried)), held
    return updates
