"""``goalrail llm-proxy --upstream URL [--anthropic-upstream URL] [--port 6768]``: the LLM proxy on its own."""

from __future__ import annotations

import argparse
import os

from goalrail.defaults import ASK_WAIT_S


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream", default=None, help="the OpenAI-compatible API base, e.g. https://api.openai.com/v1"
    )
    parser.add_argument(
        "--anthropic-upstream",
        default=None,
        help="the Anthropic API base for /v1/messages, e.g. https://api.anthropic.com",
    )
    parser.add_argument(
        "--anthropic-key-env",
        default="ANTHROPIC_API_KEY",
        help="environment variable holding the Anthropic upstream key (ANTHROPIC_API_KEY)",
    )
    parser.add_argument(
        "--upstream-key-env",
        default="OPENAI_API_KEY",
        help="environment variable holding the upstream API key (OPENAI_API_KEY)",
    )
    parser.add_argument("--url", default=None, help="Goalrail server (default GOALRAIL_URL or http://127.0.0.1:6767)")
    parser.add_argument(
        "--token",
        default=None,
        help="Goalrail token used when a caller sends none (default GOALRAIL_TOKEN or ~/.goalrail/token)",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6768)
    parser.add_argument("--ask-timeout", type=float, default=ASK_WAIT_S, help="seconds to wait for an approval")


def run(args: argparse.Namespace) -> int:
    import sys

    import uvicorn

    if not args.upstream and not args.anthropic_upstream:
        print("goalrail llm-proxy: give --upstream, --anthropic-upstream, or both", file=sys.stderr)
        return 2
    from goalrail.integrations.llm_proxy.routes import create_app

    app = create_app(
        args.upstream,
        goalrail_url=args.url,
        goalrail_token=args.token,
        upstream_key=os.environ.get(args.upstream_key_env),
        anthropic_upstream=args.anthropic_upstream,
        anthropic_key=os.environ.get(args.anthropic_key_env),
        ask_timeout_s=args.ask_timeout,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
