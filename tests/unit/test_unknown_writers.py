"""A program Goalrail does not know may write what it is handed: handed a file the agent's guard
denies writing (harness settings and hooks, Goalrail's own files: a template's
``<prefix>_guard_write``), it is asked, as it is when handed a secret (``_pattern_handed``).  And two
readers write their second operand: ``uniq IN OUT``, ``xxd [-r] IN OUT``; ``gpg -o F`` (``pandoc``,
``shuf``) writes ``F``; ``split``/``csplit`` write pieces named by a prefix and a suffix, judged as
their first piece."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

HANDED = [
    "frobnicate ~/.claude/settings.json",
    "frobnicate -o ~/.claude/settings.json x",
    "frobnicate --output=$HOME/.claude/settings.json x",
    "mdconv -o ~/.claude/settings.json x.md",
    "shuffler -o ~/.claude/settings.local.json x",
    "mytool --config /home/dev/.claude/settings.json",
]


@pytest.mark.parametrize("line", HANDED)
@pytest.mark.parametrize("name", POLICIES)
def test_an_unknown_program_handed_the_guard_is_asked(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ASK"


@pytest.mark.parametrize(
    "line",
    [
        "uniq x ~/.claude/settings.json",
        "xxd -r x ~/.claude/settings.json",
        "gpg -o ~/.claude/settings.json -d x.gpg",
        "gpg --output ~/.claude/settings.json --decrypt x.gpg",
        "gpg -d --output=$HOME/.claude/settings.local.json x.gpg",
        "pandoc -o ~/.claude/settings.json x.md",
        "shuf -o ~/.claude/settings.local.json x",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_a_reader_writing_its_second_operand_meets_the_guard(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("ASK" if name == "permissive" else "DENY")


@pytest.mark.parametrize(
    "line", ["mytool src/app.py", "pandoc -o out.html README.md", "uniq -c words.txt", "xxd build/app.bin"]
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_what_they_do_in_the_project_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize("line", ["getcap /usr/bin/ping", "ldd /usr/lib/x.so", "objdump -d /usr/bin/true"])
def test_a_system_path_handed_stays_as_it_was_under_strict(line: str) -> None:
    """(strict denies writing system directories too, but a program handed one reads it far more
    often than it writes it: only the guard's rule asks)"""
    assert verdict(STRICT, line) == "ALLOW"


@pytest.mark.parametrize(
    "line, first",
    [
        ("split -b 1k x ~/.ssh/", "echo x > ~/.ssh/aa"),
        ("split -l 100 big.csv part_", "echo x > part_aa"),
        ("split big.csv", "echo x > xaa"),
        ("csplit -f ~/.ssh/ x 1", "echo x > ~/.ssh/00"),
        ("csplit x 5", "echo x > xx00"),
        ("split x ~/.claude/settings.json", "echo x > ~/.claude/settings.jsonaa"),
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_split_writes_its_first_piece(name: str, line: str, first: str) -> None:
    assert verdict(POLICIES[name], line) == verdict(POLICIES[name], first)


def test_split_into_a_key_directory_is_denied_under_strict() -> None:
    assert verdict(STRICT, "split -b 1k x ~/.ssh/") == "DENY"
