"""Running policy test cases in-process: a fresh Runtime on a MemoryStore per case.

The ``Backend`` the CLI's ``goalrail test`` and the conformance corpus use; the
HTTP backend lives with the server (``over_http``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from goalrail.cases.run import ChainSpec
from goalrail.config.agent import AgentSpec
from goalrail.engine.actions import ActionMapper
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore


class LibraryBackend:
    """Runs cases in-process on a fresh Runtime + MemoryStore per case."""

    def __init__(self) -> None:
        self.runtime: Any = None
        self.session_id = ""
        self.owner: str | None = None
        self.counter = 0
        self._registries: dict[tuple[str, ...], Registry] = {}

    async def start_case(self, name: str, chain: ChainSpec, session: Mapping[str, Any]) -> None:
        store = MemoryStore()
        agents = {}
        agent_name = None
        if chain.agent:
            agent_name = "test-agent"
            agents[agent_name] = AgentSpec(name=agent_name, policies=chain.agent)
        registry = self._registries.get(tuple(chain.policy_modules))
        if registry is None:
            registry = self._registries[tuple(chain.policy_modules)] = Registry.load(chain.policy_modules)
        self.runtime = Runtime(
            store, registry=registry, server_specs=chain.server, agents=agents, mapper=ActionMapper(chain.tool_mapping)
        )
        self.counter += 1
        self.session_id = f"case-{self.counter}"
        self.owner = session.get("owner")
        await store.ensure_session(
            self.session_id,
            owner=self.owner,
            agent=agent_name,
            labels={str(k): str(v) for k, v in (session.get("labels") or {}).items()},
        )
        sess = store.sessions[self.session_id]
        sess.state.update(copy.deepcopy(dict(session.get("state") or {})))
        sess.info.model = session.get("model")
        sess.info.harness = session.get("harness")
        for spec in chain.session:
            await store.add_session_policy(self.session_id, spec)

    async def event(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        outcome = await self.runtime.evaluate(self.session_id, raw, owner=self.owner)
        return outcome.to_dict()  # type: ignore[no-any-return]

    async def usage(self, record: Mapping[str, Any]) -> None:
        rec = dict(record)
        model = rec.pop("model")
        await self.runtime.record_usage(self.session_id, model, owner=self.owner, **rec)

    async def resolve(self, approval_id: str, decision: str, scope: str) -> None:
        await self.runtime.resolve(approval_id, decision, scope=scope, by="test")

    async def end_case(self) -> None:
        self.runtime = None
