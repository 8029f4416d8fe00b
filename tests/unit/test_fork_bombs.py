"""A fork bomb by any name: a function that starts copies of itself in the background or in a
pipeline.  ``strict`` denied only the classic ``:(){ :|:& };:``; ``bomb(){ bomb|bomb& };bomb``
and its kin were allowed under every template.  The shell analysis now says so of the line
(``_shell_functions.spawns_itself``) and reads it in the classic spelling too, so every rule
written against that spelling (``strict``'s, ``soc2``'s) denies them all, and a policy with other
``shell_execute`` denials asks.  Recursion that starts one copy at a time, in the foreground
(``retry(){ cmd || retry; }``), stays allowed."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_functions import FORK_BOMB
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2
from tests.unit.shell_support import STRICT, USER, verdict

BOMBS = [
    "bomb(){ bomb|bomb& };bomb",
    "function bomb { bomb | bomb & }; bomb",
    "f(){ f & f; }; f",
    "x() { x | x & }; x",
    "f(){ a | f; }; f",
    "f(){ g |& f; }; f",
    "cd /tmp && b(){ b|b & }; b",
    "bash -c 'z(){ z|z& };z'",
]

NOT_BOMBS = [
    "f(){ echo hi; }; f",
    "f(){ ls | grep x & }; f",
    "retry(){ cmd || retry; }; retry",
    "w(){ sleep 1; w; }; w",
    "f(){ f && g; }",
]


@pytest.mark.parametrize("command", BOMBS)
def test_a_fork_bomb_by_any_name_is_denied_where_the_classic_one_is(command: str) -> None:
    assert verdict(STRICT, command) == "DENY"
    assert verdict(SOC2, command) == "DENY"
    assert verdict(USER, command) in ("ASK", "DENY")


@pytest.mark.parametrize("command", BOMBS[:6])
def test_the_analysis_names_it(command: str) -> None:
    assert FORK_BOMB in analyze(command).unknown


@pytest.mark.parametrize("command", NOT_BOMBS)
def test_other_functions_stay_allowed(command: str) -> None:
    assert FORK_BOMB not in analyze(command).unknown
    assert verdict(STRICT, command) == "ALLOW"
