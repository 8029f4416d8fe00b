"""The memory store's sealed audit rows: a decision's payload kept as its JSON text (issue 13).

A row made by :func:`kept_row` reads like :class:`~goalrail.runtime.audit.AuditRow` (its
fields, ``row["seq"]``, ``row.get("payload")``, :meth:`KeptRow.to_dict`).  An entry whose
payload was found plain as it was built keeps the payload's orjson text (a ``str``, in the
payload's own key order) and decodes it when first read, then keeps what it decoded: the
payload's dozen containers are not held per kept decision, so the garbage collector,
which counts the containers made and kept, runs several times less often on the decision path.
Other payloads are kept as they are, as before.
"""

from __future__ import annotations

from orjson import loads

from goalrail.jsontypes import JsonObject
from goalrail.runtime import audit

_new = object.__new__


class KeptRow(audit.RowMapping):
    """A sealed entry: its place in the chain, its hash and its payload (or the payload's text)."""

    __slots__ = ("_payload", "_text", "at", "hash", "kind", "prev_hash", "seq", "session_id")
    seq: int
    at: float
    kind: str
    session_id: str
    prev_hash: str
    hash: str
    _text: str | None
    _payload: JsonObject | None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a sealed row is not changed (`{name}`)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a sealed row is not changed (`{name}`)")

    @property
    def payload(self) -> JsonObject:
        """The payload; decoded from its text when first read, then kept (a change to it is a change to the row)."""
        payload = self._payload
        if payload is None:
            payload = loads(self._text or "null")
            _PAYLOAD(self, payload)
            _TEXT(self, None)
        return payload


# The slots' own setters (``__setattr__`` refuses): a row is made per sealed entry.
_PAYLOAD, _TEXT, _AT, _HASH, _KIND, _PREV, _SEQ, _SESSION = (
    getattr(KeptRow, name).__set__ for name in KeptRow.__slots__
)


def kept_row(entry: audit.Entry, prev_hash: str, seq: int) -> KeptRow:
    """``entry`` sealed as entry ``seq`` of the chain, following ``prev_hash`` (``audit.sealed_text``)."""
    digest, text = audit.sealed_text(entry, prev_hash, seq)
    row: KeptRow = _new(KeptRow)
    _SEQ(row, seq)
    _AT(row, entry.at)
    _KIND(row, entry.kind)
    _SESSION(row, entry.session_id)
    _PREV(row, prev_hash)
    _HASH(row, digest)
    _TEXT(row, text)
    _PAYLOAD(row, None if text is not None else entry.payload)
    return row
