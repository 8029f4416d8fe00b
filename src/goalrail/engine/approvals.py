"""Approval logic without I/O: action digests, scopes and session grants.

An approval is bound to a digest of the *action*: the phase, the canonical tool
(or target) and the canonical arguments.  Volatile ids a harness adds to each
call (Claude Code's ``tool_use_id``, request ids, timestamps) are not part of
it, so approving an ASK in Goalrail and retrying the identical call matches the
approval, while any change to what would run does not.

Scopes a user may approve with (:data:`SCOPES`):

* ``once`` — this action, one time (a retry of the identical call uses it up);
* ``session_identical`` — this identical action, for the rest of the session;
* ``session_tool`` — *any* call of this tool on this phase, for the rest of the
  session (a separate, explicit choice: it approves arguments nobody has seen).

Grants are kept per asking policy; a later ASK is covered only if every policy
that asks holds a grant matching it.
"""

from __future__ import annotations

import hashlib
from _json import encode_basestring_ascii, make_encoder
from collections.abc import Iterable, Mapping

from orjson import OPT_SORT_KEYS

from goalrail.engine.indented import indented_json
from goalrail.engine.plain_json import plain_text
from goalrail.policies.redact import redact_value

ONCE, SESSION_IDENTICAL, SESSION_TOOL = "once", "session_identical", "session_tool"
SCOPES = (ONCE, SESSION_IDENTICAL, SESSION_TOOL)
#: Accepted for compatibility: ``session`` used to mean a session grant; it now
#: means the narrow one (the identical action), never "any call of the tool".
SCOPE_ALIASES = {"session": SESSION_IDENTICAL}

#: Keys a harness adds per call that say nothing about what the call does.
VOLATILE_KEYS = frozenset(
    {"tool_use_id", "tool_call_id", "call_id", "request_id", "id", "timestamp", "ts", "created", "original_name"}
)

#: Arguments that do not change what runs, per canonical tool: Claude Code's Bash
#: ``description`` is the model's own label for the command, reworded on retries.
NON_EXECUTING_ARGUMENTS: dict[str, frozenset[str]] = {"sys_os_shell": frozenset({"description"})}


def approval_id(now: float, random_hex: str) -> str:
    """An approval's id: ``apr_``, the time it was asked (milliseconds since the epoch, 12 hex
    digits: ids sort by creation, so a store's primary key takes each new one at its right
    edge instead of on a random page) and ``random_hex`` (the caller's random digits:
    what makes it unique and unguessable)."""
    return f"apr_{max(0, int(now * 1000)):012x}{random_hex}"


def normalize_scope(scope: str) -> str | None:
    """The canonical scope name, or None when ``scope`` is not one."""
    scope = SCOPE_ALIASES.get(scope, scope)
    return scope if scope in SCOPES else None


def run_in(event: Mapping[str, object]) -> str | None:
    """The directory a harness said a tool call runs in (``context.cwd``), which changes what its
    relative paths and its command mean (``rm -rf build``), or None: none given, or an MCP
    server's tool (it runs where its server runs, and the MCP proxy's event of the call a hook
    also saw carries no directory)."""
    context = event.get("context")
    if type(context) is not dict and not isinstance(context, Mapping):
        return None
    cwd = context.get("cwd")
    if not isinstance(cwd, str) or not cwd:
        return None
    action = context.get("action")
    original = action.get("original") if type(action) is dict or isinstance(action, Mapping) else None
    name = original if isinstance(original, str) and original else event.get("target")
    return None if isinstance(name, str) and name[:5] == "mcp__" else cwd


def canonical_action(event: Mapping[str, object]) -> dict[str, object]:
    """What an approval is bound to: phase, canonical target and canonical payload (and, for a
    tool call or result, the directory it runs in when the harness said, :func:`run_in`)."""
    etype = event.get("type")
    target = event.get("target")
    data = event.get("data")
    # The exact type first: ``isinstance(…, Mapping)`` on a dict is an ABC check.
    if etype in ("tool_call", "tool_result") and (type(data) is dict or isinstance(data, Mapping)):
        args = data.get("arguments")
        drop = NON_EXECUTING_ARGUMENTS.get(str(target))
        if drop and (type(args) is dict or isinstance(args, Mapping)) and not drop.isdisjoint(args):
            args = {k: v for k, v in args.items() if k not in drop}
        body: dict[str, object] = {"arguments": args}
        if etype == "tool_result":
            body["result"] = data.get("result")
            body["is_error"] = data.get("is_error")
        action: dict[str, object] = {"type": etype, "target": target, "data": body}
        cwd = run_in(event)
        if cwd is not None:  # (absent, the digest is the one it always was)
            action["cwd"] = cwd
        return action
    if type(data) is dict or isinstance(data, Mapping):
        data = {k: v for k, v in data.items() if k not in VOLATILE_KEYS}
    return {"type": etype, "target": target, "data": data}


def _canonical_bytes(value: dict[str, object]) -> bytes:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)`` for a dict, encoded:
    orjson's text of a plain value (``engine.plain_json``: the same bytes), else the C encoder
    called directly, without ``JSONEncoder.iterencode``'s per-call set-up in Python (the same
    options, so the same text and the same errors).  Made per call: its circular-reference
    markers could keep entries after an error."""
    fast = plain_text(value, OPT_SORT_KEYS)
    if fast is not None:
        return fast
    return "".join(make_encoder({}, str, encode_basestring_ascii, None, ":", ",", True, False, True)(value, 0)).encode()


def _canonical_json(value: dict[str, object]) -> str:
    """The text :func:`_canonical_bytes` encodes."""
    return _canonical_bytes(value).decode()


def action_digest(event: Mapping[str, object]) -> str:
    return hashlib.sha256(_canonical_bytes(canonical_action(event))).hexdigest()


def call_digest(event: Mapping[str, object]) -> str:
    """The digest of the ``tool_call`` a ``tool_result`` event reports on."""
    data = event.get("data")
    args = data.get("arguments") if isinstance(data, Mapping) else None
    call = {"type": "tool_call", "target": event.get("target"), "data": {"arguments": args}}
    return action_digest({**call, "context": event.get("context")})


def grant_key(policy: str, event: Mapping[str, object], digest: str | None = None) -> str:
    """The narrow grant: ``policy`` asking about exactly this action."""
    return f"{policy}|{event.get('type')}|{event.get('target') or '*'}|{digest or action_digest(event)}"


def tool_grant_key(key: str) -> str:
    """The wide grant derived from a narrow one: the same policy, phase and tool, any arguments."""
    return key.rpartition("|")[0] + "|*"


def keys_for_scope(narrow_keys: Iterable[str], scope: str | None) -> list[str]:
    if scope == SESSION_IDENTICAL:
        return list(narrow_keys)
    if scope == SESSION_TOOL:
        return [tool_grant_key(k) for k in narrow_keys]
    return []


def covered_by_grants(
    asking: Iterable[str], event: Mapping[str, object], grants: set[str], digest: str | None = None
) -> bool:
    names = list(asking)
    if not names or not grants:
        return False
    digest = digest or action_digest(event)
    for policy in names:
        key = grant_key(policy, event, digest)
        if key not in grants and tool_grant_key(key) not in grants:
            return False
    return True


def covered_keys(narrow_keys: Iterable[str], grants: set[str]) -> bool:
    """Whether session grants cover every one of these narrow grant keys (exactly or by its tool)."""
    keys = list(narrow_keys)
    return bool(keys) and bool(grants) and all(k in grants or tool_grant_key(k) in grants for k in keys)


def covers(policies: Iterable[str], asking: Iterable[str]) -> bool:
    """An approval given for ``policies`` covers an ASK from ``asking`` (each must have been approved)."""
    approved = set(policies)
    names = list(asking)
    return bool(names) and all(p in approved for p in names)


#: Characters of an added policy's parameters an approver is shown, always whole: more is refused.
SHOW_LIMIT = 8000
#: Characters of any other action's preview, always whole: an ASK about a longer one is refused.
#: Large enough for the files and commands agents really write (the web UI and the CLI scroll it).
ACTION_SHOW_LIMIT = 100_000


def preview(event: Mapping[str, object]) -> str:
    """What the approver sees: the action, as JSON, whole (``ACTION_SHOW_LIMIT`` bounds it), each
    secret in it replaced by a marker naming its kind (``policies.redact``).  Only what is shown
    is redacted: the approval is bound to the digest of the action as it was sent.  A tool call
    bound to the directory it runs in (:func:`run_in`) shows it as ``cwd``."""
    body = {"type": event.get("type"), "target": event.get("target"), "data": redact_value(event.get("data"))}
    cwd = run_in(event) if body["type"] in ("tool_call", "tool_result") else None
    if cwd is not None:
        body["cwd"] = redact_value(cwd)
    return indented_json(body)  # json.dumps(body, indent=2, sort_keys=True, default=str)
