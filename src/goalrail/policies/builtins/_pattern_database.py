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

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._db_clients import sent_sql
from goalrail.policies.builtins._pattern_files import asked
from goalrail.policies.builtins._pattern_verdicts import stricter
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS, CACHE_SIZE
from goalrail.policies.builtins._shell_elsewhere import commands_everywhere
from goalrail.policies.builtins._sql import DELETE, EXECUTE, READ, UNKNOWN, WRITE, statements

__all__ = ["DATABASE_ACTIONS", "DatabaseRules", "shell_statements", "tool_statements"]

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
            for text in texts:
                res = _judged(policy, rules, denies, res, None, text, facts, rate, where)
            if unknown and denies:
                res = stricter(res, _unknown(policy, where))
    return res


def _line_sql(line: str) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """(client, the SQL texts it is sent, whether it is also sent statements not readable before
    it runs) for each database client ``line`` runs, here or elsewhere."""
    out = []
    for cmd in commands_everywhere(line)[0]:
        sent = sent_sql(cmd)
        if sent is not None:
            out.append((cmd.name, *sent))
    return tuple(out)


#: :func:`_line_sql` of the lines last judged (most name no client: one lookup each)
line_sql = lru_cache(maxsize=CACHE_SIZE)(_line_sql)


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
