"""``create_app(config, store=None)``: the ASGI app.

Routers of other components are mounted when their module is importable:
each of ``OPTIONAL_ROUTERS`` may define ``mount(app, state)`` or ``router``.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from goalrail.config.own_files import OwnFiles
from goalrail.config.server import ServerConfig
from goalrail.errors import GoalrailError
from goalrail.runtime.ports import AdminStore
from goalrail.runtime.runtime import Runtime
from goalrail.server import apidocs, errors, logs
from goalrail.server.auth import Authenticator, exposure_problem
from goalrail.server.bound import static_problem
from goalrail.server.fastpath import EventsFastPath
from goalrail.server.guard import Guard
from goalrail.server.limits import BodyLimit
from goalrail.server.routes import ROUTE_MODULES
from goalrail.server.state import ServerState, StoreNotOpen
from goalrail.store import open_store

log = logging.getLogger("goalrail.server")

OPTIONAL_ROUTERS = (
    "goalrail.web.routes",
    "goalrail.integrations.llm_proxy.routes",
    "goalrail.integrations.claude_code.http",
)


def _optional(name: str) -> ModuleType | None:
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)


def _runtime(config: ServerConfig, store: AdminStore, own_files: OwnFiles | None = None) -> Runtime:
    """The runtime the server config describes (policies, agents, mapping, LLM client, files),
    its chains guarding ``own_files`` (the server's own files: ``config.own_files``)."""
    from goalrail.llm.client import OpenAICompatClient  # httpx is loaded only when the app builds its own runtime

    return Runtime(
        store,
        registry=config.registry,
        server_specs=config.policies,
        agents=dict(config.agents),
        mapper=config.action_mapper(),
        prices=config.price_table(),  # this app's own: never shared with another app in the process
        approval_timeout_s=config.approval_timeout_s,
        llm_client=OpenAICompatClient.from_config(config.llm),
        files=config.file_access,
        policy_timeout_ms=config.policy_timeout_ms,
        own_files=own_files,
    )


def _lifespan(state: ServerState, owns_store: bool) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Startup and shutdown: open (and migrate) the store when the app owns it, load the
    stored agents, refuse to serve an exposed instance without auth; close what was opened."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if owns_store:
            opened = await open_store(state.config.database_url)
            state.store = state.runtime.store = state.auth.store = opened
        try:
            await state.runtime.current_agents()  # the stored (uploaded) agent specs
            message = await exposure_problem(state.auth, state.host) or await static_problem(state.auth, state.runtime)
            if message:
                log.error(message)
                raise GoalrailError(message)
            share = state.metrics_share
            publisher = asyncio.create_task(share.run(state.metrics)) if share else None
            try:
                yield
            finally:
                if publisher:
                    publisher.cancel()
                    await asyncio.gather(publisher, return_exceptions=True)
        finally:
            if owns_store:
                await state.store.close()

    return lifespan


def _mount_routers(app: FastAPI, state: ServerState, optional_routers: tuple[str, ...]) -> None:
    """Our route modules, then each optional router that is importable, then ``/`` if none took it."""
    for name in ROUTE_MODULES:
        app.include_router(importlib.import_module(f"goalrail.server.routes.{name}").router)
    for name in optional_routers:
        module = _optional(name)
        if module is None:
            continue
        if hasattr(module, "mount"):
            module.mount(app, state)
        elif hasattr(module, "router"):
            app.include_router(module.router)

    if not any(getattr(r, "path", None) == "/" for r in app.routes):

        @app.get("/", include_in_schema=False)
        async def root() -> dict[str, Any]:
            return {"name": "goalrail", "docs": "/docs", "health": "/healthz"}


class GoalrailApp(FastAPI):
    """FastAPI, with ``POST /v1/sessions/{id}/events`` served by the fast path before the
    middleware stack (which the fast path's own checks replace for that one route)."""

    fast_path: EventsFastPath | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        events = self.fast_path
        if events is not None:
            session_id = events.session_id(scope)
            if session_id is not None:
                await events(scope, receive, send, session_id)
                return
        await super().__call__(scope, receive, send)


def create_app(
    config: ServerConfig | None = None,
    store: AdminStore | None = None,
    *,
    runtime: Runtime | None = None,
    console_token: str | None = None,
    cookie_key: bytes | None = None,
    host: str = "127.0.0.1",
    port: int = 6767,
    optional_routers: tuple[str, ...] = OPTIONAL_ROUTERS,
    own_files: OwnFiles | None = None,
) -> FastAPI:
    """``own_files``: the server's own files (``config.own_files.own_files``), which every
    session's chain then guards first; ``goalrail server`` always gives them."""
    config = config or ServerConfig()
    owns_store = store is None  # then it is opened (and migrated) at startup, closed at shutdown
    if store is None:
        store = StoreNotOpen()
    runtime = runtime if runtime is not None else _runtime(config, store, own_files)
    auth = Authenticator(
        store,
        config.auth,
        console_token=console_token,
        public_url=config.server.get("public_url"),
        host=host,
        cookie_key=cookie_key,
    )
    state = ServerState(
        config=config, store=store, runtime=runtime, auth=auth, host=host, port=port, console_token=console_token
    )
    app = GoalrailApp(
        title="Goalrail",
        version="0.1.0",
        lifespan=_lifespan(state, owns_store),
        # /metrics is ours; FastAPI's OpenTelemetry probe costs ~10% of a decision per request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        description="Contextual policies for AI agents: ALLOW / DENY / ASK on every action.",
        docs_url=None,  # served by apidocs from local assets
        redoc_url=None,
    )
    app.state.goalrail = state
    errors.install(app)
    logs.install()  # no secret in the server's logs, uvicorn's access log included
    apidocs.install(app)
    _mount_routers(app, state, optional_routers)
    app.fast_path = EventsFastPath(state)  # in front of the stack below: makes the same checks itself
    app.add_middleware(Guard, state=state)  # Host, Origin, content type, JSON depth: before any route
    app.add_middleware(BodyLimit, max_bytes=state.max_body_bytes, llm_bytes=state.max_llm_body_bytes)
    return app
