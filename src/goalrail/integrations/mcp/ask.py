"""Resolving an ASK from inside an MCP tool call.

The proxy holds the *agent's* credential, which may wait on an approval but
never resolve it (DESIGN decision 9): a process the agent controls must not be
able to approve its own action.  So the approval is always resolved by the
user in Goalrail (web UI, ``goalrail approvals approve``, REST), and the MCP
client is used only to tell the user:

* If the client supports elicitation, it shows a form: the action, the reason
  and where to approve it.  *Decline* refuses at once (refusing is safe to do
  locally).  *Cancel* means the client could not ask (Claude Code ``-p`` answers
  every elicitation with it) and *Accept* that the user saw it: both keep
  waiting for the Goalrail approval.
* Meanwhile (and without elicitation support) the proxy waits on the approval
  up to the timeout.  No answer in time → DENY.
* Once approved, ``retry`` (when given) posts the identical call again, which
  uses the approval up on the server: an approval given ``once`` lets exactly
  one call through, and a DENY from any policy still wins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeAlias

import anyio
from mcp.server.context import ServerRequestContext

from goalrail.integrations.backend import Backend, settle
from goalrail.jsontypes import JsonObject

#: the request context a low-level MCP server hands its handlers (no lifespan state used)
Context: TypeAlias = ServerRequestContext[object]

_SCHEMA: JsonObject = {"type": "object", "properties": {}}


def can_elicit(ctx: object) -> bool:
    session = getattr(ctx, "session", None)
    caps = getattr(session, "client_capabilities", None)
    return caps is not None and getattr(caps, "elicitation", None) is not None


def approval_message(action: str, verdict: JsonObject, approvals_url: str | None) -> str:
    approval_id = verdict.get("approval_id")
    where = f"the Goalrail web UI ({approvals_url.rstrip('/')})" if approvals_url else "the Goalrail web UI"
    return (
        f"Goalrail needs your approval for {action}: {verdict.get('reason') or 'a policy asked'} "
        f"[{verdict.get('policy') or 'policy'}]. Approve or refuse it in {where} "
        f"(or `goalrail approvals approve {approval_id}`). Decline here to refuse it now; "
        "cancelling keeps the request open in Goalrail."
    )


async def resolve_ask(
    ctx: Context,
    backend: Backend,
    verdict: JsonObject,
    *,
    action: str,
    timeout_s: float,
    approvals_url: str | None = None,
    retry: Callable[[], Awaitable[JsonObject]] | None = None,
) -> JsonObject:
    """The final verdict (ALLOW or DENY) for an ASK."""
    if verdict.get("result") != "ASK":
        return verdict
    if not verdict.get("approval_id"):
        return {
            **verdict,
            "result": "DENY",
            "reason": f"needs approval, but no approval was created ({verdict.get('reason')})",
        }
    final: JsonObject = {}

    async with anyio.create_task_group() as tg:

        async def wait_for_human() -> None:
            final.update(await settle(backend, verdict, timeout_s))
            tg.cancel_scope.cancel()

        async def tell_user() -> None:
            try:
                answer = await ctx.session.elicit_form(
                    approval_message(action, verdict, approvals_url),
                    _SCHEMA,
                    related_request_id=getattr(ctx, "request_id", None),
                )
            except Exception:  # no back-channel or the client failed: keep waiting on Goalrail
                return
            if answer.action == "decline":  # refused in the client; "cancel" only means it could not ask
                final.update(
                    {
                        **verdict,
                        "result": "DENY",
                        "asked": {"result": "ASK", "reason": verdict.get("reason")},
                        "reason": f"refused in the client ({verdict.get('reason')})",
                    }
                )
                tg.cancel_scope.cancel()

        tg.start_soon(wait_for_human)
        if can_elicit(ctx):
            tg.start_soon(tell_user)
    if not final:
        return {**verdict, "result": "DENY", "reason": "no approval"}
    if final.get("result") == "ALLOW" and retry is not None:
        again = await retry()
        if again.get("result") == "ASK":  # another call used the approval first
            return {**again, "result": "DENY", "reason": f"the approval was already used ({again.get('reason')})"}
        return again
    return final
