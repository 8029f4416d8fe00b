"""Turning PolicySpecs into callables, in chain order (session → agent → server)."""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from goalrail.engine.spec import LEVEL_RANK, PolicySpec
from goalrail.engine.work import PARAMS_PER_UNIT, text_limit, weights
from goalrail.errors import ConfigError, GoalrailError, InvalidParams
from goalrail.policies.files import FileAccess, operator_scope, session_scope
from goalrail.policies.listens import TOOL_PHASES, Listens, declared
from goalrail.policies.registry import (
    READS_ONCE,
    Registry,
    RegistryEntry,
    check_origin,
    guess_kind,
    import_object,
    needs_offload,
    per_byte,
)
from goalrail.policies.secret_params import hide

DEFAULT_TIMEOUT_MS = 5000.0


@dataclass(slots=True)
class CompiledPolicy:
    """``inline``: a synchronous policy known to be cheap, called on the event
    loop; the others run on a worker thread under their deadline (engine.offload)."""

    spec: PolicySpec
    fn: Callable[..., object]
    is_async: bool
    timeout_s: float
    shadow: bool
    ns: str
    inline: bool = False
    listens: Listens | None = None  # None: called for every event
    per_byte: int = 0  # an inline policy's work per character of the event's text (``engine.work``)

    @property
    def name(self) -> str:
        return self.spec.name


#: What the sync loop reads per policy: (fn, ns, spec, in time, policy).  "In time" is the
#: deadline in seconds, or minus infinity for a shadow policy, so that one comparison tells
#: whether an answer may be read plainly (within its deadline, not a shadow policy's).
Row = tuple[Callable[..., object], str, PolicySpec, float, CompiledPolicy]
#: The policies one kind of event reaches: their rows, the policies, their positions in the
#: chain (None: all of them), and the characters of event text up to which those that run
#: inline stay within the loop's budget (``engine.work.text_limit``).
Plan = tuple[tuple[Row, ...], tuple[CompiledPolicy, ...], "tuple[int, ...] | None", int]
_PLANS_MAX = 1024


class Chain:
    """An ordered, compiled list of policies, indexed by what each listens to.

    ``plan(event)`` is the sub-chain that can answer an event (its type and
    tool): the policies that declare nothing, and those whose declaration
    matches, in chain order.  Plans are cached per (type, tool), or per type alone when no
    policy of the chain listens by tool (the server's own-files guard first in a chain of
    policies that listen to everything: one lookup by the event's type).  When a policy
    listens to some action types only (``Listens.actions``: the own-files guard hears shell and
    file actions), a tool phase's plan is also keyed by its action type (``context.action.type``):
    a web fetch or an MCP call that maps to no file action does not reach the guard at all.
    """

    __slots__ = (
        "_above",
        "_acted",
        "_actions",
        "_by_tool",
        "_by_type",
        "_every",
        "_full",
        "_generic",
        "_plans",
        "_typed",
        "has_async",
        "has_offload",
        "has_shadow",
        "policies",
        "rows",
        "text_limit",
    )

    def __init__(self, policies: Sequence[CompiledPolicy], *, indexed: bool = True) -> None:
        self.policies: tuple[CompiledPolicy, ...] = tuple(policies)
        self.has_async = any(p.is_async for p in self.policies)
        self.has_offload = any(not p.is_async and not p.inline for p in self.policies)
        self.has_shadow = any(p.shadow for p in self.policies)
        # What the hot loop reads per policy, unpacked once.
        self.rows: tuple[Row, ...] = tuple(
            (p.fn, p.ns, p.spec, -math.inf if p.shadow else p.timeout_s, p) for p in self.policies
        )
        self._full: Plan = (self.rows, self.policies, None, _limit(self.policies))
        #: The characters of event text within the loop's budget for every inline policy.
        self.text_limit: int = self._full[3]
        self._plans: dict[object, Plan] = {}  # by (type, tool[, action type]), or by type when ``_typed``
        #: when ``_typed`` and a policy listens by action type: a tool phase's plans by its type, then
        #: by its action type (None: not read)
        self._acted: dict[str, dict[str | None, Plan]] = {}
        self._generic: list[int] = []
        self._by_type: dict[str, list[int]] = {}
        self._by_tool: dict[str, list[tuple[int, Listens]]] = {}
        #: the action types a policy's tool phases are limited to, by its position
        self._actions: dict[int, frozenset[str]] = {}
        for i, p in enumerate(self.policies):
            listens = p.listens if indexed else None
            if listens is not None and listens.actions is not None:
                self._actions[i] = listens.actions
            if listens is None:
                self._generic.append(i)
            elif listens.tools is not None:
                for tool in listens.tools:
                    self._by_tool.setdefault(tool, []).append((i, listens))
            elif listens.types is not None:
                for etype in listens.types:
                    self._by_type.setdefault(etype, []).append(i)
            else:
                self._generic.append(i)
        # every event reaches every policy
        self._every = len(self._generic) == len(self.policies) and not self._actions
        self._typed = not self._by_tool  # a plan depends on the event's type alone
        self._above: dict[str, Chain | None] = {}

    def plan(self, event: Any) -> Plan:
        """The policies that can answer ``event``, in chain order."""
        if self._every:
            return self._full
        etype = event["type"]
        if self._typed:  # (its tool read by no index: the plan of its type, keyed by the type alone)
            found = self._plans.get(etype)
            if found is not None:
                return found
            by_action = self._acted.get(etype)
            if by_action is None:
                if not self._actions or etype not in TOOL_PHASES:
                    found = self._build_plan(etype)
                    if len(self._plans) >= _PLANS_MAX:
                        self._plans.clear()
                    self._plans[etype] = found
                    return found
                by_action = self._acted[etype] = {}  # (a tool phase: its plans by action type)
            action = _action_of(event)
            found = by_action.get(action)
            if found is None:
                found = self._build_plan(etype, None, action)
                if len(by_action) >= _PLANS_MAX:  # (action types come from events)
                    by_action.clear()
                by_action[action] = found
            return found
        action = _action_of(event) if self._actions and etype in TOOL_PHASES else None
        tool = None
        if etype in TOOL_PHASES:
            data = event.get("data")
            tool = (data.get("name") if isinstance(data, Mapping) else None) or event.get("target") or ""
        key = (etype, tool) if action is None else (etype, tool, action)
        found = self._plans.get(key)
        if found is None:
            found = self._build_plan(etype, tool, action)
            if len(self._plans) >= _PLANS_MAX:  # tool names come from events: keep the cache bounded
                self._plans.clear()
            self._plans[key] = found
        return found

    def _build_plan(self, etype: str, tool: str | None = None, action: str | None = None) -> Plan:
        chosen = self._generic + self._by_type.get(etype, [])
        if tool is not None:
            chosen += [i for i, listens in self._by_tool.get(tool, ()) if listens.matches(etype, tool)]
        if action is not None:  # (a policy limited to other action types does not hear this tool phase)
            chosen = [i for i in chosen if (acts := self._actions.get(i)) is None or action in acts]
        positions = tuple(sorted(chosen))
        if len(positions) == len(self.policies):
            return self._full
        policies = tuple(self.policies[i] for i in positions)
        return (tuple(self.rows[i] for i in positions), policies, positions, _limit(policies))

    def above(self, level: str) -> Chain | None:
        """The chain's policies of the levels above ``level`` (None when there are none), made once.

        What a lower level's DENY must not hide from them: that they would end the session
        (``evaluate``, DESIGN decision 10)."""
        try:
            return self._above[level]
        except KeyError:
            ranks: dict[str, int] = {str(k): v for k, v in LEVEL_RANK.items()}
            rank = ranks.get(level, len(ranks))
            higher = [p for p in self.policies if ranks.get(p.spec.level, len(ranks)) > rank and not p.shadow]
            made = self._above[level] = Chain(higher) if higher else None
            return made

    def __len__(self) -> int:
        return len(self.policies)

    def __iter__(self) -> Iterator[CompiledPolicy]:
        return iter(self.policies)

    def __add__(self, other: Chain) -> Chain:
        return Chain(order([*self.policies, *other.policies]))

    def names(self) -> list[str]:
        return [p.spec.key for p in self.policies]


_NONE: dict[str, object] = {}  # read only: a context without an action


def _action_of(event: Mapping[str, object]) -> str | None:
    """A tool phase's action type (``context.action.type``; "" for an action without one, or none),
    None when it cannot be read."""
    try:
        action = cast("Mapping[str, Mapping[str, Mapping[str, object]]]", event)["context"]["action"]["type"] or ""
    except Exception:  # (no action, or nothing readable)
        return _action_type(event.get("context"))
    return action if type(action) is str else None


def _action_type(ctx: object) -> str | None:
    """A tool phase's action type from its context (``context.action.type``; "" for an action
    without one, or none), None when it cannot be read (no context, an action that is no mapping)."""
    if not isinstance(ctx, Mapping):
        return None
    action = ctx.get("action") or _NONE
    if not isinstance(action, Mapping):
        return None
    kind = action.get("type") or ""
    return kind if type(kind) is str else None


def _limit(policies: Iterable[CompiledPolicy]) -> int:
    return text_limit(*weights(p.per_byte for p in policies if p.inline and not p.is_async))


def order(policies: Iterable[CompiledPolicy]) -> list[CompiledPolicy]:
    """Session first, then agent spec, then server-wide; stable within a level."""
    return sorted(policies, key=lambda p: LEVEL_RANK[p.spec.level])


def _is_async_callable(fn: object) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - callable objects with async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _located(exc: GoalrailError, spec: PolicySpec) -> GoalrailError:
    where = spec.source or f"{spec.level} policy `{spec.name}`"
    prefix = f"{where}: "
    errors = exc.errors or [{"loc": spec.name, "message": exc.message}]
    if spec.source:
        errors = [{**e, "loc": f"{spec.source} {e.get('loc', '')}".strip()} for e in errors]
    return type(exc)(prefix + exc.message, errors)


def compile_policy(
    spec: PolicySpec,
    registry: Registry | None = None,
    *,
    require_registered: bool = False,
    default_timeout_ms: float = DEFAULT_TIMEOUT_MS,
    files: FileAccess | None = None,
    entry: RegistryEntry | None = None,
) -> CompiledPolicy:
    """Resolve, validate and instantiate one policy.

    ``require_registered`` is the allowlist of DESIGN decision 8: REST and chat
    may only name handlers in the registry.  Parameters are validated against the
    registry's full ``params_schema`` whenever the handler is registered.
    ``files`` is given only for policies from operator files (server config, agent
    YAML on disk): the factory then runs in an operator scope and may read policy
    files under those directories (``goalrail.policies.files``).
    ``entry`` is the handler's registry entry when the caller has already looked
    it up (and so checked the allowlist); the parameters are still validated here.
    """
    if (entry is None or entry.handler != spec.handler) and registry is not None:
        entry = registry.get(spec.handler)
    try:
        if require_registered and entry is None:
            if registry is None:
                raise ConfigError("a registry is required to check the handler allowlist")
            registry.require(spec.handler)  # not registered: raises naming the allowlist
        if entry is not None:
            entry.validate(spec.params)
        target = import_object(spec.handler)
        if entry is None:
            check_origin(spec.handler, target)
        kind = spec.kind or (entry.kind if entry is not None else guess_kind(target, spec.params))
        if kind == "factory":
            try:
                with operator_scope(files), session_scope(spec.level == "session"):
                    fn = target(**(spec.params or {}))
            except GoalrailError:
                raise
            except (TypeError, ValueError) as exc:
                why = hide(str(exc), spec.secret_values)  # its text may quote a secret parameter
                raise InvalidParams(
                    f"factory `{spec.handler}` rejected its parameters: {why}",
                    [{"loc": "factory_params", "message": why}],
                ) from None
            except BaseException as exc:  # SystemExit & co. included: a broken factory, never a crash
                raise ConfigError(f"factory `{spec.handler}` failed: raised {type(exc).__name__}") from None
            if not callable(fn):
                raise ConfigError(f"factory `{spec.handler}` did not return a callable policy")
        else:
            if spec.params:
                raise InvalidParams(
                    f"`{spec.handler}` is a direct policy and takes no parameters",
                    [{"loc": "factory_params", "message": "remove factory_params or use a factory"}],
                )
            fn = target
    except GoalrailError as exc:
        raise _located(exc, spec) from None
    timeout_ms = spec.timeout_ms if spec.timeout_ms is not None else default_timeout_ms
    inline = entry is not None and entry.builtin and not needs_offload(fn)
    return CompiledPolicy(
        spec=spec,
        fn=fn,
        is_async=_is_async_callable(fn),
        timeout_s=timeout_ms / 1000.0,
        shadow=spec.mode == "shadow",
        ns=spec.key,
        inline=inline,
        listens=declared(fn) or declared(target),
        per_byte=_per_byte(spec, fn, target) if inline else 0,
    )


def _per_byte(spec: PolicySpec, fn: object, target: object) -> int:
    """A builtin's cost class (declared, else one scan) and a unit per
    :data:`~goalrail.engine.work.PARAMS_PER_UNIT` characters of its parameters."""
    declared_class = per_byte(fn)
    if declared_class is None:
        declared_class = per_byte(target)
    size = len(json.dumps(spec.params, ensure_ascii=False, default=str)) if spec.params else 0
    return (READS_ONCE if declared_class is None else declared_class) + size // PARAMS_PER_UNIT


def compile_chain(
    specs: Iterable[PolicySpec],
    registry: Registry | None = None,
    *,
    require_registered: bool = False,
    files: FileAccess | None = None,
) -> Chain:
    compiled = [
        compile_policy(s, registry, require_registered=require_registered, files=files) for s in specs if s.enabled
    ]
    return Chain(order(compiled))
