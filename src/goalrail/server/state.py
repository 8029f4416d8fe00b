"""What every route needs: the config, store, runtime, authenticator and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NoReturn

from starlette.requests import Request

from goalrail.config.server import ServerConfig
from goalrail.config.service import LIMIT_DEFAULTS
from goalrail.errors import NotFound
from goalrail.runtime.ports import AdminStore, SessionInfo
from goalrail.runtime.runtime import Runtime
from goalrail.server.auth import Authenticator, Principal
from goalrail.server.bound import check_session
from goalrail.server.events import SessionEvents
from goalrail.server.metrics import Metrics
from goalrail.server.metrics_share import MetricsShare


class StoreNotOpen:
    """Stands in for the store a server opens at startup (its lifespan), until then.

    Any use before startup is a bug; it fails with an ``AttributeError`` naming
    what was used, so ``getattr(store, name, None)`` still reads "no such method".
    """

    def __getattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"the store opens when the app starts; `{name}` was used before that")


@dataclass
class ServerState:
    config: ServerConfig
    store: AdminStore
    runtime: Runtime
    auth: Authenticator
    metrics: Metrics = field(default_factory=Metrics)
    metrics_share: MetricsShare | None = None  # set in each worker of `goalrail server --workers N`
    host: str = "127.0.0.1"
    port: int = 6767
    console_token: str | None = None

    @cached_property
    def events(self) -> SessionEvents:
        """The one handler of posted events (the fast path and the route share its owner cache)."""
        return SessionEvents(self)

    @property
    def max_body_bytes(self) -> int:
        return int(self.config.limits.get("max_body_bytes", LIMIT_DEFAULTS["max_body_bytes"]))

    @property
    def max_llm_body_bytes(self) -> int:
        return int(self.config.limits.get("max_llm_body_bytes", LIMIT_DEFAULTS["max_llm_body_bytes"]))

    @property
    def max_wait_s(self) -> float:
        return float(self.config.limits.get("max_wait_s", LIMIT_DEFAULTS["max_wait_s"]))

    @property
    def max_list(self) -> int:
        return int(self.config.limits.get("max_list", LIMIT_DEFAULTS["max_list"]))

    @property
    def public_url(self) -> str:
        url = self.config.server.get("public_url")
        if isinstance(url, str):
            return url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "localhost") else self.host
        return f"http://{host}:{self.port}"

    def wait_seconds(self, wait: float | None) -> float:
        if wait is None or wait <= 0:
            return 0.0
        return min(float(wait), self.max_wait_s)

    async def session_for(self, principal: Principal, session_id: str) -> SessionInfo:
        """The session if it exists and the caller may see it; 404 otherwise (no existence leak);
        403 for a credential bound to another agent spec (``bound.check_session``)."""
        info = await self.store.get_session(session_id)
        if info is None or not principal.can_see(info):
            raise NotFound(f"session `{session_id}` not found")
        check_session(principal, session_id, info.agent)
        return info

    @property
    def require_agent(self) -> bool:
        """``auth.require_agent``: every session a non-admin credential creates runs an agent spec."""
        return self.config.auth.get("require_agent") is True


def state_of(request: Request) -> ServerState:
    state = request.app.state.goalrail
    if not isinstance(state, ServerState):  # only create_app sets it: anything else is a wiring bug
        raise TypeError(f"app.state.goalrail is {type(state).__name__}, not ServerState")
    return state


async def principal_of(request: Request) -> Principal:
    """FastAPI dependency: the authenticated caller (401 otherwise)."""
    cached = request.scope.get("goalrail.principal")
    if isinstance(cached, Principal):
        return cached
    principal = await state_of(request).auth.authenticate(request)
    request.scope["goalrail.principal"] = principal
    return principal
