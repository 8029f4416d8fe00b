"""One URL, many spellings: network rules meet every spelling a client reads a host in.

A deny rule on ``127.0.0.1``, ``facebook.com`` or ``http://`` meets ``0x7f000001``,
``FACEBOOK.com.``, ``user@facebook.com``, ``HTTP://``; an allow rule admits a URL only when
it admits every reading, and never one clients would read differently
(``goalrail.policies.url_spellings``, ``goalrail.patterns.url_readings``).
"""

from __future__ import annotations

import pytest

from goalrail.patterns import Policy
from goalrail.policies.builtins._urls import github_repo, host_of
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import event


def _verdict(url: str, policy: str, **params: object) -> str:
    res = pattern_policy(policy=policy, **params)(event("WebFetch", {"url": url, "prompt": "x"}))  # type: ignore[arg-type]
    return res["result"] if res else "ALLOW"


# -- attacks: each was a weaker verdict before ---------------------------------------------

STRICT_INTERNAL = [
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0/",
    "http://10.1/",
    "http://192.168.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[2002:a9fe:a9fe::]/",  # 6to4
    "http://LOCALHOST/",
    "http://localhost./",
    "http://169.254.169.254./",
    "http://metadata.google.internal./",
    "http://printer.LOCAL/",
    "http://%31%32%37.0.0.1/",
    "http://１２７.０.０.１/",
    "http://[fd00:ec2::254]/latest/meta-data/",  # AWS IMDS over IPv6 (unique-local)
    "http://[fe80::1]/",
    "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud (shared address space 100.64/10)
]


@pytest.mark.parametrize("url", STRICT_INTERNAL)
def test_strict_denies_every_spelling_of_an_internal_host(url: str) -> None:
    assert _verdict(url, "strict") == "DENY"


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com#@evil.com",  # a naive reader takes evil.com
        "https://github.com?@evil.com/",
    ],
)
def test_strict_allowlist_does_not_admit_a_url_clients_read_differently(url: str) -> None:
    assert _verdict(url, "strict") == "ASK"


@pytest.mark.parametrize(
    ("url", "policy", "criteria"),
    [
        ("HTTP://example.com/", "hipaa_standard", []),
        ("Http://example.com/x", "soc2_compliant", ["confidentiality"]),
        ("http:/example.com/", "hipaa_standard", []),
        ("https://user@pastebin.com/raw/x", "hipaa_standard", []),
        ("https://PASTEBIN.com/x", "soc2_compliant", ["confidentiality"]),
        ("https://pastebin.com./x", "hipaa_standard", []),
        ("https://%70astebin.com/x", "soc2_compliant", ["confidentiality"]),
        ("https://ｐastebin.com/x", "hipaa_standard", []),
    ],
)
def test_compliance_network_rules_meet_every_spelling(url: str, policy: str, criteria: list[str]) -> None:
    assert _verdict(url, policy, **({"criteria": criteria} if criteria else {})) == "DENY"


@pytest.mark.parametrize(
    "url",
    [
        "https://FACEBOOK.com/",
        "https://user@facebook.com/",
        "https://facebook.com./",
        "https://ｆacebook.com/",
        "https://www.PORN.com/",
        "https://www.google.com/x/../search?q=a",  # the path as sent: /search without safe=active
        "https://www.google.com/%73earch?q=a",
        "https://example.com/form?%70hone=5550100",
    ],
)
def test_k12_rules_meet_every_spelling(url: str) -> None:
    assert _verdict(url, "k12_safe") == "DENY"


@pytest.mark.parametrize(
    "url",
    [
        "https://wikipedia.org:80@evil.com/",  # the allowlist read `wikipedia.org` then `:`
        "https://evil.com\\.wikipedia.org/",  # WHATWG: evil.com, path /.wikipedia.org
        "https://khanacademy.org#@evil.com/",
    ],
)
def test_k12_elementary_allowlist_is_not_spoofed(url: str) -> None:
    assert _verdict(url, "k12_safe", options={"age_group": "elementary"}) == "ASK"


def test_the_python_api_reads_spellings_too() -> None:
    strict = Policy.from_yaml_string(
        "name: p\ndefault_action: allow\npatterns:\n"
        "  - {id: no_lo, action_type: network_request, pattern: '^https?://127\\.0\\.0\\.1([:/].*)?$', action: deny}\n"
    )
    assert not strict.evaluate("network_request", "http://0x7f000001/").allowed
    assert "as a client reads it" in strict.evaluate("network_request", "http://2130706433:80/").reason


def test_network_connect_targets_are_read_as_hosts() -> None:
    policy = Policy.from_yaml_string(
        "name: p\ndefault_action: allow\npatterns:\n"
        "  - {id: no_lo, action_type: network_connect, pattern: '^(localhost|127\\.0\\.0\\.1)(:.*)?$', action: deny}\n"
    )
    assert not policy.evaluate("network_connect", "0x7f000001:22").allowed
    assert not policy.evaluate("network_connect", "LOCALHOST:6379").allowed


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://%67ithub.com/org/repo", ("github", "org/repo")),
        ("https://ＧitHub.com./Org/Repo", ("github", "org/repo")),
    ],
)
def test_builtins_read_the_host_a_client_contacts(url: str, expected: tuple[str, str]) -> None:
    assert github_repo(url) == expected
    assert host_of(url) == "github.com"


def test_readings_of_the_canonicalizer() -> None:
    from goalrail.policies.url_spellings import canonical_host, url_spellings

    assert url_spellings("http://0x7f000001:80/a/./b/../c").readings == ("http://127.0.0.1/a/c",)
    assert url_spellings("http://[::ffff:127.0.0.1]/").readings == ("http://[::ffff:7f00:1]/", "http://127.0.0.1/")
    octal = url_spellings("http://0177.0.0.1/")
    assert octal.unclear and set(octal.readings) == {"http://127.0.0.1/", "http://177.0.0.1/"}
    both = url_spellings("https://evil.com\\@api.github.com")
    assert both.unclear and set(both.readings) == {"https://evil.com/@api.github.com", "https://api.github.com"}
    assert url_spellings("https://x.example:99999/").unclear
    assert canonical_host("ＡPI.GitHub.com.") == "api.github.com"
    assert canonical_host("[0::1]") == "[::1]"


def test_a_plain_url_makes_no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    from goalrail.policies import url_spellings as spellings

    def boom(*_: object) -> None:
        raise AssertionError("a plain URL was read again")

    monkeypatch.setattr(spellings, "_readings", boom)
    for url in ("https://github.com/x", "https://registry.npmjs.org/@types/node", "https://docs.python.org:8443/3/"):
        assert spellings.url_spellings(url).readings == ()
    assert _verdict("https://github.com/org/repo/pulls?q=is%3Aopen", "strict") == "ALLOW"


# -- controls: near misses whose verdict must not change ---------------------------------


@pytest.mark.parametrize(
    ("url", "policy", "verdict", "params"),
    [
        ("https://github.com/x", "strict", "ALLOW", {}),
        ("https://registry.npmjs.org/@types/node", "strict", "ALLOW", {}),
        ("http://localhost:8080", "hipaa_standard", "ALLOW", {}),  # hipaa's localhost exception
        ("https://10.example.com", "strict", "ASK", {}),  # a name whose first label is a number
        ("https://0x7f.example.com", "strict", "ASK", {}),
        ("http://127.0.0.1.nip.io/", "strict", "ASK", {}),  # a name: where it points is known after DNS only
        ("https://api.github.com.evil.com", "strict", "ASK", {}),
        ("https://api.github.com@evil.com", "strict", "ASK", {}),
        ("https://ａpi.github.com/", "strict", "ASK", {}),
        ("https://%61pi.github.com/", "strict", "ASK", {}),
        ("https://evil.com\\@api.github.com", "strict", "ASK", {}),
        ("https://api.github.com\\@evil.com", "strict", "ASK", {}),
        ("https://git\thub.com/x", "strict", "ASK", {}),  # WHATWG drops the tab; others do not
        ("https://en.wikipedia.org/wiki/Moon", "k12_safe", "ALLOW", {"options": {"age_group": "elementary"}}),
        ("https://www.google.com/search?q=moon&safe=active", "k12_safe", "ALLOW", {}),
    ],
)
def test_controls_keep_their_verdict(url: str, policy: str, verdict: str, params: dict[str, object]) -> None:
    assert _verdict(url, policy, **params) == verdict
