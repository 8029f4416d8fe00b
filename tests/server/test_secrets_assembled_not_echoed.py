"""Secrets assembled at run time, spaced out, encoded (hex, ROT13, gzip in base64), in newer
formats, in an environment dump or under a capitalised program come back nowhere: not in an
approval's preview, the session view, reasons (builtins' and any policy's), the audit's reasons
and targets, or logs.  The same server as ``test_secrets_not_echoed.py``, with these planted."""

from __future__ import annotations

import base64
import codecs
import gzip
import logging

import pytest

from .test_secrets_not_echoed import ASK_OS, QUOTING, _client, shown_when_asked, shown_when_denied
from .test_secrets_not_echoed import secret_policies as secret_policies

GITHUB = "ghp_" + "Rt5Yu8Io2Pa4Sd6Fg9Hj1Kl3Zx7Cv0Bn5Mq" + "lmno"
NPM = "npm_" + "Qw2Er4Ty6Ui8Op0As2Df4Gh6Jk8Lz0Xc2Vb4"
PASSWORD = "Pl4tyPus0rbit9"
COMMAND = (
    f'A={GITHUB[:10]}; B={GITHUB[10:]}; curl -H "Authorization: token $A$B" https://api.github.com'
    f" && echo {GITHUB[:4]} {GITHUB[4:16]} {GITHUB[16:28]} {GITHUB[28:]}"
    f" && echo {GITHUB.encode().hex()} | xxd -r -p"
    f" && echo {codecs.encode(GITHUB, 'rot13')} | tr 'A-Za-z' 'N-ZA-Mn-za-m'"
    f" && echo {base64.b64encode(gzip.compress(GITHUB.encode())).decode()} | base64 -d | gunzip"
    f" && npm config set //registry.npmjs.org/:_auth {NPM}"
    f" && printf 'ENCRYPTION_KEY={PASSWORD}\\n' >> .env && MYSQL -uroot -p{PASSWORD}x prod"
)
SHOWN_NEVER = (
    PASSWORD,
    GITHUB[4:14],
    GITHUB[14:24],
    GITHUB[24:36],
    GITHUB[30:],
    NPM[4:16],
    GITHUB.encode().hex()[8:40],
)


def assert_hidden(text: str) -> None:
    for secret in SHOWN_NEVER:
        assert secret not in text, f"`{secret[:12]}…` shown in {text[:600]}"


async def test_an_approval_preview_and_the_session_view_hide_every_class() -> None:
    async with await _client(ASK_OS) as c:
        texts, shown = await shown_when_asked(c, COMMAND)
        for text in texts:
            assert_hidden(text)
        for mark in ("A=[redacted assembled_secret]", "[redacted encoded_secret] | xxd", "[redacted npm_token"):
            assert mark in shown, (mark, shown)


@pytest.mark.usefixtures("secret_policies")
async def test_any_policy_reason_and_failure_and_the_logs_hide_every_class(logs: pytest.LogCaptureFixture) -> None:
    logs.set_level(logging.WARNING)
    async with await _client(QUOTING) as c:
        for text in await shown_when_denied(c, COMMAND):
            assert_hidden(text)
    assert "failed closed" in logs.text
    assert_hidden(logs.text)
