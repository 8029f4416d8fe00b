"""``goalrail.Client``: evaluate events against a remote Goalrail server.

    client = goalrail.Client()                       # GOALRAIL_URL / GOALRAIL_TOKEN / ~/.goalrail
    verdict = client.tool_call("sess-1", "Bash", {"command": "ls"})
    if verdict["result"] == "DENY": ...

Unreachable server → :class:`goalrail.errors.Unavailable` (fail closed).
"""

from __future__ import annotations

from typing import Any

from goalrail.integrations.client import DEFAULT_DEADLINE_S, GoalrailClient


class Client(GoalrailClient):
    """The remote client (same interface as :class:`goalrail.Guard` for ``guarded``)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        deadline: float = DEFAULT_DEADLINE_S,
        harness: str = "python-sdk",
        **kwargs: Any,
    ) -> None:
        super().__init__(url, token, deadline=deadline, **kwargs)
        self.harness = harness

    def tool_call(
        self, session: str, tool: str, arguments: dict[str, Any] | str | None = None, *, wait: float | None = None
    ) -> dict[str, Any]:
        event = {
            "type": "tool_call",
            "target": tool,
            "data": {"name": tool, "arguments": arguments or {}},
            "context": {"harness": self.harness},
        }
        return self.evaluate(session, event, wait=wait)

    def tool_result(
        self, session: str, tool: str, arguments: dict[str, Any] | str | None, result: object
    ) -> dict[str, Any]:
        event = {
            "type": "tool_result",
            "target": tool,
            "data": {"name": tool, "arguments": arguments or {}, "result": result},
            "context": {"harness": self.harness},
        }
        return self.evaluate(session, event)
