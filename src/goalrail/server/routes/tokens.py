"""API tokens over REST: admins manage everyone's; users create and revoke their
own (e.g. an agent token for their hooks).  Agents never touch tokens.  A token
is returned once, at creation; only its SHA-256 is stored."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from goalrail.errors import Forbidden, NotFound
from goalrail.jsontypes import JsonObject
from goalrail.runtime.ports import TokenRecord
from goalrail.server.auth import hash_token, new_token
from goalrail.server.models import TokenCreate
from goalrail.server.quotas import token_cap
from goalrail.server.routes import Caller
from goalrail.server.state import state_of
from goalrail.server.web_signin import SIGNED_OUT

router = APIRouter(tags=["tokens"])


def _view(t: TokenRecord) -> JsonObject:
    return {
        "id": t.id,
        "object": "token",
        "user": t.user,
        "role": t.role,
        "label": t.label,
        "created_at": t.created_at,
        "revoked": t.revoked,
        "agent": t.agent,
    }


@router.get("/v1/tokens", summary="Tokens (never their values): admins all, users their own")
async def list_tokens(request: Request, caller: Caller) -> dict[str, Any]:
    caller.require_human("listing tokens")
    tokens = await state_of(request).store.list_tokens(None if caller.is_admin else caller.user)
    mine = (t for t in tokens if not t.id.startswith(SIGNED_OUT))
    return {"object": "list", "data": [_view(t) for t in mine]}


@router.post("/v1/tokens", status_code=201, summary="Create a token; its value is in this answer only")
async def create_token(body: TokenCreate, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("creating tokens")
    user = body.user or caller.user
    if not caller.is_admin and (user != caller.user or body.role == "admin"):
        raise Forbidden("users can create user or agent tokens for themselves only")
    if body.agent is not None and not await st.runtime.knows_agent(body.agent):
        raise NotFound(
            f"agent `{body.agent}` is not known to this server", [{"loc": "agent", "message": "unknown agent spec"}]
        )
    token = new_token()
    digest = hash_token(token)
    record = TokenRecord(
        id="tok_" + digest[:12],
        token_hash=digest,
        user=user,
        role=body.role,
        label=body.label,
        created_at=time.time(),
        agent=body.agent,
    )
    await st.store.create_token(record, token_cap(st, caller, user))
    st.auth.forget()
    return {**_view(record), "token": token}


@router.delete("/v1/tokens/{token_id}", summary="Revoke a token (admins any, users their own)")
async def revoke_token(token_id: str, request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    caller.require_human("revoking tokens")
    found = await st.store.get_token(token_id)
    if found is None or not (caller.is_admin or found.user == caller.user):
        raise NotFound(f"token `{token_id}` not found")
    await st.store.revoke_token(token_id)
    st.auth.forget()
    return {"id": token_id, "object": "token", "revoked": True}
