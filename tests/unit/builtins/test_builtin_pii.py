"""_pii: validated detectors, counts only, fast."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from goalrail.policies.builtins import _pii
from tests.unit.cpu_support import scales_linearly, within

GH = "ghp_" + "A1b2" * 9
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ssn 536-90-4412", "ssn"),
        ("ssn 536 90 4412", "ssn"),
        ("card 4111 1111 1111 1111", "credit_card"),
        ("card 4111-1111-1111-1111", "credit_card"),
        ("card 378282246310005", "credit_card"),
        ("card 5555555555554444", "credit_card"),
        ("mail jane.doe+x@example.co.uk", "email"),
        ("call +1 415 555 2671", "phone"),
        ("call (415) 555-2671", "phone"),
        ("call 415-555-2671", "phone"),
        ("call +44 20 7946 0958", "phone"),
        ("iban GB82 WEST 1234 5698 7654 32", "iban"),
        ("iban DE89370400440532013000", "iban"),
        ("key AKIAIOSFODNN7EXAMPLE", "aws_access_key"),
        (f"token {GH}", "github_token"),
        ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_token"),
        ("key sk-proj-" + "a1B2" * 8, "openai_key"),
        ("key sk-" + "Z9y8" * 12, "openai_key"),
        ("key sk-ant-api03-" + "x" * 30, "anthropic_key"),
        ("slack xoxb-123456789012-abcdefghij", "slack_token"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "private_key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", "private_key"),
        ("-----BEGIN PRIVATE KEY-----", "private_key"),
        (f"auth {JWT}", "jwt"),
        ("key AIza" + "b" * 35, "google_api_key"),
        ("key sk_live_" + "c" * 24, "stripe_key"),
    ],
)
def test_detects(text: str, kind: str) -> None:
    assert _pii.scan(text) == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "build 1234567890123",  # 13 digits, no issuer prefix / Luhn
        "pi 3.14159265358979",
        "ssn 000-12-3456",
        "ssn 666-12-3456",
        "ssn 912-12-3456",
        "ssn 536-00-4412",
        "ssn 536-90-0000",
        "sample ssn 078-05-1120",
        "order 123-45-6789",
        "mixed 536-90 4412",
        "date 2024-01-15 time 12:30:45 version 1.2.3 ip 192.168.1.1",
        "uuid 550e8400-e29b-41d4-a716-446655440000",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
        "iban GB82 WEST 1234 5698 7654 33",  # bad checksum
        "not a mail: user@localhost",
        "short sk-abc",
        "",
    ],
)
def test_no_false_positive(text: str) -> None:
    assert _pii.scan(text) == {}


def test_counts_accumulate_and_types_filter() -> None:
    text = "a@b.io and c@d.io, card 4111111111111111"
    assert _pii.scan(text) == {"email": 2, "credit_card": 1}
    assert _pii.scan(text, ("email",)) == {"email": 2}
    counts = {"email": 1}
    _pii.scan("x@y.io", ("email",), counts)
    assert counts == {"email": 2}
    assert _pii.summary({"ssn": 1, "email": 2}) == "email (2), ssn (1)"


def test_expand_types() -> None:
    assert _pii.expand_types(None) == _pii.ALL_TYPES
    assert _pii.expand_types(["pii"]) == _pii.PII_TYPES
    assert _pii.expand_types(["email", "secrets", "email"]) == ("email", *_pii.SECRET_TYPES)
    with pytest.raises(ValueError, match="unknown PII type `bogus`"):
        _pii.expand_types(["bogus"])


def _scanned(kb: int) -> Callable[[], object]:
    chunk = (
        (
            "The build 20240115 ran on host-42 in 3.2s; see https://ci.example.com/job/77 "
            "for logs, contact ops. Version 1.2.3, 98% coverage, PR #1234 merged. "
        )
        * 8
        * kb
    )
    text = chunk[: 1024 * kb] + " jane@example.com 4111 1111 1111 1111 "
    return lambda: _pii.scan(text)


def test_a_kilobyte_scans_within_a_hundred_times_a_word_loop_over_it() -> None:
    # (about 11x on an idle machine; bench/builtins_shell.py records the real figure)
    text = ("The build 20240115 ran on host-42 in 3.2s; see https://ci.example.com/job/77 " * 14)[:1024]
    scan = _scanned(1)
    within(scan, lambda: sum(len(w) for w in text.split()), 100, number=20)


def test_ten_times_the_text_scans_in_at_most_twenty_times_the_cpu() -> None:
    scales_linearly(_scanned, 1, 10)
