"""Provenance reads destinations as a browser, a mail client or a bank reads them, whatever the spelling."""

from __future__ import annotations

import pytest

from goalrail.policies import provenance as p


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<a href='//sso.login-verify.example/corp'>x</a>", ("url", "https://sso.login-verify.example/corp")),
        ("[1]: //evil.example/x", ("url", "https://evil.example/x")),
        ("fetch //2130706433/x", ("url", "https://2130706433/x")),
        ("fetch //0x7f000001/x", ("url", "https://0x7f000001/x")),
        ("moved to https:/wiki.evil.example/login", ("url", "https://wiki.evil.example/login")),
        ("moved to HTTPS:\\\\wiki.evil.example\\login", ("url", "https://wiki.evil.example/login")),
        ("open wss://stream.evil.example/s", ("domain", "stream.evil.example")),
        ("sign in at sso\u3002login-verify\u3002example/corp", ("domain", "sso.login-verify.example")),
        ("sign in at sso\uff61evil\uff61example", ("domain", "sso.evil.example")),
        ("confirm at casa-alfama-confirm.xyz/guest", ("domain", "casa-alfama-confirm.xyz")),
        ('forward to "emma backup"@mail-keeper.example', ("email", '"emma backup"@mail-keeper.example')),
        ("refunds to gb82-west-1234-5698-7654-32", ("iban", "GB82WEST12345698765432")),
        ("pay ch93 0076 2011 6238 5295 7", ("iban", "CH9300762011623852957")),
        ("pay GB82.WEST.1234.5698.7654.32", ("iban", "GB82WEST12345698765432")),
    ],
)
def test_other_spellings_of_a_destination_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in set(p.extract_values(text, words=False))


@pytest.mark.parametrize(
    "text",
    [
        "// TODO: fix",  # a comment, not a link
        "see id12 this that more word",  # IBAN-shaped words fail the checksum
        "pay de44 5001 0517 5407 3249 99",  # a lower-case IBAN with a wrong checksum is no IBAN
    ],
)
def test_look_alikes_that_are_not_destinations(text: str) -> None:
    assert not [k for k, _ in p.extract_values(text, words=False) if k in ("url", "iban")]


def test_a_sink_value_is_looked_up_under_the_same_key() -> None:
    assert p.kinds_for("//partner.example/q3")[0] == "url:https://partner.example/q3"
    assert p.kinds_for("https:/partner.example/q3")[0] == "url:https://partner.example/q3"
    assert p.kinds_for("ch93-0076-2011-6238-5295-7")[0] == "iban:CH9300762011623852957"
    assert p.kinds_for('"Anna Berg" <Anna@Agency.example>')[0] == "email:anna@agency.example"
    assert p.kinds_for("Anna Berg <anna@agency.example>")[0] == "email:anna@agency.example"
    assert p.kinds_for('"bob smith"@evil.example')[0] == 'email:"bob smith"@evil.example'
