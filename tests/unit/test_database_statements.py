"""Database statements meet the ``database_*`` rules however they reach the database: one
statement at a time with comments removed, each by the action it is (a tool mapped to
``database_read`` that sends a ``DELETE``), and the SQL a shell command sends to a database
client (``psql -c``, ``mysql -e``, ``sqlite3 db SQL``, stdin, ``dropdb``, over ``ssh`` or in a
container).  Statements that cannot be read before they run are asked."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.policies.builtins._sql import DELETE, EXECUTE, READ, UNKNOWN, WRITE, statements
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import HIPAA, PERMISSIVE, READ_ONLY, SOC2_ALL, STRICT, event, tool_verdict, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

#: an admin's tool mapping: `query` reads, `execute_sql` runs anything
MAPPER = ActionMapper({"query": "database_read", "execute_sql": "database_execute"})
USER_RULES = pattern_policy(
    inline={
        "name": "no_drops",
        "default_action": "allow",
        "patterns": [
            {"id": "no_drop", "action_type": "database_execute", "pattern": r"^\s*DROP\s+TABLE\b", "action": "deny"},
            {
                "id": "bounded",
                "action_type": "database_delete",
                "pattern": r"^\s*DELETE\s+FROM\s+\w+(\s+RETURNING\b.*)?$",
                "action": "deny",
            },
        ],
    }
)


def sql(policy: Any, tool: str, text: str) -> str:
    return tool_verdict(policy, tool, {"sql": text}, MAPPER)


TOOL_CASES = [
    # a tool mapped to reads that sends something else
    (STRICT, "query", "DELETE FROM users", "DENY"),
    (STRICT, "query", "DROP DATABASE prod", "ASK"),
    (SOC2, "query", "DROP DATABASE prod", "DENY"),
    (HIPAA, "query", "DELETE FROM patient_records WHERE id = 1", "DENY"),
    (USER_RULES, "query", "drop table users", "DENY"),
    # comments and several statements in one text
    (PERMISSIVE, "execute_sql", "DROP/**/DATABASE prod", "DENY"),
    (PERMISSIVE, "query", "DROP -- x\nDATABASE prod", "DENY"),
    (SOC2, "execute_sql", "DROP/* a /* nested */ comment */TABLE t", "DENY"),
    (USER_RULES, "execute_sql", "SELECT 1; DROP TABLE users", "DENY"),
    (USER_RULES, "execute_sql", "/* migrate */ DROP TABLE users", "DENY"),
    (USER_RULES, "execute_sql", "DELETE FROM users -- WHERE id = 1", "DENY"),
    (SOC2_ALL, "query", "UPDATE users SET admin = true -- WHERE id = 1", "ASK"),
    (HIPAA, "query", "select * from patients /* where id = 1 */", "ASK"),
    # what MySQL runs of an executable comment; a backslash ends a PostgreSQL string
    (USER_RULES, "execute_sql", "SELECT 1 /*!50000 ; DROP TABLE users */", "DENY"),
    (USER_RULES, "execute_sql", "SELECT 'a\\'; DROP TABLE users; --'", "DENY"),
    # statements a WITH or EXPLAIN ANALYZE runs
    (USER_RULES, "query", "WITH gone AS (DELETE FROM users RETURNING *) SELECT count(*) FROM gone WHERE 1 = 1", "DENY"),
    (USER_RULES, "query", "EXPLAIN ANALYZE DELETE FROM users", "DENY"),
]

TOOL_CONTROLS = [
    (STRICT, "query", "SELECT * FROM users WHERE id = 1", "ALLOW"),
    (USER_RULES, "execute_sql", "DELETE FROM users WHERE id = 1", "ALLOW"),
    (USER_RULES, "execute_sql", "SELECT 'DROP TABLE users' AS text", "ALLOW"),
    (USER_RULES, "execute_sql", "SELECT 1 /* DROP TABLE users */", "ALLOW"),
    (USER_RULES, "execute_sql", "SELECT $$; DROP TABLE users$$ AS body", "DENY"),  # MySQL reads `$$` as text
    (SOC2, "query", "SELECT name FROM users; SELECT 2", "ALLOW"),
]


@pytest.mark.parametrize(("policy", "tool", "text", "expected"), TOOL_CASES + TOOL_CONTROLS)
def test_each_statement_meets_the_rules_of_what_it_does(policy: Any, tool: str, text: str, expected: str) -> None:
    assert sql(policy, tool, text) == expected


SHELL_CASES = [
    (SOC2, 'psql -c "DROP DATABASE prod"', "DENY"),
    (SOC2, "psql prod --command='TRUNCATE users'", "DENY"),
    (SOC2, "psql -cTRUNCATE\\ users prod", "DENY"),
    (SOC2, 'mysql -e "drop database prod"', "DENY"),
    (SOC2, 'mysql --execute="drop database prod" -u root', "DENY"),
    (SOC2, "psql -Atc 'DROP TABLE users' prod", "DENY"),
    (SOC2, "mysql -uroot -pSeCreT -e 'DROP TABLE users'", "DENY"),
    (SOC2, 'sqlite3 app.db "DROP TABLE users"', "DENY"),
    (SOC2, 'sqlite3 -bail app.db -cmd "DROP TABLE users" .tables', "DENY"),
    (SOC2, 'duckdb app.db -c "DROP TABLE t"', "DENY"),
    (SOC2, 'clickhouse client --query="DROP TABLE t"', "DENY"),
    (SOC2, 'echo "DROP DATABASE prod;" | psql', "DENY"),
    (SOC2, "psql <<< 'DROP DATABASE prod'", "DENY"),
    (SOC2, "psql prod <<EOF\nSELECT 1;\nDROP TABLE users;\nEOF", "DENY"),
    (SOC2, "docker exec -i db psql -U postgres -c 'DROP TABLE users'", "DENY"),
    (SOC2, "ssh db1 \"psql -c 'drop database prod'\"", "DENY"),
    (SOC2, "cd /srv && PGPASSWORD=x psql -h db -c 'DROP SCHEMA public CASCADE'", "DENY"),
    (SOC2, "dropdb prod", "DENY"),
    (SOC2, "mysqladmin -u root -f drop prod", "DENY"),
    (STRICT, "env PGUSER=postgres psql -c 'DELETE FROM users'", "DENY"),
    (STRICT, "p'sq'l -c 'DELETE FROM users'", "DENY"),
    (STRICT, "psql -c 'DELETE FROM users WHERE id = 1'", "DENY"),
    (STRICT, "psql -c 'INSERT INTO users VALUES (1)'", "ASK"),
    (SOC2_ALL, 'psql -c "UPDATE users SET a = 1 -- WHERE id = 1"', "ASK"),
    (HIPAA, "psql -c 'select * from patients'", "ASK"),
    (USER_RULES, "psql -c 'drop table users'", "DENY"),
    # statements not known before they run
    (SOC2, "psql -f drop.sql", "ASK"),
    (SOC2, "mysql prod < dump.sql", "ASK"),
    (SOC2, "cat dump.sql | psql prod", "ASK"),
    (SOC2, "sqlite3 app.db '.read x.sql'", "ASK"),
    (SOC2, "sqlite3 app.db '.re x.sql'", "ASK"),
    (SOC2, "psql -c '\\i x.sql'", "ASK"),
    (SOC2, 'psql -c "$SQL"', "ASK"),
]

SHELL_CONTROLS = [
    (STRICT, "psql -c 'select 1'", "ALLOW"),
    (SOC2, "psql -h $HOST -c 'select count(*) from users'", "ALLOW"),
    (SOC2, "mysql -e 'show databases'", "ALLOW"),
    (SOC2, "mysql -uroot -pe1 -e 'show databases'", "ALLOW"),
    (SOC2, "psql -hdb.internal -p5432 -Atc 'select 1'", "ALLOW"),
    (SOC2, "sqlite3 app.db '.tables'", "ALLOW"),
    (SOC2, "sqlite3 app.db '.schema users'", "ALLOW"),
    (SOC2, "psql -l", "ALLOW"),
    (SOC2, "pg_dump prod > backup.sql", "ALLOW"),
    (SOC2, 'echo "DROP TABLE users" > notes.txt', "ALLOW"),
    (SOC2, 'grep -rn "DROP TABLE" migrations/', "ALLOW"),
    (PERMISSIVE, 'sqlite3 app.db "DROP TABLE users"', "ALLOW"),  # permissive names DROP DATABASE only
]


@pytest.mark.parametrize(("policy", "command", "expected"), SHELL_CASES + SHELL_CONTROLS)
def test_a_statement_a_shell_command_sends_meets_the_database_rules(policy: Any, command: str, expected: str) -> None:
    assert verdict(policy, command) == expected


def test_the_reason_names_the_rule_and_the_client_not_the_statement() -> None:
    ev_policy = SOC2
    res = ev_policy(event("Bash", {"command": "psql -c 'DROP TABLE secret_payroll'"}))
    assert res is not None and res["result"] == "DENY"
    assert "soc2_avail_destructive_ddl" in res["reason"] or "Dropping" in res["reason"]
    assert "psql" in res["reason"] and "secret_payroll" not in res["reason"]


def test_read_only_still_denies_by_its_own_rules() -> None:
    assert sql(READ_ONLY, "query", "SELECT 1") == "ALLOW"
    assert sql(READ_ONLY, "query", "SELECT 1; DELETE FROM t") == "DENY"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DROP/**/TABLE t", ((EXECUTE, "DROP TABLE t"),)),
        ("SELECT 1; DROP TABLE t;", ((READ, "SELECT 1"), (EXECUTE, "DROP TABLE t"))),
        ("UPDATE t SET a = 1 -- WHERE id = 1", ((WRITE, "UPDATE t SET a = 1"),)),
        ("BEGIN; DELETE FROM t WHERE id = 1; COMMIT", ((DELETE, "DELETE FROM t WHERE id = 1"),)),
        ("select * into copy_t from t", ((WRITE, "select * into copy_t from t"),)),
        ("COPY t FROM PROGRAM 'curl x'", ((EXECUTE, "COPY t FROM PROGRAM 'curl x'"),)),
        ("PRAGMA table_info(t)", ((READ, "PRAGMA table_info(t)"),)),
        ("PRAGMA writable_schema = 1", ((EXECUTE, "PRAGMA writable_schema = 1"),)),
        ("\\i evil.sql", ((UNKNOWN, "\\i evil.sql"),)),
        ("\\d+ users", ()),
        (".tables", ()),
        (".import data.csv t", ((WRITE, ".import data.csv t"),)),
        ("SELECT 1 /* ; DROP TABLE q */", ((READ, "SELECT 1"),)),
    ],
)
def test_statements_as_the_database_reads_them(text: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert statements(text) == expected


def test_mysql_delimiter_and_both_dialects() -> None:
    found = statements("DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END //\nDELIMITER ;\nDROP TABLE t")
    assert (EXECUTE, "DROP TABLE t") in found
    assert (EXECUTE, "drop table z") in statements("select 1 # ; drop table z")  # MySQL's `#` comment
    assert (READ, "select 1") in statements("select 1 # ; drop table z")


def test_too_much_text_is_unknown() -> None:
    assert statements("SELECT 1;" * 30_000) == ((UNKNOWN, ""),)
    many = statements("; ".join(f"SELECT {i}" for i in range(400)))
    assert (UNKNOWN, "") in many and len(many) <= 257
