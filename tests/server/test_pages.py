"""What a browser gets outside the console pages: Swagger UI from local files and
an HTML 404; API clients keep JSON errors."""

from __future__ import annotations

import re

from server_support import client_for, make_app

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_unknown_urls_are_an_html_page_for_browsers_and_json_for_clients() -> None:
    app = make_app()
    async with client_for(app) as c:
        page = await c.get("/no/such/<page>", headers=BROWSER)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Page not found" in page.text and "/no/such/&lt;page&gt;" in page.text and "<page>" not in page.text
        api = await c.get("/no/such/page")
        assert api.status_code == 404 and api.json()["code"] == "not_found"
        under_v1 = await c.get("/v1/nothing", headers=BROWSER)
        assert under_v1.status_code == 404 and under_v1.json()["code"] == "not_found"
        posted = await c.post("/nothing", headers=BROWSER)
        assert posted.headers["content-type"].startswith("application/json")


async def test_swagger_ui_is_served_from_local_files() -> None:
    app = make_app()
    async with client_for(app) as c:
        docs = await c.get("/docs")
        assert docs.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert sources and all(s.startswith("/") for s in sources), sources  # nothing from another host
        for src in sources:
            r = await c.get(src)
            assert r.status_code == 200 and len(r.content) > 100, src
        assert (await c.get("/openapi.json")).json()["info"]["title"] == "Goalrail"
