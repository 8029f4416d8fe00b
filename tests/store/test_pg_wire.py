"""``pg_wire.round_trip``: statements sent through libpq directly, on a real server.

Parameters arrive as PostgreSQL reads them (text arrays with quotes, backslashes and
NULLs; floats and integers exact); results come back as psycopg's cursors give them;
a failed statement raises psycopg's error for it and leaves the connection usable
(out of pipeline mode, its statements still prepared, a failed preparation not
remembered); a ``COMMIT`` that rolled back is an error, never a success."""

from __future__ import annotations

import psycopg
import pytest

from goalrail.store.sql import pg_wire

pytestmark = pytest.mark.postgres


async def test_parameters_and_results_are_what_psycopg_gives(pg_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        items = ['a"b', "c\\d", None, "", "NULL", "{x,y}", "é 字"]
        sql = (
            "SELECT CAST(%(items)s AS text[]), %(n)s::bigint, %(f)s::double precision, %(s)s, "
            "%(t)s::boolean, CAST(%(none)s AS text), array_length(%(items)s, 1)"
        )
        params = {"items": items, "n": 2**62, "f": 0.1 + 0.2, "s": "it's", "t": True, "none": None}
        for _ in range(2):  # prepared by the first, run by its name by the second
            (rows,) = await pg_wire.round_trip(conn, [(sql, params)])
            cursor = await conn.execute(sql, params)
            assert rows == await cursor.fetchall()
            assert rows == [(items, 2**62, 0.1 + 0.2, "it's", True, None, len(items))]
        with pytest.raises(TypeError):
            await pg_wire.round_trip(conn, [("SELECT %(x)s", {"x": object()})])


async def test_a_failed_statement_raises_its_error_and_the_connection_goes_on(pg_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        await conn.execute("CREATE TABLE t (k text PRIMARY KEY)")
        insert = "INSERT INTO t (k) VALUES (%(k)s)"
        steps = [("BEGIN", None), (insert, {"k": "a"}), (insert, {"k": "a"}), ("COMMIT", None)]
        with pytest.raises(psycopg.errors.UniqueViolation):
            await pg_wire.round_trip(conn, steps)
        assert conn.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
        await conn.execute("ROLLBACK")
        assert await (await conn.execute("SELECT count(*) FROM t")).fetchall() == [(0,)]

        # a COMMIT in a transaction that failed in an earlier round trip rolls back: an error
        with pytest.raises(psycopg.errors.UniqueViolation):
            await pg_wire.round_trip(conn, [("BEGIN", None), (insert, {"k": "b"}), (insert, {"k": "b"})])
        with pytest.raises(psycopg.Error):
            await pg_wire.round_trip(conn, [("COMMIT", None)])
        assert await (await conn.execute("SELECT count(*) FROM t")).fetchall() == [(0,)]

        # a statement that cannot be prepared is not taken for prepared afterwards
        bad = "SELECT k FROM missing WHERE k = %(k)s"
        for _ in range(2):
            with pytest.raises(psycopg.errors.UndefinedTable):
                await pg_wire.round_trip(conn, [(bad, {"k": "a"})])
        await conn.execute("CREATE TABLE missing (k text)")
        assert await pg_wire.round_trip(conn, [(bad, {"k": "a"}), (insert, {"k": "c"})]) == [[], []]
        assert await (await conn.execute("SELECT k FROM t")).fetchall() == [("c",)]


async def test_statements_deallocated_behind_its_back_are_prepared_again(pg_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
        sql = "SELECT %(n)s::int + 1"
        assert await pg_wire.round_trip(conn, [(sql, {"n": 1})]) == [[(2,)]]
        await conn.execute("DEALLOCATE ALL")  # as psycopg does on its own ROLLBACK once it prepared some
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            await pg_wire.round_trip(conn, [(sql, {"n": 1})])
        assert await pg_wire.round_trip(conn, [(sql, {"n": 2})]) == [[(3,)]]
        await conn.execute("DEALLOCATE ALL")
        pg_wire.forget(conn)  # a connection checked out again (``pg_conn.connect``): nothing is taken for prepared
        assert await pg_wire.round_trip(conn, [(sql, {"n": 3})]) == [[(4,)]]
