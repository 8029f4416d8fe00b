"""Hash-chained audit entries: any edited, inserted or deleted entry breaks the chain.

An entry's hash is SHA-256 over the canonical JSON (sorted keys, no spaces) of
``seq, at, kind, session_id, payload, prev_hash``.  The payload's own canonical
JSON is what SQL stores keep as text: :func:`seal` encodes it once and builds
the hashed text around it (the same bytes ``json.dumps`` of the whole body gives).

The runtime hands a store an :class:`Entry` (in ``Commit.audit``); the
store numbers it and chains it onto its head with :func:`seal`, which returns
the :class:`AuditRow` it keeps.  Both are typed and frozen: what was hashed is
what is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypedDict

from orjson import OPT_SORT_KEYS, Fragment, JSONEncodeError, dumps

from goalrail.engine.plain_json import known_plain_text, plain_text
from goalrail.engine.shapes import RawEvent
from goalrail.jsontypes import JsonObject, JsonValue

GENESIS = "0" * 64
_HASHED = ("seq", "at", "kind", "session_id", "payload", "prev_hash")
_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode
_string = json.encoder.encode_basestring_ascii
_finite = float("-inf"), float("inf")
_sha256 = hashlib.sha256
_SMALLEST, _INFINITY = 1e-4, float("inf")  # the floats orjson spells as ``repr`` does, and zero (plain_json)
_DEL = 0x7F


class DecisionFields(TypedDict, total=False):
    """A ``decision`` entry's payload but its ``digest``: as kept (:class:`DecisionPayload`) and as
    written (``runtime.entries.DecisionDraft``, whose digest may still be pending)."""

    type: str
    target: str | None
    action: JsonObject
    result: str
    reason: str | None
    policy: str | None
    decisions: list[JsonObject]
    quiet: int
    duration_us: float
    approval_id: str | None
    actor: JsonObject | None
    model: str | None
    used_approval: str
    reused: bool
    labels: dict[str, str]
    provenance: JsonObject
    event: RawEvent
    session_start: SessionStart


class DecisionPayload(DecisionFields, total=False):
    """A ``decision`` entry's payload: ``runtime.entries.decision_payload`` and what ``runtime.decide`` adds.

    Read back by ``runtime.trace`` (an entry without ``event`` predates traces).
    """

    digest: str


class SessionStart(TypedDict, total=False):
    """What a session looked like before its first event (``runtime.trace.session_start``)."""

    labels: dict[str, str]
    model: str | None
    harness: str | None
    state: JsonObject


class ApprovalPayload(TypedDict, total=False):
    """An ``approval`` entry's payload (``runtime.approval_flow``): a step of an approval."""

    approval_id: str | None
    status: str  # approved | denied | expired | answered_in_client | applied
    by: str | None
    scope: str | None
    digest: str
    policies: list[str]
    rederived: bool


class Entry(Protocol):
    """What a store seals: an :class:`AuditEntry`, or an entry whose payload is built when first
    read (``runtime.entries.DecisionEntry``: the memory store reads it after the answer)."""

    @property
    def at(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def session_id(self) -> str: ...
    @property
    def payload(self) -> JsonObject: ...


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What one commit asks the store to append, before it is numbered and chained."""

    at: float
    kind: str  # decision | approval
    session_id: str
    payload: JsonObject


ROW_FIELDS = ("seq", "at", "kind", "session_id", "payload", "prev_hash", "hash")
_FIELDS = frozenset(ROW_FIELDS)


class RowMapping:
    """How a sealed row reads as the mapping :func:`verify` and the API take (``row["seq"]``,
    ``row.get("payload")``, :meth:`to_dict`), for :class:`AuditRow` and the memory store's rows."""

    __slots__ = ()

    def __getitem__(self, key: str) -> JsonValue:
        if key not in _FIELDS:
            raise KeyError(key)
        value: JsonValue = getattr(self, key)
        return value

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        return self[key] if key in _FIELDS else default

    def to_dict(self) -> JsonObject:
        return {key: getattr(self, key) for key in ROW_FIELDS}


@dataclass(frozen=True, slots=True)
class AuditRow(RowMapping):
    """A sealed entry: its place in the chain and its hash.

    Reads like the mapping :func:`verify` and the API take (``row["seq"]``,
    ``row.get("payload")``); :meth:`to_dict` is that mapping.
    """

    seq: int
    at: float
    kind: str
    session_id: str
    payload: JsonObject
    prev_hash: str
    hash: str


_new_row = object.__new__
# The slots' own setters, in the fields' order: what the frozen dataclass's ``__init__`` does through
# ``object.__setattr__`` (a lookup of the attribute on the class each time), called directly.
_SEQ, _AT, _KIND, _SESSION, _PAYLOAD, _PREV, _HASH = (getattr(AuditRow, name).__set__ for name in AuditRow.__slots__)


def _row(seq: int, at: float, kind: str, session_id: str, payload: JsonObject, prev_hash: str, digest: str) -> AuditRow:
    """``AuditRow(seq, at, kind, session_id, payload, prev_hash, digest)``, made as its ``__init__`` makes it
    (its slots set one by one) without ``object.__setattr__``'s lookups: a row is made per sealed entry."""
    row: AuditRow = _new_row(AuditRow)
    _SEQ(row, seq)
    _AT(row, at)
    _KIND(row, kind)
    _SESSION(row, session_id)
    _PAYLOAD(row, payload)
    _PREV(row, prev_hash)
    _HASH(row, digest)
    return row


def _scalar(value: object) -> str:
    """``_encode`` for the entry's scalar fields, without building an encoder pass."""
    if type(value) is str:
        return str(_string(value))
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float and value == value and value not in _finite:
        return float.__repr__(value)
    return _encode(value)


def canonical(value: object) -> str:
    """The canonical JSON of ``value`` (what is hashed, and stored for a payload): orjson's
    text where it is the stdlib encoder's byte for byte (``plain_json``), else the stdlib's.
    (:func:`verify` encodes with the stdlib alone.)"""
    text = plain_text(value, OPT_SORT_KEYS)
    return _encode(value) if text is None else text.decode()


def entry_text(entry: Entry) -> str:
    """:func:`canonical` of ``entry``'s payload.  An entry that found its payload plain as it built
    it (``runtime.entries.DecisionEntry.plain``) is encoded by orjson without walking it again."""
    text = _encoded(entry, entry.payload)
    return text.decode() if type(text) is bytes else str(text)


def _encoded(entry: Entry, payload: JsonObject) -> bytes | str:
    """:func:`entry_text`, as orjson's bytes where they are the text."""
    text = (
        known_plain_text(payload, OPT_SORT_KEYS)
        if getattr(entry, "plain", False)
        else plain_text(payload, OPT_SORT_KEYS)
    )
    return _encode(payload) if text is None else text


def entry_hash(entry: Mapping[str, object] | AuditRow, payload_text: str | None = None) -> str:
    """The entry's hash; ``payload_text`` (its payload's canonical JSON) saves encoding it again."""
    if payload_text is None:
        payload_text = _encode(entry.get("payload"))
    return _hash(
        entry.get("at"),
        entry.get("kind"),
        entry.get("session_id"),
        payload_text,
        entry.get("prev_hash"),
        entry.get("seq"),
    )


def _hash(at: object, kind: object, session_id: object, payload_text: str, prev_hash: object, seq: object) -> str:
    # Keys in sorted order: at, kind, payload, prev_hash, seq, session_id.
    blob = (
        f'{{"at":{_scalar(at)},"kind":{_scalar(kind)},"payload":{payload_text},'
        f'"prev_hash":{_scalar(prev_hash)},"seq":{_scalar(seq)},'
        f'"session_id":{_scalar(session_id)}}}'
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def _exact_fields(at: object, kind: object, session_id: object, prev_hash: object, seq: object) -> bool:
    """Whether orjson writes these hashed fields as :func:`_hash` does: a float orjson spells as
    ``repr`` does (``plain_json``), strings (their text is checked on the result), an int."""
    return (
        type(at) is float
        and (_SMALLEST <= abs(at) < _INFINITY or at == 0.0)
        and type(kind) is str
        and type(session_id) is str
        and type(prev_hash) is str
        and type(seq) is int
    )


def _sealed_hash(at: object, kind: object, session_id: object, payload: bytes | str, prev_hash: str, seq: int) -> str:
    """:func:`_hash` (what :func:`verify` recomputes) of the exact types a store seals, written by
    orjson around the payload's text: a float orjson spells as ``repr`` does (``plain_json``),
    strings whose text is all ASCII without DEL (checked on the result), an int."""
    if _exact_fields(at, kind, session_id, prev_hash, seq):
        body = {"at": at, "kind": kind, "payload": Fragment(payload), "prev_hash": prev_hash, "seq": seq}
        body["session_id"] = session_id  # the keys in sorted order
        try:
            blob = dumps(body)
        except JSONEncodeError:  # a lone surrogate, an integer past 64 bits
            blob = b"\x7f"
        if blob.isascii() and _DEL not in blob:
            return _sha256(blob).hexdigest()
    return _hash(at, kind, session_id, payload.decode() if type(payload) is bytes else str(payload), prev_hash, seq)


def _plain_hash(
    at: object, kind: object, session_id: object, payload: JsonObject, prev_hash: str, seq: int
) -> str | None:
    """:func:`_sealed_hash` of a payload found plain as it was built, encoded with the fields in one
    orjson call (the payload's own text is not needed: the memory store keeps the payload, not its
    text); None when the fields are not of the exact types it takes or the text is not ASCII."""
    if not _exact_fields(at, kind, session_id, prev_hash, seq):
        return None
    body = {"at": at, "kind": kind, "payload": payload, "prev_hash": prev_hash, "seq": seq}
    body["session_id"] = session_id  # the keys in sorted order
    try:
        blob = dumps(body, option=OPT_SORT_KEYS)
    except JSONEncodeError:  # a lone surrogate, an integer past 64 bits
        return None
    return _sha256(blob).hexdigest() if blob.isascii() and _DEL not in blob else None


def seal(entry: Entry, prev_hash: str, seq: int, payload_text: str | None = None) -> AuditRow:
    """``entry`` as entry ``seq`` of the chain, following ``prev_hash``."""
    payload, at, kind, session_id = entry.payload, entry.at, entry.kind, entry.session_id
    if payload_text is None and getattr(entry, "plain", False):
        digest = _plain_hash(at, kind, session_id, payload, prev_hash, seq)
        if digest is not None:
            return _row(seq, at, kind, session_id, payload, prev_hash, digest)
    text = _encoded(entry, payload) if payload_text is None else payload_text
    digest = _sealed_hash(at, kind, session_id, text, prev_hash, seq)
    return _row(seq, at, kind, session_id, payload, prev_hash, digest)


def sealed_payload(entry: Entry, prev_hash: str, seq: int) -> tuple[str, str]:
    """``entry`` sealed as entry ``seq`` after ``prev_hash``, for a store that writes the row's
    values itself: its payload's :func:`entry_text` and the hash :func:`seal` gives it when handed
    that text, with the payload encoded once and hashed from those bytes (no :class:`AuditRow`)."""
    text = _encoded(entry, entry.payload)
    digest = _sealed_hash(entry.at, entry.kind, entry.session_id, text, prev_hash, seq)
    return (text.decode() if type(text) is bytes else str(text)), digest


def sealed_text(entry: Entry, prev_hash: str, seq: int) -> tuple[str, str | None]:
    """:func:`seal`'s hash of ``entry`` and, for an entry found plain as it was built whose fields and text
    are of the exact types :func:`_plain_hash` takes, its payload's orjson text (ASCII) in the payload's own key
    order: what the memory store keeps instead of the payload (``store.memory_rows``); None otherwise.
    The text reads back as the payload (a plain payload holds only JSON's types; a tuple reads as a list)."""
    payload, at, kind, session_id = entry.payload, entry.at, entry.kind, entry.session_id
    if getattr(entry, "plain", False):
        digest = _plain_hash(at, kind, session_id, payload, prev_hash, seq)
        if digest is not None:
            # Encodable: the same values were just encoded, sorted.  As text: orjson's bytes keep
            # the buffer it wrote them in (8 KiB and more), ``str`` its exact size.
            return digest, dumps(payload).decode()
    return _sealed_hash(at, kind, session_id, _encoded(entry, payload), prev_hash, seq), None


def verify(entries: Iterable[Mapping[str, JsonValue]], *, base: tuple[int, str] | None = None) -> JsonObject:
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
