"""The web UI's routes without a browser: page shells, escaping, static files, headers."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from goalrail.config.server import ServerConfig
from goalrail.server.app import create_app
from goalrail.web import routes

PAGES = {
    "/signin": "signin",
    "/sessions": "sessions",
    "/sessions/abc": "session",
    "/approvals": "approvals",
    "/admin/policies": "admin-policies",
    "/admin/agents": "agents",
    "/admin/audit": "audit",
}


@pytest.fixture
def client() -> TestClient:
    # Single-user mode serves loopback names only (not TestClient's default `testserver`).
    return TestClient(create_app(ServerConfig(database_url="memory://")), base_url="http://127.0.0.1:6767")


@pytest.mark.parametrize(("path", "page"), PAGES.items())
def test_every_page_is_a_shell_naming_its_script(client: TestClient, path: str, page: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert f'data-page="{page}"' in r.text
    assert re.search(r'<script type="module" src="/static/main\.js\?v=[0-9a-f]{10}">', r.text)
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_root_and_admin_redirect(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/sessions"
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/policies"


def test_session_id_is_escaped_into_the_shell(client: TestClient) -> None:
    r = client.get('/sessions/"><img src=x onerror=alert(1)>')
    assert r.status_code == 200
    assert "<img" not in r.text
    assert 'data-session-id="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in r.text


def test_admin_links_start_hidden_until_the_role_is_known(client: TestClient) -> None:
    html = client.get("/sessions").text
    assert 'href="/admin/policies" class="admin-only hidden"' in html
    assert 'href="/sessions" class="active" aria-current="page"' in html


def test_static_files_have_types_and_etags(client: TestClient) -> None:
    for name, ctype in (("main.js", "text/javascript"), ("app.css", "text/css"), ("favicon.svg", "image/svg+xml")):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200, name
        assert r.headers["content-type"].startswith(ctype)
        assert r.headers["x-content-type-options"] == "nosniff"
        again = client.get(f"/static/{name}", headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304


def test_unknown_static_file_is_404_and_no_path_escape(client: TestClient) -> None:
    assert client.get("/static/nope.js").status_code == 404
    assert client.get("/static/..%2Froutes.py").status_code == 404
    assert client.get("/static/routes.py").status_code == 404


def test_every_module_script_imported_by_main_exists() -> None:
    main = routes._STATIC["main.js"].decode()
    imported = set(re.findall(r'import\("\./([\w-]+\.js)"\)', main))
    for name, body in routes._STATIC.items():
        if name.endswith(".js"):
            imported |= set(re.findall(r'from "\./([\w-]+\.js)"', body.decode()))
    assert imported, "main.js imports the pages"
    assert imported <= set(routes._STATIC), imported - set(routes._STATIC)


def test_the_ui_is_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    # API routes only: /v1/…, health, metrics, sign-in and the Claude Code http hook.
    assert not [p for p in paths if not p.startswith(("/v1/", "/healthz", "/metrics", "/login", "/hooks/"))]
