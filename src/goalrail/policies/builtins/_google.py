"""Classifying Google Workspace MCP tools and finding the files they touch.

A canonical MCP tool name is ``mcp__<server>__<tool>``.  The tool part is split
into words (``_``, ``-``, ``.``, camelCase) and classified into a service
(``drive`` — Drive, Docs, Sheets, Slides —, ``gmail``, ``calendar``) and an
operation (``read``, ``create``, ``write``, ``delete``, ``send``, ``draft``,
``modify``).  Weak service words (``file``, ``email``, ``event``) count only
under a Google-looking server; strong ones (``gdrive``, ``gmail``…) count
under any server.  A Google-looking server whose tool cannot be classified is
reported as ``unknown`` so the policies ASK rather than guess.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_SPLIT = re.compile(r"[_\-.\s/:]+|(?<=[a-z0-9])(?=[A-Z])")
_GOOGLE_SERVER_WORDS = frozenset(
    {
        "google",
        "gworkspace",
        "gsuite",
        "gdrive",
        "gmail",
        "gcal",
        "gcalendar",
        "gdocs",
        "gsheets",
        "gslides",
    }
)
_GOOGLE_SERVER_NAMES = frozenset({"drive", "calendar", "docs", "sheets", "slides", "workspace", "mail"})

_STRONG = {
    "gdrive": "drive",
    "drive": "drive",
    "gdocs": "drive",
    "gsheets": "drive",
    "gslides": "drive",
    "gmail": "gmail",
    "gcal": "calendar",
    "gcalendar": "calendar",
}
_WEAK = {
    "doc": "drive",
    "docs": "drive",
    "document": "drive",
    "documents": "drive",
    "sheet": "drive",
    "sheets": "drive",
    "spreadsheet": "drive",
    "spreadsheets": "drive",
    "slides": "drive",
    "slide": "drive",
    "presentation": "drive",
    "presentations": "drive",
    "file": "drive",
    "files": "drive",
    "folder": "drive",
    "folders": "drive",
    "comment": "drive",
    "comments": "drive",
    "permission": "drive",
    "permissions": "drive",
    "email": "gmail",
    "emails": "gmail",
    "mail": "gmail",
    "message": "gmail",
    "messages": "gmail",
    "thread": "gmail",
    "threads": "gmail",
    "draft": "gmail",
    "drafts": "gmail",
    "inbox": "gmail",
    "label": "gmail",
    "labels": "gmail",
    "attachment": "gmail",
    "attachments": "gmail",
    "calendar": "calendar",
    "calendars": "calendar",
    "event": "calendar",
    "events": "calendar",
    "freebusy": "calendar",
    "meeting": "calendar",
    "meetings": "calendar",
    "attendees": "calendar",
}
_OTHER_PRODUCTS = frozenset(
    {
        "chat",
        "space",
        "spaces",
        "task",
        "tasks",
        "tasklist",
        "tasklists",
        "form",
        "forms",
        "contact",
        "contacts",
        "people",
        "meet",
    }
)
_VERBS = {
    "read": (
        "check",
        "count",
        "preview",
        "thumbnail",
        "get",
        "read",
        "list",
        "search",
        "find",
        "query",
        "export",
        "download",
        "fetch",
        "view",
        "show",
        "describe",
        "lookup",
        "inspect",
        "freebusy",
        "open",
        "info",
        "metadata",
        "content",
        "values",
    ),
    "create": (
        "create",
        "new",
        "upload",
        "copy",
        "duplicate",
        "insert",
        "add",
        "import",
        "make",
        "quick",
    ),
    "write": (
        "update",
        "modify",
        "edit",
        "write",
        "append",
        "replace",
        "move",
        "rename",
        "share",
        "set",
        "patch",
        "clear",
        "format",
        "change",
        "comment",
        "reply",
        "resolve",
        "unshare",
        "transfer",
        "respond",
    ),
    "delete": ("delete", "remove", "trash", "untrash", "empty", "purge", "erase"),
    "send": ("send", "forward"),
    "draft": ("draft",),
    "modify": ("archive", "unarchive", "mark", "star", "unstar", "spam", "unread", "snooze"),
}


@dataclass(frozen=True, slots=True)
class GoogleTool:
    server: str
    tool: str
    service: str | None  # drive | gmail | calendar | None (google-looking but unclassified)
    op: str | None  # read | create | write | delete | send | draft | modify | None


def words(name: str) -> list[str]:
    return [w.lower() for w in _SPLIT.split(name) if w]


def google_server(server: str) -> bool:
    """Whether an MCP server name looks like a Google Workspace server."""
    return server.lower() in _GOOGLE_SERVER_NAMES or not _GOOGLE_SERVER_WORDS.isdisjoint(words(server))


def classify(canonical: str, extra_server: re.Pattern[str] | None = None) -> GoogleTool | None:
    """The Google view of an MCP tool, or None when it is not a Google tool."""
    if not canonical.startswith("mcp__"):
        return None
    return _classify(canonical, extra_server)


@functools.lru_cache(maxsize=2048)
def _classify(canonical: str, extra_server: re.Pattern[str] | None) -> GoogleTool | None:
    server, sep, tool = canonical[5:].partition("__")
    if not sep or not tool:
        return None
    googly = google_server(server) or (extra_server is not None and extra_server.match(server.lower()) is not None)
    ws = words(tool)
    sws = words(server)
    service = next((_STRONG[w] for w in (*ws, *sws) if w in _STRONG), None)
    if service is None and googly:
        if any(w in _OTHER_PRODUCTS for w in ws):
            return None  # Google Chat, Tasks, Forms, Contacts…: not governed by these policies
        service = next((_WEAK[w] for w in (*ws, *sws) if w in _WEAK), None)
    if service is None:
        return GoogleTool(server, tool, None, None) if googly else None
    return GoogleTool(server, tool, service, _op(service, ws))


def _op(service: str, ws: list[str]) -> str | None:
    found = {op for op, verbs in _VERBS.items() if any(w in verbs for w in ws)}
    if service == "gmail":
        if "send" in found:
            return "send"
        if any(w in ("draft", "drafts") for w in ws):
            rest = found - {"draft"}
            if rest == {"read"}:
                return "read"
            return "draft_change" if rest & {"write", "delete"} else "draft"
        if found & {"delete", "write", "modify", "create"}:
            return "modify"
        return "read" if "read" in found else None
    found.discard("modify")
    for op in ("delete", "write", "create", "read"):
        if op in found:
            return op
    return None


# --- targets -----------------------------------------------------------------

_ID_KEYS = (
    "document_id",
    "documentid",
    "file_id",
    "fileid",
    "spreadsheet_id",
    "spreadsheetid",
    "presentation_id",
    "presentationid",
    "doc_id",
    "docid",
    "sheet_id",
    "id",
    "file",
    "url",
    "document_url",
    "file_url",
    "link",
)
#: An id longer than this is not one (Drive and Gmail ids are about 16 to 44 characters).
MAX_ID_CHARS = 256
#: Ids one result may record as created.
MAX_IDS_PER_RESULT = 100
_URL_ID = re.compile(r"/(?:d|folders)/([A-Za-z0-9_-]{10,})|[?&]id=([A-Za-z0-9_-]{10,})")
_TEXT_ID = re.compile(r"\b(?:file|document|spreadsheet|presentation|doc)?\s*ID\s*[:=]\s*`?([A-Za-z0-9_-]{10,})", re.I)
_CREATED_KEYS = (
    "id",
    "fileid",
    "file_id",
    "documentid",
    "document_id",
    "spreadsheetid",
    "spreadsheet_id",
    "presentationid",
    "presentation_id",
)


def normalize_file_id(value: str) -> str:
    """A Drive file id from an id or a Google URL."""
    m = _URL_ID.search(value)
    if m:
        return m.group(1) or m.group(2)
    return value.strip()


def target_file(arguments: object) -> str | None:
    if not isinstance(arguments, Mapping):
        return None
    lowered = {str(k).lower(): v for k, v in arguments.items()}
    for key in _ID_KEYS:
        value = lowered.get(key)
        if isinstance(value, str) and value.strip():
            return normalize_file_id(value)
    return None


def _parse(result: object) -> object:
    if isinstance(result, str):
        text = result.strip()
        if text[:1] in "{[":
            try:
                return json.loads(text)
            except ValueError:
                return result
    return result


_DRAFT_KEYS = ("draft_id", "draftid", "id")


def draft_target(arguments: object) -> str | None:
    if not isinstance(arguments, Mapping):
        return None
    lowered = {str(k).lower(): v for k, v in arguments.items()}
    return next((v.strip() for k in _DRAFT_KEYS if isinstance(v := lowered.get(k), str) and v.strip()), None)


def created_ids(result: object, keys: tuple[str, ...] = _CREATED_KEYS) -> list[str]:
    """Ids a create tool's result names: top-level id ``keys``, one ``file``-like
    level down, MCP text content, Google URLs and ``ID: …`` phrases in text.
    Nested parents (``parents``, ``folder``) are deliberately not collected."""
    out: list[str] = []
    for item in _walk(_parse(result), depth=0):
        if isinstance(item, str):
            out += [a or b for a, b in _URL_ID.findall(item)]
            out += _TEXT_ID.findall(item)
        elif isinstance(item, Mapping):
            lowered = {str(k).lower(): v for k, v in item.items()}
            for key in keys:
                v = lowered.get(key)
                if isinstance(v, str) and v:
                    out.append(normalize_file_id(v))
            for key in ("webviewlink", "alternatelink", "url", "link"):
                v = lowered.get(key)
                if isinstance(v, str):
                    out += [a or b for a, b in _URL_ID.findall(v)]
    # Kept in policy state: bounded in length and number (real ids are about 44 characters), the first
    # ones kept; a longer id is not recorded, so it is never treated as a file this agent created.
    kept = (i for i in dict.fromkeys(out) if len(i) <= MAX_ID_CHARS)
    return list(itertools.islice(kept, MAX_IDS_PER_RESULT))


def created_draft_ids(result: object) -> list[str]:
    return created_ids(result, ("id", "draftid", "draft_id"))


def _walk(value: object, depth: int) -> Iterator[object]:
    """The result, its MCP ``content`` texts, and one level of wrapper objects."""
    if depth > 3:
        return
    if isinstance(value, str):
        yield value
        parsed = _parse(value)
        if not isinstance(parsed, str):
            yield from _walk(parsed, depth + 1)
        return
    if isinstance(value, list):
        for v in value[:50]:
            yield from _walk(v, depth + 1)
        return
    if isinstance(value, Mapping):
        yield value
        for key in (
            "content",
            "result",
            "file",
            "document",
            "spreadsheet",
            "presentation",
            "draft",
            "data",
            "structuredContent",
            "text",
        ):
            if key in value:
                yield from _walk(value[key], depth + 1)
