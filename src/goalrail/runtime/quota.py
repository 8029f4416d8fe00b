"""What one user may create across sessions, checked by the store where it creates.

A ``SessionCap`` or ``TokenCap`` travels with a creation (``Store.ensure_session``,
``ImmediateStore.open_now``, ``AdminStore.create_token``); the store counts what
the user already holds and inserts the new row in one step that no other creation
can interleave with: the memory store without an await between the two, SQLite
in its write transaction (``BEGIN IMMEDIATE``: one writer per file, across
processes), PostgreSQL in a transaction that first takes an advisory lock named
by the user (every replica's creations of that user wait for it in turn).  Past
the limit the store raises the cap's ``Conflict`` and creates nothing, so N
creations in flight at once leave exactly the limit, never the limit plus N.
"""

from __future__ import annotations

from dataclasses import dataclass

from goalrail.errors import Conflict

#: the advisory lock a PostgreSQL creation takes first (``pg_advisory_xact_lock``), per kind and user
LOCK_KEY = "goalrail.{kind}:{user}"


@dataclass(frozen=True, slots=True)
class SessionCap:
    """At most ``limit`` live sessions for the new session's owner: not ended, active at
    ``active_since`` or later (``limits.max_sessions_per_user``, ``limits.sessions_window_s``)."""

    owner: str
    limit: int
    active_since: float

    def check(self, live: int) -> None:
        """Its ``Conflict`` when the owner already has ``live`` sessions, ``limit`` or more."""
        if live >= self.limit:
            raise self.refused(live)

    def refused(self, live: int) -> Conflict:
        return Conflict(
            f"user `{self.owner}` already has {live} live sessions (at most {self.limit}); a session stops "
            "counting once it ends or stays idle longer than `limits.sessions_window_s`",
            [{"loc": "session", "message": f"at most {self.limit} live sessions per user"}],
        )


@dataclass(frozen=True, slots=True)
class TokenCap:
    """At most ``limit`` unrevoked tokens for ``user``, a web sign-in (id starting with
    ``web_prefix``) counting while it is newer than ``web_since`` (``limits.max_tokens_per_user``)."""

    user: str
    limit: int
    web_prefix: str
    web_since: float

    def check(self, held: int) -> None:
        """Its ``Conflict`` when the user already holds ``held`` counted tokens, ``limit`` or more."""
        if held >= self.limit:
            raise self.refused(held)

    def refused(self, held: int) -> Conflict:
        return Conflict(
            f"user `{self.user}` already holds {held} tokens (at most {self.limit}): "
            "revoke one before creating another",
            [{"loc": "token", "message": f"at most {self.limit} tokens per user"}],
        )

    def counts(self, token_id: str, created_at: float, revoked: bool) -> bool:
        """Whether a stored token of the user counts toward the limit."""
        return not revoked and not (token_id.startswith(self.web_prefix) and created_at < self.web_since)
