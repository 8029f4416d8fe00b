"""An in-process :class:`~goalrail.integrations.backend.Backend`: a runtime, no server.

Used by tests and by ``--config`` runs of the MCP tools without a server.  Same
answers as the REST API (``Outcome.to_dict``); session policies are checked
against the registry exactly like the REST route (registry handlers only).
"""

from __future__ import annotations

from typing import Any

from goalrail.config.policies import parse_policies
from goalrail.engine.state import detached
from goalrail.jsontypes import JsonObject
from goalrail.runtime import Runtime


class LocalBackend:
    def __init__(self, runtime: Runtime, *, owner: str | None = "local") -> None:
        self.runtime = runtime
        self.owner = owner

    async def evaluate(self, session: str, event: JsonObject, *, wait: float | None = None) -> JsonObject:
        # A copy: the memory store seals the log after the answer, and the caller keeps its dict.
        outcome = await self.runtime.evaluate(session, detached(event), owner=self.owner)
        if wait:
            outcome = await self.runtime.settle(outcome, wait)
        return outcome.to_dict()

    async def dry_run(self, session: str, event: JsonObject) -> JsonObject:
        """What ``evaluate`` would answer, changing nothing."""
        return (await self.runtime.evaluate_dry(session, event, owner=self.owner)).to_dict()

    async def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject:
        record = await self.runtime.wait_for_approval(approval_id, wait or 0)
        return {"id": record.id, "status": record.status, "reason": record.reason, "session_id": record.session_id}

    async def record_usage(
        self, session: str, model: str, input_tokens: int = 0, output_tokens: int = 0, **extra: Any
    ) -> JsonObject:
        rec = await self.runtime.record_usage(
            session, model, input_tokens=input_tokens, output_tokens=output_tokens, owner=self.owner, **extra
        )
        return {"model": rec.model, "cost_usd": rec.cost_usd}

    async def registry(self) -> list[JsonObject]:
        return [entry.to_dict() for entry in self.runtime.registry.public()]

    async def session_policies(self, session: str) -> JsonObject:
        _, specs = await self.runtime.store.session_policies(session)
        return {"object": "list", "data": [spec.to_dict() for spec in specs]}

    async def add_session_policy(self, session: str, body: JsonObject) -> JsonObject:
        name = body.get("name")
        entry = {"type": "function", "handler": body.get("handler"), "factory_params": body.get("factory_params") or {}}
        (spec,) = parse_policies({name: entry}, "session", registry=self.runtime.registry, require_registered=True)
        await self.runtime.store.ensure_session(session, owner=self.owner)
        store: Any = self.runtime.store  # session policies: MemoryStore and the SQL store, not the Store port
        saved = await store.add_session_policy(session, spec)
        out: JsonObject = saved.to_dict()
        return out
