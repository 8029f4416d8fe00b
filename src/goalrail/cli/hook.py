"""``goalrail hook claude-code``: translate one harness hook invocation.

The normal path never gets here: ``goalrail.cli.main`` dispatches
``hook claude-code`` straight to the lean hook module before argparse.  This
module is the argparse-visible entry (help text, and a fallback dispatcher).
"""

from __future__ import annotations

import argparse

HARNESSES = ("claude-code", "codex", "gemini", "cursor")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("harness", choices=HARNESSES, help="which harness's hook JSON is on stdin")
    parser.add_argument(
        "rest",
        nargs=argparse.REMAINDER,
        help="hook options: --url, --token, --token-file, --timeout S, --ask-wait S, --ask, --on-allow, --fail-open",
    )


def run(args: argparse.Namespace) -> int:
    if args.harness == "claude-code":
        from goalrail.integrations.claude_code.hook_main import main

        return main(list(args.rest))
    import importlib

    from goalrail.cli.main import HOOK_ADAPTERS
    from goalrail.integrations import hookcore

    return hookcore.main(importlib.import_module(HOOK_ADAPTERS[args.harness]), list(args.rest))
