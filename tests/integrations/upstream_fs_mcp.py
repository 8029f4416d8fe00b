"""A small real MCP server shaped like the reference filesystem server (stdio): ``read_text_file``
``{path}``, ``move_file {source, destination}`` — harmless fakes that report what they were asked."""

from __future__ import annotations

from mcp.server import MCPServer

app = MCPServer("fs")


@app.tool()
def read_text_file(path: str) -> str:
    """Pretend to read a file."""
    return f"contents of {path}"


@app.tool()
def move_file(source: str, destination: str) -> str:
    """Pretend to move a file."""
    return f"moved {source} to {destination}"


if __name__ == "__main__":
    app.run()
