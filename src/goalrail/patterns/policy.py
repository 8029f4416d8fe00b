"""The Policy: an ordered set of patterns, a default action, a violation mode,
inheritance (``extends``), agent exceptions and change notifications.

Evaluation is first match wins (CRITICAL denies are checked first so a broad
``allow`` can never shadow them); see ``goalrail.patterns.compile``.
``Severity`` and ``ViolationMode`` are re-exported here so seed 004's
``from agent_os.policy import Severity, ViolationMode`` adapts one-to-one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.patterns import names, yaml_io
from goalrail.patterns.compile import CompiledPolicy
from goalrail.patterns.conditions import ActionFacts, RateLookup, no_rate
from goalrail.patterns.facts import InMemoryRates
from goalrail.patterns.merge import merge_policies
from goalrail.patterns.model import (
    EvaluationResult,
    Pattern,
    PolicyChange,
    PolicyException,
    Severity,
    Violation,
    ViolationMode,
    check_action,
)
from goalrail.patterns.outcome import default_outcome, pattern_outcome
from goalrail.patterns.url_readings import URL_TYPES, by_spellings, spellings_of

log = logging.getLogger("goalrail.patterns")

#: A policy's revision and its parents', recursively: equal while nothing in the tree changed.
Revision = tuple[int, tuple["Revision", ...]]


def _as_pattern(p: Pattern | Mapping[str, Any]) -> Pattern:
    if isinstance(p, Pattern):
        return p
    if isinstance(p, Mapping):
        return Pattern(**dict(p))
    raise ValueError(f"expected a Pattern, got {type(p).__name__}")


def _as_exception(e: PolicyException | Mapping[str, Any]) -> PolicyException:
    if isinstance(e, PolicyException):
        return e
    if isinstance(e, Mapping):
        return PolicyException(**dict(e))
    raise ValueError(f"expected an exception mapping, got {type(e).__name__}")


class Policy:
    """A declarative policy (seed 004's ``Policy``)."""

    def __init__(
        self,
        name: str = "custom_policy",
        description: str = "",
        version: str = "1.0.0",
        default_action: str | None = None,
        violation_mode: ViolationMode | str | None = None,
        patterns: Iterable[Pattern | Mapping[str, Any]] | None = None,
        extends: Policy | str | Sequence[Policy | str] | None = None,
        exceptions: Iterable[PolicyException | Mapping[str, Any]] | None = None,
        violation_handler: Callable[[Violation], object] | None = None,
        settings: Mapping[str, JsonValue] | None = None,
        metadata: Mapping[str, JsonValue] | None = None,
        base_dir: str | Path | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("policy name must be a non-empty string")
        self.name = name
        self.description = description or ""
        self.version = str(version)
        self.settings: JsonObject = dict(settings or {})
        self.metadata: JsonObject = dict(metadata or {})
        self.violation_handler = violation_handler
        self._base_dir = Path(base_dir) if base_dir is not None else None
        self.parents: list[Policy] = []
        self.parent_names: list[str | None] = []
        for parent in self._extends_list(extends):
            self._add_parent(parent)
        self._default = check_action(default_action, "default_action") if default_action is not None else None
        self._mode = ViolationMode.coerce(violation_mode) if violation_mode is not None else None
        self._patterns: list[Pattern] = []
        seen: set[str] = set()  # (one set for the whole list: a check per pattern against the list is quadratic)
        for p in patterns or []:
            pattern = _as_pattern(p)
            if pattern.pid in seen:
                raise ValueError(f"policy `{self.name}` already has a pattern `{pattern.pid}`")
            seen.add(pattern.pid)
            self._patterns.append(pattern)
        self.exceptions: list[PolicyException] = [_as_exception(e) for e in exceptions or []]
        self._disabled: set[str] = set()
        self._listeners: list[Callable[[PolicyChange], object]] = []
        self._elevated: dict[str, int] = {}
        self._revision = 0
        self._compiled: tuple[Revision, CompiledPolicy] | None = None
        self._lock = threading.Lock()
        self._rates = InMemoryRates()

    # -- inheritance ---------------------------------------------------------
    @staticmethod
    def _extends_list(extends: Policy | str | Iterable[Policy | str] | None) -> list[Policy | str]:
        if extends is None:
            return []
        if isinstance(extends, (str, Policy)):
            return [extends]
        return list(extends)

    def _add_parent(self, parent: Policy | str) -> None:
        if isinstance(parent, str):
            name: str | None = parent
            parent = names.resolve(parent, base_dir=self._base_dir)
        elif isinstance(parent, Policy):
            name = None
        else:
            raise ValueError(f"extends takes policy names or Policy objects, got {type(parent).__name__}")
        self.parents.append(parent)
        self.parent_names.append(name)

    @property
    def extends_names(self) -> list[str]:
        return [n for n in self.parent_names if n is not None]

    @property
    def default_action(self) -> str:
        if self._default is not None:
            return self._default
        for parent in self.parents:
            return parent.default_action
        return "allow"

    @default_action.setter
    def default_action(self, value: str) -> None:
        self._default = check_action(value, "default_action")
        self._changed("default_action_changed", None)

    @property
    def violation_mode(self) -> ViolationMode:
        if self._mode is not None:
            return self._mode
        for parent in self.parents:
            return parent.violation_mode
        return ViolationMode.BLOCK

    @violation_mode.setter
    def violation_mode(self, value: ViolationMode | str) -> None:
        self._mode = ViolationMode.coerce(value)
        self._changed("violation_mode_changed", None)

    @property
    def explicit_default_action(self) -> str | None:
        return self._default

    @property
    def explicit_violation_mode(self) -> ViolationMode | None:
        return self._mode

    # -- patterns ------------------------------------------------------------
    @property
    def patterns(self) -> list[Pattern]:
        """This policy's own patterns, in order (inherited ones: ``all_patterns()``)."""
        return list(self._patterns)

    def all_patterns(self) -> list[Pattern]:
        """Own patterns first, then each parent's; an own id hides the parent's."""
        out = list(self._patterns)
        seen = {p.pid for p in out}
        for parent in self.parents:
            for p in parent.all_patterns():
                if p.pid not in seen:
                    seen.add(p.pid)
                    out.append(p)
        return out

    def all_exceptions(self) -> list[PolicyException]:
        out = list(self.exceptions)
        for parent in self.parents:
            out.extend(parent.all_exceptions())
        return out

    def get_pattern(self, pattern_id: str) -> Pattern | None:
        return next((p for p in self.all_patterns() if p.pid == pattern_id), None)

    def _insert(self, pattern: Pattern, position: int | None = None) -> None:
        if any(p.pid == pattern.pid for p in self._patterns):
            raise ValueError(f"policy `{self.name}` already has a pattern `{pattern.pid}`")
        if position is None:
            self._patterns.append(pattern)
        else:
            self._patterns.insert(position, pattern)

    def add_pattern(self, pattern: Pattern | Mapping[str, object], position: int | None = None) -> Pattern:
        p = _as_pattern(pattern)
        self._insert(p, position)
        self._changed("pattern_added", p.pid)
        return p

    def remove_pattern(self, pattern_id: str) -> bool:
        before = len(self._patterns)
        self._patterns = [p for p in self._patterns if p.pid != pattern_id]
        if len(self._patterns) == before:
            return False
        self._changed("pattern_removed", pattern_id)
        return True

    def disable_pattern(self, pattern_id: str) -> bool:
        if self.get_pattern(pattern_id) is None:
            return False
        self._disabled.add(pattern_id)
        self._changed("pattern_disabled", pattern_id)
        return True

    def enable_pattern(self, pattern_id: str) -> bool:
        p = self.get_pattern(pattern_id)
        if p is None:
            return False
        self._disabled.discard(pattern_id)
        if p in self._patterns:
            p.enabled = True
        self._changed("pattern_enabled", pattern_id)
        return True

    def is_enabled(self, pattern_id: str) -> bool:
        p = self.get_pattern(pattern_id)
        return p is not None and p.enabled and pattern_id not in self._disabled

    # -- change notification -------------------------------------------------
    def on_change(self, callback: Callable[[PolicyChange], object]) -> Callable[[], None]:
        """Subscribe to changes; returns a function that unsubscribes."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self, change_type: str, pattern_id: str | None, detail: str | None = None) -> None:
        self._revision += 1
        event = PolicyChange(change_type, pattern_id, self.name, detail)
        for cb in list(self._listeners):
            try:
                cb(event)
            except Exception:  # a listener must not break the policy
                log.exception("policy %s: change listener failed", self.name)

    def _rev(self) -> Revision:
        return (self._revision, tuple(p._rev() for p in self.parents))

    @contextmanager
    def elevated_privileges(self, agent: str) -> Iterator[Policy]:
        """Within the block, non-CRITICAL denies for ``agent`` become warnings."""
        with self._lock:
            self._elevated[agent] = self._elevated.get(agent, 0) + 1
        self._changed("privileges_elevated", None, agent)
        try:
            yield self
        finally:
            with self._lock:
                left = self._elevated.get(agent, 1) - 1
                if left <= 0:
                    self._elevated.pop(agent, None)
                else:
                    self._elevated[agent] = left
            self._changed("privileges_restored", None, agent)

    def is_elevated(self, agent: str | None) -> bool:
        if agent is None:
            return False
        return agent in self._elevated or any(p.is_elevated(agent) for p in self.parents)

    # -- evaluation ----------------------------------------------------------
    def compiled(self) -> CompiledPolicy:
        rev = self._rev()
        cached = self._compiled
        if cached is not None and cached[0] == rev:
            return cached[1]
        patterns = [p for p in self.all_patterns() if p.pid not in self._disabled]
        compiled = CompiledPolicy(patterns)
        self._compiled = (rev, compiled)
        return compiled

    def has_type(self, action_type: str) -> bool:
        """Does any enabled pattern apply to ``action_type``?"""
        return self.compiled().index_for(action_type) is not None

    def evaluate(
        self, action_type: str, target: str | None, context: Mapping[str, object] | None = None
    ) -> EvaluationResult:
        """Evaluate one action.  ``context`` may carry ``agent_id``, ``now``
        (epoch seconds or datetime), ``session_id``, ``size_bytes``, ``method``,
        ``affected_rows``."""
        return self._rates.evaluate(self.decide, action_type, target, context)

    def match(
        self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup = no_rate, allow: bool = True
    ) -> tuple[Pattern | None, str | None, list[tuple[str, int]]]:
        """The first applicable pattern (or None), why a limit fired, rate keys to record;
        ``allow`` False passes over allow patterns (a target no allowlist may admit)."""
        idx = self.compiled().index_for(action_type)
        after = -1
        rate_keys: list[tuple[str, int]] = []
        while idx is not None:
            entry = idx.first(target, after)
            if entry is None:
                break
            p, conds = entry.pattern, entry.conds
            if not allow and p.action == "allow":
                after = entry.index
                continue
            if conds is not None:
                if not conds.in_window(facts.now) or (conds.context is not None and not conds.context.holds(facts)):
                    after = entry.index
                    continue
                if conds.has_limits:
                    key = f"{self.name}/{p.pid}"
                    why = conds.exceeded(facts, key, rate)
                    if why is not None:  # outside its limits the pattern does not apply
                        after = entry.index
                        continue
                    if conds.max_rate:
                        rate_keys.append((key, conds.max_rate))
            return p, None, rate_keys
        return None, None, rate_keys

    def decide(self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup = no_rate) -> EvaluationResult:
        """One action's result; a network target's by the strictest of the spellings a client reads it in."""
        if action_type in URL_TYPES and (spelled := spellings_of(action_type, target)) is not None:
            return by_spellings(self, action_type, target, spelled, facts, rate)  # (``patterns.url_readings``)
        return self.decide_as_sent(action_type, target, facts, rate)

    def decide_as_sent(
        self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup = no_rate, allow: bool = True
    ) -> EvaluationResult:
        """``target`` as written; ``allow`` False passes over allow patterns."""
        pattern, why, rate_keys = self.match(action_type, target, facts, rate, allow)
        if pattern is None:
            result = self._default_result(action_type, target, facts)
        else:
            result = self._pattern_result(pattern, action_type, target, facts, why)
        if result.allowed and rate_keys:
            result.rate_keys = rate_keys
        return result

    def _pattern_result(
        self, p: Pattern, action_type: str, target: str, facts: ActionFacts, why: str | None
    ) -> EvaluationResult:
        return pattern_outcome(self, p, action_type, target, facts, why)

    def _default_result(self, action_type: str, target: str, facts: ActionFacts) -> EvaluationResult:
        return default_outcome(self, action_type, target, facts)

    # -- combining and serialisation ----------------------------------------
    def merge(
        self,
        other: Policy,
        strategy: str = "strict",
        conflict_resolver: Callable[[Pattern, Pattern], Pattern] | None = None,
    ) -> Policy:
        return merge_policies(self, other, strategy, conflict_resolver, make=Policy)

    def to_dict(self) -> JsonObject:
        return yaml_io.policy_to_dict(self)

    def to_yaml(self) -> str:
        return yaml_io.dump_policy(self)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Policy:
        return yaml_io.load_policy_file(path, make=Policy)

    @classmethod
    def from_yaml_string(cls, text: str, base_dir: str | Path | None = None) -> Policy:
        return yaml_io.load_policy_string(text, base_dir=base_dir, make=Policy)

    @classmethod
    def from_dict(cls, data: Mapping[str, object], base_dir: str | Path | None = None) -> Policy:
        return yaml_io.policy_from_dict(data, base_dir=base_dir, make=Policy)

    @staticmethod
    def validate_yaml(path: str | Path) -> list[str]:
        return yaml_io.validate_file(path, make=Policy)

    @staticmethod
    def validate_yaml_string(text: str, base_dir: str | Path | None = None) -> list[str]:
        return yaml_io.validate_string(text, base_dir=base_dir, make=Policy)

    def __repr__(self) -> str:
        n = len(self._patterns)
        return f"Policy(name={self.name!r}, patterns={n}, default_action={self.default_action!r})"


__all__ = ["Pattern", "Policy", "PolicyException", "Severity", "ViolationMode"]
