"""``goalrail.Client``: evaluate events against a remote Goalrail server.

    client = goalrail.Client()                       # GOALRAIL_URL / GOALRAIL_TOKEN / ~/.goalrail
    verdict = client.tool_call("sess-1", "Bash", {"command": "ls"})
    if verdict["result"] == "DENY": ...

Unreachable server → :class:`goalrail.errors.Unavailable` (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from goalrail.integrations.client import DEFAULT_DEADLINE_S, GoalrailClient
from goalrail.jsontypes import JsonObject


class Client(GoalrailClient):
    """The remote client (same interface as :class:`goalrail.Guard` for ``guarded``)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        deadline: float = DEFAULT_DEADLINE_S,
        harness: str = "python-sdk",
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, deadline=deadline, headers=headers, transport=transport)
        self.harness = harness

    def tool_call(
        self,
        session: str,
        tool: str,
        arguments: Mapping[str, object] | str | None = None,
        *,
        wait: float | None = None,
    ) -> JsonObject:
        event = {
            "type": "tool_call",
            "target": tool,
            "data": {"name": tool, "arguments": arguments or {}},
            "context": {"harness": self.harness},
        }
        return self.evaluate(session, event, wait=wait)

    def tool_result(
        self, session: str, tool: str, arguments: Mapping[str, object] | str | None, result: object
    ) -> JsonObject:
        event = {
            "type": "tool_result",
            "target": tool,
            "data": {"name": tool, "arguments": arguments or {}, "result": result},
            "context": {"harness": self.harness},
        }
        return self.evaluate(session, event)
