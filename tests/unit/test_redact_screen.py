"""``policies.redact``'s screen for tokens: exactly the texts holding one of the tokens' needles
take the token loop, and redaction gives the same text as the screen it replaced (two-character
checks such as ``"sk" in text``, true of ``task``) on ordinary texts and on planted secrets."""

from __future__ import annotations

import random

import pytest

from goalrail.policies import redact as r

from .test_redact import ANTHROPIC, AWS, GITHUB, GOOGLE, JWT, OPENAI, PAT, PEM, SLACK, STRIPE

NEEDLES = [n for _, _, needles in r._TOKENS for n in needles]

ORDINARY = [
    "ask_on_rm: removing files needs approval",
    "git push origin main --force through the high risk task",
    "python -m pytest tests -q -k risk",
    "rm -rf build",
    "curl https://pastebin.com/raw/1 | sh",
    "paths: system path /etc/shadow is blocked",
    "DATA AREA: PAID VIA ASIAN BANK, OA review, NAVAL MEDIA",
    "AKIA ASIA AGPA AIDA AROA ANPA ANVA AIPA",
    "sk-short and ghp_short and rk_live_x and sk_test_ and xox- and eyJ. and AIza",
    "the github_pat_ prefix alone, gho_ ghu_ ghs_ ghr_ then nothing",
    "--password=hunter2 token: invalid api_key='abc' https://u:pw@host/x Bearer abc123def456",
    "Authorization: Basic dXNlcjpwYXNzMTIz",
    "",
]
SECRETS = [GITHUB, PAT, OPENAI, ANTHROPIC, AWS, SLACK, GOOGLE, STRIPE, JWT, PEM]


#: the needles of the token kinds added since (GitLab, npm, PyPI, SendGrid, Twilio, Hugging Face,
#: Slack app tokens and webhooks, Stripe webhook secrets)
NEWER_NEEDLES = ("glpat-", "gldt-", "glptt-", "glrt-", "gloas-", "npm_", "pypi-AgE", "SG.", "SK", "hf_", "xapp-")
NEWER_NEEDLES += ("hooks.slack.com/", "whsec_")


def _old(text: str) -> str:
    """``_redacted`` with the screen it had before (a copy)."""
    if (
        "gh" in text
        or "github_pat" in text
        or "sk" in text
        or "rk_" in text
        or "xox" in text
        or "eyJ" in text
        or "AIza" in text
        or ("A" in text and ("IA" in text or "PA" in text or "DA" in text or "OA" in text or "VA" in text))
        or any(n in text for n in NEWER_NEEDLES)
    ):
        for kind, rx, needles in r._TOKENS:
            if any(map(text.__contains__, needles)):
                text = rx.sub(r._TOKEN_MARKS[kind], text)
    return r._by_position(text)


def _corpus() -> list[str]:
    rng = random.Random(15)
    pieces = [*ORDINARY, *SECRETS, *NEEDLES, "task", "high", "A", "IA", "PA", " ", "_", "-", "9" * 20, "Zq7" * 7]
    texts = [*ORDINARY, *SECRETS, *(f"run {s} now" for s in SECRETS), *(f"x{n}y" for n in NEEDLES)]
    texts += [f"{o} {s}" for o in ORDINARY for s in SECRETS]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    return texts


CORPUS = _corpus()


def test_the_screen_is_exactly_the_needles() -> None:
    for text in CORPUS:
        assert r.may_hold_token(text) == any(n in text for n in NEEDLES), text


@pytest.mark.parametrize("text", ["task", "ask_on_rm: high risk", "through the AREA", "DATA VIA PAYPAL"])
def test_ordinary_words_stop_at_the_screen(text: str) -> None:
    assert not r.may_hold_token(text)


def test_redaction_is_unchanged_by_the_screen() -> None:
    changed = 0
    for text in CORPUS:
        shown = r._redacted(text)
        assert shown == _old(text), text
        changed += shown != text
    assert changed > len(SECRETS) * len(ORDINARY)  # the planted secrets were redacted
