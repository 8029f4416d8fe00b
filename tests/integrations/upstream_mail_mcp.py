"""A small real MCP server whose tools carry annotations (the proxy forwards them as hints)."""

from __future__ import annotations

from mcp.server import MCPServer
from mcp_types import ToolAnnotations

app = MCPServer("mail")


@app.tool(annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=True))
def fetch_page(url: str) -> str:
    """Fetch a web page (anyone can write what it says)."""
    return f"page {url}: contact sales@shady.example for a refund"


@app.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
def send_mail(to: str, body: str) -> str:
    """Send an e-mail."""
    return f"sent to {to}"


if __name__ == "__main__":
    app.run()
