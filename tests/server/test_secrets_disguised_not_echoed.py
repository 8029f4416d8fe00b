"""The secrets of command lines (``mysql -pPASS``, ``curl -u user:PASS``, ``sshpass -p``,
``.pgpass`` lines, ``AWS_SECRET_ACCESS_KEY=…``) and secrets in disguise (a zero-width space in a
token, a token split by shell quoting, percent- or base64-encoded) come back nowhere: not in an
approval's preview, the session view, reasons (builtins' and any policy's), the audit's reasons
and targets, error bodies, metrics labels or logs.  The same server as
``test_secrets_not_echoed.py``, with these spellings planted."""

from __future__ import annotations

import base64
import logging

import pytest
from server_support import BASE_CONFIG

from .test_secrets_not_echoed import (
    ADMIN,
    AGENT,
    ALICE,
    ASK_OS,
    QUOTING,
    _client,
    bash,
    shown_when_asked,
    shown_when_denied,
)
from .test_secrets_not_echoed import secret_policies as secret_policies

GITHUB = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
PASSWORD = "S3cr3tPa55word"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm2Np4R"
ENCODED = base64.b64encode(f"token={GITHUB}".encode()).decode()
COMMAND = (
    f"mysql -uroot -p{PASSWORD} prod < dump.sql && curl -u admin:{PASSWORD}x https://x.example"
    f" && sshpass -p {PASSWORD}y ssh deploy@host && echo 'db:5432:prod:app:{PASSWORD}z' >> ~/.pgpass"
    f" && export AWS_SECRET_ACCESS_KEY={AWS_SECRET} && git push https://ghp_\u200b{GITHUB[4:]}@github.com/o/r"
    f' && gh auth login --with-token <<< "ghp_""{GITHUB[4:]}" && echo {ENCODED} | base64 -d'
)
#: what must never be shown: the passwords, the AWS secret, any long part of the token or its encoding
SHOWN_NEVER = (PASSWORD, AWS_SECRET, GITHUB[4:20], GITHUB[20:36], ENCODED[:24])


def assert_hidden(text: str) -> None:
    for secret in SHOWN_NEVER:
        assert secret not in text, f"`{secret[:12]}…` shown in {text[:600]}"


async def test_an_approval_preview_and_the_session_view_hide_every_spelling() -> None:
    async with await _client(ASK_OS) as c:
        texts, shown = await shown_when_asked(c, COMMAND)
        for text in texts:
            assert_hidden(text)
        for mark in (
            "-p[redacted password] prod",
            "admin:[redacted password]",
            "[redacted github_token …abcd]@github.com",
            "[redacted encoded_secret] | base64 -d",
        ):
            assert mark in shown, (mark, shown)


@pytest.mark.usefixtures("secret_policies")
async def test_any_policy_reason_and_failure_and_the_logs_hide_every_spelling(logs: pytest.LogCaptureFixture) -> None:
    logs.set_level(logging.WARNING)
    async with await _client(QUOTING) as c:
        for text in await shown_when_denied(c, COMMAND):
            assert_hidden(text)
    assert "failed closed" in logs.text
    assert_hidden(logs.text)


async def test_error_bodies_and_metrics_labels_hide_a_disguised_token() -> None:
    hidden = "ghp_\u200b" + GITHUB[4:]
    async with await _client(BASE_CONFIG) as c:
        answers = [
            await c.post(f"/v1/sessions/s1/events?agent={hidden}", json=bash("ls"), headers=AGENT),
            await c.post("/v1/sessions", json={"agent": f'"ghp_""{GITHUB[4:]}"'}, headers=ALICE),
            await c.post("/v1/sessions/s4/events", json={"type": f"tool_gh%70_{GITHUB[4:]}"}, headers=AGENT),
        ]
        for r in answers:
            assert 400 <= r.status_code < 500, r.text
            assert_hidden(r.text)
        await c.post("/v1/sessions", json={"id": "s9"}, headers=ALICE)
        r = await c.post(
            "/v1/sessions/s9/policies",
            json={
                "name": hidden,
                "handler": "goalrail.policies.builtins.tools.tool_gate",
                "factory_params": {"deny": ["*"]},
            },
            headers=ALICE,
        )
        assert r.status_code in (200, 201), r.text
        await c.post("/v1/sessions/s9/events", json=bash("ls"), headers=AGENT)
        metrics = (await c.get("/metrics", headers=ADMIN)).text
        assert "goalrail_policy_verdicts_total" in metrics
        assert_hidden(metrics)
