"""``policies.redact``: each secret replaced by a marker naming its kind (with a short hint for a
long token), everything around it kept, text without secrets returned as it was."""

from __future__ import annotations

import pytest

from goalrail.engine import approvals
from goalrail.policies.builtins import _events, _pii
from goalrail.policies.redact import SECRET_PATTERNS, redact, redact_value

GITHUB = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
PAT = "github_pat_" + "11ABCDEFG0" + "x" * 40 + "wxyz"
OPENAI = "sk-proj-" + "Vq3Lx8Np2Rt6Wz1Kc5Hm9Bd4Fg7Js0Ya" + "k3y1"
ANTHROPIC = "sk-ant-api03-" + "Mz8Qw2Er5Ty9Ui3Op7As1Df4Gh6Jk0Lx" + "k3y2"
AWS = "AKIAZ7QX3VWT9KLM2PRS"
SLACK = "xoxb-" + "1234567890-abcdefghijkl"
GOOGLE = "AIza" + "Sy" + "B" * 33
STRIPE = "sk_live_" + "51Hq" + "Z" * 20
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"
PEM = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
    "AAAAAAAAABAAABlwAAAAdzc2gtcn\n-----END OPENSSH PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            f"git clone https://{GITHUB}@github.com/o/r",
            "git clone https://[redacted github_token …abcd]@github.com/o/r",
        ),
        (f"GH={PAT}", "GH=[redacted github_token …wxyz]"),
        (f"key {OPENAI} end", "key [redacted openai_key …k3y1] end"),
        (f"x-api-key: {ANTHROPIC}", "x-api-key: [redacted anthropic_key …k3y2]"),
        (f"aws_access_key_id {AWS}", "aws_access_key_id [redacted aws_access_key …2PRS]"),
        (f"slack {SLACK}", "slack [redacted slack_token …ijkl]"),
        (f"maps {GOOGLE}", "maps [redacted google_api_key …BBBB]"),
        (f"stripe {STRIPE}", "stripe [redacted stripe_key …ZZZZ]"),
        (f"cookie {JWT}", "cookie [redacted jwt …EjXk]"),
        (f"printf '{PEM}' > id", "printf '[redacted private_key]' > id"),
        ("psql postgres://app:Hunter2Correct@db:5432/prod", "psql postgres://app:[redacted url_password]@db:5432/prod"),
        ("curl -H 'Authorization: Bearer abc123def456'", "curl -H 'Authorization: Bearer [redacted bearer_token]'"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [redacted bearer_token …ZA==]"),
        ("export PGPASSWORD=s3cret; psql", "export PGPASSWORD=[redacted password]; psql"),
        ('API_KEY="abc 123" run', 'API_KEY="[redacted api_key]" run'),
        ("mysqldump --password hunter2 db", "mysqldump --password [redacted password] db"),
        ("GET /x?access_token=abcdef&page=2", "GET /x?access_token=[redacted token]&page=2"),
        ('{"client_secret": "s3cr3t-v4lue"}', '{"client_secret": "[redacted secret]"}'),
    ],
)
def test_each_secret_is_replaced_by_a_marker_naming_its_kind(text: str, shown: str) -> None:
    assert redact(text) == shown
    assert redact(shown) == shown  # redacting twice changes nothing


def test_a_private_key_without_its_footer_is_redacted_to_the_end_of_its_body() -> None:
    cut = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMx\nH2Mo4lgOEePzNm0tRgeL"
    assert redact(f"key: {cut}") == "key: [redacted private_key]"
    escaped = '"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY\\n", "next": 1'
    assert redact(escaped) == '"[redacted private_key]", "next": 1'  # as JSON text quotes it


def test_a_token_cut_short_is_still_redacted() -> None:
    assert GITHUB[:30] not in redact(f"type: `tool_{GITHUB[:30]}` is not a phase")
    assert ANTHROPIC[:24] not in redact(f"model `{ANTHROPIC[:24]}…`")
    assert redact(_events.preview(f"cd /srv/{GITHUB}", 30)).count("redacted") == 1
    assert GITHUB[:20] not in _events.preview(f"cd /srv/{GITHUB}", 30)  # redacted first, then cut


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens: 100, tokens=5, token: null, password: true",
        '{"max_tokens": 1024, "model": "claude-sonnet-4", "input_tokens": 12}',
        "basic authentication is required; Bearer tokens are nice",
        "risk-assessment-for-the-quarterly-report and task-list-of-things-to-do",
        "the token limit was reached (32,000 tokens)",
        "Goalrail refused the credential: invalid or revoked token",  # prose after a colon
        "ssh-keygen -t ed25519 -f ~/.ssh/id && cat ~/.ssh/id.pub",
        "https://example.com/path?page=2&sort=asc",
        "",
    ],
)
def test_text_without_secrets_is_returned_as_it_is(text: str) -> None:
    assert redact(text) is text or redact(text) == text


def test_redact_value_walks_containers_and_redacts_values_of_keys_naming_a_secret() -> None:
    value = {
        "command": f"echo {GITHUB}",
        "env": {"GITHUB_TOKEN": "short", "password": "hunter2", "max_tokens": 5, "x-api-key": "k"},
        "headers": {"Authorization": "Bearer abc123def456"},
        "list": ["fine", OPENAI, 3],
    }
    assert redact_value(value) == {
        "command": "echo [redacted github_token …abcd]",
        "env": {
            "GITHUB_TOKEN": "[redacted github_token]",
            "password": "[redacted password]",
            "max_tokens": 5,
            "x-api-key": "[redacted x-api-key]",
        },
        "headers": {"Authorization": "Bearer [redacted bearer_token]"},
        "list": ["fine", "[redacted openai_key …k3y1]", 3],
    }
    plain = {"a": ["b", {"c": "d"}], "n": 1}
    assert redact_value(plain) is plain  # nothing to redact: nothing copied


def test_the_preview_is_redacted_and_the_digest_is_of_the_action_as_sent() -> None:
    event = {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": f"push {GITHUB}"}}}
    other = {"type": "tool_call", "target": "sys_os_shell", "data": {"arguments": {"command": f"push {GITHUB[:-1]}x"}}}
    assert GITHUB not in approvals.preview(event) and "redacted github_token" in approvals.preview(event)
    # two actions whose previews look alike are still two actions: approving one never approves the other
    assert approvals.action_digest(event) != approvals.action_digest(other)
    assert event["data"]["arguments"]["command"] == f"push {GITHUB}"  # the event itself is unchanged


def test_the_pii_scan_counts_with_the_same_patterns() -> None:
    assert tuple(SECRET_PATTERNS) == _pii.SECRET_TYPES
    assert _pii.scan(f"{GITHUB} {AWS} {PEM}", _pii.SECRET_TYPES) == {
        "github_token": 1,
        "aws_access_key": 1,
        "private_key": 1,
    }
    assert _pii.scan(GITHUB[:30], _pii.SECRET_TYPES) == {}  # counting stays exact: a cut token is no token
