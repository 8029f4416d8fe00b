"""``goalrail install claude-code [--project|--user] [--uninstall]``."""

from __future__ import annotations

import argparse

from goalrail.errors import InvalidRequest
from goalrail.integrations.endpoint import resolve_url


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("integration", choices=["claude-code"])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--project", action="store_true", help="this project's .claude/settings.json (default)")
    where.add_argument("--user", action="store_true", help="~/.claude/settings.json")
    parser.add_argument("--project-dir", default=None, help="project directory (default: current directory)")
    parser.add_argument("--settings", default=None, help="an explicit settings.json path")
    parser.add_argument("--uninstall", action="store_true", help="remove only the hooks Goalrail added")
    parser.add_argument(
        "--http",
        action="store_true",
        help="install an `http` hook to the server instead of the command hook "
        "(note: Claude Code lets actions proceed when an http hook cannot connect)",
    )
    parser.add_argument("--url", default=None, help="server URL for --http (default GOALRAIL_URL or local)")
    parser.add_argument(
        "--command", dest="hook_command", default=None, help="the hook command (default: this goalrail)"
    )
    parser.add_argument(
        "--ask-wait",
        type=int,
        default=0,
        help="answer ASKs by waiting up to this many seconds for a Goalrail approval, then deny with the "
        "approval's link (use this for `claude -p`, which cannot prompt); default 0: Claude Code's own prompt",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="Claude Code's timeout for the hook, seconds (default 30, or ask-wait + 30)",
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from goalrail.integrations.claude_code import install as inst

    path = (
        Path(args.settings)
        if args.settings
        else inst.settings_path("user" if args.user else "project", args.project_dir)
    )
    if args.uninstall:
        removed = inst.uninstall(path)
        print(f"removed {removed} Goalrail hook(s) from {path}")
        return 0
    # Claude Code lets the action proceed when a hook times out: its timeout must outlast ours.
    timeout = args.timeout or 30 + args.ask_wait
    if timeout <= 10 + args.ask_wait:
        raise InvalidRequest(
            f"--timeout must exceed the hook's own deadline (10 s) plus --ask-wait ({args.ask_wait} s)"
        )
    command = args.hook_command or inst.default_command()
    if args.ask_wait:
        command += f" --ask-wait {args.ask_wait}"
    http_url = resolve_url(args.url) if args.http else None
    if http_url and args.ask_wait:
        http_url += f"?wait={args.ask_wait}"
    entry = inst.hook_entry(command=command, http_url=http_url, timeout_s=timeout)
    inst.install(path, entry)
    kind = "http hook → " + entry["url"] if args.http else "command hook: " + entry["command"]
    print(f"installed Goalrail {kind} in {path} (PreToolUse, PostToolUse, UserPromptSubmit, SessionStart)")
    return 0
