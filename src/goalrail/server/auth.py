"""Authentication (DESIGN decision 9): bearer tokens, the console secret, cookies, CSRF.

* Tokens are stored hashed (SHA-256); roles ``admin`` | ``user`` | ``agent``.
* The console secret is an admin credential generated at every start and kept
  in a file only the server's OS user can read; a one-time sign-in code turns it
  into an HttpOnly cookie for the web UI.
* ``auth.mode`` is explicit and fixed for the life of the process: creating or
  revoking a token never switches it.  In ``single-user`` mode (the default on a
  loopback address without ``auth.tokens``), requests without a credential from
  a loopback address act as the single local user with the *agent* role: they
  may post events, never resolve approvals or change policies.  In ``tokens``
  mode (the default anywhere else) every request needs a credential.
* A cookie-authenticated request that changes something must be same-origin
  (``Origin``) or carry the ``X-Goalrail-CSRF`` header.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request, cookie_parser
from starlette.types import Scope

from goalrail.errors import Forbidden, Unauthorized
from goalrail.runtime.ports import AdminStore, SessionInfo, TokenRecord
from goalrail.server.errors import CSRFFailed
from goalrail.server.limits import Headers, request_headers

COOKIE = "goalrail_session"
CSRF_HEADER = "x-goalrail-csrf"
LOCAL_USER = "local"
if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

_SAFE = frozenset(("GET", "HEAD", "OPTIONS"))
#: How long a token lookup is cached: the bound on a revocation (or a sign-out) reaching another replica.
CACHE_TTL_S = 5.0
_CACHE_MAX = 10_000
#: the one-time link's signed cookie; a web sign-in's id (``web_signin``)
SIGNED = "grs_"
WEB = "web_"
CONFIG_PARENT = "cfg"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "gr_" + secrets.token_urlsafe(32)


@functools.lru_cache(maxsize=4096)
def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Principal:
    user: str
    role: str  # admin | user | agent
    via: str  # token | config | console | cookie | loopback
    token_id: str | None = None
    #: the agent spec the credential is bound to (``server/bound.py``); ``None``: unbound
    agent: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def owns(self, owner: str | None) -> bool:
        return self.is_admin or (owner is not None and owner == self.user)

    def can_see(self, info: SessionInfo) -> bool:
        return self.owns(info.owner)

    def actor(self) -> dict[str, str]:
        return {"run_as": self.user, "client_id": self.token_id or self.via, "role": self.role}

    def require_admin(self, what: str) -> None:
        if not self.is_admin:
            raise Forbidden(f"{what} needs an admin credential")

    def require_human(self, what: str) -> None:
        """Users and admins; never an agent credential (it must not approve its own ASK)."""
        if self.role == "agent":
            raise Forbidden(f"{what} is not allowed with an agent credential")

    def to_dict(self) -> dict[str, str | None]:
        return {"user": self.user, "role": self.role, "via": self.via, "token_id": self.token_id, "agent": self.agent}


#: who a request without a credential from a loopback address is in single-user mode (immutable: shared)
LOOPBACK = Principal(LOCAL_USER, "agent", "loopback")
SINGLE_USER = "single-user"
TOKENS = "tokens"


def resolve_mode(auth: Mapping[str, object], host: str) -> tuple[str, str]:
    """The effective ``auth.mode`` and why: ``(mode, "config" | "default")``.

    Unset (or the old ``auto``): ``tokens`` when the config lists ``auth.tokens``
    or the server listens beyond loopback, else ``single-user``.  Tokens in the
    store never change it.
    """
    configured = auth.get("mode")
    if configured in (SINGLE_USER, TOKENS):
        return str(configured), "config"
    if auth.get("tokens") or not is_loopback(host):
        return TOKENS, "default"
    return SINGLE_USER, "default"


class Authenticator:
    def __init__(
        self,
        store: AdminStore,
        auth: dict[str, Any],
        *,
        console_token: str | None = None,
        public_url: str | None = None,
        host: str = "127.0.0.1",
        cookie_key: bytes | None = None,
    ) -> None:
        self.store = store
        self.public_url = public_url
        self.mode, self.mode_source = resolve_mode(auth, host)
        self.static: dict[str, TokenRecord] = {}
        for i, tok in enumerate(auth.get("tokens") or []):
            self.static[str(tok["sha256"])] = TokenRecord(
                id=f"config:{i}",
                token_hash=str(tok["sha256"]),
                user=str(tok["user"]),
                role=str(tok["role"]),
                label=tok.get("label"),
                agent=tok.get("agent"),
            )
        self.config_parents = {CONFIG_PARENT + h[:16]: r for h, r in self.static.items()}
        self.console_hash = hash_token(console_token) if console_token else None
        # Signs the browser cookie the one-time link sets; kept across restarts (a file in the
        # server's home), so restarting the server does not sign the browser out.
        self.cookie_key = cookie_key or secrets.token_bytes(32)
        self.cookie_max_age_s = int(auth.get("cookie_max_age_s", 43200))
        self._cache: dict[str, tuple[float, TokenRecord | None]] = {}
        #: a bearer token's principal and until when it holds (``_bearer``), keyed by the token's
        #: SHA-256 digest: no credential is kept in memory as it was sent
        self._principals: dict[bytes, tuple[float, Principal]] = {}
        self._any_tokens: tuple[float, bool] = (0.0, False)
        self._login_codes: dict[str, tuple[float, Callable[[], bool] | None]] = {}
        self._by_id: tuple[float, dict[str, TokenRecord]] = (0.0, {})
        #: shared by the workers of one server (``goalrail server --workers N``): bumped by ``forget``
        self.epoch: Synchronized[int] | None = None
        self._epoch_seen = 0

    # -- modes --------------------------------------------------------------
    async def tokens_exist(self) -> bool:
        """Whether any usable token exists (config or store); informational only."""
        if self.static:
            return True
        checked, found = self._any_tokens
        now = time.monotonic()
        if now - checked > CACHE_TTL_S or checked == 0.0:
            lister = getattr(self.store, "list_tokens", None)
            tokens = await lister() if lister is not None else []
            found = any(not t.revoked for t in tokens)
            self._any_tokens = (now, found)
        return found

    async def single_user(self) -> bool:
        return self.mode == SINGLE_USER

    def describe_mode(self) -> str:
        """One sentence for people: the mode, why, and how to change it."""
        why = "set in the config" if self.mode_source == "config" else "the default"
        if self.mode == SINGLE_USER:
            return (
                f"auth mode `single-user` ({why}): requests without a credential from this machine act as "
                "the local user with the agent role; set `auth.mode: tokens` to require a token for every request"
            )
        return f"auth mode `tokens` ({why}): every request needs a credential"

    def forget(self) -> None:
        """Drop cached lookups (after a token was created or revoked in this process), and
        the other workers' of this server at their next lookup."""
        self._clear()
        epoch = self.epoch
        if epoch is not None:
            with epoch.get_lock():
                epoch.value += 1
                self._epoch_seen = epoch.value

    def _clear(self) -> None:
        self._cache.clear()
        self._principals.clear()
        self._any_tokens = (0.0, False)
        self._by_id = (0.0, {})

    def _synced(self) -> None:
        """Clear this worker's caches when another worker of the server revoked something."""
        epoch = self.epoch
        if epoch is not None and epoch.get_obj().value != self._epoch_seen:
            self._epoch_seen = epoch.get_obj().value
            self._clear()

    # -- credentials -----------------------------------------------------------
    def console_cookie(self) -> str:
        """A signed, expiring admin cookie for the local user (what the one-time link grants)."""
        expires = int(time.time()) + self.cookie_max_age_s
        body = f"{LOCAL_USER}.{expires}"
        return f"{SIGNED}{body}.{self._sign(body)}"

    def _sign(self, body: str) -> str:
        return hmac.new(self.cookie_key, body.encode(), hashlib.sha256).hexdigest()

    def signs(self, cookie: str) -> bool:
        """Whether ``cookie`` is a one-time link's cookie this server signed (and not yet expired)."""
        return self._signed_principal(cookie) is not None

    def _signed_principal(self, credential: str) -> Principal | None:
        body, _, signature = credential[len(SIGNED) :].rpartition(".")
        user, _, expires = body.partition(".")
        if not hmac.compare_digest(signature, self._sign(body)) or not expires.isdigit():
            return None
        if int(expires) < time.time() or user != LOCAL_USER:
            return None
        return Principal(LOCAL_USER, "admin", "cookie")

    async def lookup(self, credential: str, via: str) -> Principal | None:
        self._synced()
        if via == "cookie" and credential.startswith(SIGNED):
            signed = self._signed_principal(credential)
            # signed out (``web_signin``): a revoked marker under the cookie's digest
            return signed if signed is None or await self._stored(hash_token(credential)) is None else None
        digest = hash_token(credential)
        if self.console_hash is not None and hmac.compare_digest(digest, self.console_hash):
            return Principal(LOCAL_USER, "admin", "console" if via == "token" else via)
        record = self.static.get(digest) or await self._stored(digest)
        if record is None or record.revoked:
            return None
        if record.id.startswith(WEB) and (via != "cookie" or not await self._web_valid(record)):
            return None
        return Principal(record.user, record.role, via if via == "cookie" else "token", record.id, record.agent)

    async def _bearer(self, token: str) -> Principal | None:
        """``lookup(token, "token")``, kept per token while what it read is: a stored token's
        principal until its record's cached lookup expires (``CACHE_TTL_S``, cleared with it), the
        console's and a configured token's until the caches are cleared.  A repeated bearer
        token is hashed once (the key it is kept under) and not made into a new principal."""
        self._synced()
        key = hashlib.sha256(token.encode()).digest()
        hit = self._principals.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        principal = await self.lookup(token, "token")
        if principal is not None:
            entry = self._cache.get(hash_token(token)) if principal.via == "token" else None
            if len(self._principals) >= _CACHE_MAX:
                self._principals.clear()
            self._principals[key] = (entry[0] if entry is not None else math.inf, principal)
        return principal

    async def _stored(self, digest: str) -> TokenRecord | None:
        """The store's token of ``digest`` (cached ``CACHE_TTL_S``, negative answers too)."""
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        finder = getattr(self.store, "find_token", None)
        record: TokenRecord | None = await finder(digest) if finder is not None else None
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
            self._principals.clear()
        self._cache[digest] = (now + CACHE_TTL_S, record)
        return record

    async def _web_valid(self, record: TokenRecord) -> bool:
        """A web sign-in holds for ``cookie_max_age_s`` while its token (``web_signin.parent_of``) holds as made."""
        if record.created_at + self.cookie_max_age_s < time.time():
            return False
        parent = record.id.split("_", 2)[2] if record.id.count("_") >= 2 else ""
        if parent == "console":
            return True
        found = self.config_parents.get(parent)
        if found is None and not parent.startswith(CONFIG_PARENT):
            (checked, by_id), now = self._by_id, time.monotonic()
            if now - checked > CACHE_TTL_S or checked == 0.0:
                lister = getattr(self.store, "list_tokens", None)
                by_id = {t.id: t for t in await lister()} if lister is not None else {}
                self._by_id = (now, by_id)
            found = by_id.get(parent)
        return (
            found is not None
            and not found.revoked
            and not found.id.startswith(WEB)
            and (found.user, found.role, found.agent) == (record.user, record.role, record.agent)
        )

    async def authenticate(self, request: Request) -> Principal:
        return await self.principal(request.scope, request_headers(request.scope))

    async def principal(self, scope: Scope, headers: Headers) -> Principal:
        """Who sent the HTTP request of ``scope`` (``headers``: ``request_headers(scope)``, the
        first of each name, as Starlette's ``Headers`` reads them); 401 when nobody valid."""
        raw_header, raw_cookie = headers.get(b"authorization"), headers.get(b"cookie")
        header = None if raw_header is None else raw_header.decode("latin-1")
        if header:
            scheme, _, credential = header.partition(" ")
            if scheme.lower() != "bearer" or not credential.strip():
                raise Unauthorized("the Authorization header must be `Bearer <token>`")
            principal = await self._bearer(credential.strip())
            if principal is None:
                raise Unauthorized("invalid or revoked token")
            return principal
        cookie = cookie_parser(raw_cookie.decode("latin-1")).get(COOKIE) if raw_cookie else None
        if cookie:
            principal = await self.lookup(cookie, "cookie")
            if principal is None:
                raise Unauthorized("the sign-in cookie is no longer valid; sign in again")
            if principal.role == "agent":  # the UI approves and changes policies: never as an agent
                raise Unauthorized("an agent token is not accepted as a sign-in cookie; send it as a bearer token")
            if scope["method"] not in _SAFE:
                check_csrf(Request(scope), self.public_url)
            return principal
        client = scope.get("client")
        if is_loopback(client[0] if client else None) and self.mode == SINGLE_USER:
            return LOOPBACK
        raise Unauthorized("a credential is required: send `Authorization: Bearer <token>`")

    # -- one-time sign-in codes -------------------------------------------------
    def issue_login_code(self, ttl_s: float = 86400.0, claim: Callable[[], bool] | None = None) -> str:
        """A one-time sign-in code.  Workers forked after it is issued each hold a copy:
        ``claim`` (shared between them) lets only the first redemption anywhere succeed."""
        code = secrets.token_urlsafe(24)
        self._login_codes[hash_token(code)] = (time.time() + ttl_s, claim)
        return code

    def redeem_login_code(self, code: str) -> bool:
        found = self._login_codes.pop(hash_token(code), None)
        if found is None or found[0] <= time.time():
            return False
        claim = found[1]
        return claim is None or claim()


async def exposure_problem(auth: Authenticator, host: str) -> str | None:
    """Why listening on ``host`` would leave the API without authentication, if it would."""
    if is_loopback(host):
        return None
    if auth.mode == SINGLE_USER:
        return (
            f"refusing to listen on `{host}` in `single-user` auth mode (it serves loopback only): "
            "set `auth.mode: tokens` and create a token (`goalrail token create --user NAME --admin`), "
            "or listen on 127.0.0.1"
        )
    if not await auth.tokens_exist():
        return (
            f"refusing to listen on `{host}` without any token: create one "
            "(`goalrail token create --user NAME --admin`) or set `auth.tokens`, or listen on 127.0.0.1"
        )
    return None


def own_origin(request: Request) -> str:
    host = request.headers.get("host") or ""
    return f"{request.url.scheme}://{host}"


def check_csrf(request: Request, public_url: str | None = None) -> None:
    origin = request.headers.get("origin")
    allowed = {own_origin(request)}
    if public_url:
        allowed.add(public_url.rstrip("/"))
    if origin is not None:
        if origin.rstrip("/") not in allowed:
            raise CSRFFailed(f"cross-origin request from `{origin[:100]}` refused")
        return
    if not request.headers.get(CSRF_HEADER):
        raise CSRFFailed("a cookie-authenticated change needs the `X-Goalrail-CSRF` header or a same-origin `Origin`")


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)
