"""Which ``shell_execute`` rules match a reading is found in one pass of the type's RE2 automaton
(``TypeIndex.matching``), each of an operator's Python ``re`` rules confirmed by its own regex:
the answer is the one matching each rule's regex in turn gives, over every reading of the shell
corpora's lines, for the templates and for a user's RE2 rules."""

from __future__ import annotations

import pytest

from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import linear_regexes
from goalrail.policies.builtins._pattern_commands import _matched
from goalrail.policies.builtins._pattern_files import FileKinds
from goalrail.policies.builtins._pattern_sources import named_policy
from goalrail.policies.builtins._shell_readings import readings
from tests.unit.shell_corpus import corpus_lines

with linear_regexes():  # a user's rules: RE2
    USER = Policy.from_yaml_string(
        "name: u\ndefaults: {action: allow}\npatterns:\n"
        "  - {id: force, action_type: shell_execute, action: deny,\n"
        "     pattern: 'git\\s+push\\s+(.*\\s)?(--force|-f)(\\s|$)'}\n"
        "  - {id: rm, action_type: shell_execute, pattern: '.*rm\\s+-rf.*', action: warn}\n"
    )


@pytest.mark.parametrize("name", ["strict", "soc2_compliant", "permissive", "user"])
def test_one_pass_of_the_automaton_gives_what_each_rule_gives(name: str) -> None:
    policy = USER if name == "user" else named_policy(name, {}, [])
    kinds = FileKinds()
    guards, ids = kinds.commands(policy), kinds.guard_ids(policy)
    assert guards and ids
    assert policy.compiled().index_for("shell_execute").matching("ls", ids) is not None  # the set answers
    compared = 0
    for line in corpus_lines():
        for reading in readings(line)[0]:
            assert _matched(policy, guards, ids, reading) == frozenset(g.id for g in guards if g.matches(reading))
            compared += 1
    assert compared > 2000
