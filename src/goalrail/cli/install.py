"""``goalrail install claude-code|codex|gemini|cursor|opencode [--project|--user] [--uninstall]``.

``--url`` and ``--token`` are honoured by every installer: the URL goes on the
hook command line, the token into a user-private file under
``~/.goalrail/hook-tokens/`` that the command line names (never into the
harness's config file, which the agent can read and git can commit).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from goalrail.errors import InvalidRequest

INTEGRATIONS = ("claude-code", "codex", "gemini", "cursor", "opencode")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("integration", choices=INTEGRATIONS)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--project", action="store_true", help="this project's config (default, except codex)")
    where.add_argument(
        "--user", action="store_true", help="the user's config (default for codex unless --project-dir is given)"
    )
    parser.add_argument("--project-dir", default=None, help="project directory (default: current directory)")
    parser.add_argument("--settings", default=None, help="an explicit settings/hooks file path")
    parser.add_argument("--uninstall", action="store_true", help="remove only what Goalrail added")
    parser.add_argument(
        "--http",
        action="store_true",
        help="claude-code: install an `http` hook to the server instead of the command hook "
        "(note: Claude Code lets actions proceed when an http hook cannot connect)",
    )
    parser.add_argument("--url", default=None, help="Goalrail server URL the hook calls (default: local)")
    parser.add_argument(
        "--token", default=None, help="the (agent) token the hook sends; stored in a 0600 file, not in the config"
    )
    parser.add_argument(
        "--command", dest="hook_command", default=None, help="the hook command (default: this goalrail)"
    )
    parser.add_argument(
        "--ask-wait",
        type=int,
        default=0,
        help="answer ASKs by waiting up to this many seconds for a Goalrail approval, then deny with the "
        "approval's link (use this for `claude -p`, which cannot prompt); default 0: Claude Code's own prompt, "
        "and for the other harnesses an immediate deny naming the approval",
    )
    parser.add_argument(
        "--ask-native",
        action="store_true",
        help="gemini, cursor: hand ASKs to the harness's own prompt (interactive use only)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="the harness's timeout for the hook, seconds (default 30, or ask-wait + 30)",
    )
    parser.add_argument("--no-trust", action="store_true", help="codex: do not record the hooks' trust")
    parser.add_argument(
        "--trust-project", action="store_true", help="codex --project: also mark the project trusted in Codex"
    )


def run(args: argparse.Namespace) -> int:
    # The harness lets the action proceed when a hook times out: its timeout must outlast ours.
    timeout = args.timeout or 30 + args.ask_wait
    if timeout <= 10 + args.ask_wait:
        raise InvalidRequest(
            f"--timeout must exceed the hook's own deadline (10 s) plus --ask-wait ({args.ask_wait} s)"
        )
    runner = {
        "claude-code": _claude_code,
        "codex": _codex,
        "gemini": _gemini,
        "cursor": _cursor,
        "opencode": _opencode,
    }[args.integration]
    return runner(args, timeout)


def _scope(args: argparse.Namespace, default: str = "project") -> str:
    return "user" if args.user else "project" if args.project else default


def _target(args: argparse.Namespace, locate: Callable[[str, str | None], Path], scope: str | None = None) -> Path:
    """``--settings``, else where the harness keeps its settings for the scope."""
    return Path(args.settings) if args.settings else locate(scope or _scope(args), args.project_dir)


def _removed(count: int, path: Path) -> int:
    print(f"removed {count} Goalrail hook(s) from {path}")
    return 0


def _command(args: argparse.Namespace, harness: str) -> str:
    from goalrail.integrations.installing import hook_command

    extra = ["--ask native"] if args.ask_native and harness in ("gemini", "cursor") else []
    return hook_command(
        harness, command=args.hook_command, url=args.url, token=args.token, ask_wait=args.ask_wait, extra=extra
    )


def _claude_code(args: argparse.Namespace, timeout: int) -> int:
    from goalrail.integrations.claude_code import install as inst
    from goalrail.integrations.endpoint import resolve_url

    path = _target(args, inst.settings_path)
    if args.uninstall:
        return _removed(inst.uninstall(path), path)
    http_url = resolve_url(args.url) if args.http else None
    if http_url and args.ask_wait:
        http_url += f"?wait={args.ask_wait}"
    entry = inst.hook_entry(command=_command(args, "claude-code"), http_url=http_url, timeout_s=timeout)
    inst.install(path, entry)
    kind = f"http hook → {entry['url']}" if args.http else f"command hook: {entry['command']}"
    print(f"installed Goalrail {kind} in {path} (PreToolUse, PostToolUse, UserPromptSubmit, SessionStart)")
    return 0


def _codex(args: argparse.Namespace, timeout: int) -> int:
    from goalrail.integrations.codex import install as inst

    scope = _scope(args, default="project" if args.project_dir else "user")
    path = _target(args, inst.hooks_path, scope)
    config = inst.codex_home() / "config.toml"
    if args.uninstall:
        removed = inst.uninstall(path)
        if config.exists():
            inst.write_trust(config, {}, stale_prefix=str(path.resolve()))  # and their [hooks.state] entries
        print(f"removed {removed} Goalrail hook(s) from {path}")
        return 0
    inst.check_config(config)
    trust = inst.install(path, _command(args, "codex"), timeout)
    print(f"installed Goalrail hooks in {path} (PreToolUse, PostToolUse, UserPromptSubmit, SessionStart)")
    if args.no_trust:
        print("not trusted yet: Codex skips untrusted hooks silently; review and trust them with /hooks in Codex")
    else:
        inst.write_trust(config, trust, stale_prefix=str(path.resolve()))
        print(f"recorded their trust in {config} ([hooks.state]); editing the hooks by hand makes Codex skip them")
    if scope == "project" and not args.settings:
        project = path.parent.parent
        if args.trust_project:
            inst.trust_project(config, project)
            print(f"marked {project} as a trusted project in {config}")
        elif not inst.project_trusted(config, project):
            print(
                f"warning: Codex ignores project hooks until {project} is a trusted project: trust it when Codex "
                "asks, or rerun with --trust-project (or install with --user)"
            )
    return 0


def _gemini(args: argparse.Namespace, timeout: int) -> int:
    from goalrail.integrations.gemini import install as inst

    path = _target(args, inst.settings_path)
    if args.uninstall:
        return _removed(inst.uninstall(path), path)
    inst.install(path, _command(args, "gemini"), timeout)
    print(f"installed Goalrail hooks in {path} (BeforeTool, AfterTool, BeforeAgent)")
    return 0


def _cursor(args: argparse.Namespace, timeout: int) -> int:
    from goalrail.integrations.cursor import install as inst

    path = _target(args, inst.hooks_path)
    if args.uninstall:
        return _removed(inst.uninstall(path), path)
    inst.install(path, _command(args, "cursor"))
    print(f"installed Goalrail hooks in {path} ({', '.join(inst.EVENTS)})")
    return 0


def _opencode(args: argparse.Namespace, timeout: int) -> int:
    from goalrail.integrations.opencode import install as inst

    path = _target(args, inst.plugin_path)
    if args.uninstall:
        print(f"removed {inst.uninstall(path)} Goalrail plugin(s): {path}")
        return 0
    inst.install(path, inst.render(url=args.url, token=args.token, ask_wait=args.ask_wait))
    print(f"installed the Goalrail plugin {path} (tool.execute.before)")
    return 0
