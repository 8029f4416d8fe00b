"""What one user may make the server keep across sessions: live sessions and tokens.

Per-session caps (``runtime.caps``, ``runtime.asks``) bound what one session holds;
these bound how many sessions and tokens one user (or that user's agent token) can
create.  Both are server limits (``limits.max_sessions_per_user``,
``limits.sessions_window_s``, ``limits.max_tokens_per_user``); an admin is not held
to them.  A session counts while it is live: not ended, and active within the
window, so sessions a user ended or left idle stop counting by themselves.  Each
is checked on the creation only (a new session or token; never a decision on an
existing session), by the store, in the step that creates it (``runtime.quota``):
creations in flight at the same moment, on any replica, cannot pass it together.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from goalrail.config.service import LIMIT_DEFAULTS
from goalrail.runtime.quota import SessionCap, TokenCap
from goalrail.server.auth import WEB, Principal

if TYPE_CHECKING:
    from goalrail.server.state import ServerState


def _limit(st: ServerState, key: str) -> float:
    return float(st.config.limits.get(key, LIMIT_DEFAULTS[key]))


def session_cap(st: ServerState, caller: Principal, owner: str | None) -> SessionCap | None:
    """The cap a new session of ``owner`` is created under (admins, and sessions without owner: none)."""
    if caller.is_admin or owner is None:
        return None
    active_since = time.time() - _limit(st, "sessions_window_s")
    return SessionCap(owner, int(_limit(st, "max_sessions_per_user")), active_since)


def token_cap(st: ServerState, caller: Principal, user: str) -> TokenCap | None:
    """The cap a new token (or web sign-in) of ``user`` is created under (admins: none)."""
    if caller.is_admin:
        return None
    signed_in_since = time.time() - st.auth.cookie_max_age_s  # an expired web sign-in no longer counts
    return TokenCap(user, int(_limit(st, "max_tokens_per_user")), WEB, signed_in_since)
