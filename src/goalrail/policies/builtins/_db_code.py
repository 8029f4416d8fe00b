"""The SQL an interpreter's inline code sends to a database.

``python3 -c "import sqlite3; sqlite3.connect('prod.db').execute('DROP TABLE users')"`` sends
``DROP TABLE users`` as surely as ``sqlite3 prod.db 'DROP TABLE users'`` does.  Code that names a
database library of its language (``sqlite3``, ``psycopg``, SQLAlchemy… in Python; ``pg``,
``mysql2``, ``knex``… in JavaScript; ``DBI`` in Perl; ``PG``, ``Sequel``… in Ruby; ``PDO``,
``mysqli``… in PHP; in the code or in the options that load it: ``perl -MDBI``, ``ruby -rpg``,
``node -r pg``) sends each of its string literals that starts with an SQL verb, and a statement
not readable before it runs when one of its query calls is handed anything but a plain literal
(a variable, an f-string or template with a substitution, a concatenation).
``python3 -m sqlite3 DB SQL`` (Python's own SQLite shell) sends its operands as ``sqlite3`` does.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._db_clients import fed_text
from goalrail.policies.builtins._interpreters import inline_code, program
from goalrail.policies.builtins._shell_types import SimpleCommand

__all__ = ["code_sql"]

_PYTHON_API = (
    r"\b(?:sqlite3|psycopg2?|pymysql|MySQLdb|mysql\s*\.\s*connector|sqlalchemy|asyncpg|aiosqlite|aiomysql|aiopg"
    r"|duckdb|cx_Oracle|oracledb|pyodbc|pymssql|pg8000|snowflake|clickhouse_driver|clickhouse_connect|databricks"
    r"|ibm_db|teradatasql|peewee|django\s*\.\s*db|records|apsw|sqlmodel|trino|pyhive|impala)\b"
)
_JS_API = (
    r"""(?:require\s*\(\s*|from\s*|import\s*\(?\s*)['"`](?:node:sqlite|bun:sqlite|pg|pg-promise|postgres|mysql2?"""
    r"""|mariadb|sqlite3?|better-sqlite3|knex|sequelize|@prisma/client|typeorm|mssql|tedious|oracledb|duckdb"""
    r"""|@duckdb/[\w-]+|@neondatabase/serverless|@vercel/postgres|@planetscale/database|@libsql/client|kysely"""
    r"""|drizzle-orm(?:/[\w-]+)?|slonik|mongodb|redis|ioredis)['"`/]|\bDeno\s*\.\s*openKv"""
)
_API: dict[str, re.Pattern[str]] = {
    "python": re.compile(_PYTHON_API),
    "pypy": re.compile(_PYTHON_API),
    "ipython": re.compile(_PYTHON_API),
    **dict.fromkeys(("node", "nodejs", "bun", "deno", "tsx", "ts-node"), re.compile(_JS_API)),
    "perl": re.compile(r"\bDBI\b|\bDBD::|-MDBI\b"),
    "ruby": re.compile(
        r"\b(?:PG|Mysql2|SQLite3|Sequel|ActiveRecord|DuckDB|TinyTds|OCI8|Trilogy)\b|-r\s*(?:pg|mysql2|sqlite3|sequel)\b"
    ),
    "php": re.compile(
        r"\b(?:PDO|mysqli|SQLite3|pg_(?:query|exec|send_query|prepare|execute)|mysql_query|oci_parse|sqlsrv_query"
        r"|db2_exec|odbc_exec)\b",
        re.IGNORECASE,
    ),
}
#: a string literal of the code: """…""", '''…''', "…", '…' (the last two without a newline), `…`
_LITERAL = re.compile(
    r""""{3}((?:[^"\\]|\\.|"(?!""))*)"{3}|'{3}((?:[^'\\]|\\.|'(?!''))*)'{3}|"""
    r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`]*)`"""
)
_STATEMENT = re.compile(
    r"(?is)\s*(?:SELECT|INSERT|UPDATE|DELETE|DROP|CREATE|ALTER|TRUNCATE|GRANT|REVOKE|REPLACE|MERGE|UPSERT|WITH"
    r"|PRAGMA|ATTACH|DETACH|VACUUM|EXEC|EXECUTE|CALL|RENAME|COPY|LOAD|COMMENT|REINDEX|CLUSTER|LOCK|UNLOAD"
    r"|OPTIMIZE|USE|SET|SHOW|DESCRIBE|EXPLAIN|BEGIN|COMMIT|ROLLBACK|IMPORT|EXPORT|INSTALL)\b"
)
#: a query call whose first argument is not a plain literal: a name, an f-string, a concatenation…
_QUERY_CALL = re.compile(
    r"[.>$]\s*(?:execute|executemany|executescript|exec|exec_driver_sql|exec_query|query|raw"
    r"|prepare|sql|unsafe|do|select_all|select_one|select_rows|select_value|selectall_\w+|selectrow_\w+"
    r"|queryRaw|executeRaw|queryRawUnsafe|executeRawUnsafe|\$queryRaw\w*|\$executeRaw\w*)"
    r"\s*\(\s*([^\s)])"
)
_LITERAL_START = re.compile(r"""(?:[rRuUbB]{0,2})(["'])|`""")


def code_sql(cmd: SimpleCommand) -> tuple[tuple[str, ...], bool] | None:
    """(the SQL texts ``cmd``'s inline code sends, whether it sends statements not readable
    before it runs); None when ``cmd`` runs no such code."""
    name = program(cmd.name)
    if name is None:
        return None
    args = list(zip(cmd.argv[1:], cmd.dynamic[1:], strict=True))
    if name in ("python", "pypy") and _python_sqlite_shell(args):
        operands = [(w, d) for w, d in args[2:] if not w.startswith("-")]
        rest = operands[1:]
        return tuple(w for w, d in rest if not d), any(d for _, d in rest)
    api = _API.get(name)
    if api is None:
        return None
    fed, fed_unknown = fed_text(cmd)
    stdin = (fed[0], False) if fed else ("", True) if fed_unknown else None
    code = inline_code(name, args, stdin)
    if not code:
        return None
    loaded = " ".join(w for w, d in args if not d and w.startswith("-"))
    texts: list[str] = []
    unknown = False
    for text, dynamic in code:
        if dynamic or (api.search(text) is None and api.search(loaded) is None):
            continue
        for m in _LITERAL.finditer(text):
            literal = next(g for g in m.groups() if g is not None)
            if _STATEMENT.match(literal):
                texts.append(literal)
        for m in _QUERY_CALL.finditer(text):
            after = text[m.start(1) :]
            if _LITERAL_START.match(after) is None or (after.startswith("`") and "${" in after.split("`", 2)[1]):
                unknown = True
    if not texts and not unknown:
        return None
    return tuple(texts), unknown


def _python_sqlite_shell(args: list[tuple[str, bool]]) -> bool:
    """``python3 -m sqlite3 …``: Python's SQLite shell (3.12 and later)."""
    for i, (word, _dynamic) in enumerate(args):
        if word == "-m":
            return i + 1 < len(args) and args[i + 1][0] == "sqlite3" and i == 0
        if not word.startswith("-"):
            return False
    return False
