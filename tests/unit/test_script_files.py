"""The files an awk or sed program names in its own text are judged as the shell's own spellings are:
``awk '{print > "F"}'`` and ``sed 'w F'`` write F as ``echo x > F`` does, ``awk 'BEGIN{getline l < "F"}'``
and ``sed 'r F'`` read F as ``cat F`` does (``_shell_file_awk``, ``_shell_file_sed``).  A target
known only at run time (``print > $1``) is a file named at run time, as ``echo x > "$F"`` is."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from goalrail.policies.builtins._shell_file_awk import awk_files
from goalrail.policies.builtins._shell_file_sed import sed_files
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
ORDER = ("strict", "soc2", "hipaa", "permissive")
GUARD = "/home/dev/.claude/settings.json"

#: writes of the agent's guard: as `echo x > ~/.claude/settings.json` (DENY DENY DENY ASK)
GUARD_WRITES = [
    f"awk '{{print > \"{GUARD}\"}}' x",
    f'awk \'{{printf "%s\\n", $0 > "{GUARD}"}}\' x',
    f'awk \'BEGIN{{printf("%s\\n", "x") > "{GUARD}"}}\'',
    f"sed -n 'w {GUARD}' x",
    f"sed 's/a/b/w {GUARD}' x",
    f'gawk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'mawk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'nawk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'busybox awk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'env awk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'echo x | xargs awk \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'sh -c "awk \'BEGIN{{print 1 > \\"{GUARD}\\"}}\'"',
    f"bash -c 'sed -n \"w {GUARD}\" x'",
    f'awk -e \'BEGIN{{print "x" > "{GUARD}"}}\'',
    f'gawk --source \'BEGIN{{print "x" > "{GUARD}"}}\' x',
    f'gawk --source=\'BEGIN{{print "x" > "{GUARD}"}}\' x',
    f'gawk -f lib.awk -e \'BEGIN{{print "x" > "{GUARD}"}}\' x',
    f"gawk -e 'BEGIN{{}}' -e 'END{{print \"x\" > \"{GUARD}\"}}' x",
    f'awk -f /dev/stdin x <<\'EOF\'\nBEGIN {{ print "x" > "{GUARD}" }}\nEOF',
    'awk \'BEGIN{print "x" > "~/.claude/settings.json"}\'',
    'awk \'BEGIN{print "x" > ENVIRON["HOME"] "/.claude/settings.json"}\'',
    'awk \'BEGIN{f = ENVIRON["HOME"] "/.claude/settings.json"; print "x" > f}\'',
    f"awk -v f={GUARD} 'BEGIN{{print \"x\" > f}}'",
    'awk -v f="$HOME/.claude/settings.json" \'BEGIN{print "x" > f}\'',
    f"awk '{{print > f}}' f={GUARD} x",
    'awk \'BEGIN{print "x" > "/home/dev/.claude/" "settings.json"}\'',
    'awk \'BEGIN{print "x" > "/home/dev/.claude/settings.js\\x6fn"}\'',
    'awk \'BEGIN{print "x" > ".claude/settings.json"}\'',
    'awk \'BEGIN{print "x" > "/home/dev/.codex/config.toml"}\'',
    'awk \'BEGIN{print "x" > "/home/dev/.gemini/settings.json"}\'',
    'awk \'BEGIN{print "x" > ".vscode/settings.json"}\'',
    f"sed -e 's/a/b/' -e 'w {GUARD}' x",
    f"sed --expression='w {GUARD}' x",
    f"sed --expression 'w {GUARD}' x",
    f"gsed -n 'w {GUARD}' x",
    f"sed -i '' 'w {GUARD}' x",
    f"sed -n -E -s -z 'w {GUARD}' x",
    f"sed -ne 'w {GUARD}' x",
    f"sed -n '/foo/w {GUARD}' x",
    f"sed -n '\\,foo, w {GUARD}' x",
    f"sed -n '1,5w {GUARD}' x",
    f"sed -n '1~2w {GUARD}' x",
    f"sed -n '$!w {GUARD}' x",
    f"sed -n '/a/{{p;w {GUARD}\n}}' x",
    f"sed 's|a|b|w {GUARD}' x",
    f"sed 's/a\\/x/b/gw {GUARD}' x",
    f"sed 's/[/]/x/w {GUARD}' x",
    f"sed 'W {GUARD}' x",
    f"sed -f /dev/stdin x <<'EOF'\nw {GUARD}\nEOF",
    "sed 'w ~/.claude/settings.json' x",
    "sed 'w .claude/settings.json' x",
    'sed "w $HOME/.claude/settings.json" x',
    "sed 'w ~/.codex/config.toml' x",
    "sed 'w ~/.gemini/settings.json' x",
    "sed 'w .vscode/settings.json' x",
]
#: writes of a shell's startup file: as `echo x >> ~/.bashrc` (DENY ASK ASK ASK)
RC_WRITES = [
    'awk \'BEGIN{print "x" > "/home/dev/.bashrc"}\'',
    "awk '{print >> \"/home/dev/.bashrc\"}' x",
    'awk \'BEGIN{print "x" > "/home/dev/.bash\\162c"}\'',
    'awk \'BEGIN{print "x" > ("/home/dev/." "bashrc")}\'',
    'awk \'BEGIN{if (1) print "x" > "/home/dev/.bashrc"; else print "y"}\'',
    'awk \'BEGIN { x = 4 / 2; print "x" > "/home/dev/.bashrc" }\'',
    "awk '/re/ { print > \"/home/dev/.bashrc\" }' x",
    "awk -vf=/home/dev/.bashrc '{print > f}' x",
    'awk \'\nBEGIN {\n  f = "/home/dev/.bashrc"   # the rc\n  print "x" >> f\n}\'',
    'awk "BEGIN{print 1 > \\"$HOME/.bashrc\\"}"',
    "sed -n '1w /home/dev/.bashrc' x",
    "sed -n '\n# a comment\n/x/ {\n  s/a/b/\n  w /home/dev/.bashrc\n}' x",
    "sed 'y/ab/cd/;w /home/dev/.bashrc' x",
    "sed ':a;N;ba;w /home/dev/.bashrc' x",
]
#: reads of secrets: as `cat ~/.ssh/id_rsa` (DENY DENY DENY ALLOW)
SECRET_READS = [
    "awk 'BEGIN{getline l < \"/home/dev/.ssh/id_rsa\"; print l}'",
    "awk 'BEGIN{while ((getline l < \"/home/dev/.aws/credentials\") > 0) print l}'",
    "awk 'BEGIN{getline < \"/etc/shadow\"; print}'",
    "awk -v f=/home/dev/.ssh/id_rsa 'BEGIN{getline l < f; print l}'",
    "sed 'r /home/dev/.ssh/id_rsa' x",
    "sed 'R /home/dev/.ssh/id_rsa' x",
    "sed '1r /home/dev/.aws/credentials' x",
    "sed '$r /etc/shadow' x",
    "sed 'r ~/.ssh/id_rsa' x",
    "gawk --source='BEGIN{}' ~/.ssh/id_rsa",
]
#: a file named at run time: as `echo x > "$F"` (ASK everywhere)
RUN_TIME = [
    "awk '{print > $1}' x",
    "awk '{print > $1\".txt\"}' x",
    'awk \'BEGIN{f="/home/dev/.bashrX"; sub(/X/,"c",f); print "x" > f}\'',
    "awk '{f = $2; print > f}' x",
    'awk \'BEGIN{getline f < "list"; print "x" > f}\'',
]
#: what awk and sed do every day: allowed everywhere
BENIGN = [
    "awk '{print $1}' f",
    "awk '$3 > 100 {print}' f",
    "awk '{print ($1 > 5)}' f",
    "awk 'NR > 1 && $2 >= 3 {print $1, $2}' f",
    "awk '{ if ($1 > max) max = $1 } END { print max }' f",
    "awk '{print > \"/tmp/out.txt\"}' f",
    'awk \'{print "error" > "/dev/stderr"}\' f',
    "awk '{print > \"/dev/stdout\"}' f",
    "awk 'BEGIN{while ((getline line < \"notes.txt\") > 0) print line}'",
    "awk '!seen[$0]++' notes.txt",
    "awk -v n=3 'NR <= n' notes.txt",
    "awk -f scripts/report.awk data.csv",
    "sed -n 's/x/y/w /dev/stdout' f",
    "sed '/re/r notes.txt' f",
    "sed -n '1,80p' src/app.py",
    "sed 's|/usr/local|/opt|g' Makefile",
    "sed 's/word/ w /g' f",
    "sed 's/^/r /' f",
    "sed -e '/^$/d' -e 's/  */ /g' f",
    "sed -n 'w /tmp/copy.txt' f",
    "sed -f script.sed f",
]
#: writes in the project: as `echo x > out.txt` (strict asks for a write outside its workspace)
PROJECT_WRITES = [
    "awk '{print > \"out.txt\"}' f",
    "awk '{n = $1 / 2; print n > \"half.txt\"}' f",
    "sed 's/a/b/w out.txt' f",
    "sed -i 's/a/b/' src/x.py",
]


def _verdicts(line: str) -> tuple[str, ...]:
    return tuple(verdict(POLICIES[name], line) for name in ORDER)


@pytest.mark.parametrize("line", GUARD_WRITES)
def test_a_program_writing_the_guard_is_judged_as_a_redirection(line: str) -> None:
    assert _verdicts(line) == ("DENY", "DENY", "DENY", "ASK") == _verdicts("echo x > ~/.claude/settings.json")


@pytest.mark.parametrize("line", RC_WRITES)
def test_a_program_writing_a_startup_file_is_judged_as_a_redirection(line: str) -> None:
    assert _verdicts(line) == ("DENY", "ASK", "ASK", "ASK") == _verdicts("echo x >> ~/.bashrc")


@pytest.mark.parametrize("line", SECRET_READS)
def test_a_program_reading_a_secret_is_judged_as_cat(line: str) -> None:
    assert _verdicts(line) == ("DENY", "DENY", "DENY", "ALLOW") == _verdicts("cat ~/.ssh/id_rsa")


@pytest.mark.parametrize("line", RUN_TIME)
def test_a_target_known_only_at_run_time_is_asked(line: str) -> None:
    assert _verdicts(line) == ("ASK",) * 4 == _verdicts('echo x > "$F"')


@pytest.mark.parametrize("line", BENIGN)
def test_what_awk_and_sed_do_every_day_stays_allowed(line: str) -> None:
    assert _verdicts(line) == ("ALLOW",) * 4


@pytest.mark.parametrize("line", PROJECT_WRITES)
def test_a_write_in_the_project_is_judged_as_a_redirection_there(line: str) -> None:
    assert _verdicts(line) == ("ASK", "ALLOW", "ALLOW", "ALLOW") == _verdicts("echo x > out.txt")


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ('{print > "a"} $1 > 5 {print ($2 > 6)}', [("file_write", "a", False)]),
        ('BEGIN{print "x" >> "a" "b"; close("ab")}', [("file_write", "ab", False)]),
        ('{print > $1 ".txt"}', [("file_write", "$_.txt", True)]),
        ('{print > ENVIRON["HOME"] "/x"}', [("file_write", "$HOME/x", True)]),
        ('BEGIN{f = "a"} {f = "b"} END{print > f}', [("file_write", "a", False), ("file_write", "b", False)]),
        ('BEGIN{f = "a"; f++; print > f}', [("file_write", "a", False), ("file_write", "$_", True)]),
        ('function w(f) {print > f} BEGIN{f = "a"}', [("file_write", "a", False), ("file_write", "$_", True)]),
        ('{x = $1 / 2; y = /re/ ? 1 : 0; getline z < "in"}', [("file_read", "in", False)]),
        ('{print "a" | "sort"; "date" | getline d}', []),
        ('# print > "a"\n{print "#" > "b"}', [("file_write", "b", False)]),
    ],
)
def test_awk_targets_are_read_from_the_program(code: str, found: list[tuple[str, str, bool]]) -> None:
    assert awk_files(code, {}) == found


@pytest.mark.parametrize(
    ("script", "found"),
    [
        ("w a b;c", [("file_write", "a b;c")]),
        ("1!{s/a\\/[/]/b/gw out\n}; r in", [("file_write", "out"), ("file_read", "in")]),
        ("s/x/ w y/;a w no\n$R in", [("file_read", "in")]),
        ("y/ab/cd/;:l;bl;W o", [("file_write", "o")]),
        ("/[[:alpha:]/]/I,+2w o", [("file_write", "o")]),
        ("s/a/b/;k w guessed", [("file_write", "guessed")]),  # (no `k` command: every `w` that may be one)
    ],
)
def test_sed_files_are_read_from_the_script(script: str, found: list[tuple[str, str]]) -> None:
    assert sed_files(script) == found


def _cpu(read: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        read(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize(
    ("read", "unit"),
    [
        *((lambda t: awk_files(t, {"x": [("a", False)] * 16}), u) for u in ("sub(", "function f(", "x=", "x = x ")),
        *((lambda t: awk_files(t, {}), u) for u in ("print > ", "print > (", "getline < ", '"\\', "/", "(", "$")),
        *((sed_files, u) for u in ("s/", "[[:", "b;", "w\n", "{", "s/[", "y/", "\\,")),
    ],
)
def test_reading_a_program_costs_what_its_size_does(read: Callable[[str], object], unit: str) -> None:
    crafted = unit * (20_000 // len(unit))
    control = "x " * 10_000
    assert _cpu(read, crafted) < 20 * _cpu(read, control) + 0.1
