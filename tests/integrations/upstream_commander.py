"""A small real MCP server shaped as Desktop Commander, the MCP proxy's upstream in
``test_mcp_proxy_command_tools``: ``start_process {command, timeout_ms}``,
``interact_with_process {pid, input}``, ``move_file {source, destination}`` and ``echo`` —
harmless fakes that report what they were asked to do (nothing runs, nothing moves)."""

from __future__ import annotations

from mcp.server import MCPServer

app = MCPServer("desktop-commander")


@app.tool()
def start_process(command: str, timeout_ms: int = 1000) -> str:
    """Pretend to start a shell process running the command."""
    return f"started: {command}"


@app.tool()
def interact_with_process(pid: int, input: str) -> str:
    """Pretend to type input into a running process."""
    return f"sent to {pid}: {input}"


@app.tool()
def move_file(source: str, destination: str) -> str:
    """Pretend to move a file."""
    return f"moved {source} to {destination}"


@app.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return f"echo: {text}"


if __name__ == "__main__":
    app.run()
