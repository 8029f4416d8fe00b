"""Entry point: ``goalrail <command> …``."""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # argparse and typing cost ~20 ms: keep them off the hook's fast path
    import argparse
    from collections.abc import Sequence

    from goalrail.errors import GoalrailError

# command name → (module, help).  Each module defines add_arguments(parser) and run(args) -> int.
COMMANDS: dict[str, tuple[str, str]] = {
    "server": ("goalrail.cli.server", "run the Goalrail server (REST API, web UI, LLM proxy)"),
    "eval": ("goalrail.cli.eval", "evaluate one event offline against a config, agent spec and session policies"),
    "test": ("goalrail.cli.test", "run policy test cases (YAML) and recorded traces with expected verdicts"),
    "replay": (
        "goalrail.cli.replay",
        "re-judge recorded sessions against a candidate config; exit 1 if anything changes",
    ),
    "registry": ("goalrail.cli.registry", "list the discoverable policies and their parameters"),
    "config": ("goalrail.cli.config", "check a server config or agent spec (`goalrail config check FILE`)"),
    "policies": ("goalrail.cli.policies", "list/add/rm/enable/disable server-wide policies on a running server"),
    "sessions": ("goalrail.cli.sessions", "list sessions on a running server"),
    "approvals": ("goalrail.cli.approvals", "list/approve/deny pending approvals on a running server"),
    "audit": ("goalrail.cli.audit", "verify the audit log's hash chain"),
    "token": ("goalrail.cli.token", "create and list API tokens"),
    "hook": (
        "goalrail.cli.hook",
        "harness hooks (`goalrail hook claude-code|codex|gemini|cursor` reads hook JSON on stdin)",
    ),
    "install": (
        "goalrail.cli.install",
        "install integrations (`goalrail install claude-code|codex|gemini|cursor|opencode`)",
    ),
    "mcp-proxy": ("goalrail.cli.mcp_proxy", "govern an MCP server's tools: goalrail mcp-proxy --session ID -- CMD…"),
    "mcp": ("goalrail.cli.mcp", "an MCP server offering sys_add_policy / sys_policy_registry / sys_list_policies"),
    "llm-proxy": ("goalrail.cli.llm_proxy", "an OpenAI-compatible LLM proxy governed by policies"),
    "docs": ("goalrail.cli.docs", "generate documentation from the registry"),
}

#: ``goalrail hook <harness>`` adapters run by the shared hook core (Claude Code has its own module).
HOOK_ADAPTERS = {
    "codex": "goalrail.integrations.codex.translate",
    "gemini": "goalrail.integrations.gemini.translate",
    "cursor": "goalrail.integrations.cursor.translate",
}


def _available() -> dict[str, tuple[str, str]]:
    import importlib.util

    return {name: spec for name, spec in COMMANDS.items() if importlib.util.find_spec(spec[0]) is not None}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog="goalrail", description="Goalrail: contextual policies for AI agents.")
    parser.add_argument("--version", action="version", version="goalrail 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands = _available()
    for name, (module_name, help_text) in commands.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or only == name:
            importlib.import_module(module_name).add_arguments(p)
        p.set_defaults(_module=module_name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:2] == ["hook", "claude-code"]:  # fast path: runs on every tool call
        from goalrail.integrations.claude_code.hook_main import main as hook_main

        return hook_main(args_list[2:])
    if args_list[:1] == ["hook"] and args_list[1:2] and args_list[1] in HOOK_ADAPTERS:  # same fast path
        from goalrail.integrations import hookcore

        return hookcore.main(importlib.import_module(HOOK_ADAPTERS[args_list[1]]), args_list[2:])
    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(only=first if first in COMMANDS else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    module = importlib.import_module(args._module)
    from goalrail.errors import GoalrailError

    try:
        code = int(module.run(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe (`| head`) surfaces here, not at exit
        return code
    except GoalrailError as exc:
        print(format_error(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`goalrail registry | head`): stop quietly, as other tools do.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def format_error(exc: GoalrailError) -> str:
    """``error: message`` then each detail once (a detail the message already says is not repeated)."""
    lines = [f"error: {exc.message}"]
    for err in exc.errors:
        text, loc = str(err.get("message") or ""), str(err.get("loc") or "")
        if text and text in exc.message:
            continue
        if " " in loc and ":" in loc.split(" ")[0]:  # `file:line key.path`: the message names the key
            loc = loc.split(" ")[0]
        lines.append(f"  {loc}: {text}" if loc else f"  {text}")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
