"""Running policy test cases (``cases.run``) over HTTP.

Each case gets a fresh in-process app (its own MemoryStore and chain).  The
session's starting point (owner, labels, state, model) is set up in the store,
as a long-running session would have it; everything the case exercises — session
policies, events, usage, approvals — goes through the REST API with the
credentials production uses: the owner's *agent* token for events and usage,
the admin console credential for adding policies and resolving approvals.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import httpx

from goalrail.cases.run import ChainSpec
from goalrail.config.agent import AgentSpec
from goalrail.config.server import ServerConfig
from goalrail.errors import GoalrailError, InvalidRequest, error_class
from goalrail.jsontypes import JsonObject
from goalrail.policies.registry import Registry
from goalrail.runtime.ports import TokenRecord
from goalrail.server.app import create_app
from goalrail.server.auth import hash_token
from goalrail.store.memory import MemoryStore

_CONSOLE = "grc_cases-console"
_AGENT = "gra_cases-agent"


def _raise(r: httpx.Response) -> None:
    """The error the API answered, as the in-process backend would raise it (same ``code``)."""
    try:
        body = r.json()
    except ValueError:
        body = {}
    cls = error_class(str(body.get("code"))) or InvalidRequest
    err = cls(str(body.get("message") or f"HTTP {r.status_code}"))
    err.errors = list(body.get("errors") or [])
    err.code = str(body.get("code") or err.code)
    raise err


class HttpBackend:
    def __init__(self, policy_modules: list[str] | None = None) -> None:
        self.policy_modules = list(policy_modules or [])
        self.client: httpx.AsyncClient | None = None
        self.session_id = ""
        self.counter = 0
        self.event_headers: dict[str, str] = {}
        self.admin = {"Authorization": f"Bearer {_CONSOLE}"}
        self._registries: dict[tuple[str, ...], Registry] = {}

    async def start_case(self, name: str, chain: ChainSpec, session: Mapping[str, Any]) -> None:
        modules = list(dict.fromkeys([*self.policy_modules, *chain.policy_modules]))
        registry = self._registries.get(tuple(modules))
        if registry is None:
            registry = self._registries[tuple(modules)] = Registry.load(modules)
        agents = {"test-agent": AgentSpec(name="test-agent", policies=chain.agent)} if chain.agent else {}
        config = ServerConfig(
            policies=chain.server,
            agents=agents,
            registry=registry,
            policy_modules=modules,
            tool_mapping=dict(getattr(chain, "tool_mapping", {}) or {}),
        )
        store = MemoryStore()
        owner = session.get("owner")
        self.counter += 1
        self.session_id = f"case-{self.counter}"
        if owner:
            await store.create_token(
                TokenRecord(id="agent", token_hash=hash_token(_AGENT), user=str(owner), role="agent")
            )
            self.event_headers = {"Authorization": f"Bearer {_AGENT}"}
        else:
            self.event_headers = dict(self.admin)
        await store.ensure_session(
            self.session_id,
            owner=owner,
            agent="test-agent" if chain.agent else None,
            labels={str(k): str(v) for k, v in (session.get("labels") or {}).items()},
        )
        sess = store.sessions[self.session_id]
        sess.state.update(copy.deepcopy(dict(session.get("state") or {})))
        sess.info.model = session.get("model")
        sess.info.harness = session.get("harness")
        app = create_app(config, store, console_token=_CONSOLE, optional_routers=())
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)), base_url="http://127.0.0.1:6767"
        )
        for spec in chain.session:
            body = {
                "name": spec.name,
                "handler": spec.handler,
                "factory_params": spec.params,
                "enabled": spec.enabled,
                "mode": spec.mode,
                "on_error": spec.on_error,
            }
            r = await self.client.post(f"/v1/sessions/{self.session_id}/policies", json=body, headers=self.admin)
            if r.status_code == 422 and r.json().get("code") == "unknown_handler":
                await store.add_session_policy(self.session_id, spec)  # as a chat/REST path would refuse it
            elif r.status_code != 201:
                _raise(r)

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            raise GoalrailError("no case is running")
        return self.client

    async def event(self, raw: Mapping[str, object]) -> JsonObject:
        r = await self._client().post(
            f"/v1/sessions/{self.session_id}/events", json=dict(raw), headers=self.event_headers
        )
        if r.status_code != 200:
            _raise(r)
        body: JsonObject = r.json()
        return body

    async def usage(self, record: Mapping[str, object]) -> None:
        r = await self._client().post(
            f"/v1/sessions/{self.session_id}/usage", json=dict(record), headers=self.event_headers
        )
        if r.status_code != 200:
            _raise(r)

    async def resolve(self, approval_id: str, decision: str, scope: str) -> None:
        r = await self._client().post(
            f"/v1/approvals/{approval_id}", json={"decision": decision, "scope": scope}, headers=self.admin
        )
        if r.status_code != 200:
            _raise(r)

    async def end_case(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.client = None
