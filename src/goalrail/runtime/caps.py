"""What one session may hold, checked where it is written (so concurrent writers meet it exactly).

A cap checked by the caller before it writes lets every writer in flight at once
pass it; each store checks :func:`check_room` inside the write itself (the memory
store between two awaits, SQL stores in the write transaction after the session
row is locked), so a session never holds more than the cap, across replicas too.
"""

from __future__ import annotations

from goalrail.errors import Conflict

#: Policies one session may hold, however they came (REST, the web UI, chat, a trace's import).
MAX_SESSION_POLICIES = 64


def check_room(held: int, adding: int = 1) -> None:
    """Refuse an add that would take a session past ``MAX_SESSION_POLICIES`` (409, before anything changes)."""
    if held + adding > MAX_SESSION_POLICIES:
        raise Conflict(
            f"a session holds at most {MAX_SESSION_POLICIES} policies; remove one before adding another",
            [{"loc": "session.policies", "message": f"at most {MAX_SESSION_POLICIES}"}],
        )
