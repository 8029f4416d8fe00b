"""Compiling and caching the three-level chain for a session.

Server-wide policies (config file + REST) and agent-spec policies are compiled
once and recompiled only when their version changes; session policies per
session version.  A policy that fails to load does not vanish from the chain:
it becomes a policy that always fails, so the chain fails closed naming it.

A session's chain is what it is built from: its own policies (by session and
version), its agent's and the server's.  A session whose policy version is 0 has
never had a policy of its own (every store counts a session's policy changes from
0), so its chain is its agent's and the server's alone, the same object for every
such session (:func:`chain_key`): a new session's first event builds nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from goalrail.config.agent import AgentSpec
from goalrail.engine.chain import DEFAULT_TIMEOUT_MS, Chain, CompiledPolicy, compile_policy, order
from goalrail.engine.spec import PolicySpec
from goalrail.errors import GoalrailError
from goalrail.policies.files import FileAccess
from goalrail.policies.registry import Registry
from goalrail.runtime.system_policies import add_policy_guard


def _broken(spec: PolicySpec, error: str) -> CompiledPolicy:
    def fail(event: object) -> None:
        raise RuntimeError(f"cannot load policy: {error}")

    return CompiledPolicy(
        spec=spec, fn=fail, is_async=False, timeout_s=1.0, shadow=spec.mode == "shadow", ns=spec.key, inline=True
    )


def compile_specs(
    specs: Sequence[PolicySpec],
    registry: Registry | None,
    *,
    require_registered: bool,
    files: FileAccess | None = None,
    default_timeout_ms: float = DEFAULT_TIMEOUT_MS,
) -> list[CompiledPolicy]:
    out: list[CompiledPolicy] = []
    for spec in specs:
        if not spec.enabled:
            continue
        try:
            compiled = compile_policy(
                spec,
                registry,
                require_registered=require_registered,
                files=files,
                default_timeout_ms=default_timeout_ms,
            )
            out.append(compiled)
        except GoalrailError as exc:
            out.append(_broken(spec, exc.message))
    return out


#: Characters of parameters (as JSON) a session's policies may have, together, and still be
#: called on the event loop.  A builtin's cost grows with its parameters (patterns, globs): one
#: policy's is bounded, but 64 of them would hold the loop for seconds on each event, so past
#: this every session policy with parameters runs on the worker pool under its deadline.
INLINE_PARAMS_BUDGET = 8192


def _params_size(spec: PolicySpec) -> int:
    params = spec.params
    return len(json.dumps(params, ensure_ascii=False, default=str)) if params else 0


def off_loop_when_heavy(compiled: list[CompiledPolicy]) -> list[CompiledPolicy]:
    """``compiled`` (a session's policies), those with parameters taken off the event loop
    when their parameters together exceed :data:`INLINE_PARAMS_BUDGET` characters.  How many
    there are, and the event's size, is the engine's budget per event (``engine.work``): past
    it, an event has every inline policy of its chain, at every level, run on the pools."""
    sizes = [_params_size(p.spec) if p.inline else 0 for p in compiled]
    if sum(sizes) <= INLINE_PARAMS_BUDGET:
        return compiled
    return [dataclasses.replace(p, inline=False) if size else p for p, size in zip(compiled, sizes, strict=True)]


def heavy_params(specs: Sequence[PolicySpec]) -> bool:
    """Whether ``specs`` (policies from a session: REST, chat, a dry run's candidate) carry more
    than :data:`INLINE_PARAMS_BUDGET` characters of parameters: then compiling them (validating,
    building every pattern) is done off the event loop (:func:`off_loop`), as is running them."""
    total = 0
    for spec in specs:
        total += _params_size(spec)
        if total > INLINE_PARAMS_BUDGET:
            return True
    return False


#: Compiling heavy session policies: a few threads of their own, so it never takes the
#: policies' worker pool (``engine.offload``) from other sessions' evaluations.
COMPILE_WORKERS = 2
_compile_pool = ThreadPoolExecutor(max_workers=COMPILE_WORKERS, thread_name_prefix="goalrail-compile")
_T = TypeVar("_T")


async def off_loop(fn: Callable[..., _T], *args: object) -> _T:
    """``fn(*args)`` on the pool of :data:`COMPILE_WORKERS` threads (its context copied: the file
    and session scopes the factories read are context variables); the event loop serves others
    meanwhile."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_compile_pool, contextvars.copy_context().run, fn, *args)


#: No policies of a session's own (version 0): never changed, shared by those sessions.
_NONE: list[CompiledPolicy] = []


def chain_key(session_id: str, session_version: int, agent: str | None, server_version: int) -> tuple[object, ...]:
    """What a session's chain is built from: a session without policies of its own
    (version 0) shares its chain with every such session of its agent."""
    return (session_id if session_version else None, session_version, agent, server_version)


class ChainCache:
    """``files``: what operator files (the config's policies, agent YAML on disk) may read;
    ``first``: a guard put before every level in every chain (``runtime.own_files_guard``);
    ``default_timeout_ms``: the deadline of every policy that sets none (``limits.policy_timeout_ms``)."""

    def __init__(
        self,
        registry: Registry,
        config_specs: Sequence[PolicySpec],
        agents: dict[str, AgentSpec],
        files: FileAccess | None = None,
        first: CompiledPolicy | None = None,
        default_timeout_ms: float = DEFAULT_TIMEOUT_MS,
    ) -> None:
        self.registry = registry
        self.default_timeout_ms = default_timeout_ms
        self.config_specs = list(config_specs)
        self.agents = agents
        self.files = files
        self._server: tuple[int, list[CompiledPolicy]] | None = None
        self._agents: dict[str, list[CompiledPolicy]] = {}
        self._refused: dict[str, str] = {}  # agents whose spec is not loaded here: why
        self._sessions: dict[str, tuple[int, list[CompiledPolicy]]] = {}
        self._compiling: dict[tuple[str, int], asyncio.Future[list[CompiledPolicy]]] = {}
        self._guard = add_policy_guard(registry)
        #: the guard every chain starts with (``runtime.own_files_guard``), if any
        self._first: tuple[CompiledPolicy, ...] = (first,) if first is not None else ()

    def check_config(self) -> None:
        """Compile file-configured policies strictly (refuse to start on errors)."""
        for spec in self.config_specs:
            if spec.enabled:
                compile_policy(spec, self.registry, files=self.files)
        for agent in self.agents.values():
            for spec in agent.policies:
                if spec.enabled:
                    compile_policy(spec, self.registry, files=self._agent_files(agent))

    def server(self, version: int, stored: Sequence[PolicySpec]) -> list[CompiledPolicy]:
        if self._server is None or self._server[0] != version:
            # Config-file policies first, then REST-created ones, each in declaration order.
            compiled = self._compile(self.config_specs, require_registered=False, files=self.files)
            compiled += self._compile(stored, require_registered=True)
            self._server = (version, compiled)
        return self._server[1]

    def agent(self, name: str | None) -> list[CompiledPolicy]:
        """The agent spec's policies; for a spec this server does not hold (removed from
        ``agents_dir``, or stored and no longer loading), one that fails every event."""
        if not name:
            return []
        if name not in self.agents:
            why = self._refused.get(name, "it is not known to this server")
            spec = PolicySpec(name="agent_spec", handler=f"<agent {name}>", level="agent")
            return [_broken(spec, f"agent spec `{name}`: {why}")]
        if name not in self._agents:
            agent = self.agents[name]
            self._agents[name] = self._compile(agent.policies, require_registered=False, files=self._agent_files(agent))
        return self._agents[name]

    def _agent_files(self, agent: AgentSpec) -> FileAccess | None:
        """Only an agent spec read from disk is an operator file; an uploaded one is not."""
        return self.files if agent.on_disk else None

    def set_agent(self, spec: AgentSpec) -> None:
        self.agents[spec.name] = spec
        self._agents.pop(spec.name, None)
        self._refused.pop(spec.name, None)

    def refuse_agent(self, name: str, why: str) -> None:
        """Drop an agent spec that no longer loads: its sessions fail closed, saying ``why``."""
        self.agents.pop(name, None)
        self._agents.pop(name, None)
        self._refused[name] = why

    def _compile_session(self, specs: Sequence[PolicySpec]) -> list[CompiledPolicy]:
        return off_loop_when_heavy(self._compile(specs, require_registered=True))

    def _compile(
        self, specs: Sequence[PolicySpec], *, require_registered: bool, files: FileAccess | None = None
    ) -> list[CompiledPolicy]:
        return compile_specs(
            specs,
            self.registry,
            require_registered=require_registered,
            files=files,
            default_timeout_ms=self.default_timeout_ms,
        )

    async def session(self, session_id: str, version: int, specs: Sequence[PolicySpec]) -> list[CompiledPolicy]:
        """A session's compiled policies at ``version``; heavy ones (:func:`heavy_params`) are
        compiled off the event loop, once however many of its events ask meanwhile."""
        if not version and not specs:
            return _NONE
        hit = self._sessions.get(session_id)
        if hit is not None and hit[0] == version:
            return hit[1]
        if not heavy_params(specs):
            compiled = self._compile_session(specs)
        else:
            key = (session_id, version)
            task = self._compiling.get(key)
            if task is None:
                task = asyncio.ensure_future(off_loop(self._compile_session, list(specs)))
                self._compiling[key] = task
                task.add_done_callback(lambda _: self._compiling.pop(key, None))
            compiled = await asyncio.shield(task)
        if len(self._sessions) > 10_000:
            self._sessions.clear()
        current = self._sessions.get(session_id)
        if current is None or current[0] <= version:  # (never replaced by an older version compiled late)
            self._sessions[session_id] = (version, compiled)
        return compiled

    def chain(self, session: list[CompiledPolicy], agent: list[CompiledPolicy], server: list[CompiledPolicy]) -> Chain:
        return Chain([*self._first, *order([*session, *agent, *server]), self._guard])

    @property
    def first(self) -> CompiledPolicy | None:
        """The guard every chain starts with (the server's own files), if any."""
        return self._first[0] if self._first else None
