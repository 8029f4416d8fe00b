"""Defaults the server, the CLI and the harness hooks share, each written once.

Imports only ``os``: the Claude Code hook process imports this module (through
``integrations.endpoint``), and its start-up time is paid on every tool call
(``bench/hook.py``).
"""

from __future__ import annotations

import os

#: The local server, when neither ``--url`` nor ``GOALRAIL_URL`` says otherwise.
DEFAULT_URL = "http://127.0.0.1:6767"

#: How long a pending approval stays open on the server (``approvals.timeout_s``);
#: a policy's own ``ask_timeout`` takes precedence.
APPROVAL_TIMEOUT_S = 3600.0

#: How long a proxy (MCP, LLM) or the chat MCP server waits for the human's answer
#: to an ASK before it gives up (``--ask-timeout``, ``llm_proxy.ask_timeout_s``).
ASK_WAIT_S = 300.0


def goalrail_home() -> str:
    """``$GOALRAIL_HOME`` (``~`` expanded), else ``~/.goalrail``: tokens, config, the SQLite file."""
    home = os.environ.get("GOALRAIL_HOME")
    return os.path.expanduser(home) if home else os.path.join(os.path.expanduser("~"), ".goalrail")
