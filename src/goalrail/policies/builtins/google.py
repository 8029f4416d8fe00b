"""Builtin policies: Google Workspace (Drive/Docs/Sheets/Slides, Gmail, Calendar).

They govern MCP tools (canonical ``mcp__<server>__<tool>``), classified by
``_google.classify`` into a service and an operation.  A Google-looking server
(``google``, ``gdrive``, ``gmail``, ``gcal``, ``workspace``… or one listed in
``extra_servers``) whose tool cannot be classified gets ASK, never ALLOW.

Drive writes are allowed only to files created in this session — tracked from
the ``tool_result`` of create tools into policy state — and to ``write_files``.
A tool result is read from ``data.result`` (or ``output``/``content``/``response``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping

from goalrail.policies.builtins._google import (
    GoogleTool,
    classify,
    created_draft_ids,
    created_ids,
    draft_target,
    normalize_file_id,
    target_file,
    words,
)
from goalrail.policies.builtins._models import shown
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.schema import PolicyEvent, PolicyResponse, StateUpdate

Policy = Callable[[PolicyEvent], PolicyResponse | None]
_CREATED_KEY = "created_file_ids"
_DRAFTS_KEY = "created_draft_ids"
_MAX_CREATED = 1000
_RESULT_KEYS = ("result", "output", "content", "response")


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be true or false")
    return value


def _servers(extra: Iterable[str] | None) -> re.Pattern[str] | None:
    if extra is None:
        return None
    if isinstance(extra, str) or not all(isinstance(s, str) and s for s in extra):
        raise ValueError("`extra_servers` must be a list of MCP server-name globs")
    if not extra:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(s.lower())})" for s in extra))


def _tool_call(event: PolicyEvent, service: str, extra: re.Pattern[str] | None) -> GoogleTool | None:
    """This service's view of a tool_call/tool_result, an unknown Google tool, or None."""
    target = event.get("target")
    if not isinstance(target, str):
        return None
    gt = classify(target, extra)
    if gt is None or gt.service not in (service, None):
        return None
    return gt


def _unknown(policy: str, gt: GoogleTool) -> PolicyResponse:
    return {
        "result": "ASK",
        "reason": f"{policy}: unrecognised Google tool `{shown(gt.tool)}` on server `{shown(gt.server)}`; "
        "approve to run it",
    }


def _deny(policy: str, what: str, param: str) -> PolicyResponse:
    return {"result": "DENY", "reason": f"{policy}: {what} is not allowed ({param} is false)"}


_EXTRA = Param(
    "Globs of further MCP server names to treat as Google Workspace servers (names containing "
    "google, gdrive, gmail, gcal, gworkspace… and drive/calendar/docs/sheets/slides/workspace/"
    "mail are recognised already).",
    items={"minLength": 1},
)
_UNKNOWN = " An unrecognised tool on a Google server is ASKed."


def _remember_created(event: PolicyEvent, gt: GoogleTool) -> PolicyResponse | None:
    """A create's result: remember the new file ids, which this session may then change."""
    if gt.op != "create":
        return None
    data = event["data"] if isinstance(event["data"], Mapping) else {}
    result = next((data[k] for k in _RESULT_KEYS if k in data), None)
    ids = created_ids(result)
    if not ids:
        return None
    known = set((event.get("policy_state") or {}).get(_CREATED_KEY) or ())
    updates: list[StateUpdate] = [
        {
            "key": _CREATED_KEY,
            "action": "append",
            "value": i,
            "scope": "policy",
            "max_len": _MAX_CREATED,
        }
        for i in ids
        if i not in known
    ]
    return {"result": "ALLOW", "state_updates": updates} if updates else None


@builtin(
    "Google Drive access",
    "Controls Google Drive/Docs/Sheets/Slides MCP tools: reads, file creation, and writes only to files "
    "created in this session or listed in write_files." + _UNKNOWN,
    params={
        "read_all": Param(
            "Allow reading any Drive file. When false, only files created in this "
            "session or in write_files may be read."
        ),
        "allow_create": Param("Allow creating new files (their ids become writable)."),
        "write_files": Param(
            "Drive file ids or URLs that may be changed besides the files created in this session.",
            items={"minLength": 1},
        ),
        "extra_servers": _EXTRA,
    },
)
@listens_to(types=("tool_call", "tool_result"))
def gdrive_policy(
    read_all: bool = True,
    allow_create: bool = True,
    write_files: list[str] | None = None,
    extra_servers: list[str] | None = None,
) -> Policy:
    read_ok = _flag(read_all, "read_all")
    create_ok = _flag(allow_create, "allow_create")
    if write_files is not None and (
        isinstance(write_files, str) or not all(isinstance(f, str) and f.strip() for f in write_files)
    ):
        raise ValueError("`write_files` must be a list of Drive file ids or URLs")
    writable = frozenset(normalize_file_id(f) for f in write_files or ())
    extra = _servers(extra_servers)
    name = "gdrive_policy"

    def owned(event: PolicyEvent, fid: str) -> bool:
        return fid in writable or fid in ((event.get("policy_state") or {}).get(_CREATED_KEY) or ())

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype not in ("tool_call", "tool_result"):
            return None
        gt = _tool_call(event, "drive", extra)
        if gt is None:
            return None
        data = event["data"] if isinstance(event["data"], Mapping) else {}
        args = data.get("arguments")
        fid = target_file(args)
        op = gt.op
        if gt.service is None:
            if fid is None:
                return _unknown(name, gt) if etype == "tool_call" else None
            op = "write"  # an unclassified tool naming a Drive file: treat it as a write
        if op == "create" and fid is not None and not ({"copy", "duplicate"} & set(words(gt.tool))):
            op = "write"  # e.g. insert_text(document_id=…) adds to an existing file
        if etype == "tool_result":
            return _remember_created(event, gt) if op == "create" else None
        if op is None:
            return _unknown(name, gt)
        if op == "read":
            if read_ok or (fid is not None and owned(event, fid)):
                return None
            return _deny(name, f"reading Drive files (`{shown(gt.tool)}`)", "read_all")
        if op == "create":
            return None if create_ok else _deny(name, f"creating Drive files (`{shown(gt.tool)}`)", "allow_create")
        if fid is None:
            return {
                "result": "DENY",
                "reason": f"{name}: `{shown(gt.tool)}` changes a Drive file but names no "
                "file id, so its target cannot be checked",
            }
        if owned(event, fid):
            return None
        return {
            "result": "DENY",
            "reason": f"{name}: `{shown(gt.tool)}` would change a file that was not created in "
            "this session and is not in write_files",
        }

    return policy


@builtin(
    "Gmail access",
    "Controls Gmail MCP tools; defaults to read + drafts, no send." + _UNKNOWN,
    params={
        "allow_read": Param("Allow searching and reading mail, labels and drafts."),
        "allow_send": Param("Allow sending or forwarding mail (including sending a draft)."),
        "allow_drafts": Param("Allow creating drafts, and updating or deleting the drafts created in this session."),
        "allow_modify": Param("Allow changing mail: labels, archive, mark read, trash, delete."),
        "extra_servers": _EXTRA,
    },
)
@listens_to(types=("tool_call", "tool_result"))
def gmail_policy(
    allow_read: bool = True,
    allow_send: bool = False,
    allow_drafts: bool = True,
    allow_modify: bool = False,
    extra_servers: list[str] | None = None,
) -> Policy:
    allowed = {
        "read": (_flag(allow_read, "allow_read"), "reading mail", "allow_read"),
        "send": (_flag(allow_send, "allow_send"), "sending mail", "allow_send"),
        "draft": (_flag(allow_drafts, "allow_drafts"), "writing drafts", "allow_drafts"),
        "draft_change": (allow_drafts, "changing drafts", "allow_drafts"),
        "modify": (_flag(allow_modify, "allow_modify"), "changing or deleting mail", "allow_modify"),
    }
    extra = _servers(extra_servers)
    name = "gmail_policy"

    def on_result(event: PolicyEvent) -> PolicyResponse | None:
        data = event["data"] if isinstance(event["data"], Mapping) else {}
        ids = created_draft_ids(next((data[k] for k in _RESULT_KEYS if k in data), None))
        known = set((event.get("policy_state") or {}).get(_DRAFTS_KEY) or ())
        updates: list[StateUpdate] = [
            {"key": _DRAFTS_KEY, "action": "append", "value": i, "scope": "policy", "max_len": _MAX_CREATED}
            for i in ids
            if i not in known
        ]
        return {"result": "ALLOW", "state_updates": updates} if updates else None

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype not in ("tool_call", "tool_result"):
            return None
        gt = _tool_call(event, "gmail", extra)
        if gt is None:
            return None
        if etype == "tool_result":
            return on_result(event) if gt.op == "draft" and allow_drafts else None
        if gt.service is None or gt.op not in allowed:
            return _unknown(name, gt)
        ok, what, param = allowed[gt.op]
        if not ok:
            return _deny(name, f"{what} (`{shown(gt.tool)}`)", param)
        if gt.op == "draft_change":
            args = event["data"].get("arguments") if isinstance(event["data"], Mapping) else None
            draft = draft_target(args)
            if draft is None or draft not in ((event.get("policy_state") or {}).get(_DRAFTS_KEY) or ()):
                return {
                    "result": "DENY",
                    "reason": f"{name}: `{shown(gt.tool)}` changes a draft that was not created in this session",
                }
        return None

    return policy


@builtin(
    "Google Calendar access",
    "Controls Google Calendar MCP tools; defaults to read-only." + _UNKNOWN,
    params={
        "allow_read": Param("Allow listing calendars and reading events and free/busy."),
        "allow_create_events": Param("Allow creating events."),
        "allow_modify_events": Param("Allow updating, moving, responding to and deleting events."),
        "extra_servers": _EXTRA,
    },
)
@listens_to(types=("tool_call",))
def gcalendar_policy(
    allow_read: bool = True,
    allow_create_events: bool = False,
    allow_modify_events: bool = False,
    extra_servers: list[str] | None = None,
) -> Policy:
    modify = (
        _flag(allow_modify_events, "allow_modify_events"),
        "changing or deleting events",
        "allow_modify_events",
    )
    allowed = {
        "read": (_flag(allow_read, "allow_read"), "reading calendars", "allow_read"),
        "create": (
            _flag(allow_create_events, "allow_create_events"),
            "creating events",
            "allow_create_events",
        ),
        "write": modify,
        "delete": modify,
    }
    extra = _servers(extra_servers)
    name = "gcalendar_policy"

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        gt = _tool_call(event, "calendar", extra)
        if gt is None:
            return None
        if gt.service is None or gt.op not in allowed:
            return _unknown(name, gt)
        ok, what, param = allowed[gt.op]
        return None if ok else _deny(name, f"{what} (`{shown(gt.tool)}`)", param)

    return policy


POLICY_REGISTRY = registry_entries(__name__)
