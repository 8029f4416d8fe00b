"""Builtin policies: tools (a one-line gate per tool).

``tool_gate`` answers tool calls from three lists of globs matched against the
tool's harness name and its canonical name (``Bash`` and ``sys_os_shell``,
``mcp__bank__send_money``): ``deny`` first, then ``ask``, then ``allow``.  A
call no list matches gets ``default`` (``none`` abstains and leaves it to the
rest of the chain).  ``kinds`` gates by declared tool metadata instead of names
(``{write: ask}``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable

from goalrail.jsontypes import JsonObject
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.schema import PolicyEvent, PolicyResponse, Verdict

Policy = Callable[[PolicyEvent], PolicyResponse | None]

_VERDICTS: dict[str, Verdict] = {"allow": "ALLOW", "ask": "ASK", "deny": "DENY"}


def _compile(globs: list[str] | None) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs), re.IGNORECASE)


_GLOB_ITEMS: JsonObject = {"minLength": 1, "maxLength": 200}


@builtin(
    "Tool gate",
    "Allow, ask about or deny tool calls by name: globs over the harness name and the "
    "canonical name (`Bash`, `sys_os_shell`, `mcp__bank__*`). deny is checked first, then ask, "
    "then allow; `kinds` gates by declared tool kind (`write: ask`); a kind the event's own MCP "
    "annotations claim (`readOnlyHint`) only ever makes the verdict stricter.",
    params={
        "allow": Param("Tools to allow.", maxItems=500, items=_GLOB_ITEMS),
        "ask": Param("Tools to ask about.", maxItems=500, items=_GLOB_ITEMS),
        "deny": Param("Tools to deny.", maxItems=500, items=_GLOB_ITEMS),
        "default": Param("Verdict for a tool on no list; `none` abstains.", enum=["none", "allow", "ask", "deny"]),
        "kinds": Param(
            "Verdict by the tool's declared `kind` (from tool metadata), for tools on no list: e.g. `{write: ask}`.",
            propertyNames={"enum": ["read", "write"]},
            additionalProperties={"enum": ["allow", "ask", "deny"]},
        ),
    },
)
@listens_to(types=("tool_call",))
def tool_gate(
    allow: list[str] | None = None,
    ask: list[str] | None = None,
    deny: list[str] | None = None,
    default: str = "none",
    kinds: dict[str, str] | None = None,
) -> Policy:
    """Allow, ask about or deny tool calls by name (globs) or by declared kind."""
    lists: list[tuple[Verdict, re.Pattern[str]]] = []
    order: tuple[tuple[Verdict, list[str] | None], ...] = (("DENY", deny), ("ASK", ask), ("ALLOW", allow))
    for verdict, globs in order:
        rx = _compile(globs)
        if rx is not None:
            lists.append((verdict, rx))
    by_kind = {k: _VERDICTS[v] for k, v in (kinds or {}).items()}
    fallback = _VERDICTS.get(default)

    def _rank(kind: object) -> int:
        """How strict the verdict for ``kind`` is (an unlisted or missing kind: the default's)."""
        verdict = by_kind.get(kind) if isinstance(kind, str) else None
        return _STRICTNESS.get(verdict or fallback, 0)

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        action = event["context"].get("action") or {}
        names = [n for n in (action.get("original"), action.get("tool"), event.get("target")) if n]
        for verdict, rx in lists:
            for name in names:  # plain loops: no generator made per list and call
                if rx.match(name):
                    return {"result": verdict, "reason": f"`{names[0]}` is on the {verdict.lower()} list"}
        kind = action.get("kind")
        if "declared_kind" in action and _rank(action.get("declared_kind")) > _rank(kind):
            kind = action.get("declared_kind")  # the agent's annotations (MCP hints) may only tighten
        if kind and kind in by_kind:
            verdict = by_kind[kind]
            return {"result": verdict, "reason": f"`{names[0]}` is a {kind} tool ({verdict.lower()})"}
        if fallback is None:
            return None
        return {"result": fallback, "reason": f"`{names[0] if names else '?'}` is on no list (default)"}

    return policy


_STRICTNESS: dict[str | None, int] = {None: 0, "ALLOW": 1, "ASK": 2, "DENY": 3}

POLICY_REGISTRY = registry_entries(__name__)
