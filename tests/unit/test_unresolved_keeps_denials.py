"""A line that also runs something its analysis cannot resolve (a program named at run time, code
built from strings, a syntax error) is asked about that part, and what it can read is still judged
in full: a recursive delete or mode change of every file under a directory a rule denies stays
denied (it used to be only asked, once the unresolved part had asked about file actions)."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, READ_ONLY, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "permissive": PERMISSIVE, "hipaa": HIPAA, "read_only": READ_ONLY}
#: lines denied as they stand, each acting on every file beneath a directory
DENIED = [
    "rm -rf /",
    "rm -Rf /",
    "rm -r -f /",
    "timeout 9 rm -rf /",
    "chmod -R 777 /",
    "chown -R nobody /",
    "find / -delete",
    "find / -exec rm -rf {} +",
    "python3 -c \"import shutil;shutil.rmtree('/')\"",
    "node -e \"require('fs').rmSync('/',{recursive:true})\"",
    "ruby -e \"require 'fileutils'; FileUtils.rm_rf('/')\"",
]
#: what makes a line unresolved
UNRESOLVED = ['; eval "$y"', "; $CMD", "; echo )", '&& bash -c "$Z"', "| $PAGER"]
RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}


@pytest.mark.parametrize("line", DENIED)
@pytest.mark.parametrize("suffix", UNRESOLVED)
def test_an_unresolved_part_never_lowers_a_deny(line: str, suffix: str) -> None:
    for name, policy in POLICIES.items():
        alone = verdict(policy, line)
        both = verdict(policy, f"{line} {suffix}")
        assert RANK[both] >= RANK[alone], f"{name}: {line!r} is {alone}, with {suffix!r} {both}"


def test_the_lines_are_denied_alone_and_with_an_unresolved_part() -> None:
    for line in DENIED:
        assert verdict(PERMISSIVE, line) == "DENY", line
        assert verdict(PERMISSIVE, f"{line} ; $CMD") == "DENY", line


@pytest.mark.parametrize("line", ["ls -la ; $CMD", 'echo done ; eval "$y"', 'make test && bash -c "$Z"'])
def test_an_unresolved_line_alone_is_asked_not_denied(line: str) -> None:
    """(controls: what the line cannot tell is asked where a rule denies some of it, as before)"""
    assert verdict(PERMISSIVE, line) == "ASK"
    assert verdict(STRICT, line) == "ASK"
