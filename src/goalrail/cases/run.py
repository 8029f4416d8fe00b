"""Policy test cases: a YAML file of steps (event → expected verdict), run in
fresh sessions.  ``goalrail test FILE`` and the conformance corpus use it.

    policy_modules: [myorg.policies]        # optional
    tool_mapping: {mcp__fs__write_file: sys_os_write}   # optional, as in the server config
    chain:                                   # policies per level
      server: {name: {type: function, handler: ..., factory_params: {...}}}
      agent: {...}
      session: {...}
    cases:
      - name: third call is denied
        chain: {...}                         # optional, replaces the file-level chain
        session: {labels: {}, model: m, owner: alice, state: {}, harness: claude-code}
        steps:
          - event: {type: tool_call, target: Bash, data: {arguments: {command: ls}}}
            expect: {result: ALLOW, policy: cap, reason_contains: "…", reason_excludes: "…",
                     decisions: {cap: ALLOW}}
          - usage: {model: gpt-4o, input_tokens: 10, output_tokens: 5}
          - resolve: approve | deny | approve_session | approve_session_tool
            # approve: once (the next identical call uses it); approve_session: this identical
            # action for the session; approve_session_tool: any call of the tool for the session
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from goalrail.config.policies import parse_policies
from goalrail.config.yamlfile import fail, load_yaml_file, where
from goalrail.engine.spec import PolicySpec
from goalrail.errors import ConfigError, GoalrailError
from goalrail.jsontypes import JsonObject
from goalrail.policies.registry import Registry

_STEP_KEYS = ("event", "usage", "resolve")
EXPECT_KEYS = {"result", "policy", "reason_contains", "reason_excludes", "decisions", "error"}
_FILE_KEYS = {"name", "chain", "cases", "policy_modules", "description", "tool_mapping"}
_CASE_KEYS = {"name", "description", "chain", "session", "steps"}
_SESSION_KEYS = {"owner", "labels", "model", "harness", "state"}
_STEP_ALL_KEYS = {*_STEP_KEYS, "expect", "name", "description"}


@dataclass
class CaseResult:
    name: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    source: str = ""


@dataclass
class ChainSpec:
    server: list[PolicySpec]
    agent: list[PolicySpec]
    session: list[PolicySpec]
    policy_modules: list[str] = field(default_factory=list)
    tool_mapping: dict[str, str] = field(default_factory=dict)


_SCOPES = {
    "approve": "once",
    "deny": "once",
    "approve_session": "session_identical",
    "approve_session_tool": "session_tool",
}


class Backend(Protocol):
    """Where cases run: the library, the HTTP API, the CLI…"""

    async def start_case(self, name: str, chain: ChainSpec, session: Mapping[str, object]) -> None: ...
    async def event(self, raw: Mapping[str, object]) -> JsonObject: ...
    async def usage(self, record: Mapping[str, object]) -> None: ...
    async def resolve(self, approval_id: str, decision: str, scope: str) -> None: ...
    async def end_case(self) -> None: ...


def _parse_chain(node: object, registry: Registry, modules: list[str], mapping: dict[str, str]) -> ChainSpec:
    if node is None:
        return ChainSpec([], [], [], modules, mapping)
    if not isinstance(node, Mapping):
        raise ConfigError(f"{where(node)}: `chain` must map levels (server, agent, session) to policies")
    bad = sorted(set(node) - {"server", "agent", "session"})
    if bad:
        raise fail(node, bad[0], f"unknown level `{bad[0]}` (expected server, agent, session)")
    return ChainSpec(
        server=parse_policies(node.get("server"), "server", registry=registry, owner=node, key="server"),
        agent=parse_policies(node.get("agent"), "agent", registry=registry, owner=node, key="agent"),
        session=parse_policies(node.get("session"), "session", registry=registry, owner=node, key="session"),
        policy_modules=modules,
        tool_mapping=mapping,
    )


def check_expectation(expect: Mapping[str, Any], got: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    if "result" in expect and str(expect["result"]).upper() != got.get("result"):
        problems.append(f"expected {str(expect['result']).upper()}, got {got.get('result')} ({got.get('reason')})")
    if "policy" in expect and expect["policy"] != got.get("policy"):
        problems.append(f"expected deciding policy `{expect['policy']}`, got `{got.get('policy')}`")
    reason = got.get("reason") or ""
    wanted = expect.get("reason_contains")
    for needle in [wanted] if isinstance(wanted, str) else (wanted or []):
        if str(needle).lower() not in reason.lower():
            problems.append(f"reason `{reason}` does not contain `{needle}`")
    banned = expect.get("reason_excludes")
    for needle in [banned] if isinstance(banned, str) else (banned or []):
        if str(needle).lower() in reason.lower():
            problems.append(f"reason `{reason}` must not contain `{needle}`")
    verdicts = {d["policy"]: d["verdict"] for d in got.get("decisions", [])}
    for pname, verdict in (expect.get("decisions") or {}).items():
        if verdicts.get(pname) != str(verdict).upper():
            problems.append(f"expected policy `{pname}` to say {str(verdict).upper()}, it said {verdicts.get(pname)}")
    return problems


async def run_file(path: str | Path, backend: Backend, *, select: str | None = None) -> list[CaseResult]:
    data = load_yaml_file(path)
    return await run_data(data, backend, select=select)


def _unknown(node: object, allowed: set[str], what: str, problems: list[ConfigError]) -> None:
    if not isinstance(node, Mapping):
        return
    for key in node:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else f" (expected {', '.join(sorted(allowed))})"
            problems.append(fail(node, str(key), f"unknown key `{key}` in {what}{hint}"))


def check_structure(data: object) -> None:
    """Every key of the file, its cases, sessions, steps and expectations is known;
    all problems are reported at once, each at its file:line."""
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise ConfigError(f"{where(data)}: a test file needs a `cases` list")
    problems: list[ConfigError] = []
    _unknown(data, _FILE_KEYS, "the test file", problems)
    for i, case in enumerate(data["cases"], 1):
        if not isinstance(case, Mapping):
            problems.append(ConfigError(f"{where(data['cases'])}: case {i} must be a mapping"))
            continue
        label = f"case `{case.get('name') or i}`"
        _unknown(case, _CASE_KEYS, label, problems)
        _unknown(case.get("session"), _SESSION_KEYS, f"the session of {label}", problems)
        steps = case.get("steps") or []
        if not isinstance(steps, list):
            problems.append(fail(case, "steps", f"`steps` of {label} must be a list"))
            continue
        for n, step in enumerate(steps, 1):
            if not isinstance(step, Mapping) or sum(k in step for k in _STEP_KEYS) != 1:
                loc = where(step, default=where(case, "steps"))
                problems.append(ConfigError(f"{loc}: step {n} of {label} needs one of `event`, `usage` or `resolve`"))
                continue
            _unknown(step, _STEP_ALL_KEYS, f"step {n} of {label}", problems)
            if "expect" in step and "event" not in step:
                problems.append(fail(step, "expect", f"step {n} of {label}: `expect` belongs to an `event` step"))
            _unknown(step.get("expect"), EXPECT_KEYS, f"the expectation of step {n} of {label}", problems)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        errors = [e for p in problems for e in (p.errors or [{"loc": "", "message": p.message}])]
        raise ConfigError(f"{getattr(data, 'source', '<file>')}: {len(problems)} problems in the test file", errors)


async def run_data(data: Any, backend: Backend, *, select: str | None = None) -> list[CaseResult]:
    check_structure(data)
    modules = list(data.get("policy_modules") or [])
    registry = Registry.load(modules)
    mapping = {str(k): str(v) for k, v in (data.get("tool_mapping") or {}).items()}
    file_chain = _parse_chain(data.get("chain"), registry, modules, mapping)
    results: list[CaseResult] = []
    for i, case in enumerate(data["cases"]):
        if not isinstance(case, Mapping):
            raise ConfigError(f"{where(data['cases'])}: case {i} must be a mapping")
        name = str(case.get("name") or f"case {i + 1}")
        if select and select not in name:
            continue
        chain = _parse_chain(case["chain"], registry, modules, mapping) if "chain" in case else file_chain
        session = dict(case.get("session") or {})
        results.append(await _run_case(name, chain, session, case.get("steps") or [], backend, where(case)))
    return results


async def _run_case(
    name: str, chain: ChainSpec, session: Mapping[str, object], steps: list[Any], backend: Backend, source: str
) -> CaseResult:
    result = CaseResult(name, True, source=source)
    last_approval: str | None = None
    await backend.start_case(name, chain, session)
    try:
        for n, step in enumerate(steps, 1):
            if not isinstance(step, Mapping) or not any(k in step for k in _STEP_KEYS):
                raise ConfigError(f"{where(step, default=source)}: step {n} needs `event`, `usage` or `resolve`")
            if "event" in step:
                expect = step.get("expect") or {}
                bad = sorted(set(expect) - EXPECT_KEYS)
                if bad:
                    raise fail(expect, bad[0], f"unknown expectation `{bad[0]}`")
                try:
                    got = await backend.event(copy.deepcopy(dict(step["event"])))
                except GoalrailError as exc:
                    got = {"result": "ERROR", "reason": exc.message, "code": exc.code}
                    if "error" in expect:
                        if (
                            str(expect["error"]) not in (exc.code, exc.message)
                            and str(expect["error"]) not in exc.message
                        ):
                            result.failures.append(
                                f"step {n}: expected error `{expect['error']}`, got `{exc.code}: {exc.message}`"
                            )
                        continue
                approval_id = got.get("approval_id")
                last_approval = str(approval_id) if approval_id else last_approval
                for problem in check_expectation(expect, got):
                    result.failures.append(f"step {n} ({where(step, default=source)}): {problem}")
            elif "usage" in step:
                await backend.usage(dict(step["usage"]))
            else:
                how = str(step["resolve"])
                if how not in _SCOPES:
                    raise fail(step, "resolve", f"resolve must be one of {', '.join(_SCOPES)}")
                if last_approval is None:
                    result.failures.append(f"step {n}: nothing to resolve (no ASK so far)")
                    continue
                decision = "deny" if how == "deny" else "approve"
                await backend.resolve(last_approval, decision, _SCOPES[how])
                last_approval = None
    finally:
        await backend.end_case()
    result.passed = not result.failures
    return result
