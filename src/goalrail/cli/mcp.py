"""``goalrail mcp --session ID``: an MCP server with sys_policy_registry / sys_list_policies / sys_add_policy."""

from __future__ import annotations

import argparse
import os

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import InvalidRequest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--session",
        default=os.environ.get("GOALRAIL_SESSION") or os.environ.get("CLAUDE_CODE_SESSION_ID"),
        help="the session policies are added to (default GOALRAIL_SESSION, else CLAUDE_CODE_SESSION_ID: "
        "inside Claude Code the same session as its hooks)",
    )
    parser.add_argument("--url", default=None, help="Goalrail server (default GOALRAIL_URL or http://127.0.0.1:6767)")
    parser.add_argument("--token", default=None, help="agent token (default GOALRAIL_TOKEN or ~/.goalrail/token)")
    parser.add_argument("--ask-timeout", type=float, default=ASK_WAIT_S, help="seconds to wait for the user's approval")


def run(args: argparse.Namespace) -> int:
    import anyio

    from goalrail.integrations.client import AsyncGoalrailClient
    from goalrail.integrations.mcp import chat_server

    if not args.session:
        raise InvalidRequest("--session is required (or set GOALRAIL_SESSION; Claude Code sets CLAUDE_CODE_SESSION_ID)")

    async def main() -> None:
        client = AsyncGoalrailClient(args.url, args.token)
        try:
            await chat_server.serve(client, args.session, ask_timeout_s=args.ask_timeout, approvals_url=client.url)
        finally:
            await client.aclose()

    anyio.run(main)
    return 0
