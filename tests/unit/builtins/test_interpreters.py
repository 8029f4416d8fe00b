"""Code that interpreters run from their arguments or stdin (`_interpreters.py`)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._interpreters import inline_code, program, runs_programs, shell_strings
from goalrail.policies.builtins._shell import analyze


def _words(*words: str) -> list[tuple[str, bool]]:
    return [(w, False) for w in words]


@pytest.mark.parametrize(
    ("base", "name"),
    [("python3", "python"), ("python3.11", "python"), ("node", "node"), ("Rscript", "rscript"), ("gawk", "gawk")],
)
def test_programs_by_name(base: str, name: str) -> None:
    assert program(base) == name


def test_not_interpreters() -> None:
    assert program("ls") is None and program("git") is None and program("3") is None


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("python", ("-c", "X"), ["X"]),
        ("python", ("-IBc", "X"), ["X"]),
        ("python", ("-cX",), ["X"]),
        ("perl", ("-lne", "X", "f"), ["X"]),
        ("perl", ("-le'X'",), ["'X'"]),
        ("node", ("--eval=X",), ["X"]),
        ("awk", ("-F", ",", "X", "f"), ["X"]),
        ("awk", ("-v", "n=1", "X"), ["X"]),
        ("sqlite3", ("db", "X", "Y"), ["X", "Y"]),
        ("sqlite3", ("-cmd", "X", "db"), ["X"]),
        ("vim", ("+X", "f"), ["X"]),
        ("gdb", ("-batch", "-ex", "X", "./a.out"), ["X"]),
    ],
)
def test_the_code_a_command_line_gives(name: str, args: tuple[str, ...], code: list[str]) -> None:
    found = inline_code(name, _words(*args), None)
    assert found is not None and [w for w, _ in found] == code


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("python", ("tool.py",)),
        ("python", ("-m", "http.server")),
        ("awk", ("-f", "prog.awk", "f")),
        ("php", ("-f", "x.php")),
    ],
)
def test_a_script_file_is_not_read(name: str, args: tuple[str, ...]) -> None:
    assert inline_code(name, _words(*args), ("import os; os.system('x')", False)) is None


def test_stdin_is_the_script_only_without_a_file() -> None:
    assert inline_code("python", _words("-"), ("CODE", False)) == [("CODE", False)]
    assert inline_code("python", [], ("CODE", False)) == [("CODE", False)]
    assert inline_code("python", _words("x.py"), ("CODE", False)) is None


def test_literals_and_argv_lists() -> None:
    code = "import subprocess; subprocess.run(['git', 'push', 'a b']); os.system(\"ls -la\")"
    assert shell_strings(code)[:1] == ["git push 'a b'"]
    assert "ls -la" in shell_strings(code)


@pytest.mark.parametrize(
    ("name", "code", "runs"),
    [
        ("python", "import subprocess", True),
        ("python", "print(1)", False),
        ("awk", "!seen[$0]++", False),
        ("awk", 'BEGIN { system("x") }', True),
        ("awk", '{ print $1 | "sort" }', True),
        ("vim", "set ff=unix", False),
        ("vim", "silent !ls", True),
        ("perl", "s/a/b/", False),
        ("perl", "print `ls`", True),
        ("node", "console.log(1)", False),
        ("sqlite3", "select 1", False),
        ("sqlite3", ".shell ls", True),
    ],
)
def test_what_runs_programs(name: str, code: str, runs: bool) -> None:
    assert runs_programs(name, code) is runs


def test_the_analysis_sees_the_push_and_flags_the_code() -> None:
    found = analyze("python3 -c \"import os; os.system('git push origin main')\"")
    assert any(c.argv[:2] == ("git", "push") for c in found.commands)
    assert any("runs programs" in u for u in found.unknown)
    assert not analyze("python3 -c 'print(1)'").unknown
