"""What the async integrations need from Goalrail, remote or in-process.

:class:`goalrail.integrations.client.AsyncGoalrailClient` (a server over
HTTP) and :class:`goalrail.integrations.local.LocalBackend` (a runtime in this
process) both satisfy :class:`Backend`.  :func:`settle` turns an ASK into a
final verdict by waiting on its approval, which only a human can resolve.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

from goalrail.jsontypes import JsonObject

TERMINAL = ("approved", "denied", "expired", "applied", "answered_in_client")
WAIT_SLICE_S = 30.0


class ApprovalWaiter(Protocol):
    async def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject: ...


class Backend(Protocol):
    async def evaluate(self, session: str, event: Mapping[str, object], *, wait: float | None = None) -> JsonObject: ...

    async def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject: ...

    async def record_usage(
        self, session: str, model: str, input_tokens: int = 0, output_tokens: int = 0
    ) -> JsonObject: ...

    async def registry(self) -> list[JsonObject]: ...

    async def session_policies(self, session: str) -> JsonObject: ...

    async def add_session_policy(self, session: str, body: Mapping[str, object]) -> JsonObject: ...


async def settle(backend: ApprovalWaiter, verdict: JsonObject, timeout_s: float) -> JsonObject:
    """For an ASK with an approval, wait up to ``timeout_s`` and fold the answer in.

    Returns a copy with ``result`` ALLOW (approved) or DENY (refused, expired or
    still pending at the timeout); anything else is returned unchanged.
    """
    approval_id = verdict.get("approval_id")
    if verdict.get("result") != "ASK" or not approval_id:
        return verdict
    deadline = time.monotonic() + max(0.0, timeout_s)
    status = "pending"
    while True:
        left = deadline - time.monotonic()
        record = await backend.wait_approval(str(approval_id), wait=max(0.0, min(left, WAIT_SLICE_S)))
        status = str(record.get("status", "pending"))
        if status in TERMINAL or time.monotonic() >= deadline:
            break
    out = {**verdict, "asked": {"result": "ASK", "reason": verdict.get("reason")}}
    if status == "approved":
        out.update(result="ALLOW", reason=f"approved ({verdict.get('reason')})")
    elif status == "denied":
        out.update(result="DENY", reason=f"refused by the user ({verdict.get('reason')})")
    elif status in ("applied", "answered_in_client"):
        out.update(result="DENY", reason=f"the approval was already used ({verdict.get('reason')})")
    else:
        out.update(result="DENY", reason=f"no approval within {timeout_s:g}s ({verdict.get('reason')})")
    return out
