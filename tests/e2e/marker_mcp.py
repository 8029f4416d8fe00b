"""A real MCP server (stdio) whose one tool leaves a mark: ``touch(path)`` creates the file."""

from __future__ import annotations

from pathlib import Path

from mcp.server import MCPServer

app = MCPServer("files")


@app.tool()
def touch(path: str) -> str:
    """Create an empty file at path."""
    Path(path).touch()
    return f"touched {path}"


if __name__ == "__main__":
    app.run()
