"""The one identity of an MCP tool, whatever harness calls it: ``mcp__<server>__<tool>``.

Harnesses spell MCP tools their own way — Claude Code and Codex ``mcp__<server>__<tool>``,
Gemini CLI ``mcp_<server>_<tool>`` (with the parts in ``mcp_context``), OpenCode
``<server>_<tool>``, Cursor the bare tool name — and ``tool_mapping`` entries and
policies are written for the first form.  Every adapter (and the MCP proxy) names the
tool with :func:`canonical`, the server part made safe by :func:`server_slug`, so a
mapping or policy for ``mcp__files__read_file`` reaches the tool through every harness.
Standard library only, no ``re``: hook adapters import it on their hot path.
"""

from __future__ import annotations

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def server_slug(name: str) -> str:
    """A server name as tool names carry it: runs of other characters become one ``_``, no
    ``__`` (the separator) inside, no ``_`` at either end; ``upstream`` when nothing is left."""
    out: list[str] = []
    for ch in name.strip():
        ch = ch if ch in _SAFE else "_"
        if ch == "_" and out and out[-1] == "_":
            continue
        out.append(ch)
    return "".join(out).strip("_") or "upstream"


def canonical(server: str, tool: str) -> str:
    return f"mcp__{server_slug(server)}__{tool}"


def from_gemini(name: str, context: object) -> str | None:
    """Gemini CLI's MCP tool as canonical: from ``mcp_context`` (server and tool as configured), else
    from its own ``mcp_<server>_<tool>`` name (split at the first ``_``, as Gemini does); None otherwise."""
    if isinstance(context, dict):
        server, tool = context.get("server_name"), context.get("tool_name")
        if isinstance(server, str) and server and isinstance(tool, str) and tool:
            return canonical(server, tool)
    if name.startswith("mcp_") and not name.startswith("mcp__"):
        server, sep, tool = name[4:].partition("_")
        if server and sep and tool:
            return canonical(server, tool)
    return None


#: A harness's own tools that read an MCP server's resources, each with the argument naming the
#: server: Claude Code's ``ReadMcpResourceTool``/``ReadMcpResourceDirTool`` and Codex's
#: ``read_mcp_resource`` (``{server, uri}``).  Such a read is that server's action, named
#: :data:`RESOURCE_READ` under it (:func:`resource_read`), so ``tool_mapping`` entries and
#: policies written for the server (``mcp__files__*``) judge it.
RESOURCE_TOOLS = frozenset({"ReadMcpResourceTool", "ReadMcpResourceDirTool", "read_mcp_resource"})
RESOURCE_READ = "read_resource"


def resource_read(tool: str, arguments: object) -> str | None:
    """``mcp__<server>__read_resource`` for a harness tool reading a named server's resource, else None."""
    if tool not in RESOURCE_TOOLS or not isinstance(arguments, dict):
        return None
    server = arguments.get("server")
    return canonical(server, RESOURCE_READ) if isinstance(server, str) and server.strip() else None
