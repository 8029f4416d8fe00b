"""GET /v1/sessions/{id}/usage: the records behind the web UI's cost chart."""

from __future__ import annotations

import hashlib

from starlette.testclient import TestClient

from goalrail.config.server import server_config_from_text
from goalrail.server.app import create_app

TOKENS = {
    "alice": ("user", "tok-alice-0123456789"),
    "bob": ("user", "tok-bob-0123456789"),
    "alice-agent": ("agent", "tok-agent-0123456789"),
}


def _client() -> TestClient:
    lines = "\n".join(
        f"    - {{user: {name.split('-')[0]}, role: {role}, sha256: {hashlib.sha256(tok.encode()).hexdigest()}}}"
        for name, (role, tok) in TOKENS.items()
    )
    config = server_config_from_text(f"database_url: 'memory://'\nauth:\n  tokens:\n{lines}\n", "<test>")
    return TestClient(create_app(config))


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][1]}"}


def test_usage_records_oldest_first_with_totals() -> None:
    with _client() as c:
        for tokens_in in (100, 300):
            r = c.post(
                "/v1/sessions/s1/usage",
                headers=_auth("alice-agent"),
                json={"model": "some-unknown-model", "input_tokens": tokens_in, "output_tokens": 10},
            )
            assert r.status_code == 200, r.text
        body = c.get("/v1/sessions/s1/usage", headers=_auth("alice")).json()
        assert [d["input_tokens"] for d in body["data"]] == [100, 300]
        assert body["data"][0]["at"] <= body["data"][1]["at"]
        assert body["totals"]["input_tokens"] == 400
        assert body["totals"]["llm_calls"] == 2
        assert body["data"][0]["priced"] is False and body["totals"]["total_cost_usd"] is None


def test_usage_of_another_users_session_is_not_found() -> None:
    with _client() as c:
        c.post("/v1/sessions/s2/usage", headers=_auth("alice-agent"), json={"model": "m", "input_tokens": 1})
        assert c.get("/v1/sessions/s2/usage", headers=_auth("bob")).status_code == 404
        assert c.get("/v1/sessions/nope/usage", headers=_auth("alice")).status_code == 404
        assert c.get("/v1/sessions/s2/usage").status_code == 401
