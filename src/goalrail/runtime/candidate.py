"""The chain a replay judges with: the recorded one, or a candidate that changes it.

A candidate replaces whole levels (a new server config, a new agent spec), adds
policies (the one about to be added in the settings panel), and may switch
shadow policies to enforce ("what if this shadow policy were on?").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from goalrail.engine.chain import Chain, order
from goalrail.engine.spec import LEVELS, PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.chains import compile_specs, off_loop_when_heavy
from goalrail.runtime.system_policies import add_policy_guard
from goalrail.runtime.trace import Trace


@dataclass
class Candidate:
    """Changes to a recorded chain; an empty Candidate replays the chain as recorded."""

    server: list[PolicySpec] | None = None
    agent: list[PolicySpec] | None = None
    session: list[PolicySpec] | None = None
    add: list[PolicySpec] = field(default_factory=list)
    enforce: list[str] = field(default_factory=list)

    def specs(self, recorded: dict[str, list[PolicySpec]] | None) -> dict[str, list[PolicySpec]]:
        base = recorded or {}
        out = {
            "session": list(self.session if self.session is not None else base.get("session", [])),
            "agent": list(self.agent if self.agent is not None else base.get("agent", [])),
            "server": list(self.server if self.server is not None else base.get("server", [])),
        }
        for spec in self.add:
            out[spec.level].append(spec)
        if self.enforce:
            wanted = set(self.enforce)
            for level in LEVELS:
                out[level] = [replace(s, mode="enforce") if s.name in wanted else s for s in out[level]]
        return out


def build_chain(specs: dict[str, list[PolicySpec]], registry: Registry, *, trusted: Sequence[str] = LEVELS) -> Chain:
    """Compile the three levels in combining order, the always-on guard last (as the server does).

    Levels in ``trusted`` came from files an operator controls and may name any
    importable callable; the others are limited to the registry.
    """
    compiled = []
    for level in LEVELS:
        level_compiled = compile_specs(specs.get(level, []), registry, require_registered=level not in trusted)
        compiled += level_compiled if level in trusted else off_loop_when_heavy(level_compiled)
    return Chain([*order(compiled), add_policy_guard(registry)])


class ChainsFor:
    """``chain_for(trace)`` for a Replayer: the candidate applied to each trace's recorded chain."""

    def __init__(self, candidate: Candidate, registry: Registry, *, trusted: Sequence[str] = LEVELS) -> None:
        self.candidate, self.registry, self.trusted = candidate, registry, tuple(trusted)
        self._cache: dict[int, Chain] = {}

    def __call__(self, trace: Trace) -> Chain:
        key = id(trace.chain)
        chain = self._cache.get(key)
        if chain is None:
            chain = self._cache[key] = build_chain(
                self.candidate.specs(trace.chain), self.registry, trusted=self.trusted
            )
        return chain
