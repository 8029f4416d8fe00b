"""``goalrail.Guard``: the policy engine in-process, built from the same YAML as the server.

    guard = goalrail.Guard(config="config.yaml", agent="agents/coder.yaml")
    guard.evaluate("s1", {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}})

It runs :class:`goalrail.runtime.Runtime` on a :class:`~goalrail.store.memory.MemoryStore`
inside a private event loop on a daemon thread, so plain synchronous code —
from any number of threads — can call it; sessions stay serialized exactly as
on the server.  State lives in memory for the life of the guard.  The
embedding program is the user here, so it may resolve approvals itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from goalrail.config.agent import AgentSpec, agent_spec_from_text, load_agent_spec
from goalrail.config.server import ServerConfig, load_server_config, server_config_from_text
from goalrail.engine.state import detached
from goalrail.runtime import Runtime
from goalrail.store.memory import MemoryStore

if TYPE_CHECKING:
    from goalrail.jsontypes import JsonObject

T = TypeVar("T")


class Guard:
    def __init__(
        self,
        config: str | Path | ServerConfig | None = None,
        agent: str | Path | AgentSpec | None = None,
        *,
        config_text: str | None = None,
        agent_text: str | None = None,
        harness: str = "python-sdk",
        approval_timeout_s: float | None = None,
    ) -> None:
        cfg = self._config(config, config_text)
        spec = self._agent(agent, agent_text, cfg)
        agents = dict(cfg.agents)
        if spec is not None:
            agents[spec.name] = spec
        self.agent = spec.name if spec is not None else None
        self.harness = harness
        self.store = MemoryStore()
        self.runtime = Runtime(
            self.store,
            registry=cfg.registry,
            server_specs=cfg.policies,
            agents=agents,
            mapper=cfg.action_mapper(),
            approval_timeout_s=approval_timeout_s or cfg.approval_timeout_s,
            files=cfg.file_access,
            policy_timeout_ms=cfg.policy_timeout_ms,
        )
        self.runtime.check()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="goalrail-guard", daemon=True)
        self._thread.start()

    @staticmethod
    def _config(config: str | Path | ServerConfig | None, text: str | None) -> ServerConfig:
        if isinstance(config, ServerConfig):
            return config
        if text is not None:
            return server_config_from_text(text)
        if config is None:
            return server_config_from_text("{}")
        return load_server_config(config)

    @staticmethod
    def _agent(agent: str | Path | AgentSpec | None, text: str | None, cfg: ServerConfig) -> AgentSpec | None:
        if isinstance(agent, AgentSpec):
            return agent
        if text is not None:
            return agent_spec_from_text(text, registry=cfg.registry)
        if agent is None:
            return None
        return load_agent_spec(agent, registry=cfg.registry)

    def _run(self, coro: Coroutine[object, object, T], timeout: float | None = None) -> T:
        if not self._thread.is_alive():
            coro.close()
            raise RuntimeError("this Guard is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- the interface shared with goalrail.Client ---------------------
    def evaluate(self, session: str, event: Mapping[str, object], *, wait: float | None = None) -> dict[str, object]:
        context = event.get("context") or {}
        if not isinstance(context, Mapping):
            raise TypeError(f"an event's context is an object, not {type(context).__name__}")
        # The caller keeps its dict: the log is sealed after the answer, on the loop's thread,
        # so it must not share a value the caller may change once the call returns.
        event = detached(cast("JsonObject", {**event, "context": {"harness": self.harness, **context}}))

        async def go() -> dict[str, object]:
            outcome = await self.runtime.evaluate(session, event, agent=self.agent)
            if wait:
                outcome = await self.runtime.settle(outcome, wait)
            return outcome.to_dict()

        return self._run(go())

    def tool_call(
        self, session: str, tool: str, arguments: dict[str, object] | str | None = None, *, wait: float | None = None
    ) -> dict[str, object]:
        return self.evaluate(
            session,
            {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": arguments or {}}},
            wait=wait,
        )

    def tool_result(
        self, session: str, tool: str, arguments: dict[str, object] | str | None, result: object
    ) -> dict[str, object]:
        return self.evaluate(
            session,
            {
                "type": "tool_result",
                "target": tool,
                "data": {"name": tool, "arguments": arguments or {}, "result": result},
            },
        )

    def record_usage(
        self, session: str, model: str, input_tokens: int = 0, output_tokens: int = 0, **extra: Any
    ) -> dict[str, object]:
        record = self._run(
            self.runtime.record_usage(session, model, input_tokens=input_tokens, output_tokens=output_tokens, **extra)
        )
        return {"model": record.model, "cost_usd": record.cost_usd}

    def wait_approval(self, approval_id: str, wait: float | None = None) -> dict[str, object]:
        record = self._run(self.runtime.wait_for_approval(approval_id, wait or 0))
        return {"id": record.id, "status": record.status, "reason": record.reason}

    # -- in-process extras --------------------------------------------
    def resolve(self, approval_id: str, decision: str, *, scope: str = "once", by: str = "guard") -> dict[str, object]:
        record = self._run(self.runtime.resolve(approval_id, decision, scope=scope, by=by))
        return {"id": record.id, "status": record.status}

    def pending_approvals(self) -> list[dict[str, object]]:
        records = self._run(self.store.list_approvals(status="pending"))
        return [{"id": r.id, "session_id": r.session_id, "target": r.target, "reason": r.reason} for r in records]

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    def __enter__(self) -> Guard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
