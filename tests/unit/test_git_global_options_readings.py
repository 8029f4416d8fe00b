"""A rule on a git subcommand meets it whatever global options stand before it: ``git -C .
push --force``, ``git -c k=v push -f``, ``git --git-dir=.git push -f`` and ``git --no-pager -C
/repo reset --hard`` escaped a user's ``git\\s+push\\s+.*--force`` / ``git\\s+reset\\s+--hard``
(the readings of the line kept the options in place).  A message that only names the
subcommand stays allowed."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell_readings import readings
from tests.unit.shell_support import USER, verdict

SPELLED = [
    "git -C . push --force",
    "git -c user.name=x push --force",
    "git --git-dir=.git push -f",
    "git --no-pager -C /repo reset --hard",
    "git -C/repo push -f origin main",
    "nice git -C . push -f",
    "cd src && git --work-tree=. reset --hard HEAD~1",
]

NEAR = [
    "git -C . status",
    "git -C /x commit -m 'push --force'",
    "git -c color.ui=never log --oneline",
]


@pytest.mark.parametrize("command", SPELLED)
def test_global_options_do_not_hide_the_subcommand(command: str) -> None:
    assert verdict(USER, command) == "DENY"


@pytest.mark.parametrize("command", NEAR)
def test_other_subcommands_stay_allowed(command: str) -> None:
    assert verdict(USER, command) == "ALLOW"


def test_the_reading_drops_only_the_global_options() -> None:
    spelled, _, unresolved = readings("git -C /repo -c a=b --no-pager push --force origin main")
    assert "git push --force origin main" in spelled and not unresolved
