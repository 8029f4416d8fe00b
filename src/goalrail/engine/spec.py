"""PolicySpec: one configured policy instance at one level."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

from goalrail.jsontypes import JsonObject
from goalrail.policies.secret_params import secret_values

Level = Literal["session", "agent", "server"]
LEVELS: tuple[Level, ...] = ("session", "agent", "server")
LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}
MODES = ("enforce", "shadow")
ON_ERROR = ("deny", "allow", "ask")
#: Added to ``PolicySpec.answer_key`` when the policy asks because it failed (``on_error: ask``):
#: a grant given to its questions never answers "this policy could not judge", nor the reverse.
FAILED = "!failed"


@dataclass(frozen=True)
class PolicySpec:
    """A policy as configured.

    ``params`` is ``None`` when none were given (a direct callable, or a factory
    with defaults); ``{}`` means "call the factory with no arguments".
    ``mode: shadow`` evaluates and records the verdict without affecting the
    outcome.  ``on_error`` is the explicit, logged fail mode (default deny).
    ``timeout_ms`` is the per-policy deadline; ``None`` uses the chain default.
    """

    name: str
    handler: str
    level: Level = "server"
    params: JsonObject | None = None
    kind: str | None = None
    mode: str = "enforce"
    enabled: bool = True
    on_error: str = "deny"
    timeout_ms: float | None = None
    ask_timeout_s: float | None = None
    id: str | None = None
    source: str | None = None
    extra: JsonObject = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A stable identity within a session: level and name."""
        return f"{self.level}:{self.name}"

    @cached_property
    def answer_key(self) -> str:
        """What approvals and session grants are bound to: ``key`` and a digest of what the policy
        is — its handler and parameters, its ``mode``, ``on_error`` and ``timeout_ms`` — so an answer
        given to this policy's question never answers another policy later given the same name at
        the same level (a PATCH, a delete and re-create, an edited config or agent spec), nor the
        same policy once it fails, or is judged, otherwise.  ``enabled`` and the chain position are
        not part of it: switching a policy off and on is the same question.  Computed once per
        spec, when it first asks."""
        what = [self.handler, self.params, self.mode, self.on_error, self.timeout_ms]
        text = json.dumps(what, sort_keys=True, separators=(",", ":"), default=str)
        return f"{self.key}#{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    @cached_property
    def secret_values(self) -> tuple[str, ...]:
        """Its parameters' secret values (``policies.secret_params``): never quoted in its
        reasons, warnings or errors.  Computed once per spec, when it first says something."""
        return secret_values(self.params)

    def with_level(self, level: Level) -> PolicySpec:
        return replace(self, level=level)

    def to_dict(self) -> JsonObject:
        out: JsonObject = {
            "name": self.name,
            "handler": self.handler,
            "level": self.level,
            "factory_params": self.params or {},
            "mode": self.mode,
            "enabled": self.enabled,
            "on_error": self.on_error,
        }
        if self.id is not None:
            out["id"] = self.id
        if self.source is not None:
            out["source"] = self.source
        if self.timeout_ms is not None:
            out["timeout_ms"] = self.timeout_ms
        return out
