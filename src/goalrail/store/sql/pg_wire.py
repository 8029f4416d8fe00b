"""Statements sent through libpq directly (``psycopg.pq``): one wait per round trip.

The decision path's statements (``pg_reads.Reader``, ``pg_batch.run_batch``)
are few, fixed and sent on connections this process keeps; what psycopg's
cursors add to each (a cursor, the query's conversion and adaptation, the
prepared-statement bookkeeping, a wait on the socket per statement in a
pipeline) cost more client CPU than the statement's own bytes.  Here a round
trip is: every statement queued on the connection at once (in pipeline mode),
then a ``Sync``, one flush, and one wait for all the results.  A transaction
over two round trips is opened by its own ``BEGIN`` (``pg_batch``).

Statements are prepared once per connection (named ``goalrail_<n>``, never
psycopg's ``_pg3_`` names; psycopg deallocates every prepared statement of a
connection on some commands it runs itself, ``ROLLBACK`` among them, so what this
module sends to roll back goes through it too, and a connection checked out of
the pool again starts with none taken for prepared) and their parameters sent as text: ``str``, ``int``,
``float``, ``bool``, ``None``, and lists of ``str`` or ``None`` as ``text[]``;
anything else is refused.  Results are loaded by psycopg's own loaders
(``psycopg.adapt.Transformer``): the same Python values its cursors give.
A failed statement raises psycopg's error for it (``psycopg.errors``), once the
round trip has been read to its end.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Generator, Mapping, Sequence

import psycopg
from psycopg import errors, pq
from psycopg.adapt import Transformer
from psycopg.rows import TupleRow
from psycopg.waiting import Ready, Wait

Params = Mapping[str, object]
#: A statement and its parameters (None: sent as it is, unprepared, e.g. ``BEGIN``).
Step = tuple[str, Params | None]
Driver = psycopg.AsyncConnection[TupleRow]

_TEXT_ARRAY = 1009
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: Statements prepared per connection at most (the rest are sent unnamed).
LIMIT = 64
_OK = (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK)


class _Converted:
    """A statement with ``$n`` placeholders and the parameter names in their order."""

    __slots__ = ("names", "query")

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def number(m: re.Match[str]) -> str:
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"${names.index(m.group(1)) + 1}"

        query = _PLACEHOLDER.sub(number, sql)
        if "%" in query:
            raise ValueError("a statement sent through libpq has no `%` but its placeholders")
        self.query = query.encode()
        self.names = tuple(names)


_CONVERTED: dict[str, _Converted] = {}
_NAMES = itertools.count()
#: Each connection's prepared statements: statement text → name.
_PREPARED: weakref.WeakKeyDictionary[Driver, dict[str, bytes]] = weakref.WeakKeyDictionary()


def _converted(sql: str) -> _Converted:
    found = _CONVERTED.get(sql)
    if found is None:
        found = _CONVERTED.setdefault(sql, _Converted(sql))
    return found


def _quote(item: object) -> str:
    if item is None:
        return "NULL"
    if not isinstance(item, str):
        raise TypeError(f"a `text[]` parameter holds strings, not `{type(item).__name__}`")
    return '"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dump(value: object) -> bytes | None:
    """A parameter's text (what PostgreSQL parses it from)."""
    if isinstance(value, str):
        return value.encode()
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, int):
        return int.__repr__(value).encode()
    if isinstance(value, float):
        return float.__repr__(value).encode()
    if isinstance(value, (list, tuple)):
        return ("{" + ",".join(_quote(item) for item in value) + "}").encode()
    raise TypeError(f"no parameter of type `{type(value).__name__}` is sent through libpq")


def _types(sql: _Converted, params: Params) -> list[int]:
    return [_TEXT_ARRAY if isinstance(params[name], (list, tuple)) else 0 for name in sql.names]


def _read(pgconn: pq.abc.PGconn, count: int) -> Generator[Wait, Ready | int, list[list[pq.abc.PGresult]]]:
    """Flush what is queued, then read ``count`` statements' results up to the ``Sync``'s."""
    while pgconn.flush():
        yield Wait.RW
        # a server that answers before reading it all: take its answers in, then flush on
        pgconn.consume_input()
    results: list[list[pq.abc.PGresult]] = []
    current: list[pq.abc.PGresult] = []
    while True:
        while pgconn.is_busy():
            yield Wait.R
            pgconn.consume_input()
        r = pgconn.get_result()
        if r is None:
            results.append(current)
            current = []
        elif r.status == pq.ExecStatus.PIPELINE_SYNC:
            if len(results) < count:  # pragma: no cover - libpq gives every statement's results first
                raise psycopg.InterfaceError("the pipeline ended before its results")
            break
        else:
            current.append(r)
    return results


async def round_trip(driver: Driver, steps: Sequence[Step]) -> list[list[TupleRow]]:
    """Send ``steps`` in one pipeline ended by a ``Sync`` and return each one's rows
    (``[]`` for a statement that returns none): a transaction its statements did not
    open with ``BEGIN`` ends at the ``Sync``.  Raises the first failed statement's error
    once every result has been read (the connection is then out of pipeline mode, its
    transaction failed if one is open); any other exception leaves the connection in a
    state nobody knows (throw it away)."""
    pgconn = driver.pgconn
    prepared = _PREPARED.get(driver)
    if prepared is None:
        prepared = _PREPARED.setdefault(driver, {})
    if pgconn.pipeline_status == pq.PipelineStatus.OFF:
        pgconn.enter_pipeline_mode()
    fresh: list[tuple[int, str]] = []  # statements prepared in this round trip: (result index, text)
    wanted: list[int] = []  # the result index of each step
    count = 0
    for sql, params in steps:
        if params is None:
            pgconn.send_query_params(sql.encode(), None)
        else:
            conv = _converted(sql)
            values = [dump(params[name]) for name in conv.names]
            name = prepared.get(sql)
            if name is None and len(prepared) < LIMIT:
                name = f"goalrail_{next(_NAMES)}".encode()
                prepared[sql] = name
                pgconn.send_prepare(name, conv.query, _types(conv, params))
                fresh.append((count, sql))
                count += 1
            if name is not None:
                pgconn.send_query_prepared(name, values)
            else:
                pgconn.send_query_params(conv.query, values, _types(conv, params))
        wanted.append(count)
        count += 1
    pgconn.pipeline_sync()
    results = await driver.wait(_read(pgconn, count))
    pgconn.exit_pipeline_mode()
    for i, sql in fresh:  # a statement whose preparation failed (or never ran) is not prepared
        if not results[i] or results[i][0].status != pq.ExecStatus.COMMAND_OK:
            prepared.pop(sql, None)
    failed = _failure(driver, steps, wanted, results)
    if isinstance(failed, errors.InvalidSqlStatementName):  # deallocated behind this module's back
        forget(driver)
    if failed is not None:
        raise failed
    loader = Transformer(driver)
    out: list[list[TupleRow]] = []
    for i in wanted:
        rs = results[i]
        if not rs or rs[0].status != pq.ExecStatus.TUPLES_OK:
            out.append([])
            continue
        loader.set_pgresult(rs[0])
        out.append(loader.load_rows(0, rs[0].ntuples, tuple))
    return out


def forget(driver: Driver) -> None:
    """Take none of ``driver``'s statements for prepared any more (a connection checked out
    of the pool again: whoever had it may have deallocated them); they are prepared again,
    under new names, as they are next sent."""
    _PREPARED.pop(driver, None)


def _failure(
    driver: Driver, steps: Sequence[Step], wanted: list[int], results: list[list[pq.abc.PGresult]]
) -> psycopg.Error | None:
    """The round trip's first error: a failed statement, or a statement sent as it is
    (``BEGIN``, ``COMMIT``) that did not do what it says (a ``COMMIT`` that rolled back)."""
    for rs in results:
        if rs and rs[0].status == pq.ExecStatus.FATAL_ERROR:
            return errors.error_from_result(rs[0], encoding=driver.info.encoding)
        if rs and rs[0].status not in _OK:
            return psycopg.OperationalError(f"a statement was not run ({pq.ExecStatus(rs[0].status).name})")
    for (sql, params), i in zip(steps, wanted, strict=True):
        done = results[i][0].command_status if results[i] else None
        if params is None and done != sql.encode():
            return psycopg.OperationalError(f"`{sql}` answered `{done!r}`")
    return None
