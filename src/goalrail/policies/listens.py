"""What a policy listens to: the event types and tools it can ever answer.

A policy (or a factory, for every policy it returns) declares it with the
``listens_to`` decorator or by setting the attribute::

    @listens_to(types=("tool_call",), tools=("sys_os_shell",))
    def no_shell(event): ...

The engine indexes the chain by these declarations and does not call a policy
for an event it cannot answer; the explanation shows it as ABSTAIN.  The
declaration must be honest: for any other event the policy returns None.
A policy that declares nothing is called for every event.

``types``: event types (``tool_call``, ``request``, …); ``tools``: canonical
tool names (the policy then hears only the tool phases, ``tool_call`` and
``tool_result``, of those tools; narrow further with ``types``).  ``actions`` (set on a
policy, not through the decorator): the action types (``context.action.type``, what
``engine.actions.map_tool`` made of the tool) whose tool phases it can answer; a tool phase
whose action type is known and another is not handed to it (one whose action cannot be
read is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

TOOL_PHASES = frozenset({"tool_call", "tool_result"})
ATTRIBUTE = "listens_to"


@dataclass(frozen=True, slots=True)
class Listens:
    types: frozenset[str] | None = None
    tools: frozenset[str] | None = None
    actions: frozenset[str] | None = None  # (tool phases only: see the module doc)

    def matches(self, etype: str, tool: str | None) -> bool:
        if self.types is not None and etype not in self.types:
            return False
        if self.tools is not None:
            return etype in TOOL_PHASES and tool in self.tools
        return True


def _names(what: str, values: Iterable[str] | None) -> frozenset[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = (values,)
    out = frozenset(values)
    if not all(isinstance(v, str) and v for v in out):
        raise TypeError(f"listens_to: `{what}` must be non-empty strings")
    return out


def listens_to(*, types: Iterable[str] | None = None, tools: Iterable[str] | None = None) -> Callable[[T], T]:
    """Declare what a policy (or every policy a factory returns) can answer."""
    declared = Listens(_names("types", types), _names("tools", tools))

    def mark(obj: T) -> T:
        setattr(obj, ATTRIBUTE, declared)
        return obj

    return mark


def declared(obj: object) -> Listens | None:
    """The declaration on ``obj`` (a policy or its factory), if any."""
    value = getattr(obj, ATTRIBUTE, None)
    return value if isinstance(value, Listens) else None
