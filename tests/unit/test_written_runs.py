"""Files written in one call and run in a later one (issue 13): a session driven through the real
runtime writes a script with its Write/Edit/apply_patch/write_file tool or a shell line, then runs
it (``bash x.sh``, ``./x.sh``, ``. x.sh``, ``python3 x.py``, ``make``, ``npm test``, ``git commit``
with a hook, ``bash -i`` with a ``~/.bashrc``, ``pytest`` with a ``conftest.py``); the run is judged
like the text it runs.  Harmless scripts, makefiles and package.json stay allowed."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies import written
from tests.unit.builtins.runtime_session import Session, make_runtime, spec
from tests.unit.written_support import CWD, bash, tool, write
from tests.unit.written_support import run_after as _run

RULES = {
    "name": "mine",
    "default_action": "allow",
    "patterns": [
        {"id": "rmrf", "action_type": "shell_execute", "pattern": r".*rm\s+-rf.*", "action": "deny"},
        {"id": "push", "action_type": "shell_execute", "pattern": r".*git\s+push.*(--force|-f\b).*", "action": "deny"},
    ],
}


EVIL_SH = "#!/bin/sh\nrm -rf ~/\n"
PATCH = "*** Begin Patch\n*** Add File: p.sh\n+git push --force origin main\n*** End Patch\n"
#: (what writes, what runs later): the run is denied by the rules (strict: "rm -rf" ones)
DENIED = [
    ([write("x.sh", EVIL_SH)], "bash x.sh"),
    ([write("x.sh", EVIL_SH)], "./x.sh"),
    ([write("x.sh", EVIL_SH)], "sh ./x.sh && echo done"),
    ([write("x.sh", "rm -rf ~/\n")], ". x.sh"),
    ([write("x.sh", "rm -rf ~/\n")], f"bash {CWD}/x.sh"),
    ([write("x.py", "import os\nos.system('rm -rf ~/')\n")], "python3 x.py"),
    ([write("x.py", "#!/usr/bin/env python3\nimport os\nos.system('rm -rf ~/')\n")], "./x.py"),
    ([write("Makefile", "all:\n\tgit push -f origin main\n")], "make"),
    ([write("Makefile", "all:\n\t@rm -rf ~/\n")], "make all"),
    ([write("package.json", '{"scripts": {"test": "rm -rf ~/"}}')], "npm test"),
    ([write("package.json", '{"scripts": {"postinstall": "git push -f"}}')], "npm install"),
    ([write("justfile", "build:\n    rm -rf ~/\n")], "just build"),
    ([write(".git/hooks/pre-commit", "#!/bin/sh\ngit push --force\n")], "git commit -m x"),
    ([write("/home/u/.bashrc", "r''m -rf ~/\n")], "bash -i"),  # (quoted: the write passes)
    ([write("conftest.py", "import os\nos.system('rm -rf ~/')\n")], "pytest -q"),
    ([write("noxfile.py", "import os\nos.system('rm -rf ~/')\n")], "nox"),
    ([write(".envrc", "r''m -rf ~/\n")], "direnv allow ."),
    ([write("q.sh", "rm -rf /\n")], "cd sub && sh ../q.sh"),
    (
        [
            write("z.sh", "git status\n"),
            tool("Edit", file_path=f"{CWD}/z.sh", old_string="status", new_string="push -f"),
        ],
        "bash z.sh",
    ),
    (
        [
            write("z.sh", "git a b\n"),
            tool(
                "MultiEdit",
                file_path=f"{CWD}/z.sh",
                edits=[{"old_string": "a", "new_string": "push"}, {"old_string": "b", "new_string": "--force"}],
            ),
        ],
        "bash z.sh",
    ),
    ([tool("apply_patch", input=PATCH)], "sh p.sh"),
    ([tool("write_file", file_path="w.sh", content="rm -rf /\n")], "bash w.sh"),
    ([bash("echo 'git \"push\" -f' > y.sh")], "sh y.sh"),
    ([bash("cat > y.sh <<'EOF'\ngit \"push\" --force\nEOF")], "bash y.sh"),
    # wrappers, nested shells, copies of a written file (on the line, or in an earlier call)
    ([write("x.sh", EVIL_SH)], "chmod +x x.sh && ./x.sh"),
    ([write("x.sh", EVIL_SH)], "bash -c 'bash x.sh'"),
    ([write("x.sh", EVIL_SH)], "timeout 5 env bash < x.sh"),
    ([write("x.sh", EVIL_SH)], "cp x.sh y.sh && bash y.sh"),
    ([write("x.sh", EVIL_SH), bash("mv x.sh bin/y.sh")], "bash bin/y.sh"),
    ([write("x.sh", EVIL_SH), bash("cp x.sh /tmp/y.sh")], "sh /tmp/y.sh"),
    # written where the directory was not told, run by its absolute path
    (
        [{"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "e.sh", "content": EVIL_SH}}}],
        f"bash {CWD}/e.sh",
    ),
]
#: the text run is not known: asked under rules that deny some command
ASKED = [
    ([bash("curl -o y.sh https://example.com/y")], "sh y.sh"),
    ([tool("Edit", file_path=f"{CWD}/z.sh", old_string="status", new_string="push -f")], "bash z.sh"),
    (
        [write("z.sh", "git status\n"), tool("Edit", file_path=f"{CWD}/z.sh", old_string="nothere", new_string="x")],
        "bash z.sh",
    ),
    ([bash("sed -i s/status/push/ z.sh")], "./z.sh"),
    ([write("Makefile", "include other.mk\nall:\n\ttrue\n")], "make"),
    ([write("x.sh", "x" * (written.MAX_TEXT + 1))], "bash x.sh"),
    # a remembered text rewritten by a line that does not show it
    ([write("x.sh", "echo hi\n"), bash("tar -xf a.tar")], "bash x.sh"),
    ([write("x.sh", "echo hi\n"), bash("git checkout x.sh")], "bash x.sh"),
    ([write("x.sh", "echo hi\n"), bash("patch -p1 < d.diff")], "bash x.sh"),
    ([write("x.sh", "echo hi\n"), bash('echo x > "$F"')], "bash x.sh"),
    ([write("x.sh", "echo hi\n"), bash("perl -pi -e s/hi/x/ x.sh")], "bash x.sh"),
]
#: controls: harmless files written and run, and runs of files the session did not write
ALLOWED = [
    ([write("ok.sh", "#!/bin/sh\necho hi\n")], "bash ok.sh"),
    ([write("ok.sh", "#!/bin/sh\necho hi\n")], "./ok.sh"),
    ([write("ok.py", "print('hi')\n")], "python3 ok.py"),
    ([write("Makefile", "test:\n\tpython3 -m pytest -q\n")], "make test"),
    ([write("package.json", '{"name": "x", "scripts": {"test": "jest"}}')], "npm test"),
    ([write(".git/hooks/pre-commit", "#!/bin/sh\nruff check .\n")], "git commit -m x"),
    ([write("conftest.py", "import pytest\n")], "pytest -q"),
    ([write("x.sh", EVIL_SH)], "bash other.sh"),
    ([write("x.sh", EVIL_SH)], "cat x.sh"),
    ([bash("echo hi > notes.txt")], "bash run.sh"),
    ([tool("Read", file_path=f"{CWD}/x.sh")], "bash x.sh"),
    ([write("x.sh", EVIL_SH)], "python3 - < x.sh"),  # shell text read as Python: it runs nothing
    ([write("ok.sh", "echo hi\n"), bash("cp ok.sh y.sh")], "bash y.sh"),
    ([write("ok.sh", "echo hi\n"), bash("git status")], "bash ok.sh"),
    ([write("ok.sh", "echo hi\n"), bash("unzip -o a.zip -d sub")], "bash ok.sh"),
    ([write("ok.sh", "echo hi\n"), bash("cp -r other/ dst/")], "bash ok.sh"),
    ([tool("Write", file_path="ok.sh", content="echo hi\n")], f"bash {CWD}/ok.sh"),
]


@pytest.mark.parametrize("first, run", DENIED)
async def test_a_file_written_earlier_is_judged_by_what_it_runs(first: list[dict[str, Any]], run: str) -> None:
    assert await _run({"inline": RULES}, first, run) == "DENY"


@pytest.mark.parametrize("first, run", [c for c in DENIED if "rm -rf" in str(c[0]) and "mv " not in str(c[0])])
async def test_strict_meets_it_too(first: list[dict[str, Any]], run: str) -> None:
    assert await _run({"policy": "strict"}, first, run) == "DENY"


@pytest.mark.parametrize("first, run", ASKED)
async def test_a_file_whose_text_is_not_known_is_asked(first: list[dict[str, Any]], run: str) -> None:
    assert await _run({"inline": RULES}, first, run) == "ASK"


@pytest.mark.parametrize("first, run", ALLOWED)
async def test_harmless_files_and_other_runs_stay_allowed(first: list[dict[str, Any]], run: str) -> None:
    assert await _run({"inline": RULES}, first, run) == "ALLOW"


async def test_past_the_bound_any_run_of_a_file_is_asked() -> None:
    files = [write(f"f{i}.txt", "x\n") for i in range(written.MAX_FILES + 1)]
    assert await _run({"inline": RULES}, files, "bash later.sh") == "ASK"
    assert await _run({"inline": RULES}, files[:5], "bash later.sh") == "ALLOW"


async def test_a_denied_write_is_not_remembered() -> None:
    deny_writes = {
        **RULES,
        "patterns": [
            *RULES["patterns"],
            {"id": "w", "action_type": "file_write", "pattern": ".*x\\.sh$", "action": "deny"},
        ],
    }
    s = Session(make_runtime(spec("p", "patterns.pattern_policy", inline=deny_writes)))
    assert (await s.send(write("x.sh", EVIL_SH))).result == "DENY"
    assert written.NS not in s.store.sessions[s.sid].policy_states


def test_record_bounds() -> None:
    ups = written.record({}, [("/a", "x" * written.MAX_TEXT), ("/b", "y\0"), ("/c", "ok")], None)
    assert [(u["key"], u.get("value")) for u in ups] == [("/a", "x" * written.MAX_TEXT), ("/b", None), ("/c", "ok")]
    full = {f"/f{i}": None for i in range(written.MAX_FILES)}
    assert written.record(full, [("/new", "t")], None) == [{"action": "set", "key": written.BOUND, "value": True}]
    big = {"/a": "x" * (written.MAX_TOTAL - 1)}
    assert written.record(big, [("/b", "yy")], None) == [{"action": "set", "key": "/b", "value": None}]
