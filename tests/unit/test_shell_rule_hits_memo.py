"""The readings of a line a policy's ``shell_execute`` rules match are kept per checker, by line
(``FileKinds.hits``): a line judged again is answered as the first time, a policy that replaces
another (a reloaded file) starts with nothing kept, and the memo stays bounded."""

from __future__ import annotations

from goalrail.patterns.conditions import ActionFacts, no_rate
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_commands import shell_commands
from goalrail.policies.builtins._pattern_files import FileKinds

LINE = "cd src && rm -rf build"


def _policy(pattern: str) -> Policy:
    return Policy.from_yaml_string(
        "name: p\ndefaults: {action: allow}\npatterns:\n"
        f"  - {{id: r, action_type: shell_execute, pattern: '{pattern}', action: deny}}\n"
    )


def _verdict(kinds: FileKinds, policy: Policy, line: str = LINE) -> bool:
    facts = ActionFacts()
    own = policy.decide("shell_execute", line, facts, no_rate)
    res = shell_commands(policy, kinds.commands(policy), own, [line], facts, no_rate, kinds.hits(policy))
    return res.allowed


def test_a_line_judged_again_is_answered_as_the_first_time() -> None:
    kinds, policy = FileKinds(), _policy("rm\\s+-rf.*")
    assert _verdict(kinds, policy) is False
    assert LINE in kinds.hits(policy)
    assert _verdict(kinds, policy) is False


def test_a_policy_that_replaces_another_starts_with_nothing_kept() -> None:
    kinds, denies_rm, denies_curl = FileKinds(), _policy("rm\\s+-rf.*"), _policy("curl.*")
    assert _verdict(kinds, denies_rm) is False
    assert _verdict(kinds, denies_curl) is True  # the rm policy's hits are not this policy's
    assert LINE in kinds.hits(denies_curl) and kinds.hits(denies_curl)[LINE] == ()
    assert _verdict(kinds, denies_rm) is False


def test_the_memo_stays_bounded() -> None:
    kinds, policy = FileKinds(), _policy("rm\\s+-rf.*")
    for i in range(1500):
        _verdict(kinds, policy, f"cd d{i} && ls")
    assert len(kinds.hits(policy)) <= 1024
