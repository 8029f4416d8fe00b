"""A diff Goalrail does not read (kept in a file the session did not write, ``patch -p1 < x.diff``),
applied in a directory the line names (``patch -d DIR``, ``--directory``, ``git -C DIR apply``,
``cd DIR && …``), may change any file under that directory: it is judged as a write of every file
beneath it, as ``tar xf x.tar -C DIR`` is.  In the call's own directory it names none."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

INTO_THE_GUARD = [
    "patch -p1 -d ~/.claude < x.diff",
    "patch -p1 -i x.diff -d ~/.claude",
    "patch --directory ~/.claude -p1 < x.diff",
    "patch --directory=/home/dev/.claude -p0 < x.diff",
    "patch -p1 -d$HOME/.claude < x.diff",
    "cat x.diff | patch -p1 -d ~/.claude",
    "gpatch -p1 -d ~/.claude < x.diff",
    "git -C ~/.claude apply x.diff",
    "git --work-tree=/home/dev/.claude apply x.diff",
    "git -C ~/.claude am 0001-x.patch",
    "cd ~/.claude && patch -p1 < x.diff",
    "cd ~/.claude && git apply x.diff",
    "env -C ~/.claude patch -p1 < x.diff",
]


@pytest.mark.parametrize("line", INTO_THE_GUARD)
@pytest.mark.parametrize("name", POLICIES)
def test_an_unread_diff_applied_under_the_guard_meets_it(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("ASK" if name == "permissive" else "DENY")


@pytest.mark.parametrize("line", ["patch -p1 -d ~/.ssh < x.diff", "git -C ~/.ssh apply x.diff"])
@pytest.mark.parametrize("name", POLICIES)
def test_an_unread_diff_applied_among_keys_is_a_write_there(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == ("DENY" if name == "strict" else "ASK")


@pytest.mark.parametrize(
    "line",
    [
        "patch -p1 < x.diff",
        "git apply x.diff",
        "git apply --check -C ~/.claude x.diff",
        "patch --dry-run -p1 -d ~/.claude < x.diff",
        "git -C ~/.claude apply --stat x.diff",
        "patch -p1 -d src < x.diff",
        "git -C vendor/lib apply ../../fix.diff",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_in_the_project_or_only_checked_it_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


def test_a_diff_on_the_line_is_still_read_for_its_files() -> None:
    """(the headers name the one file changed: a diff of ``notes.txt`` under ``~/.claude`` is no
    write of the settings file)"""
    doc = "--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-a\n+b\n"
    assert verdict(SOC2, f"patch -p1 -d ~/.claude <<'EOF'\n{doc}EOF") == "ALLOW"
    settings = doc.replace("notes.txt", "settings.json")
    assert verdict(SOC2, f"patch -p1 -d ~/.claude <<'EOF'\n{settings}EOF") == "DENY"
