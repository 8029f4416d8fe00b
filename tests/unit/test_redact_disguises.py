"""Secrets on command lines and in credentials files, and secrets in disguise (look-alike or
invisible characters, shell quoting, line breaks, percent-encoding, base64): redacted where they
are shown and counted by the PII scan, while ordinary text that looks a little like them is left
alone."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import pytest

from goalrail.engine import approvals
from goalrail.policies.builtins import _events, _pii, safety
from goalrail.policies.redact import redact, redact_value

GITHUB = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
ANTHROPIC = "sk-ant-api03-" + "Mz8Qw2Er5Ty9Ui3Op7As1Df4Gh6Jk0Lx" + "k3y2"
AWS = "AKIAZ7QX3VWT9KLM2PRS"
PASSWORD = "S3cr3tPa55word"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8Lm2Np4R"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (f"mysql -uroot -p{PASSWORD} prod", "mysql -uroot -p[redacted password] prod"),
        (f"mysqldump -h db -u app -p'{PASSWORD} x' prod", "mysqldump -h db -u app -p[redacted password] prod"),
        (f"curl -u admin:{PASSWORD} https://x.example", "curl -u admin:[redacted password] https://x.example"),
        (f"curl -sS --user admin:{PASSWORD} https://x", "curl -sS --user admin:[redacted password] https://x"),
        (
            f"wget --proxy-user=me --http-user=me:{PASSWORD} u",
            "wget --proxy-user=me --http-user=me:[redacted password] u",
        ),
        (f"http -a admin:{PASSWORD} example.org", "http -a admin:[redacted password] example.org"),
        ("curl -H 'Authorization: Bearer abcdefghijklmnopqrstuv' https://x", "Bearer [redacted bearer_token"),
        ("curl -H 'authorization: token abcdefghijklmnopqrstuv' https://x", "token [redacted bearer_token"),
        (f"sshpass -p {PASSWORD} ssh deploy@host", "sshpass -p [redacted password] ssh deploy@host"),
        (f"sshpass -p'{PASSWORD}' scp a host:", "sshpass -p[redacted password] scp a host:"),
        (f"docker login -u bot -p {PASSWORD} registry.example", "docker login -u bot -p [redacted password] registry"),
        (f"helm registry login r.example -u bot -p {PASSWORD}", "helm registry login r.example -u bot -p [redacted"),
        (f"redis-cli -h cache -a {PASSWORD} ping", "redis-cli -h cache -a [redacted password] ping"),
        (f"mongosh --host db -u app -p {PASSWORD}", "mongosh --host db -u app -p [redacted password]"),
        (f"sqlcmd -S db -U sa -P {PASSWORD} -Q 'select 1'", "sqlcmd -S db -U sa -P [redacted password] -Q"),
        (f"ldapsearch -x -D cn=admin -w {PASSWORD} -b dc=x", "ldapsearch -x -D cn=admin -w [redacted password] -b"),
        (f"smbclient //fs/share -U alice%{PASSWORD}", "smbclient //fs/share -U alice%[redacted password]"),
        (f"sqlplus scott/{PASSWORD}@orcl", "sqlplus scott/[redacted password]@orcl"),
        (f"openssl pkcs12 -in a.p12 -passin pass:{PASSWORD}", "-passin pass:[redacted password]"),
        (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "export AWS_SECRET_ACCESS_KEY=[redacted secret]"),
        (f"aws_secret_access_key = {AWS_SECRET}", "aws_secret_access_key = [redacted secret]"),
        (f"DJANGO_SECRET_KEY={PASSWORD} ./manage.py", "DJANGO_SECRET_KEY=[redacted secret] ./manage.py"),
        (f"DB_PASS={PASSWORD} ./run", "DB_PASS=[redacted pass] ./run"),
        (f"MYSQL_PWD={PASSWORD} mysql -uroot", "MYSQL_PWD=[redacted pwd] mysql -uroot"),
        (f"machine api.example.com login bot password {PASSWORD}", "login bot password [redacted password]"),
        (f"machine h\n  login bot\n  password {PASSWORD}\n", "password [redacted password]"),
        (f"default login bot password {PASSWORD}", "default login bot password [redacted password]"),
        (f"db.example.com:5432:prod:app:{PASSWORD}", "db.example.com:5432:prod:app:[redacted password]"),
        (f"echo 'db:5432:prod:app:{PASSWORD}' >> ~/.pgpass", "echo 'db:5432:prod:app:[redacted password]' >> "),
        (f"echo '*:*:*:app:{PASSWORD}' >> ~/.pgpass", "echo '*:*:*:app:[redacted password]' >> ~/.pgpass"),
        (f"redis-cli -u redis://:{PASSWORD}@cache:6379", "redis://:[redacted url_password]@cache:6379"),
    ],
)
def test_a_password_on_a_command_line_or_in_a_credentials_file_is_redacted(text: str, kept: str) -> None:
    """(The forms redacted before are in ``test_redact.py``: ``--password=…``, ``PGPASSWORD=…``,
    ``scheme://user:PASS@host``, ``--token …``, ``Authorization: Basic …`` holding a digit.)"""
    shown = redact(text)
    assert PASSWORD not in shown and AWS_SECRET not in shown
    assert "abcdefghijklmnopqrstuv" not in shown
    assert kept in shown, shown
    assert redact(shown) == shown


def _disguises(token: str) -> list[str]:
    head, body = token[:4], token[4:]
    return [
        head + "\u200b" + body,  # a zero-width space
        head[:2] + "\u00ad" + head[2:] + body,  # a soft hyphen in the prefix
        head[:1] + "\u2060" + head[1:] + "\ufeff" + body,  # a word joiner, a BOM
        "".join(chr(ord(c) + 0xFEE0) for c in head) + body,  # full-width prefix
        f'"{head}""{body}"',  # shell concatenation
        f"'{head}'{body}",
        f"{head[:2]}''{head[2:]}{body}",
        f'{head[:2]}"{head[2:]}"{body}',
        f"{head}{body[:10]}'{body[10:14]}'{body[14:]}",
        f"{head}{body[:16]}\\\n  {body[16:]}",  # a line continuation
        f"{head}{body[:16]}\n{body[16:]}",  # wrapped at a line's end
        quote(head, safe="").replace("_", "%5F") + body,  # percent-encoded
        "".join(f"%{ord(c):02X}" for c in token),
    ]


LOOKALIKE = "gh\u0440_" + GITHUB[4:]  # a Cyrillic er


@pytest.mark.parametrize("text", [*_disguises(GITHUB), LOOKALIKE, f"echo {LOOKALIKE} | gh auth login"])
def test_a_token_in_disguise_is_redacted_and_counted(text: str) -> None:
    shown = redact(text)
    assert GITHUB[8:24] not in shown and GITHUB[-12:-4] not in shown, shown
    assert "[redacted github_token" in shown
    assert redact(shown) == shown
    assert _pii.scan(text, _pii.SECRET_TYPES) == {"github_token": 1}
    assert _pii.scan(f"run {text} now") == {"github_token": 1}


@pytest.mark.parametrize(
    "plain", [GITHUB, f"token={GITHUB}", f"{ANTHROPIC}\n", f"aws_access_key_id={AWS}", f"password={PASSWORD}"]
)
def test_a_secret_in_base64_is_redacted_whole_and_a_known_token_counted(plain: str) -> None:
    for encoded in (
        base64.b64encode(plain.encode()).decode(),
        base64.urlsafe_b64encode(plain.encode()).decode().rstrip("="),
    ):
        text = f"echo {encoded} | base64 -d | sh"
        shown = redact(text)
        assert shown == "echo [redacted encoded_secret] | base64 -d | sh", shown
        if "password" not in plain:  # a known format: counted too
            assert sum(_pii.scan(text, _pii.SECRET_TYPES).values()) == 1, plain
    assert (
        redact(f"GET /api/v1/{base64.b64encode(GITHUB.encode()).decode()}") == "GET /api/v1/[redacted encoded_secret]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 2222 deploy@host",
        "python -m http.server -p 8080",
        "mysql -h db -P 3306 -p prod",  # -p alone prompts; prod is the database
        "mkdir -p build/out && ps -p 1234 -o pid",
        "def password_reset(user): return reset_token_for(user)",
        "grep -rn password_reset src/ && token_count = 5",
        "--password-file /run/secrets/db",
        "curl -u $USER:$PASS https://x.example && sshpass -p $SSHPASS ssh h",
        "docker run -u 1000:1000 img",
        "550e8400-e29b-41d4-a716-446655440000",
        "git checkout 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
        "echo aGVsbG8gd29ybGQgZnJvbSB0aGUgYWdlbnQ= | base64 -d",
        "root:x:0:0:root:/root:/bin/bash",
        "fe80:0000:0000:0000:0202:b3ff:fe1e:8329 and fe80:0:0:0:1",
        "12:30:45 the job started",
        "authorization: required for this endpoint",
        "the login screen has a password reset link",
        "bypass=on compass=north PWD=/home/me OLDPWD=/tmp",
        "redis://localhost:6379/0 and postgres://localhost/db",
        "it's the user's choice, don't 'quote' me",
        "Grüße aus Köln — naïve café",
        "https://example.com/search?q=a%20b%2Fc",
        "risk-\nassessment and task-\nlist 123abc",
        "sk-\nDE89370400440532013000",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text
    assert _pii.scan(text, _pii.SECRET_TYPES) == {}


def test_a_value_under_a_key_naming_a_secret_is_redacted_in_a_preview() -> None:
    shown = redact_value({"env": {"AWS_SECRET_ACCESS_KEY": "x", "DB_PASS": "y", "bypass": "z", "password_reset": "w"}})
    assert shown == {
        "env": {
            "AWS_SECRET_ACCESS_KEY": "[redacted aws_secret_access_key]",
            "DB_PASS": "[redacted db_pass]",
            "bypass": "z",
            "password_reset": "w",
        }
    }


def _call(command: str) -> dict[str, Any]:
    return {
        "type": "tool_call",
        "target": "sys_os_shell",
        "data": {"name": "sys_os_shell", "arguments": {"command": command}},
        "context": {"action": {"target": command}},
        "session_state": {},
    }


def test_the_preview_of_an_approval_and_of_a_reason_redact_the_new_forms() -> None:
    command = f"mysql -uroot -p{PASSWORD} db && git push https://{LOOKALIKE}@github.com/o/r"
    assert PASSWORD not in approvals.preview(_call(command)) and GITHUB[8:24] not in approvals.preview(_call(command))
    assert PASSWORD not in _events.preview(command, 60) and "[redacted password]" in _events.preview(command, 60)
    reason = (safety.ask_on_os_tools(_call(f'git push "{GITHUB[:4]}""{GITHUB[4:]}"')) or {}).get("reason")
    assert reason == "sys_os_shell: [contains a secret; not shown]"


def test_the_pii_builtin_denies_a_disguised_secret_and_names_its_type_only() -> None:
    policy = safety.deny_pii_in_llm_request(pii_types=["secrets"])
    for text in (*_disguises(GITHUB), f"use {base64.b64encode(GITHUB.encode()).decode()}"):
        event = {"type": "llm_request", "data": {"messages": [{"role": "user", "content": text}]}, "context": {}}
        out = policy(event) or {}
        assert out.get("result") == "DENY" and out.get("reason") == "LLM request contains github_token (1)", text
