"""SQL sent by an interpreter's inline code meets the database rules as the same statement sent
by a database client does (``_db_code``).

Before, ``python3 -c "import sqlite3; sqlite3.connect('p.db').execute('DROP TABLE users')"`` was
allowed under every template while ``sqlite3 p.db 'DROP TABLE users'`` was asked (``strict``) or
denied (``DELETE``); so were ``perl -MDBI -e '…->do(…)'``, ``ruby -rpg``, ``php -r '…PDO…'``,
``node -e`` with ``pg`` and ``python3 -m sqlite3 DB SQL``.  Each case pairs the code with the
client line that sends the same statement: both get the same verdict under each template.
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import verdict

POLICIES = {name: pattern_policy(policy=name) for name in ("strict", "soc2_compliant", "permissive")}

#: (inline code, the client line sending the same statement)
PAIRS = [
    (
        """python3 -c "import sqlite3; sqlite3.connect('p.db').execute('DROP TABLE users')\"""",
        "sqlite3 p.db 'DROP TABLE users'",
    ),
    (
        """python3 -c "import sqlite3; sqlite3.connect('p.db').execute('DELETE FROM users')\"""",
        "sqlite3 p.db 'DELETE FROM users'",
    ),
    (
        """python3 -c "import psycopg2; c = psycopg2.connect('').cursor(); c.execute('DROP DATABASE prod')\"""",
        "psql -c 'DROP DATABASE prod'",
    ),
    (
        """python -c "from sqlalchemy import create_engine as e, text; e('').connect().execute(text('TRUNCATE t'))\"""",
        "psql -c 'TRUNCATE t'",
    ),
    (
        "python3 - <<'EOF'\nimport sqlite3\nc = sqlite3.connect('p.db')\n"
        "c.executescript('''\nDROP TABLE users;\n''')\nEOF",
        "sqlite3 p.db 'DROP TABLE users;'",
    ),
    ("python3 -m sqlite3 prod.db 'DROP TABLE users'", "sqlite3 prod.db 'DROP TABLE users'"),
    ("""perl -MDBI -e 'DBI->connect("dbi:Pg:")->do("DROP DATABASE prod")'""", "psql -c 'DROP DATABASE prod'"),
    (
        """node -e 'const {Client} = require("pg"); new Client().query("DELETE FROM users")'""",
        "psql -c 'DELETE FROM users'",
    ),
    (
        """bun -e 'import { Database } from "bun:sqlite"; new Database("p.db").run("DROP TABLE t")'""",
        "sqlite3 p.db 'DROP TABLE t'",
    ),
    (
        """bash -c "python3 -c \\"import sqlite3; sqlite3.connect('p').execute('DELETE FROM x')\\"\"""",
        "sqlite3 p 'DELETE FROM x'",
    ),
    (
        """ssh db1 "python3 -c \\"import pymysql; pymysql.connect().cursor().execute('DROP TABLE x')\\"\"""",
        "mysql -e 'DROP TABLE x'",
    ),
]

#: a statement the code builds at run time: asked where the policy denies some statement
UNKNOWN = [
    """python3 -c "import sqlite3; c = sqlite3.connect('p.db'); c.execute(q)\"""",
    """python3 -c "import sqlite3; c = sqlite3.connect('p.db'); c.execute(f'DROP TABLE {t}')\"""",
    """node -e 'const {Client} = require("pg"); new Client().query(`DROP TABLE ${t}`)'""",
]

#: near misses: no database library named, a statement only printed, a read `strict` allows
CONTROLS = [
    """python3 -c 'print("DROP TABLE users")'""",
    """python3 -c "import json; print(json.dumps({'q': 'DELETE FROM users'}))\"""",
    """python3 -c "import sqlite3; print(sqlite3.connect('p.db').execute('SELECT count(*) FROM users').fetchone())\"""",
    "python3 -m sqlite3 --help",
    """node -e 'console.log("DROP TABLE t")'""",
]


@pytest.mark.parametrize(("code", "client"), PAIRS)
def test_code_meets_the_rules_its_statement_meets(code: str, client: str) -> None:
    got = {name: verdict(policy, code) for name, policy in POLICIES.items()}
    want = {name: verdict(policy, client) for name, policy in POLICIES.items()}
    assert got == want
    assert got["strict"] != "ALLOW"


@pytest.mark.parametrize("code", UNKNOWN)
def test_a_statement_built_at_run_time_is_asked(code: str) -> None:
    assert verdict(POLICIES["strict"], code) == "ASK"


@pytest.mark.parametrize("code", CONTROLS)
def test_controls_stay_allowed(code: str) -> None:
    assert verdict(POLICIES["strict"], code) == "ALLOW"
