"""The audit entries the runtime writes: one per decision, one per approval step.

Each is an :class:`~goalrail.runtime.audit.AuditEntry` handed to the store in
``Commit.audit``; the store seals it into the hash chain.  The payload's keys
and values are what existing chains were hashed over: change them only with a
new entry kind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, cast

from orjson import OPT_SORT_KEYS

from goalrail.engine import approvals
from goalrail.engine.decision import Decision, round1
from goalrail.engine.plain_json import is_plain, known_plain_text
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.redact import redact
from goalrail.policies.schema import Action, PolicyEvent
from goalrail.runtime.audit import AuditEntry, DecisionFields, SessionStart

#: ``plain_json.is_plain``'s scalar types, and the floats it takes (finite, zero or at least 1e-4 in magnitude).
_SCALARS = frozenset({str, int, bool, type(None)})
_SMALLEST, _INFINITY = 1e-4, float("inf")
_ABSENT = object()
_sha256 = hashlib.sha256
_new = object.__new__


class PendingDigest:
    """An action digest computed when first read as text (``str``).

    The decision entry's ``digest`` is only needed when the entry is sealed: the
    canonical JSON encoding (``default=str``) gives the same bytes as the digest's
    own text, and a store that seals after the answer (the memory store) replaces
    it with that text before the entry is kept.
    """

    __slots__ = ("_event", "_text")

    def __init__(self, event: Mapping[str, object]) -> None:
        self._event: Mapping[str, object] | None = event
        self._text = ""

    def __str__(self) -> str:
        if self._event is not None:
            self._text, self._event = approvals.action_digest(self._event), None
        return self._text


class DecisionDraft(DecisionFields, total=False):
    """A decision entry's payload as the runtime writes it: a ``DecisionPayload`` whose
    ``digest`` may still be pending (its text once sealed)."""

    digest: str | PendingDigest


def resolved_digests(payload: JsonObject) -> None:
    """Replace a pending ``digest`` of ``payload`` by its text (what a kept entry holds).

    Until then the payload holds a :class:`PendingDigest`, which is not JSON: only the
    store that queues the entry sees it, and only the canonical encoding reads it."""
    digest = payload.get("digest")
    if digest is not None and type(digest) is not str:
        payload["digest"] = str(digest)


def decision_payload(
    event: Mapping[str, Any],
    decision: Decision,
    approval_id: str | None,
    actor: Mapping[str, Any] | None,
    digest: str | None = None,
) -> DecisionDraft:
    """What a decision entry records; the caller adds the event and what else it knows."""
    action = event["context"].get("action") or {}
    target = action.get("target")
    answers, quiet = decision.answers()  # the policies that said something; the others counted
    return {
        "type": event["type"],
        "target": event.get("target"),
        "action": {
            "type": action.get("type"),
            "original": action.get("original"),
            "mapped_by": action.get("mapped_by"),
            "target": redact(target)[:300] if isinstance(target, str) else None,
        },
        "digest": digest or PendingDigest(event),
        "result": decision.result,
        "reason": decision.reason,
        "policy": decision.policy,
        "decisions": answers,
        "quiet": quiet,
        "duration_us": round1(decision.duration_us),
        "approval_id": approval_id,
        "actor": dict(actor) if actor else None,
        "model": event["context"].get("model"),
    }


def decision_entry(at: float, session_id: str, payload: DecisionDraft) -> AuditEntry:
    """A decision's entry.  Its payload is JSON once a pending digest is read as text, which
    the store does before it is kept (:func:`resolved_digests`, or the canonical encoding's
    ``default=str`` when it seals at once), so it is handed on as a JSON object."""
    return AuditEntry(at, "decision", session_id, cast(JsonObject, payload))


class DecisionEntry:
    """A decision's entry whose payload is built when the store first reads it.

    The memory store seals after the answer, so the payload (the answering policies'
    records, the action, the digest) is built then, not on the decision path; a SQL
    store reads it in its commit.  Built once, then kept: what is hashed is what is
    stored.  What can change after the decision is taken now: the actor (the
    caller's mapping), the labels, the provenance view (its index grows with the
    session's later events) and the session's start; the event and the decision
    are the runtime's own and are not changed once decided (as the pending digest
    already relies on).  The keys, in their order, are those of
    :func:`decision_payload`, then what ``runtime.decide`` adds, each only when it has
    a value: ``used_approval``, ``labels``, ``provenance``, ``event`` (always) and
    ``session_start`` (kept in slots of their own, not in a dict: one container less
    per queued entry).
    """

    __slots__ = (
        "_action",
        "_actor",
        "_approval_id",
        "_data",
        "_decision",
        "_digest",
        "_event",
        "_labels",
        "_model",
        "_payload",
        "_provenance",
        "_start",
        "_target",
        "_type",
        "_used",
        "at",
        "plain",
        "session_id",
    )
    kind = "decision"
    # (what ``__new__`` sets)
    at: float
    session_id: str
    _type: str
    _target: str | None
    _data: object
    _action: Action | None
    _model: JsonValue
    _decision: Decision
    _approval_id: str | None
    _digest: str | None
    _used: str | None
    _labels: dict[str, str]
    _provenance: JsonObject | None
    _event: Mapping[str, object]
    _start: SessionStart | None
    _actor: JsonObject | None
    _payload: JsonObject | None
    #: Set when the payload is built: whether it is plain, so that sealing encodes it by orjson
    #: without walking it (``audit.entry_text``, which reads it with ``getattr``'s default).
    plain: bool

    def __new__(
        cls,
        at: float,
        session_id: str,
        event: PolicyEvent,
        decision: Decision,
        approval_id: str | None,
        actor: Mapping[str, JsonValue] | None,
        digest: str | None,
        used_approval: str | None,
        labels: dict[str, str],
        provenance: JsonObject | None,
        raw: Mapping[str, object],
        session_start: SessionStart | None,
    ) -> DecisionEntry:
        """Made and filled in ``__new__`` (no ``__init__``).  ``runtime.decide._record`` fills the
        same slots itself, from the event's fields it has read for the history entry, without
        this call nor a class call (≈ 1 k instructions more per instance in CPython 3.11):
        change both together (tests/unit/test_recorded_entries.py holds them equal)."""
        self = _new(cls)
        # Only the event's fields the payload and the digest read are kept, not the event:
        # its context holds the snapshot's mappings, which need not live until sealing.
        context = event["context"]
        self.at, self.session_id = at, session_id
        self._type, self._target, self._data = event["type"], event.get("target"), event.get("data")
        self._action, self._model = context.get("action"), context.get("model")
        self._decision, self._approval_id, self._digest = decision, approval_id, digest
        self._used, self._labels, self._provenance, self._event, self._start = (
            used_approval,
            labels,
            provenance,
            raw,
            session_start,
        )
        self._actor = dict(actor) if actor else None
        self._payload = None
        return self

    @property
    def payload(self) -> JsonObject:
        payload = self._payload
        if payload is None:
            payload = self._payload = self._built()
        return payload

    def _built(self) -> JsonObject:
        """:func:`decision_payload`'s dict and what ``runtime.decide`` adds, made at once; on the way,
        :attr:`plain` (whether ``plain_json.is_plain`` holds for it, by a check at least as strict):
        its scalars' types in one set, the containers it was handed walked one by one."""
        etype, target, decision, actor, model = self._type, self._target, self._decision, self._actor, self._model
        event = self._event
        recorded = is_plain(event, 1)  # first: the action's digest may take the event's data as plain
        digest = self._digest or _digest(etype, target, self._data, event if recorded else None)
        action = self._action or {}
        kind, original, mapped_by, shown = (
            action.get("type"),
            action.get("original"),
            action.get("mapped_by"),
            action.get("target"),
        )
        shown = redact(shown)[:300] if isinstance(shown, str) else None  # redacted before it is cut
        answers, quiet = decision.answers()  # the policies that said something; the others counted
        result, reason, policy, took = decision.result, decision.reason, decision.policy, round1(decision.duration_us)
        payload: JsonObject = {
            "type": etype,
            "target": target,
            "action": {"type": kind, "original": original, "mapped_by": mapped_by, "target": shown},
            "digest": digest,
            "result": result,
            "reason": reason,
            "policy": policy,
            "decisions": cast("list[JsonValue]", answers),
            "quiet": quiet,
            "duration_us": took,
            "approval_id": self._approval_id,
            "actor": actor,
            "model": model,
        }
        used, labels, provenance, start = self._used, self._labels, self._provenance, self._start
        if used is not None:
            payload["used_approval"] = used
        if labels:
            payload["labels"] = cast(JsonObject, labels)
        if provenance:
            payload["provenance"] = provenance
        payload["event"] = cast(JsonObject, event)
        if start is not None:
            payload["session_start"] = cast(JsonObject, start)
        self.plain = (
            {
                type(etype),
                type(target),
                type(kind),
                type(original),
                type(mapped_by),
                type(shown),
                type(digest),
                type(result),
                type(reason),
                type(policy),
                type(quiet),
                type(self._approval_id),
                type(model),
                type(used),
            }
            <= _SCALARS
            and ((type(took) is float and (_SMALLEST <= abs(took) < _INFINITY or took == 0.0)) or type(took) is int)
            and is_plain(answers, 1)
            and (actor is None or is_plain(actor, 1))
            and (not labels or is_plain(labels, 1))
            and (not provenance or is_plain(provenance, 1))
            and recorded
            and (start is None or is_plain(start, 1))
        )
        return payload


def _digest(etype: object, target: object, data: object, recorded: Mapping[str, object] | None) -> str:
    """``approvals.action_digest`` of the event.  When the recorded event was found plain
    (``recorded``) and the action's data is its data, or made of its data's values (the same
    objects, under exact ``str`` keys), the action is plain too: orjson's text is hashed
    without walking it again (``approvals`` hashes the same text)."""
    event = {"type": etype, "target": target, "data": data}
    if recorded is not None and type(etype) in _SCALARS and type(target) in _SCALARS:
        action = approvals.canonical_action(event)
        body, given = action["data"], recorded.get("data")
        if body is given or (type(body) is dict and type(given) is dict and _values_of(body, given)):
            text = known_plain_text(action, OPT_SORT_KEYS)
            if text is not None:
                return _sha256(text).hexdigest()
    return approvals.action_digest(event)


def _values_of(body: dict[object, object], given: dict[str, object]) -> bool:
    """Whether every item of ``body`` is one of ``given``'s (the same object, under an exact ``str`` key):
    a loop, not ``all`` over a generator (one object less for the collector per entry)."""
    for key, value in body.items():  # noqa: SIM110 - a loop: no generator made per entry
        if type(key) is not str or given.get(key, _ABSENT) is not value:
            return False
    return True


def approval_entry(at: float, session_id: str, payload: dict[str, Any]) -> AuditEntry:
    """An approval's step (resolved, applied, answered in the client)."""
    return AuditEntry(at, "approval", session_id, payload)
