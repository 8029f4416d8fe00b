"""Programs that run a command or a shell as another user are one class under the shipped
templates: ``strict``'s dangerous-command rule and ``soc2``'s privilege escalation named only
``sudo`` and ``su -``, so ``su``, ``su root``, ``doas``, ``pkexec``, ``run0``, ``sudoedit`` and
``runuser`` were allowed (``permissive`` named ``doas`` and ``pkexec`` but not the other three).
A word that only mentions one (``sudoers.d``, a commit message) stays allowed under ``strict``."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import PERMISSIVE, STRICT, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

RUN_AS = [
    "su",
    "su root",
    "su - postgres",
    "doas -s",
    "doas ls /root",
    '"doas" sh',
    "pkexec ls",
    "pkexec --user root bash",
    "run0 ls",
    "sudoedit /etc/passwd",
    "runuser -u root -- ls",
    "x=pkexec; $x ls",
]

MENTIONS = [
    "ls /etc/sudoers.d",
    "cat runuser_docs.md",
    'git commit -m "su is a command"',
    "echo fix su bug",
    "grep -rn pkexec_path src",
]


@pytest.mark.parametrize("command", RUN_AS)
@pytest.mark.parametrize("policy", [STRICT, SOC2, PERMISSIVE], ids=["strict", "soc2", "permissive"])
def test_running_as_another_user_is_denied(policy: object, command: str) -> None:
    assert verdict(policy, command) == "DENY"


@pytest.mark.parametrize("command", MENTIONS)
def test_a_word_that_only_mentions_one_stays_allowed_under_strict(command: str) -> None:
    assert verdict(STRICT, command) == "ALLOW"
