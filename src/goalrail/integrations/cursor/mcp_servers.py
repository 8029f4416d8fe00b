"""Which configured MCP server a Cursor ``beforeMCPExecution`` call goes to.

Cursor's MCP hooks name the tool but not its server: they carry the server's
``url`` (remote) or ``command`` (stdio).  The server's name is where the user
configured it, ``mcp.json`` (``.cursor/mcp.json`` of each workspace root, then
``~/.cursor/mcp.json``: ``{"mcpServers": {<name>: {"command", "args"} | {"url"}}}``).
The name found there makes the tool ``mcp__<server>__<tool>``, as every other
harness names it; none, or two servers that fit, leave the server unnamed
(``mcp__cursor__<tool>``).  Read only for MCP calls; standard library only.
"""

from __future__ import annotations

import os

from goalrail.integrations.claude_code import fastjson

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping


def _configured(path: str) -> Mapping[str, object]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = fastjson.loads(fh.read())
    except (OSError, ValueError):
        return {}
    found = data.get("mcpServers") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def _spellings(entry: object) -> set[str]:
    """How a hook input can name this server: its URL, its command alone, or with its arguments."""
    if not isinstance(entry, dict):
        return set()
    out: set[str] = set()
    url, command, args = entry.get("url"), entry.get("command"), entry.get("args")
    if isinstance(url, str) and url:
        out.add(url.rstrip("/"))
    if isinstance(command, str) and command:
        out.add(command)
        if isinstance(args, list) and all(isinstance(a, str) for a in args):
            out.add(" ".join([command, *args]))
    return out


def server_name(payload: Mapping[str, object]) -> str | None:
    """The configured name of the server the call goes to, when exactly one fits."""
    given = {
        v.rstrip("/") if k == "url" else v for k in ("url", "command") if isinstance(v := payload.get(k), str) and v
    }
    if not given:
        return None
    roots = payload.get("workspace_roots")
    paths = (
        [os.path.join(r, ".cursor", "mcp.json") for r in roots if isinstance(r, str)] if isinstance(roots, list) else []
    )
    paths.append(os.path.join(os.path.expanduser("~"), ".cursor", "mcp.json"))
    names = {name for path in paths for name, entry in _configured(path).items() if given & _spellings(entry)}
    return names.pop() if len(names) == 1 else None
