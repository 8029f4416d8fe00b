"""``POST /hooks/claude-code``: the hook translation served for Claude Code's ``http`` hook type.

The server app includes ``router`` when this module is present.  The endpoint
is a thin translation in front of the public events API: it turns the hook
payload into an event and posts it to this same app's
``POST /v1/sessions/{id}/events`` in-process (same authentication, validation
and audit as any client), then answers in Claude Code's hook output format.

Caveat (documented in docs/integrations.md): Claude Code treats a non-2xx
answer, a connection failure or a timeout of an ``http`` hook as a non-blocking
error and lets the action proceed, so only the ``command`` hook fails closed
when the server is down.  This endpoint itself answers 200 with a deny whenever
it cannot get a decision.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from goalrail.integrations import ask_wait
from goalrail.integrations.claude_code import translate
from goalrail.integrations.hookcore import combine
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.redact import redact

router = APIRouter(tags=["integrations"])


@router.post("/hooks/claude-code", summary="Claude Code http hook: hook input JSON in, hook output JSON out")
async def claude_code_hook(request: Request, wait: float = 0.0, on_allow: str = "defer") -> Response:
    payload: object = None
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype != "application/json":  # a web page's form or text/plain post: never an event
        return JSONResponse(translate.unavailable_output(translate.PRE, "bad hook input: the body must be JSON"))
    try:
        payload = await request.json()
        translated = translate.to_event(payload)
    except (ValueError, RecursionError, translate.BadPayload) as exc:
        hook = payload.get("hook_event_name") if isinstance(payload, dict) else translate.PRE
        return JSONResponse(translate.unavailable_output(str(hook), redact(f"bad hook input: {exc}")))
    if translated is None:
        return Response(status_code=204)
    hook, session, event = translated
    events = [event]
    data = event.get("data")
    prompt = data.get("user_content") if hook == translate.PROMPT and isinstance(data, dict) else None
    if isinstance(prompt, str) and "@" in prompt:  # files Claude Code attaches with no tool call
        events += translate.mention_events(prompt, event, local=False)
    verdicts: list[JsonObject] = []
    for each in events:
        answer = await _evaluate(request, session, each, wait if hook in (*translate.GATES, translate.PROMPT) else 0)
        if isinstance(answer, str):
            return JSONResponse(translate.unavailable_output(hook, answer))
        verdicts.append(answer)
        if answer.get("result") == "DENY":
            break
    verdict = combine(verdicts)
    if wait and verdict.get("result") == "ASK" and verdict.get("approval_id"):
        # Waited and still pending: refuse with the link, as `--ask-wait` does (the retry uses the approval).
        base = str(request.base_url).rstrip("/")
        verdict = {**verdict, "result": "DENY", "reason": ask_wait.pending_reason(verdict, wait, base)}
    output = translate.to_output(hook, verdict, on_allow=on_allow)
    return JSONResponse(output) if output is not None else Response(status_code=204)


async def _evaluate(request: Request, session: str, event: JsonObject, wait: float) -> JsonObject | str:
    """The events API's answer, or a short text saying why there is none."""
    headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
    # In-process, under a loopback Host (the only kind single-user mode serves).
    transport = httpx.ASGITransport(app=request.app)
    url = f"/v1/sessions/{quote(session, safe='')}/events"
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            resp = await client.post(
                url, json=event, headers=headers, params={"wait": wait} if wait else None, timeout=None
            )
    except Exception as exc:  # fail closed on anything
        return f"evaluation failed: {type(exc).__name__}"
    body: JsonValue
    try:
        body = resp.json()
    except ValueError:
        body = None
    if resp.status_code >= 300 or not isinstance(body, dict):
        message = body.get("message") if isinstance(body, dict) else None
        return f"server refused the event ({resp.status_code}{f': {message}' if message else ''})"
    return body
