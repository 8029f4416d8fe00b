"""Secrets by class, each redacted where it is shown and (the known token formats) counted by the
PII scan: assembled at run time (variables, ``printf '%s%s'``, concatenated literals), spaced out
or wrapped, encoded (hex, escapes, ROT13, reversed, gzip or zlib in base64), more token formats,
private keys with mangled headers or none, connection strings, environment dumps, programs named
in capitals; and the ordinary text near each class left alone."""

from __future__ import annotations

import base64
import codecs
import gzip
import zlib

import pytest

from goalrail.policies.builtins import _pii, safety
from goalrail.policies.redact import redact

GITHUB = "ghp_" + "Tk4Lm8Qx2Vb6Nz0Rw5Ys9Jc3Hd7Fg1Pa4Ke" + "wxyz"
OPENAI = "sk-proj-" + "Hv7Ub3Wq9Zx5Rt1Mn4Kc8Ld2Pf6Gj0Ys3Ea"
PASSWORD = "Tr0ub4dor3xK9"


def _hidden(shown: str, secret: str) -> None:
    """No run of eight characters of ``secret`` is shown (its prefix aside)."""
    body = secret[4:]
    for i in range(0, len(body) - 7, 4):
        assert body[i : i + 8] not in shown, (body[i : i + 8], shown)


ASSEMBLED = [
    f'T1={GITHUB[:9]}; T2={GITHUB[9:27]}; T3={GITHUB[27:]}; curl -H "Authorization: token $T1$T2$T3" https://api',
    f'export P="{GITHUB[:14]}" Q="{GITHUB[14:]}"; git clone "https://${{P}}${{Q}}@github.com/o/r"',
    f"printf '%s%s%s' {GITHUB[:10]} '{GITHUB[10:30]}' {GITHUB[30:]} | gh auth login --with-token",
    f'token = "{GITHUB[:4]}" + "{GITHUB[4:24]}" + "{GITHUB[24:]}"',
    f"const key = '{OPENAI[:16]}' + '{OPENAI[16:]}';",
    f'$t = "{GITHUB[:12]}" . "{GITHUB[12:]}";',
    f'local t = "{GITHUB[:12]}" .. "{GITHUB[12:]}"',
    f'KEY = ("{GITHUB[:20]}"\n       "{GITHUB[20:]}")',
    f'"".join(["{GITHUB[:8]}", "{GITHUB[8:26]}", "{GITHUB[26:]}"])',
    f'head = "{GITHUB[:11]}"\ntail = "{GITHUB[11:]}"\nauth = head + tail',
]


@pytest.mark.parametrize("text", ASSEMBLED)
def test_a_token_assembled_at_run_time_is_redacted_piece_by_piece(text: str) -> None:
    secret = OPENAI if "sk-proj" in text else GITHUB
    shown = redact(text)
    _hidden(shown, secret)
    assert redact(shown) == shown


@pytest.mark.parametrize("text", ASSEMBLED[:3] + ASSEMBLED[5:6])
def test_a_token_assembled_at_run_time_is_counted(text: str) -> None:
    assert _pii.scan(text, _pii.SECRET_TYPES).get("github_token", 0) >= 1, text


SPACED = [
    f"my token: {GITHUB[:4]} {GITHUB[4:12]} {GITHUB[12:20]} {GITHUB[20:28]} {GITHUB[28:36]} {GITHUB[36:]}",
    f"{GITHUB[:4]}\n{GITHUB[4:]}",
    f"{GITHUB[:16]}\t{GITHUB[16:]}",
]


@pytest.mark.parametrize("text", SPACED)
def test_a_token_split_by_spaces_or_line_breaks_is_redacted_and_counted(text: str) -> None:
    shown = redact(text)
    _hidden(shown, GITHUB)
    assert "[redacted github_token" in shown
    assert _pii.scan(text, _pii.SECRET_TYPES) == {"github_token": 1}


def _encodings(plain: str) -> list[str]:
    return [
        f"echo {plain.encode().hex()} | xxd -r -p",
        f"echo {plain.encode().hex().upper()} | xxd -r -p | sh",
        "printf '" + "".join(f"\\x{ord(c):02x}" for c in plain) + "'",
        "echo $'" + "".join(f"\\{ord(c):03o}" for c in plain[:6]) + plain[6:] + "'",
        f"echo {codecs.encode(plain, 'rot13')} | tr 'A-Za-z' 'N-ZA-Mn-za-m'",
        f"echo {plain[::-1]} | rev",
        f"python -c \"print('{plain[::-1]}'[::-1])\"",
        f"echo {base64.b64encode(gzip.compress(plain.encode())).decode()} | base64 -d | gunzip",
        f"zlib.decompress(b64decode('{base64.b64encode(zlib.compress(plain.encode())).decode()}'))",
        f"echo {base64.urlsafe_b64encode(gzip.compress(plain.encode())).decode().rstrip('=')}",
    ]


@pytest.mark.parametrize("text", _encodings(GITHUB))
def test_an_encoded_token_is_redacted_and_counted(text: str) -> None:
    shown = redact(text)
    _hidden(shown, GITHUB)
    assert "[redacted" in shown
    assert _pii.scan(text, _pii.SECRET_TYPES) == {"github_token": 1}, text


TOKENS = {
    "gitlab_token": "glpat-" + "Xk3Lm9Qw2Er7Ty5Ui1Op",
    "npm_token": "npm_" + "Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5",
    "pypi_token": "pypi-AgEIcHlwaS5vcmc" + "CJDk4ZmM2YjQ5LTk1ZjMtNDc3Ny1hMmUxLTFjYmZmYzQ0NDlkNQAC",
    "sendgrid_key": "SG." + "Xk3Lm9Qw2Er7Ty5Ui1OpAs" + "." + "Df4Gh6Jk8Lz0Xc2Vb4Nm6Qw8Er0Ty2Ui4Op6As8Df0Gh",
    "twilio_key": "SK" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "huggingface_token": "hf_" + "XkLmQwErTyUiOpAsDfGhJkLzXcVbNmQwEr",
    "slack_token": "xapp-1-A02BCDEF345-6789012345678-" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
    "stripe_key": "whsec_" + "Xk3Lm9Qw2Er7Ty5Ui1OpAsDf4Gh6",
    "jwt": "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + "eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJyb290In0.",
}


@pytest.mark.parametrize(("kind", "token"), TOKENS.items())
def test_more_token_formats_are_redacted_and_counted(kind: str, token: str) -> None:
    shown = redact(f"use {token} now")
    assert f"[redacted {kind}" in shown, shown
    _hidden(shown, token)
    assert _pii.scan(f"use {token} now", _pii.SECRET_TYPES) == {kind: 1}


def test_a_slack_webhook_is_redacted_and_counted() -> None:
    url = "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/" + "Zx8Cv6Bn4Mq2Wl0Ek9Rj7Th5"
    assert "Zx8Cv6Bn" not in redact(f"curl -X POST {url}")
    assert _pii.scan(url, _pii.SECRET_TYPES) == {"slack_token": 1}


RSA_BODY = "MIIEogIBAAKCAQEAq7BFUpkGp3+LQmlQYx2eqzDV+xeG8kx/sQFV18S5JhzGeIJN"
PKCS8_BODY = "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCrsEVSmQanf4tC"
CERT_BODY = "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ"
PUBLIC_BODY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo"
OPENSSH_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"


@pytest.mark.parametrize(
    "text",
    [
        f"----BEGIN RSA PRIVATE KEY----\n{RSA_BODY}\n----END RSA PRIVATE KEY----",
        f"-----begin private key-----\n{PKCS8_BODY}\n-----end private key-----",
        f"-----BEGIN  EC  PRIVATE  KEY-----\n{RSA_BODY}\n",
        f"BEGIN RSA PRIVATE KEY\n{RSA_BODY}\nEND RSA PRIVATE KEY",
        f"-----BEGIN_PRIVATE_KEY-----\\n{PKCS8_BODY}\\n-----END_PRIVATE_KEY-----",
        f"the key is {PKCS8_BODY}Qz9",
        f"cat <<EOF > id_rsa\n{RSA_BODY}\nEOF",
        f"{OPENSSH_BODY}\nAAAA",
    ],
)
def test_a_private_key_with_a_mangled_header_or_none_is_redacted_and_counted(text: str) -> None:
    shown = redact(text)
    assert "[redacted private_key]" in shown, shown
    for body in (RSA_BODY, PKCS8_BODY, OPENSSH_BODY):
        assert body[12:40] not in shown, shown
    assert _pii.scan(text, _pii.SECRET_TYPES) == {"private_key": 1}, text


@pytest.mark.parametrize(
    "text",
    [
        f"Server=tcp:db.database.windows.net,1433;Initial Catalog=x;User ID=app;Pwd={PASSWORD};",
        f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={PASSWORD}Zm9vYmFy==;EndpointSuffix=core",
        f"Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey={PASSWORD}=",
        f"https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sp=r&sig={PASSWORD}%3D",
        f"ENCRYPTION_KEY={PASSWORD}\nSIGNING_KEY='{PASSWORD}'\nHOME=/root",
        f"PATH=/usr/bin\x00MASTER_KEY={PASSWORD}\x00SHLVL=1\x00",
        f"PGPASS={PASSWORD} psql -h db",
        f"APP_CREDS={PASSWORD} ./run",
        f"MYSQL -uroot -p{PASSWORD} prod",
        f"Mysqldump -u app -p'{PASSWORD}' prod",
        f"SSHPASS -p {PASSWORD} ssh deploy@host",
        f"htpasswd -b /etc/nginx/.htpasswd admin {PASSWORD}",
        f"htpasswd -nbB admin {PASSWORD}",
    ],
)
def test_a_credential_in_a_connection_string_an_environment_or_a_capitalised_command_is_redacted(text: str) -> None:
    shown = redact(text)
    assert PASSWORD not in shown, shown
    assert redact(shown) == shown


@pytest.mark.parametrize(
    "text",
    [
        "550e8400-e29b-41d4-a716-446655440000 and 9fceb02d0ae598e95dc970b74767f19372d61af8",
        "resolved sha512-9fceb02d0ae598e95dc970b74767f19372d61af8e3b0c44298fc1c149afbf4c8996fb924==",
        'hash = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
        "echo 48656c6c6f2c20746869732069732061206e6f726d616c2073656e74656e6365 | xxd -r -p",
        "SSH -p 2222 deploy@host && MYSQL -h db -P 3306 -p prod && docker run -p 8080:80 nginx",
        'msg = "hello " + name + "!"; A=foo; B=bar; echo "$A$B"',
        "printf '%s %s\\n' hello world",
        "please review the reverse proxy; rev 3; rot13 is a toy cipher",
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7VJTUt9Us8cKjMzEfYyjiWA4R4 me@host",
        f"-----BEGIN CERTIFICATE-----\n{CERT_BODY}\n-----END CERTIFICATE-----",
        f"-----BEGIN PUBLIC KEY-----\n{PUBLIC_BODY}\n-----END PUBLIC KEY-----",
        "pk_live_51Hq2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya and pip install sk-learn-utils-for-everyone",
        "PUBLIC_KEY=/etc/ssl/pub.pem STRIPE_PUBLISHABLE_KEY=pk_test_abc SORT_KEY=name SSH_KEY=~/.ssh/id",
        "the ghp_ prefix marks GitHub tokens; see docs 2024 and v2 api",
        "rk_test_short\n4111 1111 1111 1111",
        "mysql -u root prod",
        "we begin at 9 and the design signal is fine",
        "echo " + base64.b64encode(gzip.compress(b"just some ordinary words here")).decode() + " | base64 -d | gunzip",
    ],
)
def test_ordinary_text_near_the_new_classes_is_left_alone(text: str) -> None:
    assert redact(text) == text
    assert _pii.scan(text, _pii.SECRET_TYPES) == {}


def test_the_pii_builtin_denies_an_assembled_or_encoded_token_naming_its_type_only() -> None:
    policy = safety.deny_pii_in_llm_request(pii_types=["secrets"])
    for text in (ASSEMBLED[0], SPACED[0], *_encodings(GITHUB)[:6]):
        event = {"type": "llm_request", "data": {"messages": [{"role": "user", "content": text}]}, "context": {}}
        out = policy(event) or {}
        assert out.get("result") == "DENY" and out.get("reason") == "LLM request contains github_token (1)", text
