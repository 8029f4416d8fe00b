"""A script written and run on one line, and the runners that run a written script (issue 13).

A file a line writes and then runs (``cat > x.py <<'E' … E; python3 x.py``, ``echo '…' > a.sh;
./a.sh``, ``tee x.js <<E … E && node x.js``) had its commands read, but not its environment
variables, network, SQL or file effects: those readers met a file written in an earlier call
(``_pattern_written.read_written``) and not one written on the line.  Now the line's own writes
are read as if written just before it (``_pattern_written.line_record``): every case pairs the
same-line form with the one-liner running the same text, and the first is at least as strict.

The file a runner or an interpreter runs is found past the runner and the options' values:
``uv run x.py``, ``bun x.ts``, ``deno run -A x.ts``, ``pipx run x.py``, ``bunx tsx x.ts``, ``pnpm
dlx``, ``node -r dotenv/config app.js``, ``python -W ignore x.py``, ``python -m runpy x.py``;
``bun run dev`` reads the scripts of a written ``package.json`` and ``deno task`` the tasks of a
``deno.json``.  Controls: benign scripts run so add nothing to the verdict of their write, and a
runner's program that is no written file stays an ordinary program.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_files import runs
from tests.unit.builtins.runtime_session import Session, make_runtime, spec
from tests.unit.shell_support import RULES, USER, verdict
from tests.unit.test_written_script_effects import IMDS, PAIRS, POLICIES, SECRET_PY, _q
from tests.unit.written_support import CWD, run_after, write

_RANK = {"ALLOW": 0, "ASK": 1, "DENY": 2}
_NAMES = list(POLICIES)
TOKEN_JS = "console.log(process.env.GITHUB_TOKEN)\n"
TOKEN_ONE = f"node -e {_q(TOKEN_JS)}"
SECRET_ONE = f"python3 -c {_q(SECRET_PY)}"


def _doc(path: str, text: str) -> str:
    return f"cat > {path} <<'GOALRAIL_E'\n{text}{'' if text.endswith(chr(10)) else chr(10)}GOALRAIL_E\n"


def _same_line(first: list[dict[str, Any]], run: str) -> str:
    """The earlier calls' writes put on the line before its run (``cat > f <<'E' … E``)."""
    out = ""
    for event in first:
        arguments = event["data"]["arguments"]
        if "content" in arguments:
            out += _doc(arguments["file_path"].removeprefix(CWD + "/"), arguments["content"])
        else:
            out += arguments["command"] + "\n"
    return out + run


#: (a line writing and running a file, the one-liner running the same text, a policy stopping it)
LINES: list[tuple[str, str, str]] = [
    *((_same_line(first, run), one, strict) for first, run, one, strict in PAIRS),
    (f"printf '%s\\n' {_q(IMDS)} > f.sh && bash f.sh", IMDS, "readers"),
    (f"echo {_q(IMDS)} > a.sh; chmod +x a.sh; ./a.sh", IMDS, "readers"),
    (f"tee x.js <<'E'\n{TOKEN_JS}E\nnode x.js", TOKEN_ONE, "soc2"),
    (f"tee x.py <<< {_q(SECRET_PY)} && python3 x.py", SECRET_ONE, "hipaa"),
    (f"cat <<'E' > x.py\n{SECRET_PY}\nE\npython3 x.py", SECRET_ONE, "readers"),
    (f"cd sub && cat > x.py <<'E'\n{SECRET_PY}\nE\npython3 x.py", SECRET_ONE, "soc2"),
    (f"echo {_q(SECRET_PY)} > x.py; uv run x.py", SECRET_ONE, "strict"),
    (_doc("x.ts", TOKEN_JS) + "bun x.ts", TOKEN_ONE, "readers"),
    (_doc("x.ts", TOKEN_JS) + "deno run -A x.ts", TOKEN_ONE, "readers"),
    (_doc("x.py", SECRET_PY) + "python3.12 -W ignore x.py", SECRET_ONE, "soc2_all"),
    (_doc("x.sh", "echo $GITHUB_TOKEN") + "bash -o pipefail x.sh", "bash -c 'echo $GITHUB_TOKEN'", "strict"),
    (_doc("x.sh", f"{IMDS}\n") + "bash -c 'bash x.sh'", IMDS, "hipaa"),
]


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("line, one, _strict", LINES)
def test_a_script_written_and_run_on_one_line_meets_every_reader(line: str, one: str, _strict: str, name: str) -> None:
    checker = POLICIES[name][0]
    assert _RANK[verdict(checker, line, cwd=CWD)] >= _RANK[verdict(checker, one, cwd=CWD)]


@pytest.mark.parametrize("line, one, strict", LINES)
def test_each_line_is_one_a_policy_stops(line: str, one: str, strict: str) -> None:
    assert verdict(POLICIES[strict][0], one, cwd=CWD) != "ALLOW"
    assert verdict(POLICIES[strict][0], line, cwd=CWD) != "ALLOW"


SECRET = [write("x.py", SECRET_PY)]
TOKEN = [write("x.ts", TOKEN_JS)]
#: (what the session writes, a line running it through a runner or past an option's value, a policy)
RUNNERS: list[tuple[list[dict[str, Any]], str, str]] = [
    (SECRET, "uv run x.py", "soc2"),
    (SECRET, "uv run --script ./x.py", "readers"),
    (SECRET, "pdm run x.py", "hipaa"),
    (SECRET, "hatch run x.py", "strict"),
    (SECRET, "pipx run x.py", "soc2"),
    (SECRET, "python -W ignore x.py", "soc2"),
    (SECRET, "python3.12 -X dev x.py", "readers"),
    (SECRET, "python3 -m runpy x.py", "hipaa"),
    (TOKEN, "bun x.ts", "soc2"),
    (TOKEN, "bun run x.ts", "readers"),
    (TOKEN, "deno run -A x.ts", "strict"),
    (TOKEN, "deno test --config deno.json x.ts", "soc2"),
    (TOKEN, "deno x.ts", "hipaa"),
    (TOKEN, "bunx tsx x.ts", "soc2"),
    (TOKEN, "pnpm dlx tsx x.ts", "readers"),
    (TOKEN, "npm x -- tsx x.ts", "strict"),
    ([write("app.js", TOKEN_JS)], "node -r dotenv/config app.js", "soc2"),
    ([write("hook.js", TOKEN_JS)], "node --import ./hook.js app.js", "readers"),
    ([write("x.rb", 'puts ENV["GITHUB_TOKEN"]\n')], "ruby -I lib x.rb", "soc2"),
    ([write("package.json", '{"scripts": {"dev": "' + IMDS + '"}}')], "bun run dev", "strict"),
    ([write("package.json", '{"scripts": {"dev": "printenv GITHUB_TOKEN"}}')], "bun dev", "soc2"),
    ([write("deno.json", '{"tasks": {"dev": "' + IMDS + '"}}')], "deno task dev", "hipaa"),
    ([write("deno.json", '{"tasks": {"dev": {"command": "printenv GITHUB_TOKEN"}}}')], "deno task dev", "readers"),
]


@pytest.mark.parametrize("first, run, strict", RUNNERS)
async def test_a_runner_runs_the_written_script(first: list[dict[str, Any]], run: str, strict: str) -> None:
    assert await run_after(POLICIES[strict][1], first, run) != "ALLOW"


@pytest.mark.parametrize("first, run, strict", RUNNERS[:8] + RUNNERS[19:])
def test_a_runner_runs_the_script_written_on_its_line(first: list[dict[str, Any]], run: str, strict: str) -> None:
    assert verdict(POLICIES[strict][0], _same_line(first, run), cwd=CWD) != "ALLOW"


#: benign scripts: running them adds nothing to what writing them gets
BENIGN: list[tuple[list[dict[str, Any]], str]] = [
    ([write("x.py", "import json\nprint(json.dumps({'a': 1}))\n")], "python3 x.py"),
    ([write("x.py", "print(1)\n")], "uv run x.py"),
    ([write("x.py", "import os\nprint(os.environ.get('PORT', '8000'))\n")], "python3 -W ignore x.py"),
    ([write("x.ts", "console.log([1, 2].map((x) => x * 2))\n")], "bun x.ts"),
    ([write("x.ts", "console.log(1)\n")], "deno run -A x.ts"),
    ([write("app.js", "console.log('hi')\n")], "node -r dotenv/config app.js"),
    ([write("b.sh", "ls -la\necho hi\n")], "bash b.sh"),
    ([write("q.py", "import sqlite3; print(sqlite3.connect('p.db').execute('SELECT 1').fetchall())")], "python3 q.py"),
    ([write("package.json", '{"scripts": {"dev": "vite"}}')], "bun run dev"),
    ([write("deno.json", '{"tasks": {"dev": "deno run -A main.ts"}}')], "deno task dev"),
]


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("first, run", BENIGN[:8])  # (a task file the line writes is asked, as before)
def test_a_benign_script_run_on_its_line_adds_nothing(first: list[dict[str, Any]], run: str, name: str) -> None:
    checker = POLICIES[name][0]
    written = _same_line(first, "true")
    assert verdict(checker, _same_line(first, run), cwd=CWD) == verdict(checker, written, cwd=CWD)


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("first, run", BENIGN)
async def test_a_benign_script_a_runner_runs_stays_allowed(first: list[dict[str, Any]], run: str, name: str) -> None:
    assert await run_after(POLICIES[name][1], first, run) == "ALLOW"


@pytest.mark.parametrize(
    "line, files",
    [
        ("uv run mypy src", [("pyproject.toml", "read")]),  # a program, not a file; the project's entry points
        ("uvx ruff check .", []),
        ("python -m http.server 8000", []),
        ("deno eval 'console.log(1)'", []),
        ("bash -c 'echo hi' x.sh", []),
        ("node -r dotenv/config app.js", [("dotenv/config", "node"), ("app.js", "node")]),
        ("bun run build.ts", [("build.ts", "node")]),
        ("tsx watch src/x.ts", [("src/x.ts", "tsx")]),
        ("python3 -u -O x.py", [("x.py", "python")]),
        ("deno task dev", [("deno.json", "read"), ("deno.jsonc", "read")]),
    ],
)
def test_the_files_a_command_runs(line: str, files: list[tuple[str, str]]) -> None:
    assert [r for c in analyze(line).commands for r in runs(c)] == files


def test_a_line_writing_a_script_it_does_not_run_is_not_read() -> None:
    assert verdict(USER, _doc("x.sh", "rm -rf ~/work") + "cat x.sh", cwd=CWD) == "ALLOW"
    assert verdict(POLICIES["readers"][0], _doc("x.py", SECRET_PY) + "python3 y.py", cwd=CWD) == "ALLOW"


async def test_the_reason_says_the_line_wrote_what_it_runs() -> None:
    s = Session(make_runtime(spec("p", "patterns.pattern_policy", **POLICIES["readers"][1])))
    out = await s.send(
        {
            "type": "tool_call",
            "target": "Bash",
            "data": {"arguments": {"command": _doc("x.py", SECRET_PY) + "python3 x.py"}},
            "context": {"cwd": CWD},
        }
    )
    assert out.result == "DENY"
    assert "AWS_SECRET_ACCESS_KEY" in out.reason, out.reason
    assert "written by the line itself" in out.reason, out.reason


#: a here-document before its redirect (``cat <<'E' > f``): tree-sitter nests the redirect in the
#: here-document; the file is written all the same
HEREDOC_FIRST = [
    "cat <<'E' > /etc/passwd\nroot::0:0::/root:/bin/sh\nE",
    'cat <<E >> ~/.bashrc\nexport PATH="/tmp/x:$PATH"\nE',
    "cat <<-'E' > /etc/sudoers.d/u\n\tu ALL=(ALL) NOPASSWD:ALL\nE",
    "cat <<'E' >| /etc/hosts 2>/dev/null\n1.2.3.4 github.com\nE",
]


@pytest.mark.parametrize("line", HEREDOC_FIRST)
def test_a_here_document_before_its_redirect_writes_the_file(line: str) -> None:
    assert verdict(RULES, line, cwd=CWD) == "DENY"


@pytest.mark.parametrize(
    "line",
    ["cat <<'E' > notes.txt\nhello\nE", "cat <<'E' | wc -l\na\nE", "cat <<'E' > out.txt 2>&1\nhi\nE\ncat out.txt"],
)
def test_a_here_document_into_an_ordinary_file_stays_allowed(line: str) -> None:
    assert verdict(RULES, line, cwd=CWD) == "ALLOW"
    assert verdict(USER, line, cwd=CWD) == "ALLOW"


async def test_a_here_document_before_its_redirect_is_remembered() -> None:
    first = [
        {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": f"cat <<'E' > f.sh\n{IMDS}\nE"}}}
    ]
    first[0]["context"] = {"cwd": CWD}
    assert await run_after(POLICIES["readers"][1], first, "bash f.sh") == "DENY"
