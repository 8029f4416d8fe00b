"""What one user may make the server keep across sessions: live sessions and tokens.

Per-session caps (``runtime.caps``, ``runtime.asks``) bound what one session holds;
these bound how many sessions and tokens one user (or that user's agent token) can
create.  Both are server limits (``limits.max_sessions_per_user``,
``limits.sessions_window_s``, ``limits.max_tokens_per_user``); an admin is not held
to them.  A session counts while it is live: not ended, and active within the
window, so sessions a user ended or left idle stop counting by themselves.  Each
is checked before the creation only (a new session or token; never a decision on
an existing session), so creations in flight at the same moment can each pass.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from goalrail.config.service import LIMIT_DEFAULTS
from goalrail.errors import Conflict
from goalrail.server.auth import WEB, Principal

if TYPE_CHECKING:
    from goalrail.server.state import ServerState


def _limit(st: ServerState, key: str) -> float:
    return float(st.config.limits.get(key, LIMIT_DEFAULTS[key]))


async def check_new_session(st: ServerState, caller: Principal, owner: str | None) -> None:
    """409 when ``owner`` already has ``limits.max_sessions_per_user`` live sessions (admins: no limit)."""
    if caller.is_admin or owner is None:
        return
    cap = int(_limit(st, "max_sessions_per_user"))
    live = await st.store.count_sessions(owner, time.time() - _limit(st, "sessions_window_s"))
    if live >= cap:
        raise Conflict(
            f"user `{owner}` already has {live} live sessions (at most {cap}); a session stops counting "
            "once it ends or stays idle longer than `limits.sessions_window_s`",
            [{"loc": "session", "message": f"at most {cap} live sessions per user"}],
        )


async def check_new_token(st: ServerState, caller: Principal, user: str) -> None:
    """409 when ``user`` already holds ``limits.max_tokens_per_user`` unrevoked tokens (admins: no limit)."""
    if caller.is_admin:
        return
    cap = int(_limit(st, "max_tokens_per_user"))
    signed_in_since = time.time() - st.auth.cookie_max_age_s  # an expired web sign-in no longer counts
    held = sum(
        1
        for t in await st.store.list_tokens()
        if t.user == user and not t.revoked and not (t.id.startswith(WEB) and t.created_at < signed_in_since)
    )
    if held >= cap:
        raise Conflict(
            f"user `{user}` already holds {held} tokens (at most {cap}): revoke one before creating another",
            [{"loc": "token", "message": f"at most {cap} tokens per user"}],
        )
