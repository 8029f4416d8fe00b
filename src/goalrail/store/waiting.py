"""A session's pending approvals as the stores keep them in memory (the memory store's
sessions, SQLite's cached session entries): what an ASK counts against the cap of
approvals waiting (``SessionTx.waiting_approvals``) and what a ``tool_result`` looks
for (``SessionTx.answerable_approvals``), each without a pass over them all.

Approvals expire as time passes, not when something is written, so the count keeps a
lower bound of their expiry times: before it, every one is unexpired and the count is
their number.  Only once a clock reaches it are they gone through (the expired ones
leave, and the bound becomes exact again): at most once per approval that leaves.  A
``tool_result`` finds out by the number kept of each action digest whether any of its
call's is pending at all (the usual answer: none), and goes through them only then.
"""

from __future__ import annotations

from collections.abc import Iterator

_NEVER = float("inf")


class Waiting:
    """Pending approvals: expiry and action digest by id (insertion order kept), the
    earliest expiry or a lower bound of it, and how many there are of each digest."""

    __slots__ = ("_by_id", "_digests", "_earliest")

    def __init__(self, items: dict[str, tuple[float, str]] | None = None) -> None:
        self._by_id: dict[str, tuple[float, str]] = {}
        self._digests: dict[str, int] = {}
        self._earliest = _NEVER
        for approval_id, (expires_at, digest) in (items or {}).items():
            self.add(approval_id, expires_at, digest)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, approval_id: object) -> bool:
        return approval_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def add(self, approval_id: str, expires_at: float, digest: str) -> None:
        """Keep ``approval_id`` as pending (again: its expiry and digest replaced)."""
        if approval_id in self._by_id:
            self.remove(approval_id)
        self._by_id[approval_id] = (expires_at, digest)
        self._digests[digest] = self._digests.get(digest, 0) + 1
        if expires_at < self._earliest:
            self._earliest = expires_at

    def remove(self, approval_id: str) -> None:
        """Forget ``approval_id`` (answered, used, or not kept); the bound stays a lower bound."""
        found = self._by_id.pop(approval_id, None)
        if found is None:
            return
        digest = found[1]
        left = self._digests[digest] - 1
        if left:
            self._digests[digest] = left
        else:
            del self._digests[digest]

    def count(self, now: float, limit: int) -> int:
        """How many are unexpired at ``now``, up to ``limit``; those expired leave."""
        n = len(self._by_id)
        if now < self._earliest:  # (none expired: no pass over them)
            return n if n < limit else limit
        expired = [i for i, (expires_at, _) in self._by_id.items() if not now < expires_at]
        for approval_id in expired:
            self.remove(approval_id)
        self._earliest = min((expires_at for expires_at, _ in self._by_id.values()), default=_NEVER)
        n = len(self._by_id)
        return n if n < limit else limit

    def may_answer(self, digest: str, now: float) -> bool:
        """Whether one of the action ``digest`` is unexpired at ``now``."""
        if digest not in self._digests:
            return False
        return any(d == digest and now < expires_at for expires_at, d in self._by_id.values())
