"""A script the session wrote and then runs meets every rule family its one-liner meets (issue 13).

Running a remembered file (``python3 app.py``, ``bash f.sh``, ``./f.sh``, ``source f.sh``, ``node
g.js``, ``make`` with a written makefile…) already met the ``shell_execute`` and file rules
(``_pattern_written.judge_written``).  The line readers — the SQL a database library sends
(``_db_code``), the environment variables read and set (``_shell_env``), the network reached
(``_shell_network``) — read only the line, so ``python3 -c "…os.environ['AWS_SECRET_ACCESS_KEY']…"``
was denied where the same code in a written ``x.py`` run by ``python3 x.py`` was allowed.  Now
the remembered files a line runs are handed to the same readers (``read_written``): each case
pairs a written script and its run with the one-liner that runs the same text, and both get the
same verdict under each template.  Controls: ordinary scripts stay allowed, and a script the
session did not write is unknown as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.builtins.runtime_session import Session, make_runtime, spec
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, SOC2_ALL, STRICT, verdict
from tests.unit.written_support import CWD, bash, run_after, write

ALL = ["security", "availability", "processing_integrity", "confidentiality", "privacy"]
#: a user's rules of the line readers' kinds only (no command or file rule)
READERS_ONLY = {
    "name": "readers",
    "default_action": "allow",
    "patterns": [
        {"id": "token", "action_type": "env_read", "pattern": ".*(TOKEN|SECRET).*", "action": "deny"},
        {"id": "imds", "action_type": "network_request", "pattern": r".*169\.254\.169\.254.*", "action": "deny"},
        {"id": "docker", "action_type": "network_request", "pattern": r".*:2375(/.*)?", "action": "deny"},
        {"id": "drop", "action_type": "database_execute", "pattern": "(?i)DROP.*", "action": "deny"},
        {"id": "delete", "action_type": "database_delete", "pattern": ".*", "action": "deny"},
    ],
}
#: name: (the checker a one-liner meets, the spec a session runs under)
POLICIES: dict[str, tuple[Any, dict[str, Any]]] = {
    "strict": (STRICT, {"policy": "strict"}),
    "soc2": (SOC2, {"policy": "soc2_compliant"}),
    "soc2_all": (SOC2_ALL, {"policy": "soc2_compliant", "criteria": ALL}),
    "hipaa": (HIPAA, {"policy": "hipaa_standard"}),
    "permissive": (PERMISSIVE, {"policy": "permissive"}),
    "readers": (pattern_policy(inline=READERS_ONLY), {"inline": READERS_ONLY}),
}

IMDS = "curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/"
DROP_PY = "import sqlite3; sqlite3.connect('p.db').execute('DROP TABLE users')"
SECRET_PY = "import os; print(os.environ['AWS_SECRET_ACCESS_KEY'])"
DOCKER_JS = 'fetch("http://127.0.0.1:2375/containers/json")'
PG_PY = "import psycopg2\nc = psycopg2.connect('dbname=x').cursor()\nc.execute('DELETE FROM users')\n"
FETCH_PY = "import requests\nrequests.get('http://169.254.169.254/latest/meta-data/')\n"


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


#: (what the session writes, the line that runs it, the one-liner running the same text, a policy
#: under which that one-liner is not allowed)
PAIRS: list[tuple[list[dict[str, Any]], str, str, str]] = [
    # SQL a database library sends (`_db_code`)
    ([write("app.py", DROP_PY)], "python3 app.py", f"python3 -c {_q(DROP_PY)}", "soc2_all"),
    ([write("m.py", PG_PY)], "python3 m.py", f"python3 -c {_q(PG_PY)}", "strict"),
    (
        [write("db.py", DROP_PY), write("main.py", "import db\n")],
        "python3 main.py",
        f"python3 -c {_q(DROP_PY)}",
        "readers",
    ),
    (
        [write("x.pl", 'use DBI; DBI->connect("dbi:Pg:")->do("DROP DATABASE prod");')],
        "perl x.pl",
        """perl -e 'use DBI; DBI->connect("dbi:Pg:")->do("DROP DATABASE prod");'""",
        "permissive",
    ),
    ([write("d.sh", "psql -c 'DROP TABLE users'\n")], "bash d.sh", "bash -c \"psql -c 'DROP TABLE users'\"", "strict"),
    # environment variables read (`_shell_env`)
    ([write("x.py", SECRET_PY)], "python3 x.py", f"python3 -c {_q(SECRET_PY)}", "soc2"),
    ([write("x.py", f"#!/usr/bin/env python3\n{SECRET_PY}\n")], "./x.py", f"python3 -c {_q(SECRET_PY)}", "hipaa"),
    ([write("h.sh", "printenv GITHUB_TOKEN\n")], "bash h.sh", "bash -c 'printenv GITHUB_TOKEN'", "soc2"),
    ([write("e.sh", "echo $AWS_SECRET_ACCESS_KEY\n")], "sh e.sh", "sh -c 'echo $AWS_SECRET_ACCESS_KEY'", "strict"),
    (
        [write("e.sh", 'curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com/user\n')],
        "bash e.sh",
        """bash -c 'curl -H "Authorization: Bearer ${GITHUB_TOKEN}" https://api.github.com/user'""",
        "readers",
    ),
    ([write("e.sh", "env | sort\n")], "bash e.sh", "bash -c 'env | sort'", "strict"),
    ([write("Makefile", "all:\n\tprintenv GITHUB_TOKEN\n")], "make", "printenv GITHUB_TOKEN", "hipaa"),
    (
        [write("k.js", "console.log(process.env.GITHUB_TOKEN)\n")],
        "node k.js",
        "node -e 'console.log(process.env.GITHUB_TOKEN)'",
        "soc2",
    ),
    ([write("x.rb", 'puts ENV["GITHUB_TOKEN"]')], "ruby x.rb", """ruby -e 'puts ENV["GITHUB_TOKEN"]'""", "strict"),
    (
        [write("x.ts", "console.log(process.env.GITHUB_TOKEN)")],
        "tsx x.ts",
        "node -e 'console.log(process.env.GITHUB_TOKEN)'",
        "strict",
    ),
    (
        [write("b.py", "import os\nprint(os.getenv('AWS_SECRET_ACCESS_KEY'))\n"), write("a.sh", "python3 b.py\n")],
        "bash a.sh",
        "python3 -c \"import os\nprint(os.getenv('AWS_SECRET_ACCESS_KEY'))\"",
        "soc2",
    ),
    # the network reached (`_shell_network`, `_shell_net_code`)
    ([write("f.sh", IMDS + "\n")], "bash f.sh", f"bash -c {_q(IMDS)}", "strict"),
    ([write("f.sh", IMDS + "\n")], "sh f.sh", f"sh -c {_q(IMDS)}", "hipaa"),
    ([write("f.sh", f"#!/bin/sh\n{IMDS}\n")], "./f.sh", f"sh -c {_q(IMDS)}", "soc2_all"),
    # (a sourced file is asked where sourcing is: its one-liner writes and sources it on one line)
    ([write("f.sh", IMDS + "\n")], "source f.sh", f"cat > f.sh <<'EOF'\n{IMDS}\nEOF\nsource f.sh", "strict"),
    (
        [write("f.sh", IMDS + "\n")],
        ". f.sh && echo done",
        f"cat > f.sh <<'EOF'\n{IMDS}\nEOF\n. f.sh && echo done",
        "readers",
    ),
    ([write("f.sh", IMDS + "\n")], "timeout 5 ./f.sh", IMDS, "strict"),
    ([write("f.sh", IMDS + "\n")], "bash < f.sh", IMDS, "strict"),
    ([write("f.sh", IMDS + "\n")], "bash -c 'bash f.sh'", IMDS, "strict"),
    ([write("sub/f.sh", IMDS + "\n")], "cd sub && ./f.sh", IMDS, "strict"),
    ([bash(f"cat > f.sh <<'EOF'\n{IMDS}\nEOF")], "bash f.sh", IMDS, "strict"),
    ([write("f.sh", IMDS + "\n"), bash("cp f.sh bin/g.sh")], "bash bin/g.sh", IMDS, "strict"),
    ([write("g.js", DOCKER_JS)], "node g.js", f"node -e {_q(DOCKER_JS)}", "strict"),
    ([write("n.py", FETCH_PY)], "python n.py", f"python -c {_q(FETCH_PY)}", "hipaa"),
    ([write("Makefile", f"all:\n\t{IMDS}\n")], "make all", IMDS, "strict"),
    ([write("package.json", '{"scripts": {"test": "' + IMDS + '"}}')], "npm test", IMDS, "strict"),
    # credential-store printers (already met as file reads: kept so)
    ([write("h.sh", "gh auth token\n")], "bash h.sh", "bash -c 'gh auth token'", "strict"),
]
#: (what the session writes, the line): allowed under every template, before and after
CONTROLS: list[tuple[list[dict[str, Any]], str]] = [
    (
        [write("app.py", "import json, os\nport = int(os.environ.get('PORT', '8000'))\nprint(json.dumps(port))\n")],
        "python3 app.py",
    ),
    ([write("q.py", "import sqlite3; print(sqlite3.connect('p.db').execute('SELECT 1').fetchall())")], "python3 q.py"),
    ([write("b.sh", "ls -la\necho hi\n")], "bash b.sh"),
    ([write("b.sh", '#!/bin/sh\necho "$HOME"\n')], "./b.sh"),
    ([write("Makefile", "test:\n\tpytest -q\nbuild:\n\tpython3 -m build\n")], "make test"),
    ([write("x.pl", 'print "hello\\n";')], "perl x.pl"),
    ([write("s.js", "console.log([1, 2].map((x) => x * 2))\n")], "node s.js"),
    # a script the session did not write is unknown as before; a written one not run is not read
    ([], "python3 app.py"),
    ([write("x.py", SECRET_PY)], "python3 y.py"),
    ([write("f.sh", IMDS + "\n")], "bash other.sh"),
]
_NAMES = list(POLICIES)


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("first, run, one, _strict", PAIRS)
async def test_a_written_script_is_judged_like_its_one_liner(
    first: list[dict[str, Any]], run: str, one: str, _strict: str, name: str
) -> None:
    checker, policy = POLICIES[name]
    assert await run_after(policy, first, run) == verdict(checker, one, cwd=CWD)


@pytest.mark.parametrize("first, run, one, strict", PAIRS)
async def test_each_pair_is_one_a_policy_stops(first: list[dict[str, Any]], run: str, one: str, strict: str) -> None:
    """The pairs mean something: under the named policy the one-liner (so the run) is not allowed."""
    assert verdict(POLICIES[strict][0], one, cwd=CWD) != "ALLOW"
    assert await run_after(POLICIES[strict][1], first, run) != "ALLOW"


@pytest.mark.parametrize("name", _NAMES)
@pytest.mark.parametrize("first, run", CONTROLS)
async def test_ordinary_scripts_stay_allowed(first: list[dict[str, Any]], run: str, name: str) -> None:
    assert await run_after(POLICIES[name][1], first, run) == "ALLOW"


@pytest.mark.parametrize(
    "first, run, says",
    [
        ([write("x.py", SECRET_PY)], "python3 x.py", "environment variable `AWS_SECRET_ACCESS_KEY`"),
        ([write("f.sh", IMDS + "\n")], "bash f.sh", "169.254.169.254"),
        ([write("app.py", DROP_PY)], "python3 app.py", "database_execute denied"),
    ],
)
async def test_the_reason_names_the_file_run(first: list[dict[str, Any]], run: str, says: str) -> None:
    s = Session(make_runtime(spec("p", "patterns.pattern_policy", **POLICIES["readers"][1])))
    for event in first:
        assert (await s.send(event)).result == "ALLOW"
    out = await s.send(bash(run))
    assert out.result == "DENY"
    assert says in out.reason, out.reason
    assert "written earlier in the session" in out.reason, out.reason
