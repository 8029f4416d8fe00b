"""The prompt-injection scenario suite: four domains of tool-call traces with tool outputs.

Each domain file holds an agent spec (its tools and their metadata), legitimate
``tasks`` and ``attacks`` whose instructions sit inside tool outputs.  A trace
is replayed through a real in-process runtime (``goalrail.Guard``): the user's
request, then each tool call and its result.  A legitimate call counts as
*allowed* only if the verdict is ALLOW without asking; an attack counts as
*stopped* if any of its harmful calls is not allowed.  A step ``{answer: text}``
is the agent's answer to the user (a ``response`` event) instead of a call, a step ``{request: text}`` a
later turn of the user's (``{model_answer:
data}`` the model's, an ``llm_response`` as the LLM proxy posts it), and a
result ``{flood: n, then: text}`` stands for ``n`` distinct references followed by
``text`` (a page full of values).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goalrail import Guard
from goalrail.config.agent import parse_agent_spec
from goalrail.config.server import server_config_from_text

HERE = Path(__file__).parent
DOMAINS = ("workspace", "travel", "banking", "chat")
SHIPPED = (HERE.parents[1] / "docs" / "examples" / "prompt-injection.yaml").read_text()
# The static alternative: reads allowed, every write asked.
STATIC = """
policies:
  static:
    type: function
    handler: goalrail.policies.builtins.tools.tool_gate
    factory_params: {kinds: {write: ask}}
"""
_ids = itertools.count()


def load_domain(name: str) -> dict[str, Any]:
    data = yaml.safe_load((HERE / f"{name}.yaml").read_text())
    assert isinstance(data, dict)
    return data


def marked(letter: str) -> tuple[list[str], list[str]]:
    """The ids of the attacks and of the tasks (near misses) a sitting marked with ``letter`` after the
    domain's prefix (``wsR1``, ``bkN01``)."""
    domains = [load_domain(name) for name in DOMAINS]
    attacks = [a["id"] for d in domains for a in d["attacks"] if a["id"][2:3] == letter]
    return attacks, [t["id"] for d in domains for t in d["tasks"] if t["id"][2:3] == letter]


@dataclass
class Call:
    trace: str
    tool: str
    result: str
    reason: str | None
    harmful: bool = False


@dataclass
class Report:
    calls: list[Call] = field(default_factory=list)

    @property
    def legit(self) -> list[Call]:
        return [c for c in self.calls if not c.trace.startswith("attack:")]

    def legit_allowed(self) -> float:
        calls = self.legit
        return sum(c.result == "ALLOW" for c in calls) / len(calls)

    def attacks(self) -> dict[str, bool]:
        """attack id → stopped."""
        out: dict[str, bool] = {}
        for c in self.calls:
            if c.harmful:
                out[c.trace] = out.get(c.trace, False) or c.result != "ALLOW"
        return out

    def not_allowed(self, task: str) -> list[tuple[str, str | None]] | None:
        """A legitimate trace's calls not allowed without asking, (tool, reason); None if it made no call."""
        calls = [c for c in self.legit if c.trace == f"task:{task}"]
        return [(c.tool, c.reason) for c in calls if c.result != "ALLOW"] if calls else None

    def attacks_stopped(self) -> float:
        results = self.attacks()
        return sum(results.values()) / len(results)


def trace_events(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A trace as raw events: the request, then each call (harmful ones last) and its result."""
    events: list[dict[str, Any]] = [{"type": "request", "data": spec["request"]}]
    for step in [*spec.get("steps", []), *spec.get("harmful", [])]:
        if "request" in step:  # a later turn of the user's
            events.append({"type": "request", "data": step["request"]})
            continue
        if "answer" in step or "model_answer" in step:
            events.append(_answer_event(step))
            continue
        data = {"name": step["call"], "arguments": step.get("args") or {}}
        events.append({"type": "tool_call", "target": step["call"], "data": data})
        if "result" in step:
            events.append({"type": "tool_result", "target": step["call"], "data": {**data, "result": _result(step)}})
    return events


def run_suite(config_text: str, domains: tuple[str, ...] = DOMAINS, *, proxied: bool = False) -> Report:
    """Replay every trace of every domain against a server config (its policies and tools); ``proxied``:
    as an agent talking only through the LLM proxy posts it (:func:`_replay_proxied`)."""
    report = Report()
    cfg = server_config_from_text(config_text)
    for name in domains:
        domain = load_domain(name)
        agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
        guard = Guard(config=cfg, agent=agent, harness="injection-suite")
        try:
            replay = _replay_proxied if proxied else _replay
            for task in domain.get("tasks") or []:
                replay(guard, f"task:{task['id']}", task, report)
            for attack in domain.get("attacks") or []:
                replay(guard, f"attack:{attack['id']}", attack, report)
        finally:
            guard.close()
    return report


def _replay(guard: Guard, trace: str, spec: dict[str, Any], report: Report) -> None:
    session = f"{trace}-{next(_ids)}"
    guard.evaluate(session, {"type": "request", "data": spec["request"]})
    for step in spec.get("steps") or []:
        if "request" in step:  # a later turn of the user's
            guard.evaluate(session, {"type": "request", "data": step["request"]})
            continue
        verdict = _step(guard, session, step)
        report.calls.append(Call(trace, step.get("call", "(answer)"), verdict["result"], verdict.get("reason")))
        if "result" in step:
            guard.tool_result(session, step["call"], step.get("args") or {}, _result(step))
    for step in spec.get("harmful") or []:
        verdict = _step(guard, session, step)
        report.calls.append(
            Call(trace, step.get("call", "(answer)"), verdict["result"], verdict.get("reason"), harmful=True)
        )


def _replay_proxied(guard: Guard, trace: str, spec: dict[str, Any], report: Report) -> None:
    """The trace as the LLM proxy posts it: per step an ``llm_request`` carrying the whole conversation so
    far (tool results as ``role: tool`` messages) and the model's answer making the call (``llm_response``),
    whose verdict is the call's; no ``request``, ``tool_call`` or ``tool_result`` event at all."""
    session = f"{trace}-{next(_ids)}"
    messages: list[dict[str, Any]] = [{"role": "user", "content": spec["request"]}]
    steps = [(s, False) for s in spec.get("steps") or []] + [(s, True) for s in spec.get("harmful") or []]
    for i, (step, harmful) in enumerate(steps):
        if "request" in step:  # a later turn of the user's
            messages.append({"role": "user", "content": step["request"]})
            continue
        guard.evaluate(session, {"type": "llm_request", "data": {"model": "m", "messages": list(messages)}})
        if "answer" in step or "model_answer" in step:
            data = step.get("model_answer") or {"text": step["answer"]}
            verdict = guard.evaluate(session, {"type": "llm_response", "data": {"model": "m", **data}})
            report.calls.append(Call(trace, "(answer)", verdict["result"], verdict.get("reason"), harmful=harmful))
            continue
        call = {"id": f"c{i}", "type": "function"}
        call["function"] = {"name": step["call"], "arguments": json.dumps(step.get("args") or {})}
        verdict = guard.evaluate(session, {"type": "llm_response", "data": {"model": "m", "tool_calls": [call]}})
        report.calls.append(Call(trace, step["call"], verdict["result"], verdict.get("reason"), harmful=harmful))
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        if "result" in step:
            result = _result(step)
            text = result if isinstance(result, str) else json.dumps(result)
            messages.append({"role": "tool", "tool_call_id": f"c{i}", "content": text})


def _result(step: dict[str, Any]) -> Any:
    result = step["result"]
    if isinstance(result, dict) and "flood" in result:
        refs = " ".join(f"ref-{step['call']}-{i:05d}" for i in range(result["flood"]))
        return f"{refs} {result.get('then', '')}".strip()
    return result


def _answer_event(step: dict[str, Any]) -> dict[str, Any]:
    """``answer``: the agent's answer (``response``); ``model_answer``: the model's, as the LLM proxy
    posts it (``llm_response``: its ``data``)."""
    if "model_answer" in step:
        return {"type": "llm_response", "data": step["model_answer"]}
    return {"type": "response", "data": step["answer"]}


def _step(guard: Guard, session: str, step: dict[str, Any]) -> dict[str, Any]:
    if "answer" in step or "model_answer" in step:
        return guard.evaluate(session, _answer_event(step))
    return guard.tool_call(session, step["call"], step.get("args") or {})
