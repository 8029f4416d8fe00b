"""The shipped templates' rules run in RE2 wherever RE2 can run them, so a line an agent writes
cannot make a rule's match take time more than linear in its length.

A rule such as "a container run with ``--privileged`` anywhere on the line" is quadratic in a
backtracking engine: 20 KB of ``docker `` before or after a match held the decision (and every
session waiting on it) for seconds.  Rules RE2 refuses (lookarounds) stay with Python ``re``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from goalrail.patterns.builtin_policies import BUILTIN_NAMES, builtin_policy, resolve_policy
from goalrail.patterns.regex import BACKTRACKING, LINEAR, runs_linear
from goalrail.patterns.templates import TEMPLATES
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.cpu_support import FRESH, within
from tests.unit.shell_support import verdict

SHIPPED = [*BUILTIN_NAMES, *TEMPLATES]


def _patterns(policy: Any) -> list[Any]:
    return list(policy.all_patterns())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_rule_re2_can_run_runs_in_re2(name: str) -> None:
    policy = builtin_policy(name) if name in BUILTIN_NAMES else resolve_policy(name)
    patterns = _patterns(policy)
    assert patterns
    for p in patterns:
        want = LINEAR if runs_linear(p.pattern) and not p.conditions else BACKTRACKING
        assert p.engine == want, (name, p.id, p.pattern[:80])


def test_a_template_reconfigured_later_keeps_re2() -> None:
    policy = resolve_policy("soc2_compliant")
    policy.configure(**{k: v for k, v in policy.options.items()})
    engines = {p.engine for p in _patterns(policy) if runs_linear(p.pattern) and not p.conditions}
    assert engines == {LINEAR}


LONG = 100_000
#: a line of about ``n`` characters, each spelling a rule that matches at its start or at its end
LINES: dict[str, Callable[[int], str]] = {
    "privileged-first": lambda n: "docker --privileged " + "docker " * (n // 7),
    "sudo-first": lambda n: "sudo " + "docker " * (n // 7),
    "ssh-root-last": lambda n: "ssh " * (n // 4) + "root@host",
    "chmod-last": lambda n: "chmod " * (n // 6) + "u+s x",
}


@pytest.mark.parametrize("name", ["strict", "soc2_compliant", "permissive"])
@pytest.mark.parametrize("line", list(LINES))
def test_a_long_line_is_judged_in_linear_time(name: str, line: str) -> None:
    policy = pattern_policy(policy=name)
    assert verdict(policy, LINES[line](LONG)) == "DENY"
    # Python ``re`` took tens of seconds on these 100 KB lines (quadratic); RE2 about what a loop over
    # the line's words takes (≈ 1x)
    text = LINES[line](LONG)
    within(lambda: verdict(policy, f"{text} # {next(FRESH)}"), lambda: sum(len(w) for w in text.split()), 50)
