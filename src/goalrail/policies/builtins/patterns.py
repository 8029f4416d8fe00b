"""Builtin policies: patterns — the Agent OS declarative model in the chain.

``pattern_policy`` evaluates a ``goalrail.patterns`` policy (a built-in, a
template, a YAML file or an inline mapping) on every ``tool_call``, matching
the event's Agent OS action type and target (``context.action``).  Pattern
actions and violation modes become verdicts:

=========================  =============================================
allow pattern              ALLOW naming the pattern
default_action allow       abstain (no opinion)
warn (pattern or default)  ALLOW with ``warning``
deny + SIGKILL             DENY and ``end_session`` (later events DENY)
deny + BLOCK               DENY
deny + SIGSTOP             ASK
deny + SIGWARN             ALLOW with ``warning``
deny + LOG_ONLY            ALLOW, recorded in ``metadata``
=========================  =============================================

Other phases abstain.  A tool call with no Agent OS action type (an MCP or
custom tool) is matched only by patterns whose ``action_type`` is exactly
``tool_call``, with the tool's name as the target; when none matches, the
policy abstains (``default_action`` is not applied to them).  Patterns may
narrow themselves with context conditions — ``when_label``, ``arguments``
(argument selectors) and ``grounded`` (see ``goalrail.patterns.conditions``).

``path`` is for operators only: it is accepted in the server config and in agent
YAML on disk, for files under the config's ``policy_dirs`` (see
``goalrail.policies.files``); a session gets ``inline``.  A policy read from
``path`` is hot-reloaded when the file's mtime or size changes (checked at most
every ``reload_interval_s``); an invalid new version is rejected with a logged
warning and the previous version stays in force.  Regexes from a session
(``inline``, ``merge[].inline``) are compiled by RE2 (linear time); the
operator's and the shipped templates' by Python ``re`` (``goalrail.patterns.regex``).
``max_operations_per_minute`` counters live in this policy's private state.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from goalrail.errors import InvalidParams
from goalrail.patterns.builtin_policies import BUILTIN_NAMES, resolve_policy, sibling_reader
from goalrail.patterns.conditions import ActionFacts
from goalrail.patterns.merge import STRATEGIES
from goalrail.patterns.model import EvaluationResult, Pattern, ViolationMode
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import BACKTRACKING, linear_regexes, regex_engine
from goalrail.patterns.templates import TEMPLATES, Soc2Compliant, TemplatePolicy
from goalrail.patterns.yaml_io import (
    DEFAULTS_KEYS,
    EXCEPTION_KEYS,
    PATTERN_KEYS,
    TOP_KEYS,
    PolicyYamlError,
)
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.files import FileAccess, FileRefused, current_access, read_file, refused, refused_for_session
from goalrail.policies.registry import mark_offload
from goalrail.policies.schema import PolicyEvent, PolicyResponse

log = logging.getLogger("goalrail.policies.patterns")

POLICY_NAMES = (*BUILTIN_NAMES, *TEMPLATES)
RATE_PREFIX = "rate:"
TOOL_CALL = "tool_call"
_SIZE_KEYS = ("content", "new_string", "new_source", "text", "body", "data")


class _FileSource:
    """A YAML policy file under the server's ``policy_dirs``, re-read when it changes.

    Every read goes through :func:`goalrail.policies.files.read_file` (containment
    in ``policy_dirs``, regular files only, size cap), so a file replaced by a
    link, a FIFO or a device later is refused as the first one would have been.
    Problems are reported by line number only: never a line of the file.
    """

    def __init__(self, path: str, interval_s: float, access: FileAccess) -> None:
        self.path = path
        self.access = access
        self.interval_s = interval_s
        self._lock = threading.Lock()
        sig = self._signature()
        if sig is None:
            raise refused("path", f"policy file `{path}` does not exist or cannot be read")
        self.policy = self._load()
        self._sig = sig
        self._rejected: tuple[int, int] | None = None
        self._checked_at: float | None = None

    def _read(self, candidate: Path) -> str:
        return read_file(str(candidate), "path", self.access)[1]

    def _load(self) -> Policy:
        resolved, text = read_file(self.path, "path", self.access)
        try:
            with sibling_reader(self._read):
                return Policy.from_yaml_string(text, base_dir=resolved.parent)
        except PolicyYamlError as exc:
            problems = "; ".join(_where(e) for e in exc.errors[:3]) or "not a policy"
            raise refused("path", f"policy file `{self.path}` is not a valid policy: {problems}") from None

    def _signature(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def current(self, now: float) -> Policy:
        last = self._checked_at
        if last is not None and abs(now - last) < self.interval_s:
            return self.policy
        if not self._lock.acquire(blocking=False):
            return self.policy  # another thread is checking right now
        try:
            self._checked_at = now
            sig = self._signature()
            if sig is None or sig == self._sig or sig == self._rejected:
                return self.policy
            try:
                new = self._load()
            except (FileRefused, ValueError) as exc:
                log.warning("pattern_policy: keeping the previous version of %s: %s", self.path, exc)
                self._rejected = sig
                return self.policy
            self.policy, self._sig, self._rejected = new, sig, None
            log.info("pattern_policy: reloaded %s (%d patterns)", self.path, len(new.patterns))
            return new
        finally:
            self._lock.release()


_KNOWN_KEYS = frozenset((*TOP_KEYS, *PATTERN_KEYS, *EXCEPTION_KEYS, *DEFAULTS_KEYS))


def _where(error: Mapping[str, Any]) -> str:
    """Where a problem is, by line and (when made of format keys only) location: no file content."""
    line = error.get("line")
    loc = str(error.get("loc") or "")
    words = re.findall(r"[A-Za-z_]+", loc)
    at = f"line {line}" if isinstance(line, int) else "a problem"
    return f"{at} ({loc})" if loc and all(w in _KNOWN_KEYS for w in words) else at


def _size(arguments: Any) -> int | None:
    if not isinstance(arguments, Mapping):
        return None
    for key in _SIZE_KEYS:
        value = arguments.get(key)
        if isinstance(value, str):
            return len(value.encode("utf-8"))
    return None


def _method(action_type: str, arguments: Any) -> str | None:
    if action_type != "network_request":
        return None
    if isinstance(arguments, Mapping) and isinstance(arguments.get("method"), str):
        return str(arguments["method"]).upper()
    return "GET"


def _metadata(res: EvaluationResult) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "policy": res.policy,
        "pattern_id": res.pattern_id,
        "action": res.action,
        "severity": str(res.severity) if res.severity is not None else None,
    }
    if res.violation_mode is not None:
        meta["violation_mode"] = res.violation_mode.value
    if res.signal is not None:
        meta["signal"] = str(res.signal)
    if res.exception:
        meta["exception"] = res.exception
    if res.requirements:
        meta["requirements"] = dict(res.requirements)
    return meta


def to_response(res: EvaluationResult, now: float) -> PolicyResponse | None:
    """An EvaluationResult as a Goalrail response (see the module table)."""
    updates = [
        {
            "key": RATE_PREFIX + key,
            "action": "append",
            "value": now,
            "scope": "policy",
            "max_len": limit,
        }
        for key, limit in res.rate_keys
    ]
    mode = res.violation_mode
    out: dict[str, Any]
    if mode is None:
        if res.action == "warn":
            out = {"result": "ALLOW", "reason": res.reason, "warning": res.reason}
        elif res.matched or updates:
            out = {"result": "ALLOW", "reason": res.reason}
        else:
            return None  # default allow: no opinion
    elif mode is ViolationMode.SIGKILL:
        out = {"result": "DENY", "reason": res.reason, "end_session": True}
    elif mode is ViolationMode.BLOCK:
        out = {"result": "DENY", "reason": res.reason}
    elif mode is ViolationMode.SIGSTOP:
        out = {"result": "ASK", "reason": res.reason}
    elif mode is ViolationMode.SIGWARN:
        out = {"result": "ALLOW", "reason": res.reason, "warning": res.reason}
    else:  # LOG_ONLY
        out = {"result": "ALLOW", "reason": res.reason}
        meta = _metadata(res)
        meta["logged"] = True
        out["metadata"] = meta
    out.setdefault("metadata", _metadata(res))
    if updates:
        out["state_updates"] = updates
    return out  # type: ignore[return-value]


def _named(policy: str, options: Mapping[str, Any], criteria: list[str]) -> Policy:
    if policy not in POLICY_NAMES:
        raise ValueError(f"policy `{policy}` is not one of {', '.join(POLICY_NAMES)}")
    with regex_engine(BACKTRACKING):  # shipped regexes; options are escaped into them as literals
        p = resolve_policy(policy)
        if options:
            if not isinstance(p, TemplatePolicy):
                raise ValueError(f"`options` apply to templates ({', '.join(TEMPLATES)}), not to `{policy}`")
            p.configure(**options)
        if criteria:
            if not isinstance(p, Soc2Compliant):
                raise ValueError("`criteria` apply to `soc2_compliant` only")
            p.enable_criteria(criteria)
    return p


def _inline(data: Any, operator: bool, param: str = "inline") -> Policy:
    """An inline policy: RE2 for a session's regexes, ``re`` for an operator's (see module doc).

    Problems are an ``invalid_params`` error whose locations start at the parameter.
    """
    try:
        if operator:
            return Policy.from_dict(data)
        with linear_regexes():
            return Policy.from_dict(data)
    except PolicyYamlError as exc:
        errors = [
            {
                "loc": ".".join(x for x in ("factory_params", param, str(e.get("loc") or "")) if x),
                "message": e["message"],
            }
            for e in exc.errors
        ]
        first = errors[0] if errors else {"loc": f"factory_params.{param}", "message": exc.message}
        where = first["loc"].removeprefix(f"factory_params.{param}").lstrip(".")
        raise _InvalidInline(f"{param} policy: {where}: {first['message']}", errors) from None


class _InvalidInline(InvalidParams, ValueError):
    """An inline policy (a factory parameter) that does not load."""


_RESOLVERS: dict[str, Callable[[Pattern, Pattern], Pattern]] = {
    "higher_severity": lambda a, b: a if a.severity > b.severity else b,
    "first": lambda a, b: a,
    "second": lambda a, b: b,
}


def _resolver(name: str) -> Callable[[Pattern, Pattern], Pattern]:
    """A named resolver from the closed list: no parameter ever names code to import
    (a custom resolver is Python: ``Policy.merge(conflict_resolver=...)`` in a policy module)."""
    if name in _RESOLVERS:
        return _RESOLVERS[name]
    raise ValueError(f"resolver `{name[:80]}` is not one of {', '.join(_RESOLVERS)}")


def _merged(base: Policy, merges: list[Mapping[str, Any]], operator: bool) -> Policy:
    for i, item in enumerate(merges):
        if not isinstance(item, Mapping):
            raise ValueError(f"merge[{i}] must be a mapping with `policy` or `inline` and `strategy`")
        sources = [k for k in ("policy", "inline") if item.get(k) is not None]
        if len(sources) != 1:
            raise ValueError(f"merge[{i}]: give exactly one of `policy` or `inline`")
        other = (
            _named(item["policy"], {}, [])
            if sources[0] == "policy"
            else _inline(item["inline"], operator, f"merge[{i}].inline")
        )
        strategy = str(item.get("strategy", "strict"))
        resolver = _resolver(str(item["resolver"])) if item.get("resolver") else None
        base = base.merge(other, strategy=strategy, conflict_resolver=resolver)
    return base


_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})


@builtin(
    "Declarative pattern policy",
    "Agent OS-style policy: regex patterns per action type (file_read, shell_execute, "
    "network_request, ...) with allow/deny/warn, severities and violation modes (SIGKILL "
    "ends the session, SIGSTOP asks, SIGWARN warns, LOG_ONLY records). Give exactly one "
    "of `policy`, `path` or `inline`.",
    params={
        "policy": Param(
            "A built-in policy (strict, permissive, read_only) or a compliance template.",
            null=False,
            enum=list(POLICY_NAMES),
        ),
        "path": Param(
            "A YAML policy file in the Agent OS format under the server's "
            "policy_dirs; re-read when it changes. Server config and agent YAML on disk only.",
            null=False,
            operator_only=True,
            minLength=1,
        ),
        "inline": Param(
            "A policy mapping in the YAML format (name, default_action, patterns, ...).",
            null=False,
        ),
        "options": Param(
            "Template options passed to configure(), e.g. {age_group: elementary} for k12_safe.",
        ),
        "criteria": Param(
            "SOC 2 trust service criteria to enable (soc2_compliant only).",
            items={"enum": list(Soc2Compliant.CRITERIA)},
        ),
        "merge": Param(
            "Policies merged into this one, in order (Policy.merge).",
            items={
                "properties": {
                    "policy": {"type": "string", "enum": list(POLICY_NAMES)},
                    "inline": {"type": "object", "maxProperties": 256},
                    "strategy": {"type": "string", "enum": list(STRATEGIES), "default": "strict"},
                    "resolver": {
                        "type": "string",
                        "enum": list(_RESOLVERS),
                        "description": "For strategy custom: which pattern wins a conflict "
                        "(higher_severity, first or second). Never a code path: a custom "
                        "resolver is Python (Policy.merge in a policy module).",
                    },
                },
                "oneOf": [{"required": ["policy"]}, {"required": ["inline"]}],
                "additionalProperties": False,
            },
        ),
        "reload_interval_s": Param(
            "How often (seconds) a `path` policy checks its file for changes.",
            minimum=0,
            maximum=86400,
        ),
    },
    schema={"oneOf": [{"required": ["policy"]}, {"required": ["path"]}, {"required": ["inline"]}]},
)
def pattern_policy(
    policy: str | None = None,
    path: str | None = None,
    inline: Mapping[str, Any] | None = None,
    options: Mapping[str, Any] = _NO_OPTIONS,
    criteria: Sequence[str] = (),
    merge: Sequence[Mapping[str, Any]] = (),
    reload_interval_s: float = 1.0,
) -> Callable[[PolicyEvent], PolicyResponse | None]:
    """Run an Agent OS-style declarative policy in the chain."""
    given = [k for k, v in (("policy", policy), ("path", path), ("inline", inline)) if v is not None]
    if len(given) != 1:
        raise ValueError(
            "give exactly one of `policy` (a built-in or template name), `path` (a YAML file) "
            f"or `inline` (a policy mapping); got {', '.join(given) or 'none'}"
        )
    if isinstance(reload_interval_s, bool) or not isinstance(reload_interval_s, (int, float)) or reload_interval_s < 0:
        raise ValueError("reload_interval_s must be a non-negative number")
    if (options or criteria) and policy is None:
        raise ValueError("`options` and `criteria` apply only with `policy` (a template name)")
    if merge and path is not None:
        raise ValueError("`merge` applies to `policy` or `inline`, not to a hot-reloaded `path`")
    access = current_access()
    source: _FileSource | None = None
    fixed: Policy | None = None
    if policy is not None:
        fixed = _named(policy, options or {}, list(criteria or []))
    elif path is not None:
        if access is None:
            raise refused_for_session("path")
        source = _FileSource(path, float(reload_interval_s), access)
    else:
        if not isinstance(inline, Mapping):
            raise ValueError("`inline` must be a policy mapping (name, default_action, patterns, ...)")
        fixed = _inline(inline, access is not None)
    if merge:
        assert fixed is not None
        fixed = _merged(fixed, list(merge), access is not None)

    def check(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        ctx = event["context"]
        action = ctx.get("action") or {}
        action_type = action.get("type")
        target = action.get("target") or ""
        if not action_type:
            # A tool with no Agent OS action type: only `tool_call` patterns, on its name.
            action_type, target = TOOL_CALL, action.get("original") or event.get("target") or ""
        now = ctx.get("now")
        now = float(now) if isinstance(now, (int, float)) else time.time()
        current = source.current(now) if source is not None else fixed
        assert current is not None
        if action_type == TOOL_CALL and not current.has_type(TOOL_CALL):
            return None
        data = event.get("data")
        arguments = data.get("arguments") if isinstance(data, Mapping) else None
        facts = ActionFacts(
            agent=ctx.get("agent"),
            now=now,
            size=_size(arguments),
            method=_method(action_type, arguments),
            arguments=arguments,
            labels=ctx.get("labels"),
            provenance=ctx.get("provenance"),
        )
        state = event.get("policy_state") or {}

        def rate(key: str) -> Any:
            return state.get(RATE_PREFIX + key) or ()

        res = current.decide(action_type, target, facts, rate)
        if action_type == TOOL_CALL and not res.matched:
            return None  # default_action covers Agent OS actions, not every other tool
        return to_response(res, now)

    if source is not None:
        # A hot reload reads the disk (which may block). Regexes stay inline: a session's
        # run on RE2 (linear); Python's `re` holds the GIL, so a thread would not help.
        mark_offload(check)
    return check


POLICY_REGISTRY: list[dict[str, Any]] = registry_entries(__name__)
