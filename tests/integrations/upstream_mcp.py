"""A small real MCP server used as the proxy's upstream in tests (stdio, or
streamable HTTP with ``--http PORT``).  Tools: ``echo``, ``read_file``,
``run_command`` — harmless fakes that report what they were asked to do."""

from __future__ import annotations

import sys

from mcp.server import MCPServer

app = MCPServer("files")


@app.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return f"echo: {text}"


@app.tool()
def read_file(path: str) -> str:
    """Pretend to read a file."""
    return f"contents of {path}"


@app.tool()
def run_command(command: str) -> str:
    """Pretend to run a shell command."""
    return f"ran: {command}"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        app.run()
