"""The budget gates' reservation keys (``_budget.py`` holds the gate itself).

A reservation is a counter per rounded amount (``reserved:<amount>``, changed only by
increments, so concurrent writers never lose one) plus, when the ``llm_request`` carried an
``id``, a claim ``held:<hash>`` naming the amount: only an ``llm_response`` with the same
``id`` in the same session finds the claim, so only it releases that reservation.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterator, Mapping
from itertools import compress, repeat

_BUCKET = "reserved:"
#: Distinct reservation amounts kept exactly; past that, amounts round up to powers of two.
MAX_BUCKETS = 64
#: Reservations in flight that keep a claim a response can release; past that, a new
#: reservation is held until it expires (the state stays bounded whatever ids requests carry).
MAX_HELD = 128


def bucket_amount(estimate: float, held: Collection[float]) -> float:
    """The amount a reservation of ``estimate`` is kept under: rounded up to a micro-dollar, or,
    once ``MAX_BUCKETS`` distinct amounts are in flight, up to a power of two micro-dollars (never
    less than the worst case, at most twice it), so the keys stay few whatever the requests ask."""
    amount = math.ceil(estimate * 1e6) / 1e6
    if len(held) < MAX_BUCKETS or amount in held:
        return amount
    return float(2 ** math.ceil(math.log2(max(amount * 1e6, 1.0)))) / 1e6


#: an in-flight reservation bucket: (amount, count, key)
Bucket = tuple[float, int, str]


def prefixed(state: Mapping[str, object], prefix: str) -> Iterator[str]:
    """The keys of ``state`` that start with ``prefix``, in order, tested at C speed (the keys of
    a state are strings: JSON's): the owner's state the daily budget reads holds other keys too."""
    return compress(state, map(str.startswith, state, repeat(prefix)))


def buckets(state: Mapping[str, object], prefix: str) -> list[Bucket]:
    """In-flight reservations: (amount, count, key) for keys ``<prefix><amount>``; a count
    below zero reads as zero."""
    out = []
    size = len(prefix)
    for key in prefixed(state, prefix):
        value = state[key]
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                amount = float(key[size:])
            except ValueError:
                continue
            out.append((amount, max(value, 0), key))
    return out


class Keys:
    """A budget's state keys under one prefix (the daily budget's changes with the day)."""

    __slots__ = ("approved", "at", "bucket", "held", "n", "ok", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.n = prefix + "reserved_n"
        self.at = prefix + "reserved_at"
        self.bucket = prefix + _BUCKET
        self.held = prefix + "held:"
        self.ok = prefix + "unpriced_ok"
        self.approved = prefix + "approved_usd"

    def claim(self, session_id: object, event_id: object) -> str | None:
        """The claim key of the reservation ``event_id`` made in ``session_id`` (None without
        an id): hashed, so its length is fixed whatever the id."""
        if not isinstance(event_id, str) or not event_id:
            return None
        digest = hashlib.blake2b(f"{session_id}\x00{event_id}".encode(), digest_size=8).hexdigest()
        return self.held + digest
