"""Web sign-ins the server can end: what the sign-in cookie holds, and what signing out does.

* Signing in with a token (``POST /v1/auth/login``) stores a **web sign-in**: a new
  credential of its own (``grw_…``, only its SHA-256 kept, in the tokens table with
  the id ``web_<digest>_<token id>``), for the same user and role, that the cookie
  holds instead of the token.  It is accepted only as the cookie (never as a bearer
  token), for ``auth.cookie_max_age_s`` after sign-in, and only while the token it
  came from is valid and stands for the same user, role and agent binding: revoking that
  token ends every web sign-in made with it.  A token of ``auth.tokens`` is named by its
  digest (``cfg`` and 16 hex digits), never by its place in the list: removing it from
  the config (or changing its role) ends its web sign-ins at the next start.
* The one-time link's cookie is signed by the server's cookie key (it survives a
  restart); signing out stores a revoked marker for it (``out_<digest>``), which
  every later lookup of that cookie meets.
* Signing out (``POST /v1/auth/logout``) revokes the web sign-in or stores the
  marker, then clears the cookie: a copy of the cookie stops working at once on
  the replica that signed out, and within ``auth.CACHE_TTL_S`` seconds on the
  others (their lookups are cached that long; the workers of one
  ``goalrail server --workers N`` share an epoch that clears every cache at once).
"""

from __future__ import annotations

import contextlib
import secrets
import time

from goalrail.errors import Conflict
from goalrail.runtime.ports import AdminStore, TokenRecord
from goalrail.runtime.quota import TokenCap
from goalrail.server.auth import CONFIG_PARENT, SIGNED, WEB, Authenticator, Principal, hash_token

SIGNED_OUT = "out_"
LABEL = "web sign-in"


def parent_of(auth: Authenticator, principal: Principal) -> str:
    """The token a web sign-in made with ``principal``'s credential names: a stored token's id,
    ``console``, or a configured token's digest (its id ``config:N`` is only its place in the list)."""
    if principal.token_id is None:
        return principal.via
    return next(
        (CONFIG_PARENT + h[:16] for h, r in auth.static.items() if r.id == principal.token_id), principal.token_id
    )


async def sign_in(auth: Authenticator, principal: Principal, cap: TokenCap | None = None) -> str:
    """A new web sign-in for ``principal`` (signed in with a token, ``parent_of``): the cookie's value
    (past ``cap``, the user's limit on tokens, its ``Conflict``, nothing stored)."""
    parent = parent_of(auth, principal)
    credential = "grw_" + secrets.token_urlsafe(32)
    digest = hash_token(credential)
    record = TokenRecord(
        id=f"{WEB}{digest[:16]}_{parent}",
        token_hash=digest,
        user=principal.user,
        role=principal.role,
        label=LABEL,
        created_at=time.time(),
        agent=principal.agent,  # (agent tokens never sign in; a binding would carry over all the same)
    )
    await auth.store.create_token(record, cap)
    return credential


async def sign_out(auth: Authenticator, store: AdminStore, cookie: str) -> None:
    """End the sign-in ``cookie`` holds, server-side (nothing for a cookie that holds a token itself)."""
    digest = hash_token(cookie)
    found = await store.find_token(digest)
    if cookie.startswith(SIGNED):
        if found is None and auth.signs(cookie):  # only a cookie this server signed
            marker = TokenRecord(
                id=SIGNED_OUT + digest[:16],
                token_hash=digest,
                user="local",
                role="admin",
                label="web sign-out",
                created_at=time.time(),
                revoked=True,
            )
            with contextlib.suppress(Conflict):  # signed out twice at once: once is enough
                await store.create_token(marker)
    elif found is not None and found.id.startswith(WEB) and not found.revoked:
        await store.revoke_token(found.id)
    auth.forget()
