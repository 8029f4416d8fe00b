"""Errors → HTTP: the one status table, and handlers that always answer
``{"code", "message", "errors"}``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from goalrail.errors import Conflict, Forbidden, GoalrailError
from goalrail.jsontext import InvalidJSON as InvalidJSON  # re-exported: the server's routes raise it
from goalrail.jsontext import invalid_json
from goalrail.policies.redact import redact

log = logging.getLogger("goalrail.server")

STATUS: dict[str, int] = {
    "invalid_json": 400,
    "invalid_host": 400,
    "invalid_id": 400,
    "invalid_request": 422,
    "invalid_event": 422,
    "invalid_params": 422,
    "unknown_handler": 422,
    "invalid_config": 422,
    "invalid_policy_yaml": 422,
    "unauthorized": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "policy_denied": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "read_only": 409,
    "approval_required": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "store_error": 503,
    "unavailable": 503,
    "goalrail_error": 500,
    "internal_error": 500,
}
_BY_STATUS = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthorized",
    403: "forbidden",
    413: "payload_too_large",
    415: "unsupported_media_type",
    400: "invalid_request",
}


class ReadOnly(Conflict):
    """The resource comes from a file the operator controls; change it there."""

    code = "read_only"


class CSRFFailed(Forbidden):
    code = "csrf_failed"


def status_for(code: str) -> int:
    return STATUS.get(code, 500)


def error_body(code: str, message: str, errors: list[dict[str, str]] | None = None) -> dict[str, object]:
    """An error answer; a secret its message or details quote (a value the request sent,
    echoed back) is redacted (``policies.redact``): every error answer is made here."""
    shown = [{k: redact(v) if isinstance(v, str) else v for k, v in e.items()} for e in errors] if errors else []
    return {"code": code, "message": redact(message), "errors": shown}


def exception_body(exc: GoalrailError) -> dict[str, object]:
    """``exc.to_dict()`` as :func:`error_body` shows it."""
    return error_body(exc.code, exc.message, exc.errors)


def error_response(exc: GoalrailError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.code == "unauthorized" else None
    return JSONResponse(exception_body(exc), status_code=status_for(exc.code), headers=headers)


def wants_html(request: Request) -> bool:
    """A browser navigating (``Accept: text/html`` before JSON), not an API client."""
    if request.method not in ("GET", "HEAD") or request.url.path.startswith("/v1/"):
        return False
    accept = request.headers.get("accept", "")
    html, json = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


def _loc(loc: Iterable[int | str]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _json_problem(error: Mapping[str, object], body: object) -> str | None:
    """What FastAPI's JSON reader found wrong, and where (``Expecting value at line 2 column 5``)."""
    ctx = error.get("ctx")
    what = ctx.get("error") if isinstance(ctx, dict) else None
    raw_loc = error.get("loc")
    loc = tuple(raw_loc) if isinstance(raw_loc, (list, tuple)) else ()
    if not isinstance(what, str):
        return None
    pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    if pos is None or not isinstance(body, str):
        return what
    return f"{what} at line {body.count(chr(10), 0, pos) + 1} column {pos - body.rfind(chr(10), 0, pos)}"


def install(app: FastAPI) -> None:
    async def goalrail_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GoalrailError)
        return error_response(exc)

    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errs = list(exc.errors())
        bad = next((e for e in errs if e.get("type") == "json_invalid"), None)
        if bad is not None:
            problem = invalid_json(_json_problem(bad, getattr(exc, "body", None)))
            return JSONResponse(exception_body(problem), status_code=400)
        if any(tuple(e.get("loc", ())) == ("body",) and isinstance(e.get("input"), (bytes, str)) for e in errs):
            return JSONResponse(
                error_body("unsupported_media_type", "send the body as JSON with `Content-Type: application/json`"),
                status_code=415,
            )
        details = [{"loc": _loc(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errs]
        first = details[0] if details else {"loc": "body", "message": "invalid"}
        return JSONResponse(
            error_body("invalid_request", f"invalid request: {first['loc']}: {first['message']}", details),
            status_code=422,
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        page: Callable[[Request], Response] | None = getattr(request.app.state, "html_not_found", None)
        if exc.status_code == 404 and page is not None and wants_html(request):
            return page(request)
        code = _BY_STATUS.get(exc.status_code, "goalrail_error")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404:
            message = f"no route for `{request.method} {request.url.path}`"
        return JSONResponse(
            error_body(code, message.lower() if message.isupper() else message),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "internal server error"), status_code=500)

    app.add_exception_handler(GoalrailError, goalrail_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
