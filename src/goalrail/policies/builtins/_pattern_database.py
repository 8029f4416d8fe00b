"""Database statements judged by the ``database_*`` rules however they reach the database.

* A database tool's text (``context.action.target``) is also judged one statement at a time,
  comments removed (``_sql``), each statement by the rules of the action it is: a tool mapped to
  ``database_read`` that sends ``DELETE FROM t`` meets the ``database_delete`` rules, and
  ``SELECT 1; DROP TABLE t`` meets a rule anchored at ``DROP``.
* A shell command that sends SQL to a database client (``psql -c``, ``mysql -e``, ``sqlite3 db
  SQL``, ``echo … | psql``, ``psql <<EOF``, ``dropdb prod``; also over ``ssh`` and in a container)
  meets the same rules (``_db_clients``).
* Only ``deny`` and ``warn`` patterns count on these statements (an ``allow`` pattern never lifts
  the call's own verdict, and ``default_action`` covers the call itself), as for the commands and
  files a shell line reaches.  Statements that cannot be read before they run (``psql -f x.sql``,
  ``mysql < dump.sql``, ``cat dump.sql | psql``, ``\\i file``, a word known only at run time) are
  asked (SIGSTOP) where the policy has a ``deny`` pattern for some database action.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._db_clients import sent_sql
from goalrail.policies.builtins._db_code import code_sql
from goalrail.policies.builtins._db_dialects import native_sent
from goalrail.policies.builtins._db_mongo import mongo_sql
from goalrail.policies.builtins._db_redis import redis_sql, split_line
from goalrail.policies.builtins._pattern_files import asked
from goalrail.policies.builtins._pattern_verdicts import stricter
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS, CACHE_SIZE
from goalrail.policies.builtins._shell_elsewhere import commands_everywhere
from goalrail.policies.builtins._sql import DELETE, EXECUTE, READ, UNKNOWN, WRITE, statements
from goalrail.policies.builtins._wrappers import names

__all__ = [
    "DATABASE_ACTIONS",
    "DatabaseRules",
    "database_tool",
    "shell_statements",
    "tool_statements",
    "unmapped_statements",
]

DATABASE_ACTIONS = (READ, WRITE, DELETE, EXECUTE)


class DatabaseRules:
    """The ``database_*`` patterns that deny or warn, per action, of the policy last asked about
    (kept per checker: a reloaded policy file is a new Policy)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[object, dict[str, tuple[Pattern, ...]], bool] = (None, {}, False)

    def __call__(self, policy: Policy) -> tuple[dict[str, tuple[Pattern, ...]], bool]:
        """(action → its patterns that deny or warn, whether one of them denies); empty when the
        policy has none, so the statements need not be read."""
        last = self._last  # (read once: another thread may replace it)
        if last[0] is not policy:
            guards = {kind: found for kind in DATABASE_ACTIONS if (found := _guards(policy, kind))}
            denies = any(p.action == "deny" for found in guards.values() for p in found)
            last = (policy, guards, denies)
            self._last = last
        return last[1], last[2]


def _guards(policy: Policy, kind: str) -> tuple[Pattern, ...]:
    index = policy.compiled().index_for(kind)
    if index is None:
        return ()
    return tuple(e.pattern for e in index.entries.values() if e.pattern.action in ("deny", "warn"))


def tool_statements(
    policy: Policy,
    rules: dict[str, tuple[Pattern, ...]],
    denies: bool,
    res: EvaluationResult,
    own: str,
    targets: Iterable[object],
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` (a database tool's own result) made stricter by each statement its text holds."""
    for text in targets:
        if type(text) is str:
            res = _judged(policy, rules, denies, res, own, text, facts, rate, "the call sends")
    return res


def shell_statements(
    policy: Policy,
    rules: dict[str, tuple[Pattern, ...]],
    denies: bool,
    res: EvaluationResult,
    lines: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` (a shell line's own result) made stricter by the statements its commands send to a
    database, here, over ``ssh`` or in a container."""
    for line in lines:
        if type(line) is not str:
            continue
        for client, texts, unknown in line_sql(line) if len(line) <= CACHE_MAX_CHARS else _line_sql(line):
            where = f"the command sends `{client}`"
            res = _sent(policy, rules, denies, res, texts, unknown, facts, rate, where)
    return res


def _line_sql(line: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """(client, the SQL texts it is sent, whether it is also sent statements not readable before
    it runs) for each database client ``line`` runs, here or elsewhere."""
    out = []
    for cmd in commands_everywhere(line)[0]:
        sent = sent_sql(cmd)
        if sent is None:
            sent = native_sent(cmd)
        if sent is None:
            sent = code_sql(cmd)
        if sent is not None:
            out.append((cmd.name, *sent))
    return tuple(out)


#: :func:`_line_sql` of the lines last judged (most name no client: one lookup each)
line_sql = lru_cache(maxsize=CACHE_SIZE)(_line_sql)


def _sent(
    policy: Policy,
    rules: dict[str, tuple[Pattern, ...]],
    denies: bool,
    res: EvaluationResult,
    texts: Iterable[str],
    unknown: bool,
    facts: ActionFacts,
    rate: RateLookup,
    where: str,
) -> EvaluationResult:
    """``res`` made stricter by each statement text a client is sent (``where``), and asked when
    it is also sent statements not known before it runs and some database rule denies."""
    for text in texts:
        res = _judged(policy, rules, denies, res, None, text, facts, rate, where)
    if unknown and denies:
        res = stricter(res, _unknown(policy, where))
    return res


def _judged(
    policy: Policy,
    rules: dict[str, tuple[Pattern, ...]],
    denies: bool,
    res: EvaluationResult,
    own: str | None,
    text: str,
    facts: ActionFacts,
    rate: RateLookup,
    where: str,
) -> EvaluationResult:
    whole = text.strip()
    for kind, statement in statements(text):
        if kind == UNKNOWN:
            if denies:
                res = stricter(res, _unknown(policy, where))
            continue
        for action in (kind,) if own is None or own == kind else (kind, own):
            if action == own and statement == whole:
                continue  # (the call's own result already holds it)
            guards = rules.get(action, ())
            if not any(g.matches(statement) for g in guards):
                continue
            found = policy.decide(action, statement, facts, rate)
            if found.matched and found.action != "allow":
                note = f"{found.reason} ({where} a {action.removeprefix('database_')} statement)"
                res = stricter(res, replace(found, reason=note))
    return res


def _unknown(policy: Policy, where: str) -> EvaluationResult:
    return asked(
        policy,
        f"{where} statements not known before it runs (a file, another program's output, a word "
        "set at run time), which its database rules cannot tell apart",
    )


#: the words of a tool's name (an MCP server's or the tool's own) that say it talks to a database,
#: and the language it speaks
_DIALECTS = {
    **dict.fromkeys(names("sql postgres postgresql pg psql mysql mariadb sqlite duckdb clickhouse bigquery"), "sql"),
    **dict.fromkeys(names("snowflake supabase database db cockroach cockroachdb tidb neon trino cql"), "sql"),
    **dict.fromkeys(names("cassandra scylla planetscale mssql sqlserver oracle"), "sql"),
    **dict.fromkeys(names("redis valkey keydb"), "redis"),
    **dict.fromkeys(names("mongo mongodb mongosh"), "mongo"),
}
_NAME_WORDS = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: an unmapped database tool's arguments that hold what it sends
_STATEMENT_KEYS = ("sql", "query", "statement", "statements", "command", "cmd", "script", "code", "eval")
#: the verbs that begin a statement in SQL (an unmapped tool's text that begins otherwise is not read:
#: a search's query is not a statement)
_SQL_VERBS = names(
    "SELECT INSERT UPDATE DELETE DROP TRUNCATE ALTER CREATE GRANT REVOKE MERGE REPLACE UPSERT COPY WITH "
    "EXPLAIN CALL EXEC EXECUTE SHOW DESCRIBE DESC PRAGMA VACUUM RENAME ATTACH DETACH LOAD USE SET RESET "
    "COMMENT REINDEX CLUSTER REFRESH IMPORT LOCK KILL SHUTDOWN OPTIMIZE ANALYZE ANALYSE DO"
)


@lru_cache(maxsize=1024)
def database_tool(name: str) -> str | None:
    """The language a tool that nobody mapped speaks to a database, by its name
    (``mcp__postgres__query``: SQL, ``redis_command``: Redis); None for any other tool."""
    words = _NAME_WORDS.findall(_CAMEL.sub("_", name).lower())
    for word in words:
        if word in _DIALECTS:
            return _DIALECTS[word]
    return None


def unmapped_statements(
    policy: Policy,
    rules: dict[str, tuple[Pattern, ...]],
    denies: bool,
    res: EvaluationResult,
    dialect: str,
    arguments: object,
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` made stricter by what a database tool nobody mapped sends (its ``sql``/``query``/
    ``command``… argument), read in the tool's language."""
    if not isinstance(arguments, Mapping):
        return res
    given = res
    if not res.matched:  # (the default_action covers the call itself, not what it sends)
        res = EvaluationResult(True, "allow", "", policy=policy.name)
    where = "the unmapped database tool sends"
    for key in _STATEMENT_KEYS:
        value = arguments.get(key)
        texts = [value] if type(value) is str else [v for v in value if type(v) is str] if type(value) is list else []
        for text in texts:
            if dialect == "sql":
                text = "; ".join(s for _kind, s in statements(text) if s.split(" ", 1)[0].upper() in _SQL_VERBS)
                sql, unknown = [text] if text else [], False
            elif dialect == "redis":
                found = [redis_sql([*split_line(text), *_words(arguments.get("args"))])]
                sql, unknown = found[0]
            else:
                sql, unknown = mongo_sql(text)
            res = _sent(policy, rules, denies, res, sql, unknown, facts, rate, where)
    return res if res.matched else given


def _words(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
