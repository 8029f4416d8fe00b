"""A session driven through the real runtime (Runtime + MemoryStore) for builtin tests.

Evaluations of one session are serialized by the store's transaction; state
updates are applied by the runtime (ALLOW: all; DENY: the denying policy's;
ASK: held until approved); usage is priced by the runtime's PriceTable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

_REGISTRY = Registry.load()


@dataclass
class Result:
    result: str
    reason: str | None
    policy: str | None
    approval_id: str | None


def make_runtime(*specs: PolicySpec, llm_client: Any = None) -> Runtime:
    return Runtime(MemoryStore(), registry=_REGISTRY, server_specs=list(specs), llm_client=llm_client)


def spec(name: str, handler: str, **params: Any) -> PolicySpec:
    return PolicySpec(name, f"goalrail.policies.builtins.{handler}", params=params)


class Session:
    def __init__(
        self, rt: Runtime, session_id: str = "s1", *, owner: str | None = "alice", model: str | None = None
    ) -> None:
        self.rt, self.sid, self.owner, self.model = rt, session_id, owner, model
        self.last_approval: str | None = None

    @property
    def store(self) -> MemoryStore:
        return self.rt.store  # type: ignore[no-any-return]

    async def send(self, raw: dict[str, Any]) -> Result:
        if self.sid not in self.store.sessions:
            await self.store.ensure_session(self.sid, owner=self.owner)
            self.store.sessions[self.sid].info.model = self.model
        out = await self.rt.evaluate(self.sid, raw, owner=self.owner)
        if out.approval_id:
            self.last_approval = out.approval_id
        d = out.decision
        return Result(out.result, d.reason, d.policy, out.approval_id)

    async def approve(self) -> None:
        assert self.last_approval is not None
        await self.rt.resolve(self.last_approval, "approve")
        self.last_approval = None

    async def record(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        rec = await self.rt.record_usage(
            self.sid, model, input_tokens=input_tokens, output_tokens=output_tokens, owner=self.owner
        )
        return rec.cost_usd

    def set_model(self, model: str) -> None:
        self.store.sessions[self.sid].info.model = model

    @property
    def state(self) -> dict[str, Any]:
        return self.store.sessions[self.sid].state

    def policy_state(self, name: str) -> dict[str, Any]:
        return self.store.sessions[self.sid].policy_states.get(f"server:{name}", {})

    @property
    def usage(self) -> dict[str, Any]:
        from goalrail.runtime.usage import usage_totals

        return usage_totals(self.store.sessions[self.sid].usage)
