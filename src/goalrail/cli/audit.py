"""``goalrail audit verify`` — check the audit log's hash chain, through a running
server or directly in the database (``--database-url`` / ``-c``)."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from goalrail.cli._client import add_client_arguments, client_from_args
from goalrail.jsontypes import JsonObject

if TYPE_CHECKING:
    from goalrail.runtime.ports import AdminStore


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="detect edited, inserted or deleted audit entries")
    verify.add_argument("--database-url", help="verify directly in this database instead of asking a server")
    verify.add_argument("-c", "--config", help="verify directly in the database of this server config")
    add_client_arguments(verify)


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json

    if args.database_url or args.config:
        from goalrail.cli._store import database_url, with_store
        from goalrail.runtime import audit

        async def check(store: AdminStore) -> JsonObject:
            return audit.verify(await store.audit_entries())

        result = asyncio.run(with_store(database_url(args), check, persistent=True))
    else:
        result = client_from_args(args).get("/v1/audit/verify")
    if args.json:
        print_json(result)
    elif result["ok"]:
        print(f"ok: {result['count']} entries, chain intact")
    else:
        print(f"BROKEN at entry {result['broken_at']}: {result['problem']} ({result['count']} entries read)")
    return 0 if result["ok"] else 1
