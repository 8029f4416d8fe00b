"""A harness's tool call named by its arguments as well as its name: one reading for every path.

Claude Code's ``Monitor`` with ``ws`` and no ``command`` opens a WebSocket instead of running a
command: it is ``MonitorWebSocket``, a ``network_connect`` to ``ws.url``.  Claude Code's
``ReadMcpResourceTool``/``ReadMcpResourceDirTool`` and Codex's ``read_mcp_resource`` (``{server,
uri}``) read a server's resource: ``mcp__<server>__read_resource`` (:func:`goalrail.mcp_names.resource_read`).
The hooks name such a call so before posting it, and the server names a model answer's calls so
(the LLM proxy's, an ``llm_response`` an SDK posts) before mapping them, so a rule written for
the connection or the server meets the call whichever way it reached Goalrail.
Standard library only, no ``re``: hook adapters import it on their hot path.
"""

from __future__ import annotations

from goalrail.mcp_names import RESOURCE_TOOLS, resource_read

TYPE_CHECKING = False  # no `typing` import on the hook's hot path
if TYPE_CHECKING:
    from goalrail.jsontypes import JsonObject

MONITOR = "Monitor"
#: the names whose arguments can make the call another tool (test before calling :func:`renamed`)
BY_ARGUMENTS = frozenset({MONITOR}) | RESOURCE_TOOLS


def renamed(tool: str, arguments: object) -> tuple[str, JsonObject] | None:
    """(name, arguments) a call is judged as, when its arguments make it another tool; else None."""
    if not isinstance(arguments, dict):
        return None
    if tool == MONITOR:
        if arguments.get("command") is not None or "ws" not in arguments:
            return None
        ws = arguments["ws"]
        return "MonitorWebSocket", {**arguments, "url": ws.get("url") if isinstance(ws, dict) else ws}
    name = resource_read(tool, arguments)
    return (name, arguments) if name else None
