"""Routes of the web UI: page shells and static files.

Every page is the same small server-rendered shell (``templates/layout.html``)
naming the page; the page's script fetches its data from the REST API with the
sign-in cookie, so the API's authorization is the only authorization.
"""

from __future__ import annotations

import hashlib
import html
from importlib import resources
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

router = APIRouter(include_in_schema=False)

_PACKAGE = resources.files("goalrail.web")
_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# Scripts only from this origin; inline style attributes are used for small layout tweaks.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _load_static() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for entry in _PACKAGE.joinpath("static").iterdir():
        suffix = "." + entry.name.rsplit(".", 1)[-1]
        if entry.is_file() and suffix in _TYPES:
            out[entry.name] = entry.read_bytes()
    return out


_STATIC = _load_static()
_VERSION = hashlib.sha256(b"".join(_STATIC[k] for k in sorted(_STATIC))).hexdigest()[:10]
_LAYOUT = Template(_PACKAGE.joinpath("templates", "layout.html").read_text(encoding="utf-8"))
_NOT_FOUND = Template(_PACKAGE.joinpath("templates", "not_found.html").read_text(encoding="utf-8"))

# (path, label, page key, admin only)
NAV = (
    ("/sessions", "Sessions", "sessions", False),
    ("/approvals", "Approvals", "approvals", False),
    ("/admin/policies", "Policies", "admin-policies", True),
    ("/admin/agents", "Agents", "agents", True),
    ("/admin/audit", "Audit", "audit", True),
)


def _nav(active: str) -> str:
    links = []
    for path, label, key, admin in NAV:
        cls = " ".join(c for c in ("active" if key == active else "", "admin-only hidden" if admin else "") if c)
        count = '<span class="count" id="pending-count"></span>' if key == "approvals" else ""
        current = ' aria-current="page"' if key == active else ""
        links.append(f'<a href="{path}" class="{cls}"{current}>{label}{count}</a>')
    return "".join(links)


def render_page(page: str, title: str, **data: str) -> HTMLResponse:
    """The page shell; ``data`` becomes ``data-*`` attributes on <body> (HTML-escaped)."""
    attrs = "".join(f' data-{k.replace("_", "-")}="{html.escape(v, quote=True)}"' for k, v in data.items())
    body = _LAYOUT.substitute(title=html.escape(title), page=page, attrs=attrs, nav=_nav(page), version=_VERSION)
    return HTMLResponse(body, headers={**_SECURITY_HEADERS, "Cache-Control": "no-store"})


def not_found_page(request: Request) -> HTMLResponse:
    """The 404 a browser sees for an unknown URL (API clients keep the JSON error)."""
    body = _NOT_FOUND.substitute(path=html.escape(request.url.path[:200]), nav=_nav(""), version=_VERSION)
    return HTMLResponse(body, status_code=404, headers={**_SECURITY_HEADERS, "Cache-Control": "no-store"})


def mount(app: FastAPI, state: object) -> None:
    app.include_router(router)
    app.state.html_not_found = not_found_page


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/sessions", status_code=307)


@router.get("/signin")
async def signin() -> HTMLResponse:
    return render_page("signin", "Sign in")


@router.get("/sessions")
async def sessions() -> HTMLResponse:
    return render_page("sessions", "Sessions")


@router.get("/sessions/{session_id}")
async def session(session_id: str) -> HTMLResponse:
    return render_page("session", f"Session {session_id}", session_id=session_id)


@router.get("/approvals")
async def approvals() -> HTMLResponse:
    return render_page("approvals", "Approvals")


@router.get("/admin")
async def admin() -> RedirectResponse:
    return RedirectResponse("/admin/policies", status_code=307)


@router.get("/admin/policies")
async def admin_policies() -> HTMLResponse:
    return render_page("admin-policies", "Server-wide policies")


@router.get("/admin/agents")
async def admin_agents() -> HTMLResponse:
    return render_page("agents", "Agents")


@router.get("/admin/audit")
async def admin_audit() -> HTMLResponse:
    return render_page("audit", "Audit log")


@router.get("/static/{name}")
async def static(name: str, request: Request) -> Response:
    content = _STATIC.get(name)
    if content is None:
        return Response(f"no static file `{quote(name)}`", status_code=404, media_type="text/plain")
    suffix = "." + name.rsplit(".", 1)[-1]
    etag = f'"{_VERSION}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=_TYPES[suffix], headers=headers)
