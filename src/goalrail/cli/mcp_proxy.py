"""``goalrail mcp-proxy --session ID [--url URL] -- <upstream command…>`` (or ``--upstream-url``)."""

from __future__ import annotations

import argparse
import os

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import InvalidRequest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--session",
        default=os.environ.get("GOALRAIL_SESSION") or os.environ.get("CLAUDE_CODE_SESSION_ID"),
        help="the Goalrail session the calls belong to (default GOALRAIL_SESSION, else CLAUDE_CODE_SESSION_ID: "
        "inside Claude Code the same session as its hooks)",
    )
    parser.add_argument("--url", default=None, help="Goalrail server (default GOALRAIL_URL or http://127.0.0.1:6767)")
    parser.add_argument("--token", default=None, help="agent token (default GOALRAIL_TOKEN or ~/.goalrail/token)")
    parser.add_argument(
        "--name",
        default=None,
        help="server name in tool events mcp__<name>__<tool> (default: the name the upstream reports)",
    )
    parser.add_argument("--upstream-url", default=None, help="a streamable HTTP upstream instead of a command")
    parser.add_argument(
        "--ask-timeout", type=float, default=ASK_WAIT_S, help=f"seconds to wait for an approval ({ASK_WAIT_S:g})"
    )
    parser.add_argument("--deadline", type=float, default=10.0, help="seconds to wait for a decision (10)")
    parser.add_argument(
        "--hide-denied",
        action="store_true",
        help="hide from tools/list the tools a dry-run evaluation (POST /v1/sessions/{id}/evaluate) denies",
    )
    parser.add_argument("upstream", nargs=argparse.REMAINDER, help="-- the upstream MCP server command")


def run(args: argparse.Namespace) -> int:
    import anyio

    from goalrail.integrations.client import AsyncGoalrailClient
    from goalrail.integrations.mcp import proxy

    command = list(args.upstream or [])
    if command[:1] == ["--"]:
        command = command[1:]
    if not args.session:
        raise InvalidRequest("--session is required (or set GOALRAIL_SESSION; Claude Code sets CLAUDE_CODE_SESSION_ID)")
    if not command and not args.upstream_url:
        raise InvalidRequest("give the upstream command after `--`, or --upstream-url")

    async def main() -> None:
        client = AsyncGoalrailClient(args.url, args.token, deadline=args.deadline)
        try:
            await proxy.serve(
                client,
                args.session,
                command=command or None,
                url=args.upstream_url,
                name=args.name,
                ask_timeout_s=args.ask_timeout,
                approvals_url=client.url,
                hide_denied=args.hide_denied,
                dry_run=client.dry_run,
            )
        finally:
            await client.aclose()

    anyio.run(main)
    return 0
