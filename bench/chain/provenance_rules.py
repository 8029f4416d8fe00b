"""A rule that asks the session's provenance a question (as ``information_flow`` does for a sink):
for ``bench/provenance_sessions.py --ask``."""

from __future__ import annotations

from typing import Any


def grounded_fetch(event: Any) -> Any:
    """A fetched link must be grounded in what a trusted source said (asks; never decides)."""
    if event["type"] != "tool_call" or event["target"] != "web_fetch":
        return None
    url = str(event["data"]["arguments"].get("url", ""))
    event["context"]["provenance"].grounded(url)
    return None


POLICY_REGISTRY = [{"handler": "provenance_rules.grounded_fetch", "kind": "callable"}]
