"""A real `goalrail server` process with its access log on, and the CLI's approval listing:
no secret an agent sent, nor a credential in a URL's query, is printed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.test_process import TOKENS, Server
from tests.server.test_secrets_not_echoed import ANTHROPIC, AWS, COMMAND, GITHUB, SECRETS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("secrets"), extra=("--access-log",))
    yield s
    s.stop()


def test_the_cli_lists_approvals_without_their_secrets(server: Server) -> None:
    shell = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": COMMAND}}}
    agent = {"Authorization": f"Bearer {TOKENS['agent'][0]}"}
    asked = httpx.post(f"{server.url}/v1/sessions/sec1/events", json=shell, headers=agent).json()
    assert asked["result"] == "ASK", asked
    admin = TOKENS["admin"][0]
    for args in (("approvals",), ("approvals", "--json"), ("approvals", "list", "--session", "sec1", "--json")):
        out = server.cli(*args, token=admin)
        assert out.returncode == 0 and asked["approval_id"] in out.stdout, out.stderr
        for secret in SECRETS:
            assert secret not in out.stdout + out.stderr
    assert "[redacted github_token" in server.cli("approvals", "--json", token=admin).stdout


def test_the_access_log_shows_no_credential_of_a_query(server: Server) -> None:
    code = "Qm3xV8kPz2Lr7Tn4"
    httpx.get(f"{server.url}/login?code={code}", follow_redirects=False)
    httpx.get(f"{server.url}/v1/sessions?token={GITHUB}&limit=5")
    httpx.get(f"{server.url}/healthz?key={AWS}&api_key={ANTHROPIC}")
    log = server.output()
    assert "GET /login?code=[redacted" in log and "&limit=5" in log, log[-2000:]
    for secret in (code, GITHUB, AWS, ANTHROPIC):
        assert secret not in log
