"""Waiting for a Goalrail approval from a harness hook (``--ask-wait SECONDS``).  Stdlib only.

Any hook that cannot show a prompt of its own (Claude Code ``-p``, Codex,
Gemini CLI…) can answer an ASK by waiting for the user to approve it in
Goalrail (web UI, ``goalrail approvals approve``, REST):

1. post the event with ``?wait=`` (the server holds it up to its own cap);
2. while the approval is pending, wait on ``GET /v1/approvals/{id}?wait=``;
3. once approved, post the identical event again: the server matches it to the
   approval (bound to the canonical action, not to per-call ids), uses it up and
   answers ALLOW — and a DENY from any policy still wins;
4. refused, expired, or still pending at the end of the wait → a DENY whose reason
   says where to approve; approving later and retrying the identical call lets
   it through.

The hook's credential only ever waits; it never resolves an approval.
``send(method, path, body, timeout)`` returns ``(status, decoded JSON)`` and
raises on transport errors (the caller fails closed).
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from goalrail.jsontypes import JsonObject, JsonValue

    Send = Callable[[str, str, JsonValue, float], tuple[int, JsonValue]]

SLICE_S = 30.0
_REFUSED = {
    "denied": "refused in Goalrail",
    "expired": "the approval expired",
    "answered_in_client": "answered in the client, not in Goalrail",
    "applied": "the approval was already used by another call",
}


def quote(segment: str) -> str:
    """Percent-encode one path segment without importing urllib."""
    safe = "-_.~"
    return "".join(
        c if (c.isalnum() and c.isascii()) or c in safe else "".join(f"%{b:02X}" for b in c.encode()) for c in segment
    )


def events_path(session: str, wait: float = 0.0) -> str:
    return f"/v1/sessions/{quote(session)}/events" + (f"?wait={wait:g}" if wait > 0 else "")


def approval_link(base_url: str, approval_id: str) -> str:
    return f"{base_url.rstrip('/')}/approvals#{approval_id}"


def evaluate(
    send: Send,
    session: str,
    event: JsonObject,
    *,
    wait_s: float,
    timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[int, JsonValue]:
    """The server's answer to ``event``, an ASK waited on up to ``wait_s`` seconds.

    A non-2xx status is returned as is.  An ASK still pending at the end comes back
    with ``result`` ASK and ``pending: true`` (see :func:`pending_reason`).
    """
    deadline = clock() + max(0.0, wait_s)
    first = min(wait_s, SLICE_S)
    status, body = send("POST", events_path(session, first), event, timeout_s + first)
    if wait_s <= 0 or status >= 300 or not isinstance(body, dict) or body.get("result") != "ASK":
        return status, body
    approval_id = body.get("approval_id")
    if not isinstance(approval_id, str) or not approval_id:
        return status, body
    while True:
        left = deadline - clock()
        if left <= 0:
            return status, {**body, "pending": True}
        step = min(left, SLICE_S)
        got, record = send("GET", f"/v1/approvals/{quote(approval_id)}?wait={step:g}", None, timeout_s + step)
        if got >= 300 or not isinstance(record, dict):
            return status, {**body, "pending": True}
        state = record.get("status")
        if state == "approved":
            # Post the identical call again: the server uses the approval up and answers ALLOW
            # (or DENY, if a policy now refuses).
            return send("POST", events_path(session), event, timeout_s)
        if state in _REFUSED:
            why = f"{_REFUSED[state]} ({body.get('reason')})"
            return status, {**body, "result": "DENY", "reason": why, "asked": {"result": "ASK"}}


def pending_reason(body: Mapping[str, object], wait_s: float, base_url: str) -> str:
    """Why an ASK still pending after the wait is refused, and how to let the retry through."""
    approval_id = str(body.get("approval_id") or "")
    where = approval_link(base_url, approval_id) if approval_id else base_url
    return (
        f"{body.get('reason') or 'a policy asked'} — not approved within {wait_s:g}s; "
        f"approve {approval_id} in Goalrail ({where}), then retry the identical call"
    )
