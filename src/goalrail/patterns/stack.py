"""PolicyStack: layered policies, evaluated in order; the first layer with a
matching pattern decides.  When no layer matches, the LAST layer's (the
baseline's) default action applies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager

from goalrail.patterns.builtin_policies import resolve_policy
from goalrail.patterns.conditions import ActionFacts, RateLookup, no_rate
from goalrail.patterns.facts import InMemoryRates
from goalrail.patterns.model import EvaluationResult, Pattern, PolicyChange
from goalrail.patterns.policy import Policy
from goalrail.patterns.url_readings import URL_TYPES, by_spellings, spellings_of


class PolicyStack:
    def __init__(self, layers: Iterable[Policy | str], name: str | None = None) -> None:
        self.layers: list[Policy] = [resolve_policy(p) if isinstance(p, str) else p for p in layers]
        if not self.layers:
            raise ValueError("a PolicyStack needs at least one policy")
        for layer in self.layers:
            if not isinstance(layer, Policy):
                raise ValueError(f"PolicyStack layers must be Policy objects or names, got {type(layer).__name__}")
        self.name = name or " > ".join(p.name for p in self.layers)
        self._rates = InMemoryRates()

    @property
    def default_action(self) -> str:
        return self.layers[-1].default_action

    def decide(self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup = no_rate) -> EvaluationResult:
        """As ``Policy.decide``: a network target by the strictest of its spellings."""
        if action_type in URL_TYPES and (spelled := spellings_of(action_type, target)) is not None:
            return by_spellings(self, action_type, target, spelled, facts, rate)
        return self.decide_as_sent(action_type, target, facts, rate)

    def decide_as_sent(
        self, action_type: str, target: str, facts: ActionFacts, rate: RateLookup = no_rate, allow: bool = True
    ) -> EvaluationResult:
        keys: list[tuple[str, int]] = []
        for layer in self.layers:
            pattern, why, rate_keys = layer.match(action_type, target, facts, rate, allow)
            keys += rate_keys
            if pattern is not None:
                result = layer._pattern_result(pattern, action_type, target, facts, why)
                break
        else:
            result = self.layers[-1]._default_result(action_type, target, facts)
        if result.allowed and keys:
            result.rate_keys = keys
        return result

    def evaluate(
        self, action_type: str, target: str | None, context: Mapping[str, object] | None = None
    ) -> EvaluationResult:
        return self._rates.evaluate(self.decide, action_type, target, context)

    # dynamic changes go to the layer that holds the pattern (new ones: the top layer)
    def add_pattern(self, pattern: Pattern | Mapping[str, object], position: int | None = None) -> Pattern:
        return self.layers[0].add_pattern(pattern, position)

    def remove_pattern(self, pattern_id: str) -> bool:
        return any(layer.remove_pattern(pattern_id) for layer in self.layers)

    def disable_pattern(self, pattern_id: str) -> bool:
        return any([layer.disable_pattern(pattern_id) for layer in self.layers])

    def enable_pattern(self, pattern_id: str) -> bool:
        return any([layer.enable_pattern(pattern_id) for layer in self.layers])

    def on_change(self, callback: Callable[[PolicyChange], object]) -> Callable[[], None]:
        offs = [layer.on_change(callback) for layer in self.layers]

        def off_all() -> None:
            for off in offs:
                off()

        return off_all

    @contextmanager
    def elevated_privileges(self, agent: str) -> Iterator[PolicyStack]:
        with ExitStack() as stack:
            for layer in self.layers:
                stack.enter_context(layer.elevated_privileges(agent))
            yield self

    def __repr__(self) -> str:
        return f"PolicyStack({[p.name for p in self.layers]!r})"
