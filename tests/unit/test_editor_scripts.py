"""A line editor's script names files of its own: ``ed -s x <<< 'w ~/.bashrc'``, ``vim -c 'w
~/.claude/settings.json' x``, ``printf 'r /etc/shadow\\n,p\\n' | ed -s x`` write or read them as
``echo >``, ``cat`` do.  They were allowed (only the edited operand was judged)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell_file_edscripts import _commands
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
WRITTEN = ["/home/dev/.claude/settings.json", "~/.bashrc", "$HOME/.codex/config.toml"]
WRITES = [
    "ed -s x <<< 'w {}'",
    "ed -s x <<< 'W {}'",
    "ed x <<'EOF'\n1,$w {}\nq\nEOF",
    "printf 'w {}\\nq\\n' | ed -s x",
    "echo 'wq {}' | ed -s x",
    "ex -s x <<< 'w! {}'",
    "ex -sc 'w {}|q' x",
    "vim -es x <<< 'write {}'",
    "vim -c 'w {}' -c q x",
    "vim -c ':saveas {}' -c q x",
    "vim -c 'w >> {}' -c q x",
    "vim '+w {}' '+q' x",
    "nvim --headless -c 'w {}' -c q x",
    "vi -c 'sav! {}|q' x",
    "vim -c 'e {}|%d|w|q'",
    "ed -s <<< $'e {}\\na\\nx\\n.\\nw\\nq'",
]


@pytest.mark.parametrize("path", WRITTEN)
@pytest.mark.parametrize("form", WRITES)
@pytest.mark.parametrize("name", POLICIES)
def test_an_editor_script_writing_a_file_is_a_write_of_it(name: str, form: str, path: str) -> None:
    assert verdict(POLICIES[name], form.format(path)) == verdict(POLICIES[name], f"echo x > {path}")


@pytest.mark.parametrize(
    "line",
    [
        "ed -s x <<< 'r /home/dev/.ssh/id_rsa'",
        "printf 'r ~/.aws/credentials\\n,p\\n' | ed -s x",
        "vim -c 'r ~/.ssh/id_rsa' -c 'w' x",
        "vim -c 'e /etc/shadow' -c '%p'",
        "ex -sc 'r ~/.ssh/id_ed25519|%p|q!' x",
    ],
)
@pytest.mark.parametrize("name", POLICIES)
def test_an_editor_script_reading_a_secret_is_a_read_of_it(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == verdict(POLICIES[name], "cat ~/.ssh/id_rsa")


@pytest.mark.parametrize(
    "line",
    [
        "ed -s notes.txt <<< $'a\\nw /home/dev/.bashrc\\n.\\nw\\nq'",
        "vim -c '%s/a/b/g' -c 'wq' src/app.py",
        "ex -sc '%s/foo/bar/g|x' src/app.py",
        "printf '%s\\n' ',s/a/b/g' 'w' 'q' | ed -s src/app.py",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_text_typed_commands_run_and_the_edited_file_stay_as_they_were(name: str, line: str) -> None:
    """(text after `a` up to a lone `.` is text)"""
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize(
    ("script", "ed", "found"),
    [
        ("w /a", True, [("file_write", "/a")]),
        ("1,$w /a\nq", True, [("file_write", "/a")]),
        ("/re/w /a", True, [("file_write", "/a")]),
        ("a\nw /a\n.\nw\nq", True, [("file_write", None)]),
        ("r !id", True, []),
        ("w! /a|q", False, [("file_write", "/a")]),
        ("e! /c|w", False, [("open", "/c"), ("file_write", None)]),
        ("w ++enc=utf-8 /a", False, [("file_write", "/a")]),
        ("g/x/w /a|w /b", False, [("file_write", "/a"), ("file_write", "/b")]),
        ("g/^#/d", True, []),
        ("norm Gox|w /a", False, []),
    ],
)
def test_the_commands_read(script: str, ed: bool, found: list[tuple[str, str | None]]) -> None:
    assert list(_commands(script, ed)) == found
