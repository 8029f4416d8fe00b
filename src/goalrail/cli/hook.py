"""``goalrail hook claude-code``: translate one harness hook invocation.

The normal path never gets here: ``goalrail.cli.main`` dispatches
``hook claude-code`` straight to the lean hook module before argparse.  This
module is the argparse-visible entry (help text, and a fallback dispatcher).
"""

from __future__ import annotations

import argparse

HARNESSES = ("claude-code",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("harness", choices=HARNESSES, help="which harness's hook JSON is on stdin")
    parser.add_argument(
        "rest",
        nargs=argparse.REMAINDER,
        help="hook options: --url, --token, --timeout S, --ask-wait S, --on-allow, --fail-open",
    )


def run(args: argparse.Namespace) -> int:
    from goalrail.integrations.claude_code.hook_main import main

    return main(list(args.rest))
