"""Sign-in for the web UI: a one-time code (printed at start) or a token becomes
an HttpOnly, SameSite=Strict cookie.  ``GET /v1/auth/me`` says who you are."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from goalrail.errors import Forbidden, Unauthorized
from goalrail.server import web_signin
from goalrail.server.auth import COOKIE, check_csrf
from goalrail.server.models import LoginBody
from goalrail.server.quotas import token_cap
from goalrail.server.routes import Caller
from goalrail.server.state import ServerState, state_of

router = APIRouter(tags=["auth"])


def _set_cookie(st: ServerState, request: Request, response: Response, credential: str) -> None:
    response.set_cookie(
        COOKIE,
        credential,
        max_age=st.auth.cookie_max_age_s,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


@router.get("/login", include_in_schema=False)
async def login_with_code(code: str, request: Request) -> Response:
    st = state_of(request)
    if st.console_token is None or not st.auth.redeem_login_code(code):
        if "text/html" in request.headers.get("accept", ""):
            return RedirectResponse("/signin?error=invalid", status_code=303)
        raise Unauthorized(
            "this sign-in link is invalid or was already used; "
            "restart the server for a new one, or sign in with a token"
        )
    response = RedirectResponse("/", status_code=303)
    _set_cookie(st, request, response, st.auth.console_cookie())
    return response


@router.post("/v1/auth/login", summary="Exchange a token for a sign-in cookie")
async def login_with_token(body: LoginBody, request: Request) -> Response:
    st = state_of(request)
    if request.headers.get("origin") is not None:
        check_csrf(request, st.config.server.get("public_url"))
    principal = await st.auth.lookup(body.token, "token")  # a token: never another web sign-in
    if principal is None:
        raise Unauthorized("invalid or revoked token")
    if principal.role == "agent":
        # The UI resolves approvals and changes policies: never with an agent's credential.
        raise Forbidden("agent tokens cannot sign in to the web UI; use a user or admin token")
    cap = token_cap(st, principal, principal.user)
    credential = await web_signin.sign_in(st.auth, principal, cap)
    response = JSONResponse({"user": principal.user, "role": principal.role})
    _set_cookie(st, request, response, credential)
    return response


@router.post("/v1/auth/logout", summary="Sign out: end the web sign-in server-side and clear the cookie")
async def logout(request: Request) -> Response:
    st = state_of(request)
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await web_signin.sign_out(st.auth, st.store, cookie)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/v1/auth/me", summary="Who the server thinks you are")
async def me(request: Request, caller: Caller) -> dict[str, Any]:
    st = state_of(request)
    return {**caller.to_dict(), "single_user": await st.auth.single_user()}
