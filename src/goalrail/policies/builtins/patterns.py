"""Builtin policies: patterns — the Agent OS declarative model in the chain.

``pattern_policy`` evaluates a ``goalrail.patterns`` policy (a built-in, a
template, a YAML file or an inline mapping) on every ``tool_call``, matching
the event's Agent OS action type and target (``context.action``).  Pattern
actions and violation modes become verdicts:


allow pattern              ALLOW naming the pattern
default_action allow       abstain (no opinion)
warn (pattern or default)  ALLOW with ``warning``
deny + SIGKILL             DENY and ``end_session`` (later events DENY)
deny + BLOCK               DENY
deny + SIGSTOP             ASK
deny + SIGWARN             ALLOW with ``warning``
deny + LOG_ONLY            ALLOW, recorded in ``metadata``


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

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from types import MappingProxyType
from typing import cast

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.merge import STRATEGIES
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import encodable
from goalrail.patterns.templates import Soc2Compliant
from goalrail.policies.builtins._pattern_call import call_lines, call_paths
from goalrail.policies.builtins._pattern_commands import shell_commands
from goalrail.policies.builtins._pattern_database import (
    DatabaseRules,
    database_tool,
    shell_statements,
    tool_statements,
    unmapped_statements,
)
from goalrail.policies.builtins._pattern_env import EnvKinds, shell_env
from goalrail.policies.builtins._pattern_files import (
    FILE_ACTIONS,
    SHELL,
    FileKinds,
    moved_trees,
    patch_files,
    shell_files,
    tool_globs,
)
from goalrail.policies.builtins._pattern_lean import lean_checker
from goalrail.policies.builtins._pattern_network import Kinds, network_kinds, shell_network
from goalrail.policies.builtins._pattern_sources import (
    POLICY_NAMES,
    RESOLVERS,
    PolicyFile,
    inline_policy,
    merged_policy,
    named_policy,
)
from goalrail.policies.builtins._pattern_startup import startup_texts, startup_written
from goalrail.policies.builtins._pattern_verdicts import (
    KILL,
    RATE_PREFIX,
    Window,
    method_of,
    size_of,
    stricter,
    to_response,
)
from goalrail.policies.builtins._pattern_written import judge_written, line_record, read_written, written_runs
from goalrail.policies.builtins._rate import rate_window
from goalrail.policies.builtins._shell_network import network_targets
from goalrail.policies.builtins._shell_written import session_writes  # noqa: F401 (the runtime's reader)
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.files import current_access, refused_for_session
from goalrail.policies.listens import listens_to
from goalrail.policies.registry import mark_offload
from goalrail.policies.schema import PolicyEvent, PolicyResponse

__all__ = ["POLICY_NAMES", "POLICY_REGISTRY", "RATE_PREFIX", "pattern_policy", "to_response"]

TOOL_CALL = "tool_call"

_NO_OPTIONS: Mapping[str, object] = MappingProxyType({})


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
                        "enum": list(RESOLVERS),
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
@listens_to(types=("tool_call",))  # every other event is None (``check``): the chain skips the call
def pattern_policy(
    policy: str | None = None,
    path: str | None = None,
    inline: Mapping[str, object] | None = None,
    options: Mapping[str, object] = _NO_OPTIONS,
    criteria: Sequence[str] = (),
    merge: Sequence[Mapping[str, object]] = (),
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
    if path is not None:
        access = current_access()
        if access is None:
            raise refused_for_session("path")
        source = PolicyFile(path, float(reload_interval_s), access)
        check = _checker(source.current)
        # A hot reload reads the disk (which may block). Regexes stay inline: a session's
        # run on RE2 (linear); Python's `re` holds the GIL, so a thread would not help.
        mark_offload(check)
        return check
    fixed = _fixed(policy, inline, options, criteria, merge)
    return lean_checker(fixed, _checker(lambda _now: fixed))  # (a named-paths policy: ``_pattern_lean``)


def _fixed(
    policy: str | None,
    inline: Mapping[str, object] | None,
    options: Mapping[str, object],
    criteria: Sequence[str],
    merge: Sequence[Mapping[str, object]],
) -> Policy:
    """The policy named or given inline, with ``merge`` applied (an operator's regexes
    compile with ``re``, a session's with RE2)."""
    operator = current_access() is not None
    if policy is not None:
        fixed = named_policy(policy, options or {}, list(criteria or []))
    else:
        if not isinstance(inline, Mapping):
            raise ValueError("`inline` must be a policy mapping (name, default_action, patterns, ...)")
        fixed = inline_policy(inline, operator)
    return merged_policy(fixed, list(merge), operator) if merge else fixed


class _LineReaders:
    """A shell line's readings after its commands and files, each read only for a policy with
    rules of its kind: the network it reaches, the environment variables it reads and sets, the
    SQL it sends."""

    def __init__(self) -> None:
        self.env_kinds = EnvKinds()
        self.database_rules = DatabaseRules()
        self.networks: list[tuple[object, Kinds]] = [(None, ((), frozenset()))]  # (policy, its network kinds)

    def any(self, current: Policy) -> bool:
        """Whether ``current`` has rules of some kind these read."""
        if (seen := self.networks[0])[0] is not current:
            self.networks[0] = seen = (current, network_kinds(current))
        return bool(seen[1][0]) or self.env_kinds(current) or bool(self.database_rules(current)[0])

    def __call__(
        self, current: Policy, res: EvaluationResult, lines: Iterable[str], facts: ActionFacts, rate: RateLookup
    ) -> EvaluationResult:
        if (seen := self.networks[0])[0] is not current:  # (read once: another thread may replace it)
            self.networks[0] = seen = (current, network_kinds(current))
        if seen[1][0] and any(map(network_targets, filter(str.__instancecheck__, lines))):  # (C calls only)
            res = shell_network(current, *seen[1], res, lines, facts, rate)  # the URLs and hosts it reaches
        if self.env_kinds(current) and (res.violation_mode is not KILL or res.allowed):  # variables read and set
            res = shell_env(current, res, lines, facts, rate)
        if (db := self.database_rules(current))[0] and (res.violation_mode is not KILL or res.allowed):  # its SQL
            res = shell_statements(current, *db, res, lines, facts, rate)
        return res


def _shell_line(
    current: Policy,
    file_kinds: FileKinds,
    readers: _LineReaders,
    res: EvaluationResult,
    lines: Iterable[str],
    ctx: Mapping[str, object],
    dir_args: object,
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` made stricter by what the shell ``lines`` run: each command as read, the files the
    session wrote that they run (``_pattern_written``), the files they touch, the network,
    variables and SQL they reach — the written files' by the same readers."""
    cwd = ctx.get("cwd")
    if guards := file_kinds.commands(current):  # each command run, as read
        memo, ids = file_kinds.hits(current), file_kinds.guard_ids(current)
        res = shell_commands(current, guards, res, lines, facts, rate, memo, ids)
    kinds = file_kinds(current)
    runs = None  # the files the session (or the line itself) wrote that the line runs, shown as lines
    if guards or kinds or readers.any(current):
        written = ctx.get("written")
        record = written if isinstance(written, Mapping) else {}
        if (own := line_record(lines, cwd)) or record:  # (a script written and run on the line: as if before)
            runs = written_runs(lines, record, cwd, own)
        if runs and runs[0] and (guards or kinds):  # what they run, the files that reads and writes
            res = judge_written(current, guards, kinds, res, lines, runs, cwd, facts, rate)
    if kinds and (res.violation_mode is not KILL or res.allowed):  # its files
        res = shell_files(current, kinds, res, lines, facts, rate, cwd, dir_args)
    res = readers(current, res, lines, facts, rate)  # the network, variables and SQL it reaches
    if runs and runs[0] and (res.violation_mode is not KILL or res.allowed):  # and the written files run
        res = read_written(partial(readers, current), res, runs, facts, rate)
    return res


#: a search's arguments that narrow which files it reads (by glob or file type)
_NARROWED = ("glob", "include", "includes", "globs", "include_pattern", "type")


def _searches(arguments: object, targets: Sequence[object]) -> bool:
    """The call searches every file under its directory for a ``pattern`` (Claude Code's ``Grep``,
    Gemini CLI's searches), or reads every file under the directories its ``paths`` name (Gemini
    CLI's ``read_many_files``): a pattern no target names as a path (a glob tool's is joined to its
    directory), no glob or type narrowing which files."""
    if not isinstance(arguments, Mapping):
        return False
    pattern = arguments.get("pattern")
    if not (isinstance(pattern, str) and pattern) and not isinstance(arguments.get("paths"), list):
        return False
    return not any(arguments.get(k) for k in _NARROWED) and not any(
        isinstance(t, str) and isinstance(pattern, str) and pattern and t.endswith(pattern) for t in targets
    )


def _checker(current_at: Callable[[float], Policy]) -> Callable[[PolicyEvent], PolicyResponse | None]:
    """The chain's callable: the policy in force at the event's time decides its tool calls."""
    file_kinds = FileKinds()
    readers = _LineReaders()
    database_rules = readers.database_rules

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
        current = current_at(now)
        dialect = database_tool(target) if action_type == TOOL_CALL else None  # an unmapped database tool
        if action_type == TOOL_CALL and not current.has_type(TOOL_CALL) and dialect is None:
            return None
        data = event.get("data")
        arguments = data.get("arguments") if isinstance(data, Mapping) else None
        facts = ActionFacts(
            agent=ctx.get("agent"),
            now=now,
            size=size_of(arguments),
            method=method_of(action_type, arguments),
            arguments=arguments,
            labels=ctx.get("labels"),
            provenance=ctx.get("provenance"),
        )
        state = event.get("policy_state") or {}
        windows: dict[str, Window] = {}

        def rate(key: str, cutoff: float) -> int:
            stamps = state.get(RATE_PREFIX + key)
            if not isinstance(stamps, list):  # policy state is JSON
                return 0
            count, _first, stale = rate_window(stamps, cutoff, math.inf)
            windows[key] = (stamps, stale, cutoff)
            return count

        res = current.decide(action_type, target, facts, rate)
        more = action.get("targets")
        if more and action_type != TOOL_CALL:  # a call naming several subjects: the strictest result
            for other in more[1:]:
                res = stricter(res, current.decide(action_type, other, facts, rate))
        if action_type == SHELL and (res.violation_mode is not KILL or res.allowed):  # else nothing is stricter
            lines = call_lines(action, arguments)  # (the lean path reads the same: ``_pattern_call``)
            res = _shell_line(current, file_kinds, readers, res, lines, ctx, action.get("dir_args"), facts, rate)
        elif action_type in FILE_ACTIONS:  # globs a search names; a patch's deletes and moves
            targets, patched, moved = call_paths(action_type, action, arguments)
            search = ctx.get("cwd") or "" if action_type == "file_read" and _searches(arguments, targets) else None
            res = tool_globs(current, action_type, res, targets, facts, rate, search)
            if patched:
                res = patch_files(current, file_kinds(current), res, patched, facts, rate, ctx.get("cwd"))
            if action_type == "file_write" and current.has_type(SHELL) and (texts := startup_texts(targets, arguments)):
                res = startup_written(current, res, str(target), texts, facts, rate)  # as `echo … >> ~/.bashrc`
            if moved:  # `mv`'s and `cp`'s ends (a move's sources with every file beneath them)
                res = patch_files(current, file_kinds(current), res, moved, facts, rate, ctx.get("cwd"))
                if action.get("transfer") == "move":
                    res = moved_trees(current, file_kinds(current), res, moved, facts, ctx.get("cwd"))
        elif action_type.startswith("database_") and (db := database_rules(current))[0]:
            res = tool_statements(current, *db, res, action_type, more or (target,), facts, rate)  # by statement
        elif dialect is not None and (db := database_rules(current))[0]:  # what it sends, read in its language
            res = unmapped_statements(current, *db, res, dialect, arguments, facts, rate)
        if action_type == TOOL_CALL and not res.matched:
            return None  # default_action covers Agent OS actions, not every other tool
        return to_response(res, now, windows)

    return _readable(check)


def _readable(check: Callable[[PolicyEvent], PolicyResponse | None]) -> Callable[[PolicyEvent], PolicyResponse | None]:
    """``check``, judging an event whose text holds a lone surrogate (which RE2 cannot read) as
    a UTF-8 reader shows it (``goalrail.patterns.regex.encodable``)."""

    def readable(event: PolicyEvent) -> PolicyResponse | None:
        try:
            return check(event)
        except UnicodeEncodeError:
            return check(cast(PolicyEvent, encodable(event)))

    return readable


POLICY_REGISTRY = registry_entries(__name__)
