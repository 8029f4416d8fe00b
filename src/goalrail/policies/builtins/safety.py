"""Builtin policies: safety (tool-call caps, OS-tool approval, skills, sandbox, PII, rate limits).

Each is a factory (``ask_on_os_tools`` is a plain callable) returning a pure
closure: state lives in ``policy_state`` and changes through ``state_updates``
with ``scope: policy``, so two instances never share a counter.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Mapping

from goalrail.policies.builtins import _events, _pii, _pii_request
from goalrail.policies.builtins._rate import CALLS_KEY, rate_update, rate_window
from goalrail.policies.builtins._sandbox import SANDBOX_TYPES, check_paths, merge_sandbox
from goalrail.policies.builtins._skills import SKILL_TOOLS, SkillPaths, skill_names
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.files import in_session_scope
from goalrail.policies.listens import listens_to
from goalrail.policies.registry import reads_event
from goalrail.policies.schema import PolicyEvent, PolicyResponse, Verdict

Policy = Callable[[PolicyEvent], PolicyResponse | None]

OS_TOOLS = frozenset({"sys_os_read", "sys_os_write", "sys_os_edit", "sys_os_shell", "sys_os_delete"})
_COUNT_KEY = "tool_calls"


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}")
    return value


def _check_list(name: str, value: object, *, allow_none: bool = True) -> list[str] | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"`{name}` must be a list of strings")
    return list(value)


# --- max_tool_calls_per_session ----------------------------------------------


@builtin(
    "Max tool calls per session",
    "DENYs tool calls once the session has made `limit` allowed tool calls "
    "(a guard against runaway loops). Each instance keeps its own counter.",
    params={"limit": Param("Number of tool calls allowed per session.", minimum=0, maximum=1_000_000_000)},
)
@listens_to(types=("tool_call",))
@reads_event(0)
def max_tool_calls_per_session(limit: int = 100) -> Policy:
    """DENY tool calls once ``limit`` calls have been allowed in this session."""
    limit = _check_int("limit", limit, 0)

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        count = _events.policy_state(event).get(_COUNT_KEY, 0)
        if not isinstance(count, int):
            count = 0
        if count >= limit:
            return {
                "result": "DENY",
                "reason": f"tool-call limit of {limit} per session reached ({count} calls made)",
            }
        return {
            "result": "ALLOW",
            "state_updates": [{"key": _COUNT_KEY, "action": "increment", "value": 1, "scope": "policy"}],
        }

    return policy


# --- ask_on_os_tools ------------------------------------------------------------


def _os_preview(event: PolicyEvent) -> str:
    action = (event.get("context") or {}).get("action") or {}
    target = action.get("target") if isinstance(action, Mapping) else None
    several = action.get("targets") if isinstance(action, Mapping) else None
    if isinstance(several, list) and len(several) > 1:  # every path of the call, the count first
        target = f"{len(several)} targets: " + ", ".join(str(t) for t in several)
    if not isinstance(target, str):
        args = _events.arguments(event)
        target = None
        if isinstance(args, Mapping):
            for key in ("command", "file_path", "path", "notebook_path", "pattern"):
                if isinstance(args.get(key), str):
                    target = args[key]
                    break
        elif isinstance(args, str):
            target = args
    if not target:
        return ""
    if _pii.scan(target, _pii.SECRET_TYPES):
        return "[contains a secret; not shown]"
    return _events.preview(target)


@builtin(
    "Ask on OS tools",
    "ASKs before every sys_os_read, sys_os_write, sys_os_edit, sys_os_delete and "
    "sys_os_shell call (and the harness tools mapped onto them, e.g. Claude Code's "
    "Bash/Read/Write/Edit). The reason previews the command or path (every path of a call naming several).",
    kind="callable",
)
@listens_to(types=("tool_call",), tools=OS_TOOLS)
def ask_on_os_tools(event: PolicyEvent) -> PolicyResponse | None:
    """ASK before every file read/write/edit/delete and shell command (canonical sys_os_* tools)."""
    if event["type"] != "tool_call":
        return None
    tool = _events.tool_name(event)
    if tool not in OS_TOOLS:
        return None
    shown = _os_preview(event)
    return {"result": "ASK", "reason": f"{tool}: {shown}" if shown else f"{tool} needs approval"}


# --- block_skills --------------------------------------------------------------


@builtin(
    "Block skills",
    "DENYs loading the named skills: load_skill / read_skill_file tool calls (harness skill "
    "tools such as Claude Code's Skill and SlashCommand map onto load_skill), `/<name>` slash "
    "commands, and any tool call or shell command reaching a skills/<name>/ path, however "
    "spelled (relative to the cwd or a cd, `..`, globs, variables; a search or copy of a whole "
    "skills directory). Case-insensitive.",
    params={
        "blocked": Param(
            "Skill names to block (a `plugin:name` skill matches `name`).", items={"minLength": 1}, minItems=1
        )
    },
)
@listens_to(types=("request", "tool_call"))
def block_skills(blocked: list[str]) -> Policy:
    """DENY loading the named skills (tool calls, ``/skill`` commands); case-insensitive."""
    names = _check_list("blocked", blocked, allow_none=False) or []
    if not names or not all(n.strip() for n in names):
        raise ValueError("`blocked` must name at least one skill")
    block = frozenset(n.strip().lstrip("/").lower() for n in names)
    paths = SkillPaths(block)

    def hit(raw: object) -> str | None:
        if not isinstance(raw, str):
            return None
        found = skill_names(raw) & block
        return min(found) if found else None

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype == "request":
            data = event.get("data")
            text = data.get("user_content", "") if type(data) is dict or isinstance(data, Mapping) else data
            if isinstance(text, str) and text.lstrip().startswith("/"):
                name = hit(text.lstrip())
                if name:
                    return {"result": "DENY", "reason": f"skill `{name}` is blocked"}
            return None
        if etype != "tool_call":
            return None
        tool = _events.tool_name(event)
        args = _events.arguments(event)
        keys = SKILL_TOOLS.get(tool)
        if keys is not None:
            values = [args.get(k) for k in keys] if type(args) is dict or isinstance(args, Mapping) else [args]
            for value in values:
                name = hit(value)
                if name:
                    return {"result": "DENY", "reason": f"skill `{name}` is blocked"}
            return None
        cwd = _events.cwd(event)
        name = paths.in_arguments(args, cwd)
        if name is None and tool == "sys_os_shell":
            name = paths.in_shell_call(event, args, cwd)
        if name is not None:
            return {"result": "DENY", "reason": f"skill `{name}` is blocked"}
        return None

    return policy


# --- enforce_sandbox -------------------------------------------------------------


@builtin(
    "Enforce sandbox",
    "Forces a sandbox configuration on every session start and sys_agent_start "
    "(ALLOW with the rewritten payload). Combined with an existing configuration it "
    "only ever makes it stricter: network only if both allow it, path and env lists "
    "intersected. Paths are compared canonically (`..` collapsed, symlinks resolved); "
    "variables, globs and `~user` are refused.",
    params={
        "sandbox_type": Param("Sandbox implementation to force.", enum=list(SANDBOX_TYPES)),
        "allow_network": Param("Whether the sandbox may use the network."),
        "write_paths": Param("Writable paths (null: the sandbox's default)."),
        "read_paths": Param("Readable paths (null: the sandbox's default)."),
        "env_passthrough": Param("Environment variables passed into the sandbox (null: the sandbox's default)."),
    },
)
@listens_to(types=("session_start", "tool_call"))
def enforce_sandbox(
    sandbox_type: str = "linux_bwrap",
    allow_network: bool = True,
    write_paths: list[str] | None = None,
    read_paths: list[str] | None = None,
    env_passthrough: list[str] | None = None,
) -> Policy:
    """Force a sandbox on every session start and ``sys_agent_start`` (only ever stricter)."""
    session = in_session_scope()  # a session policy reads no server file, not even a realpath
    resolve = not session
    if sandbox_type not in SANDBOX_TYPES:
        raise ValueError(f"`sandbox_type` must be one of {', '.join(SANDBOX_TYPES)}, got {sandbox_type!r}")
    if not isinstance(allow_network, bool):
        raise ValueError("`allow_network` must be a boolean")
    forced: dict[str, object] = {"type": sandbox_type, "allow_network": allow_network}
    for key, value in (
        ("write_paths", write_paths),
        ("read_paths", read_paths),
        ("env_passthrough", env_passthrough),
    ):
        checked = _check_list(key, value)
        if checked is not None:
            if key != "env_passthrough":
                check_paths(key, checked, server_home=not session)
            forced[key] = checked

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        data = event.get("data")
        if etype == "session_start":
            payload = dict(data) if isinstance(data, Mapping) else {}
            payload["sandbox"] = merge_sandbox(payload.get("sandbox"), forced, _events.cwd(event), resolve=resolve)
            return {
                "result": "ALLOW",
                "data": payload,
                "reason": f"sandbox `{payload['sandbox']['type']}` enforced",
            }
        if etype == "tool_call" and _events.tool_name(event) == "sys_agent_start":
            args = _events.arguments(event)
            new_args = dict(args) if isinstance(args, Mapping) else {}
            new_args["sandbox"] = merge_sandbox(new_args.get("sandbox"), forced, _events.cwd(event), resolve=resolve)
            payload = dict(data) if isinstance(data, Mapping) else {}
            payload["arguments"] = new_args
            return {
                "result": "ALLOW",
                "data": payload,
                "reason": f"sandbox `{new_args['sandbox']['type']}` enforced",
            }
        return None

    return policy


# --- deny_pii_in_llm_request -------------------------------------------------------


_MESSAGE_ROLES = ("user", "system", "developer", "assistant", "tool", "function")


@builtin(
    "Deny PII in LLM requests",
    "Scans user messages (text and attachments of any shape) and the LLM "
    "request messages of the chosen roles (OpenAI, Anthropic and Gemini shapes; roles in any case) "
    "for PII (SSN, Luhn-checked credit cards, email, phone, IBAN) and secrets (AWS, "
    "GitHub, OpenAI, Anthropic, Slack, Google, Stripe keys, private keys, JWTs), after folding "
    "Unicode look-alikes (NFKC, zero-width characters removed). "
    "The reason names the types and counts, never the matched text.",
    params={
        "pii_types": Param(
            "Types to detect; `pii`, `secrets` and `all` name groups. null: all types.",
            items={"enum": [*_pii.ALL_TYPES, "pii", "secrets", "all"]},
            minItems=1,
        ),
        "action": Param("Verdict when something is found.", enum=["DENY", "ASK"]),
        "scan_roles": Param(
            "LLM request message roles to scan. null: user, system and developer "
            "messages (tool results are not scanned unless `tool` is listed).",
            items={"enum": list(_MESSAGE_ROLES)},
            minItems=1,
        ),
    },
)
@listens_to(types=("request", "llm_request"))
@reads_event(2)
def deny_pii_in_llm_request(
    pii_types: list[str] | None = None, action: str = "DENY", scan_roles: list[str] | None = None
) -> Policy:
    """DENY (or ASK) user messages and LLM prompts containing PII or secrets; names types only.

    ``scan_roles`` picks which LLM request messages are scanned (default: what
    people and the developer wrote — ``user``, ``system``, ``developer``).  Tool
    results are opt-in: an email address in ``git log`` output would otherwise
    block every later request of the session.
    """
    roles = frozenset(r.lower() for r in _check_list("scan_roles", scan_roles) or ("user", "system", "developer"))
    unknown_roles = sorted(roles - set(_MESSAGE_ROLES))
    if unknown_roles:
        raise ValueError(f"`scan_roles` has unknown role `{unknown_roles[0]}`")
    roles = frozenset(_pii_request.role_of(r) for r in roles)  # `function` is `tool`
    types = _pii.expand_types(_check_list("pii_types", pii_types))
    if not types:
        raise ValueError("`pii_types` must name at least one type (or be null for all)")
    if action not in ("DENY", "ASK"):
        raise ValueError(f"`action` must be DENY or ASK, got {action!r}")
    verdict: Verdict = "DENY" if action == "DENY" else "ASK"

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        data = event.get("data")
        if etype == "request":
            texts = _pii_request.request_texts(data)
            where = "message"
        elif etype == "llm_request" and (type(data) is dict or isinstance(data, Mapping)):
            texts = _pii_request.llm_request_texts(data, roles)
            where = "LLM request"
        else:
            return None
        # one scan over all leaves; a newline between them keeps a match from spanning two
        counts = _pii.scan("\n".join(texts), types)
        if not counts:
            return None
        return {
            "result": verdict,
            "reason": f"{where} contains {_pii.summary(counts)}",
            "metadata": {"pii_types": sorted(counts), "pii_counts": dict(counts)},
        }

    return policy


# --- rate_limit --------------------------------------------------------------------


@builtin(
    "Rate limit",
    "DENYs a tool call when `max_calls` matching calls were already allowed within "
    "the last `window_seconds` (a sliding window), optionally only for tools "
    "matching a glob on the canonical tool name.",
    params={
        "max_calls": Param("Calls allowed per window.", minimum=1, maximum=100_000),
        "window_seconds": Param("Length of the sliding window in seconds.", exclusiveMinimum=0, maximum=31_536_000),
        "tool_pattern": Param(
            "Glob on the canonical tool name (e.g. `sys_os_*`, `mcp__github__*`); null: every tool.", minLength=1
        ),
    },
)
@listens_to(types=("tool_call",))
@reads_event(0)
def rate_limit(max_calls: int, window_seconds: float, tool_pattern: str | None = None) -> Policy:
    """DENY a call once ``max_calls`` matching calls were allowed in ``window_seconds``."""
    max_calls = _check_int("max_calls", max_calls, 1)
    if (
        isinstance(window_seconds, bool)
        or not isinstance(window_seconds, (int, float))
        or not math.isfinite(window_seconds)
        or window_seconds <= 0
    ):
        raise ValueError(f"`window_seconds` must be a number > 0, got {window_seconds!r}")
    if tool_pattern is not None and (not isinstance(tool_pattern, str) or not tool_pattern):
        raise ValueError("`tool_pattern` must be a non-empty glob string or null")
    window = float(window_seconds)
    scope = f" to `{tool_pattern}`" if tool_pattern else ""
    full = f"rate limit: {max_calls} calls{scope} per {window:g} s reached; retry in "

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        if tool_pattern is not None and not fnmatch.fnmatchcase(_events.tool_name(event), tool_pattern):
            return None
        now = _events.now(event)
        stored = _events.policy_state(event).get(CALLS_KEY)
        calls = stored if isinstance(stored, list) else []  # policy state is JSON
        count, first, stale = rate_window(calls, now - window, now)
        if count >= max_calls:
            return {"result": "DENY", "reason": f"{full}{math.ceil(max(0.0, first + window - now))} s"}
        return {"result": "ALLOW", "state_updates": [rate_update(calls, stale, now, now - window, max_calls)]}

    return policy


POLICY_REGISTRY = registry_entries(__name__)
