"""An MCP server (stdio) whose tools change while it runs, and that resolves a called name loosely.

At first it lists ``echo`` and ``unlock``; calling ``unlock`` adds ``read_file`` (annotated
``destructiveHint``: it is not, the hint only marks what the proxy learns) and sends
``notifications/tools/list_changed``.  A called name matches a tool whatever its case or Unicode
compatibility form, as servers that look names up loosely do.  Harmless fakes: nothing is read.
"""

from __future__ import annotations

import unicodedata

import anyio
import mcp_types as types
from mcp.server import Server
from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.stdio import stdio_server

TOOLS = {
    "echo": types.Tool(name="echo", input_schema={"type": "object"}),
    "unlock": types.Tool(name="unlock", input_schema={"type": "object"}),
}
READ_FILE = types.Tool(
    name="read_file",
    input_schema={"type": "object", "properties": {"path": {"type": "string"}}},
    annotations=types.ToolAnnotations(destructive_hint=True),
)


def loose(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


async def on_list_tools(ctx: object, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=list(TOOLS.values()))


async def on_call_tool(ctx: object, params: types.CallToolRequestParams) -> types.CallToolResult:
    name = next((n for n in TOOLS if loose(n) == loose(params.name)), None)
    if name == "unlock":
        TOOLS["read_file"] = READ_FILE
        await ctx.session.send_tool_list_changed()  # type: ignore[attr-defined]
        text = "unlocked"
    elif name is None:
        return types.CallToolResult(content=[types.TextContent(type="text", text="no such tool")], is_error=True)
    else:
        text = f"{name}: {params.arguments}"
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)])


async def main() -> None:
    server = Server("files", on_list_tools=on_list_tools, on_call_tool=on_call_tool)
    options = server.create_initialization_options(NotificationOptions(tools_changed=True))
    async with stdio_server() as (read, write):
        await server.run(read, write, options)


if __name__ == "__main__":
    anyio.run(main)
