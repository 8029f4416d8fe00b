"""Keeping each session's provenance record: what to remember after an event, and a cached view.

Values from the user's requests are trusted; a tool's output has the trust its
metadata declares (a tool nobody described counts as untrusted).  The first
untrusted output sets the session label ``untrusted_content`` (its value names
the tool).  Updates go through the normal commit, in the reserved namespace
``goalrail.provenance``: persisted, serialized per session and exact across
replicas like every other piece of state.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from functools import partial
from typing import cast

from goalrail.engine.actions import ActionMapper
from goalrail.engine.paged import PagedMap
from goalrail.engine.snapshot import Snapshot
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies import provenance
from goalrail.policies.arguments import argument_values, leaf_strings
from goalrail.policies.provenance import NS, Provenance
from goalrail.policies.provenance_line import Line
from goalrail.policies.schema import PolicyEvent, StateUpdate
from goalrail.runtime.conversation import USER, Walks

UNTRUSTED_LABEL = "untrusted_content"
_RESULT_KEYS = ("result", "output", "content", "response", "tool_response")


def tool_output(data: object) -> object:
    if type(data) is not dict and not isinstance(data, Mapping):  # (a dict, the usual data: no ABC check)
        return data
    return [data[k] for k in _RESULT_KEYS if k in data]


class _After(Mapping[str, JsonValue]):
    """``state`` with :func:`provenance.record`'s updates (``set`` and ``delete``) applied, without copying it."""

    def __init__(self, state: Mapping[str, JsonValue] | None, updates: list[StateUpdate]) -> None:
        self._state: Mapping[str, JsonValue] = state or {}
        self._set: dict[str, JsonValue] = {}
        self._gone: set[str] = set()
        self.add(updates)

    def __getitem__(self, key: str) -> JsonValue:
        if key in self._set:
            return self._set[key]
        if key in self._gone:
            raise KeyError(key)
        return self._state[key]

    def __iter__(self) -> Iterator[str]:
        yield from (k for k in self._state if k not in self._gone and k not in self._set)
        yield from self._set

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def add(self, updates: list[StateUpdate]) -> None:
        """Apply more of ``record``'s updates (a later record in the same commit)."""
        for upd in updates:
            key = upd["key"]
            if upd["action"] == "set":
                self._set[key] = upd.get("value")
                self._gone.discard(key)
            else:
                self._set.pop(key, None)
                self._gone.add(key)


class _Entry:
    """A session's cached line of views and what it is charged: its chunks, and its index's values;
    ``record``, ``writes`` and ``mark``: the stored record ``view`` was last found current for, when
    it is a ``PagedMap`` (how stores keep it), that map's count of changes and the line's chunks then."""

    __slots__ = ("chunks", "line", "mark", "record", "values", "view", "writes")

    def __init__(self, view: Provenance) -> None:
        self.view = view
        self.record: PagedMap | None = None
        self.writes = -1
        self.line = cast(Line, view.line)
        self.mark = self.line.mark()
        self.chunks = 0
        self.values = 0

    def current_for(self, state: object) -> None:
        if type(state) is PagedMap:
            line = self.line = cast(Line, self.view.line)
            self.record, self.writes, self.mark = state, state.writes, line.mark()
        else:
            self.record, self.writes = None, -1


class ProvenanceTracker:
    """Per-runtime cache of each session's view; validated against each snapshot, so never stale.

    Two bounds, least recently used sessions first out.  ``max_cached_chunks``
    bounds the lines kept (a chunk per recorded event, about 120 bytes each with
    its share of the line): what every decision reads (taint, the value count, the
    oldest chunks ``record`` evicts), advanced per event.  ``max_cached_values``
    bounds the value indexes (about 200 bytes a value) that questions build
    (``grounded``, ``origin``, ...): a session whose index is dropped keeps its
    line, and a question rebuilds the index from it.  A line dropped is rebuilt
    from the stored record when its session comes back (cost: its chunks, not
    its values).
    """

    def __init__(
        self,
        *,
        max_values: int = provenance.DEFAULT_MAX_VALUES,
        max_cached_values: int = 250_000,
        max_cached_chunks: int | None = None,
        max_walk_bytes: int = 32 << 20,
    ) -> None:
        self.max_values = max_values
        self.max_cached_values = max_cached_values
        self.max_cached_chunks = 4 * max_cached_values if max_cached_chunks is None else max_cached_chunks
        self._views: OrderedDict[str, _Entry] = OrderedDict()
        self._indexed: OrderedDict[str, _Entry] = OrderedDict()  # the entries whose line holds an index
        self._chunks = 0  # charged across ``_views``
        self._cached = 0  # values charged across ``_indexed``
        # Sessions whose line built its index since: a question may run on a policy worker's thread,
        # so the line only queues its session here (thread-safe) and the next view charges it.
        self._built: deque[str] = deque()
        # Each session's forwarded conversation as last walked (copies of its messages, bounded):
        # a turn walks and hashes only what its conversation adds (``conversation.walk``).
        self.walks = Walks(max_walk_bytes)

    def view(self, session_id: str, snap: Snapshot) -> Provenance:
        if self._built:
            self._charge_built()
        state: Mapping[str, JsonValue] | None = snap.policy_states.get(NS)
        entry = self._views.get(session_id)
        # The very map the view was found current for, not changed since (a commit replaces the
        # stored map by a fork, ``state.updatable``), and its line's chunks as they were then (a
        # policy is handed the view itself, and may advance it): ``advanced`` would hand it back
        # as it is, after a lookup of its own (``_current``).
        if (
            entry is not None
            and (record := entry.record) is not None
            and state is record
            and record.writes == entry.writes
            and entry.line.mark() == entry.mark
        ):
            self._views.move_to_end(session_id)
            if entry.values:
                self._indexed.move_to_end(session_id)
            return entry.view
        if not state:
            if entry is not None:
                self._drop(session_id, entry)
            return provenance.EMPTY
        if entry is None:
            view = Provenance.from_state(state)
        else:
            view = entry.view.advanced(state)
            if view is entry.view:  # the record unchanged (the same chunks): the line only moves up
                entry.current_for(state)
                self._views.move_to_end(session_id)  # the totals are unchanged, so is what fits
                if entry.values:
                    self._indexed.move_to_end(session_id)
                return view
            if view.line is not entry.view.line:  # rebuilt: a new line
                self._drop(session_id, entry)
                entry = None
        if entry is None:
            entry = self._views[session_id] = _Entry(view)
            view.on_index(partial(self._built.append, session_id))
        else:
            entry.view = view
            self._views.move_to_end(session_id)
        entry.current_for(state)
        chunks = view.chunks
        self._chunks += chunks - entry.chunks
        entry.chunks = chunks
        self._charge(session_id)
        self._trim()
        return view

    def _charge_built(self) -> None:
        built = self._built
        while built:
            self._charge(built.popleft())

    def _charge(self, session_id: str) -> None:
        """Charge (again) ``session_id``'s index, if its line has one; over the bound, drop the oldest indexes."""
        entry = self._views.get(session_id)
        if entry is None or not (values := entry.view.indexed):
            return
        self._cached += values - entry.values
        entry.values = values
        self._indexed[session_id] = entry
        self._indexed.move_to_end(session_id)
        while self._cached > self.max_cached_values and len(self._indexed) > 1:
            _, old = self._indexed.popitem(last=False)
            old.view.drop_index()  # its line stays; a question rebuilds the index from it
            self._cached -= old.values
            old.values = 0

    def _trim(self) -> None:
        views = self._views
        while self._chunks > self.max_cached_chunks and len(views) > 1:
            session_id, old = next(iter(views.items()))
            self._drop(session_id, old)

    def _drop(self, session_id: str, entry: _Entry) -> None:
        del self._views[session_id]
        self._chunks -= entry.chunks
        if entry.values:
            del self._indexed[session_id]
            self._cached -= entry.values
        entry.view.on_index(None)

    def remember(
        self, event: PolicyEvent, snap: Snapshot, now: float, mapper: ActionMapper | None = None
    ) -> tuple[list[StateUpdate], dict[str, str]]:
        """State updates and labels that record what ``event`` showed the agent (``mapper``: the tool
        metadata a forwarded conversation's tool output is trusted by)."""
        etype = event["type"]
        if etype != "request" and etype != "tool_result" and etype != "llm_request":
            return [], {}
        state = snap.policy_states.get(NS)
        view = event["context"].get("provenance")
        if etype == "llm_request":
            return self._forwarded(event, snap, state, view if isinstance(view, Provenance) else None, now, mapper)
        tally = view.tally(state) if state and isinstance(view, Provenance) else None
        if etype == "request":
            data = event["data"] or {}
            updates = provenance.record(
                state,
                data.get("user_content"),
                source="user",
                trust=provenance.TRUSTED,
                at=now,
                max_values=self.max_values,
                tally=tally,
            )
            if data.get("attachments"):  # what the user passed on, not what the user said
                more = provenance.record(
                    _After(state, updates),
                    data["attachments"],
                    source="attachment",
                    trust=provenance.UNTRUSTED,
                    at=now,
                    max_values=self.max_values,
                    tally=tally,
                )
                if more:
                    return updates + more, {UNTRUSTED_LABEL: "attachment"}
            return updates, {}
        action = event["context"].get("action") or {}
        trust = action.get("trust") or provenance.UNTRUSTED
        name = action.get("original") or event.get("target") or "?"
        updates = provenance.record(
            state, tool_output(event["data"]), source=name, trust=trust, at=now, max_values=self.max_values, tally=tally
        )
        labels = {}
        if trust == provenance.UNTRUSTED and UNTRUSTED_LABEL not in snap.labels:
            labels[UNTRUSTED_LABEL] = name
        return updates, labels

    def _forwarded(
        self,
        event: PolicyEvent,
        snap: Snapshot,
        state: Mapping[str, JsonValue] | None,
        view: Provenance | None,
        now: float,
        mapper: ActionMapper | None,
    ) -> tuple[list[StateUpdate], dict[str, str]]:
        """What a forwarded conversation (an ``llm_request``'s messages) showed the model for the first
        time: each distinct piece (``conversation.pieces``) recorded once, with its digest.  The session's
        last walk (``self.walks``) is kept, so the conversation resent next turn walks and hashes only
        the messages it adds, and looks each piece's digest up in the record (a piece evicted from it
        is recorded again)."""
        data = event["data"]
        messages = data.get("messages") if type(data) is dict or isinstance(data, Mapping) else None
        if not messages or not isinstance(messages, list):
            return [], {}
        prov = view if view is not None else provenance.EMPTY
        updates: list[StateUpdate] = []
        labels: dict[str, str] = {}
        after: _After | None = None
        tally: provenance.Tally | None = None
        tallied = False  # (the tally is made for the first piece recorded)
        done: set[str] = set()
        for piece in self.walks.pieces(snap.session_id, messages):
            digest = piece.digest
            if prov.recorded(digest) or digest in done:
                continue
            done.add(digest)
            if piece.tool:
                action = mapper.map_tool(piece.source) if mapper is not None and piece.source else None
                trust = (action.get("trust") if action else None) or provenance.UNTRUSTED
                name = piece.source or "tool"
            else:
                trust = provenance.TRUSTED if piece.source == USER else provenance.UNTRUSTED
                name = piece.source
            if not tallied:
                tally, tallied = (view.tally(state) if state and view is not None else None), True
            more = provenance.record(
                after if after is not None else state,
                piece.texts,
                source=name,
                trust=trust,
                at=now,
                max_values=self.max_values,
                tally=tally,
                digest=digest,
            )
            if more:
                if after is None:
                    after = _After(state, more)
                else:
                    after.add(more)
                updates += more
                if trust == provenance.UNTRUSTED and UNTRUSTED_LABEL not in snap.labels and not labels:
                    labels[UNTRUSTED_LABEL] = name
        return updates, labels


def explain(event: PolicyEvent, prov: Provenance, updates: list[StateUpdate]) -> JsonObject | None:
    """What the audit shows about provenance for one decision.

    For a call to a tool with sinks or content: where each destination came
    from.  For a request or tool result: what was remembered.  Values seen in
    sensitive output are masked.
    """
    if updates:
        chunk = next((u.get("value") for u in updates if u["key"] != provenance.SEQ_KEY and u["action"] == "set"), None)
        if type(chunk) is dict or isinstance(chunk, Mapping):  # (a dict, the usual chunk: no ABC check)
            return {
                "recorded": {
                    "source": chunk.get("src"),
                    "trust": chunk.get("trust"),
                    "values": len(chunk.get("v") or {}),
                }
            }
    if event["type"] != "tool_call":
        return None
    action = event["context"].get("action") or {}
    sinks, content = action.get("sinks"), action.get("content")
    if not sinks and not content:  # (the usual tool call: no list made to find that out)
        return None
    data = event.get("data")
    args = data.get("arguments") if type(data) is dict or isinstance(data, Mapping) else None
    if type(args) is not dict and not isinstance(args, Mapping):
        return None
    out: list[JsonValue] = []
    for path in sinks or ():
        for value in leaf_strings(argument_values(args, path), skip_blank=True)[:10]:
            out.append(_describe(prov, path, value))
    for path in content or ():
        for text in leaf_strings(argument_values(args, path), skip_blank=True)[:10]:
            for kind, value in dict.fromkeys(provenance.extract_values(text, words=False)):
                if kind in ("email", "url", "iban", "phone"):
                    out.append(_describe(prov, path, value))
    return {"arguments": out[:20]} if out else None


def _describe(prov: Provenance, path: str, value: str) -> JsonObject:
    sensitive = bool(prov.sensitive_sources(value))
    origin = prov.origin(value)
    return {
        "argument": path,
        "value": "(sensitive)" if sensitive else value[:120],
        "kind": provenance.kind_of(value),
        "grounded": list(prov.grounded(value)),
        "origin": {"source": origin.name, "trust": origin.trust, "path": origin.path} if origin else None,
    }
