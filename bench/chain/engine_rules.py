"""The 10 rules of ``http_policies.py`` (and the tool-keyed rules of ``scaling_rules.py``)
written for other policy engines: Cedar, CEL and Rego, for ``bench/engines.py``.

Every engine gets the same input, made per call from Goalrail's prepared event by
``engine_input`` (the fields the rules read, as plain JSON values): ``type``,
``target``, ``data``, ``context.{labels, usage, model}``, ``session_state`` and
``policy_state`` (the tool-call counter's state, which a stateless engine must be
handed by its caller).  Each rule keeps its name; a decision is the first DENY rule
in chain order, else the first ASK rule, else ALLOW (what the hand-written chain
and Goalrail's engine decide).
"""

from __future__ import annotations

from typing import Any

from http_policies import BLOCKED, EXPENSIVE, NAMES, OS_TOOLS, SSN

DENY_RULES = ("max_tool_calls", "block_domains", "pii", "cost", "routing", "skills", "paths")
ASK_RULES = ("ask_on_rm", "labels", "risk")
VERDICT = {**dict.fromkeys(DENY_RULES, "DENY"), **dict.fromkeys(ASK_RULES, "ASK")}
RANK = {name: i for i, name in enumerate(NAMES)}


def engine_input(event: Any) -> dict[str, Any]:
    """What a caller hands a stateless engine: the event's fields as plain JSON values."""
    ctx = event["context"]
    return {
        "type": event["type"],
        "target": event["target"],
        "data": event["data"],
        "context": {"labels": dict(ctx["labels"]), "usage": dict(ctx["usage"]), "model": ctx["model"]},
        "session_state": dict(event["session_state"]),
        "policy_state": dict(event["policy_state"]),
    }


def decide(fired: Any) -> tuple[str, str | None]:
    """(verdict, deciding rule) from the names of the rules that fired."""
    rules = sorted(fired, key=RANK.__getitem__)
    for verdict in ("DENY", "ASK"):
        for r in rules:
            if VERDICT[r] == verdict:
                return verdict, r
    return "ALLOW", None


# --- Rego (OPA v1 syntax; the same text for OPA in Go and for rego-cpp) --------------
# Each rule adds [its chain position, its name] to ``deny`` or ``ask``; ``decision`` is
# the DENY of lowest position, else the ASK of lowest position.
_REGO_HEAD = """package goalrail

decision := {"result": "DENY", "rule": first(deny)} if {
\tcount(deny) > 0
} else := {"result": "ASK", "rule": first(ask)} if {
\tcount(ask) > 0
} else := {"result": "ALLOW", "rule": null}

first(rules) := name if {
\tlowest := min({r[0] | some r in rules})
\tsome r in rules
\tr[0] == lowest
\tname := r[1]
}

"""


def _q(items: Any) -> str:
    return "[" + ", ".join(f'"{x}"' for x in sorted(items)) + "]"


REGO = (
    _REGO_HEAD
    + f"""
os_tools := {_q(OS_TOOLS)}

model := input.context.model if is_string(input.context.model)

else := ""

deny contains [0, "max_tool_calls"] if {{
\tinput.type == "tool_call"
\tobject.get(input.policy_state, "n", 0) >= 10000000
}}

ask contains [1, "ask_on_rm"] if {{
\tinput.type == "tool_call"
\tinput.target in os_tools
\tstartswith(input.data.arguments.command, "rm")
}}

deny contains [2, "block_domains"] if {{
\tinput.type == "tool_call"
\tinput.target == "web_fetch"
\tsome d in {_q(BLOCKED)}
\tcontains(input.data.arguments.url, d)
}}

deny contains [3, "pii"] if {{
\tinput.type == "request"
\tregex.match(`{SSN.pattern}`, input.data.user_content)
}}

deny contains [4, "cost"] if {{
\tinput.type in {{"tool_call", "request"}}
\tobject.get(input.context.usage, "total_cost_usd", 0) >= 5
}}

ask contains [5, "labels"] if {{
\tinput.context.labels.env == "prod"
\tinput.target == "sys_os_write"
}}

deny contains [6, "routing"] if {{
\tinput.type == "request"
\tcount(input.data.user_content) < 20
\tsome e in {_q(EXPENSIVE)}
\tcontains(model, e)
}}

deny contains [7, "skills"] if {{
\tinput.type == "tool_call"
\tinput.target == "load_skill"
}}

deny contains [8, "paths"] if {{
\tinput.type == "tool_call"
\tinput.target == "sys_os_write"
\tsome p in ["/etc/", "/usr/"]
\tstartswith(input.data.arguments.file_path, p)
}}

ask contains [9, "risk"] if {{
\tobject.get(input.session_state, "risk_score", 0) > 50
\tinput.type == "tool_call"
}}
"""
)


def rego_tools(n: int) -> str:
    """``scaling_rules.tool_rule`` for tools 0..n-1, one ``deny`` rule each."""
    rules = [
        f"""deny contains [{i}, "r{i}"] if {{
\tinput.type == "tool_call"
\tinput.target == "mcp__s__t{i}"
\tstartswith(object.get(input.data.arguments, "path", ""), "/etc")
}}
"""
        for i in range(n)
    ]
    return _REGO_HEAD + "\nask := set()\n\n" + "\n".join(rules)


# --- CEL: one expression naming the deciding rule (DENY rules first, in chain order) --
_CEL_RULES = {
    "max_tool_calls": 'ev.type == "tool_call" && ("n" in ev.policy_state ? ev.policy_state.n : 0) >= 10000000',
    "ask_on_rm": (
        f'ev.type == "tool_call" && ev.target in {_q(OS_TOOLS)} && has(ev.data.arguments.command)'
        ' && ev.data.arguments.command.startsWith("rm")'
    ),
    "block_domains": (
        'ev.type == "tool_call" && ev.target == "web_fetch" && has(ev.data.arguments.url)'
        f" && {_q(BLOCKED)}.exists(d, ev.data.arguments.url.contains(d))"
    ),
    "pii": 'ev.type == "request" && ev.data.user_content.matches(' + repr(SSN.pattern).replace("'", '"') + ")",
    "cost": (
        '("total_cost_usd" in ev.context.usage ? ev.context.usage.total_cost_usd : 0.0) >= 5.0'
        ' && ev.type in ["tool_call", "request"]'
    ),
    "labels": '"env" in ev.context.labels && ev.context.labels.env == "prod" && ev.target == "sys_os_write"',
    "routing": (
        'ev.type == "request" && size(ev.data.user_content) < 20 && ev.context.model != null'
        f" && {_q(EXPENSIVE)}.exists(e, ev.context.model.contains(e))"
    ),
    "skills": 'ev.type == "tool_call" && ev.target == "load_skill"',
    "paths": (
        'ev.type == "tool_call" && ev.target == "sys_os_write" && has(ev.data.arguments.file_path)'
        ' && ["/etc/", "/usr/"].exists(p, ev.data.arguments.file_path.startsWith(p))'
    ),
    "risk": '"risk_score" in ev.session_state && ev.session_state.risk_score > 50 && ev.type == "tool_call"',
}


def _cel_chain(rules: list[tuple[str, str]]) -> str:
    return "".join(f"({cond}) ? {name!r} : " for name, cond in rules).replace("'", '"') + '""'


CEL = _cel_chain([(n, _CEL_RULES[n]) for n in DENY_RULES + ASK_RULES])


def cel_tools(n: int) -> str:
    """One expression listing every tool rule's name or "" (CEL's parser refuses 1,000
    nested conditionals): the caller takes the first name."""
    cond = 'ev.type == "tool_call" && ev.target == "mcp__s__t{i}" && has(ev.data.arguments.path)'
    cond += ' && ev.data.arguments.path.startsWith("/etc")'
    return "[" + ", ".join(f'({cond.format(i=i)}) ? "r{i}" : ""' for i in range(n)) + '].filter(r, r != "")'


# --- Cedar: a permit for everything, one forbid per rule; the caller reads which
# forbids decided (diagnostics.reasons).  Cedar has no regular expressions, no string
# length and no floats: the caller computes ``ssn`` and ``short`` and passes the
# cost as a decimal.  Cedar's context has no nulls: they are left out.
def _cedar(name: str, resource: str, cond: str) -> str:
    return f'@id("{name}")\nforbid (principal, action, resource{resource})\nwhen {{ {cond} }};\n'


_CEDAR_ARGS = "context.data has arguments && context.data.arguments has"
_CEDAR_RULES = {
    "max_tool_calls": (
        'context.type == "tool_call" && context.policy_state has n && context.policy_state.n >= 10000000'
    ),
    "ask_on_rm": (
        f'context.type == "tool_call" && context has target && {_q(OS_TOOLS)}.contains(context.target)'
        f' && {_CEDAR_ARGS} command && context.data.arguments.command like "rm*"'
    ),
    "block_domains": (
        f'context.type == "tool_call" && context has target && context.target == "web_fetch" && {_CEDAR_ARGS} url'
        + " && ("
        + " || ".join(f'context.data.arguments.url like "*{d}*"' for d in BLOCKED)
        + ")"
    ),
    "pii": 'context.type == "request" && context.ssn',
    "cost": (
        "context.context.usage has total_cost_usd"
        ' && context.context.usage.total_cost_usd.greaterThanOrEqual(decimal("5.0"))'
        ' && (context.type == "tool_call" || context.type == "request")'
    ),
    "labels": (
        'context.context.labels has env && context.context.labels.env == "prod" && context has target'
        ' && context.target == "sys_os_write"'
    ),
    "routing": (
        'context.type == "request" && context.short && context.context has model'
        + " && ("
        + " || ".join(f'context.context.model like "*{e}*"' for e in EXPENSIVE)
        + ")"
    ),
    "skills": 'context.type == "tool_call" && context has target && context.target == "load_skill"',
    "paths": (
        f'context.type == "tool_call" && context has target && context.target == "sys_os_write" && {_CEDAR_ARGS}'
        ' file_path && (context.data.arguments.file_path like "/etc/*"'
        ' || context.data.arguments.file_path like "/usr/*")'
    ),
    "risk": (
        'context.session_state has risk_score && context.session_state.risk_score > 50 && context.type == "tool_call"'
    ),
}
CEDAR = "permit (principal, action, resource);\n" + "".join(_cedar(n, "", _CEDAR_RULES[n]) for n in NAMES)


def cedar_tools(n: int) -> str:
    cond = f'context.type == "tool_call" && {_CEDAR_ARGS} path && context.data.arguments.path like "/etc*"'
    return "permit (principal, action, resource);\n" + "".join(
        _cedar(f"r{i}", f' == Tool::"mcp__s__t{i}"', cond) for i in range(n)
    )


def cedar_value(v: Any) -> Any:
    """A JSON value as Cedar's JSON context takes it: no nulls, floats as decimals."""
    if isinstance(v, dict):
        return {k: cedar_value(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [cedar_value(x) for x in v if x is not None]
    if isinstance(v, float):
        return {"__extn": {"fn": "decimal", "arg": f"{v:.4f}"}}
    return v


def cedar_request(event: Any) -> dict[str, Any]:
    ctx = cedar_value(engine_input(event))
    content = ctx["data"].get("user_content") if isinstance(ctx["data"], dict) else None
    ctx["ssn"] = isinstance(content, str) and SSN.search(content) is not None
    ctx["short"] = isinstance(content, str) and len(content) < 20
    return {
        "principal": {"type": "Agent", "id": "bench"},
        "action": {"type": "Action", "id": str(event["type"])},
        "resource": {"type": "Tool", "id": str(event["target"] or "")},
        "context": ctx,
    }


def rule_events() -> list[Any]:
    """Prepared events on which every one of the 10 rules decides at least once (the
    bench's mix never has a prod label, a spent budget, an expensive model, a risk
    score, a skill or a spent call limit): checked for agreement, not timed."""
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot

    write = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/tmp/x", "content": "x"}}}
    etc = {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/etc/x", "content": "x"}}}
    read = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/repo/a"}}}
    rm = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf /"}}}
    skill = {"type": "tool_call", "target": "Skill", "data": {"arguments": {"skill": "x"}}}
    short, long = {"type": "request", "data": "hi there"}, {"type": "request", "data": "x" * 40}
    llm = {"type": "llm_request", "data": {"model": "m", "messages": [{"role": "user", "content": "hi"}]}}
    cases: list[tuple[dict[str, Any], list[Any], dict[str, Any]]] = [
        ({"labels": {"env": "prod"}}, [write, etc, read, short], {}),
        ({"usage": {"total_cost_usd": 6.0}}, [read, short, llm, rm], {}),
        ({"model": "claude-opus-4"}, [short, long, llm], {}),
        ({"model": "gpt-5-mini"}, [short, long], {}),
        ({"state": {"risk_score": 60}}, [read, rm, etc, short, skill], {}),
        ({}, [skill, rm, read, short, long, llm], {"n": 10_000_000}),
        ({"labels": {"env": "prod"}, "state": {"risk_score": 51}}, [write, rm, llm], {"n": 9_999_999}),
    ]
    out = []
    for kw, raws, policy_state in cases:
        snap = Snapshot("rules", **kw)
        for raw in raws:
            ev = build_event(normalize_event(raw), snap)
            ev["policy_state"] = policy_state  # type: ignore[typeddict-unknown-key]
            out.append(ev)
    return out
