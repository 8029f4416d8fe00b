"""Mutation test of the shell corpora: every bypass case rewritten in ways bash runs the same.

Each rewrite of ``shell_mutants.MUTATIONS`` (quoting of the program or subcommand word, a path,
a variable or array holding it, a function, a subshell, ``bash -c``, a heredoc into ``sh``,
``eval``, ``find -exec``, ``xargs``…) is applied to every bypass case written as a command
line: each mutant must still come out DENY or ASK.  Every wrapper, launcher and runner of the
analysis' tables with each of its options (``wrapper_prefixes``) is put in front of the cases in
turn, directly and around ``sh -c``, so each option meets several cases.

The harmless rewrites are applied to the benign corpus too: each mutant must stay ALLOWed,
except for the rewrites the analysis reports unknown by design (listed in ``ASKED_BY_DESIGN``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from goalrail.policies.builtins._shell_values import follows_none
from tests.unit.builtins.shell_mutants import MUTATIONS, Mutation, q, simple_prefix, wrapper_prefixes
from tests.unit.builtins.test_shell_corpus import BENIGN, BYPASS, _policies, _sub, _verdict, root

__all__ = ["root"]  # the corpus' temporary tree, shared

PER_CASE = 3  # wrapper prefixes put in front of each bypass case
COMMAND_CASES = [c for c in BYPASS["cases"] if "command" in c]
BENIGN_COMMANDS = [c for c in BENIGN["commands"] if isinstance(c, str)]

#: harmless rewrites the analysis answers unknown (so ASK) on purpose
ASKED_BY_DESIGN = {
    "name_ansi_hex": "an ANSI-C quoted command name with escapes",
    "name_ansi_octal": "an ANSI-C quoted command name with escapes",
    "name_continuation": "a word tree-sitter splits at a line continuation",
    "sub_continuation": "a word tree-sitter splits at a line continuation",
    "simple_xargs": "`xargs git` appends arguments at run time",
    "whole_find_exec": "find substitutes `{}` inside an `sh -c` script",
    "whole_xargs": "xargs' `{}` inside an `sh -c` script",
}


def _escaped(policies: dict[str, Any], cases: list[dict[str, Any]], rewrite: Any, root: str, cwd: str) -> list[str]:
    missed = []
    for case in cases:
        mutant = rewrite(case["command"])
        if mutant is None:
            continue
        if _verdict(policies[case["policy"]], _sub(mutant, root), cwd) == "ALLOW":
            missed.append(mutant)
    return missed


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_bypass_mutants_are_caught(mutation: Mutation, root: str) -> None:
    policies = _policies(BYPASS, root)
    missed = _escaped(policies, COMMAND_CASES, mutation.rewrite, root, _sub(BYPASS["cwd"], root))
    assert missed == [], f"{len(missed)} mutants allowed, e.g. {missed[:3]}"


def test_every_mutation_applies_somewhere() -> None:
    for mutation in MUTATIONS:
        assert any(mutation.rewrite(c["command"]) is not None for c in COMMAND_CASES), mutation.name


@pytest.mark.parametrize("shape", ["direct", "sh -c"])
def test_bypass_cases_behind_every_wrapper_option(shape: str, root: str) -> None:
    policies = _policies(BYPASS, root)
    cwd = _sub(BYPASS["cwd"], root)
    prefixes = [p for p, _ in wrapper_prefixes()]
    missed = []
    for i, case in enumerate(COMMAND_CASES):
        for k in range(PER_CASE):
            prefix = prefixes[(i * PER_CASE + k) % len(prefixes)]
            cmd = case["command"]
            mutant = simple_prefix(prefix, cmd) if shape == "direct" else f"{prefix} sh -c {q(cmd)}"
            if mutant is not None and _verdict(policies[case["policy"]], _sub(mutant, root), cwd) == "ALLOW":
                missed.append(mutant)
    assert missed == [], f"{len(missed)} mutants allowed, e.g. {missed[:3]}"
    assert len(prefixes) * 2 < len(COMMAND_CASES) * PER_CASE  # each prefix meets at least two cases


@pytest.mark.parametrize(
    "mutation", [m for m in MUTATIONS if m.harmless and m.name not in ASKED_BY_DESIGN], ids=lambda m: m.name
)
def test_benign_mutants_stay_allowed(mutation: Mutation, root: str) -> None:
    policies = _policies(BENIGN, root)
    cwd = _sub(BENIGN["cwd"], root)
    flagged = []
    for command in BENIGN_COMMANDS:
        mutant = mutation.rewrite(command)
        if mutant is None or (mutation.name.startswith("var_") and _var_not_followed(command)):
            continue
        if any(_verdict(p, _sub(mutant, root), cwd) != "ALLOW" for p in policies.values()):
            flagged.append(mutant)
    assert flagged == [], f"{len(flagged)} benign mutants not allowed, e.g. {flagged[:3]}"


def _var_not_followed(command: str) -> bool:
    """A line where ``X`` is not followed by design: it may write variables by names it does not
    spell out (``read``, ``mapfile``, ``let``…), or it mentions ``X`` itself (``-X GET``)."""
    return follows_none(command) or re.search(r"(?<![\w$])X(?!\w)", command) is not None


def test_benign_behind_wrappers_stays_allowed(root: str) -> None:
    policies = _policies(BENIGN, root)
    cwd = _sub(BENIGN["cwd"], root)
    prefixes = [p for p, chdir in wrapper_prefixes() if not chdir]
    flagged = []
    for i, command in enumerate(BENIGN_COMMANDS):
        prefix = prefixes[i % len(prefixes)]
        mutant = simple_prefix(prefix, command)
        if mutant is not None and any(_verdict(p, _sub(mutant, root), cwd) != "ALLOW" for p in policies.values()):
            flagged.append(mutant)
    assert flagged == [], f"{len(flagged)} benign mutants not allowed, e.g. {flagged[:3]}"
