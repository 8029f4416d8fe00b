"""``goalrail token create --user NAME [--admin|--agent [SPEC]] [--label]`` and ``token list|revoke``.

Tokens are written straight into the configured store, hashed (SHA-256); the
token itself is printed once.  ``--print-only`` writes nothing and prints an
``auth.tokens`` entry for the config file instead.  ``--agent SPEC`` binds the agent
token to agent spec SPEC (of the config's ``agents_dir`` or uploaded to the store):
every session it makes runs that spec (docs/security.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING

from goalrail.cli._store import add_store_arguments, database_url, with_store

if TYPE_CHECKING:
    from goalrail.runtime.ports import AdminStore


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create a token and print it once")
    create.add_argument("--user", required=True, help="the user the token acts for")
    role = create.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_true", help="admin: server-wide policies, agents, all sessions")
    role.add_argument(
        "--agent",
        nargs="?",
        const=True,
        default=False,
        metavar="SPEC",
        help="agent: post events/usage and wait on approvals; never approve or change policies. "
        "With SPEC: bound to that agent spec, every session it makes runs it",
    )
    create.add_argument("--label", help="a note to recognise the token by")
    create.add_argument(
        "--print-only",
        action="store_true",
        help="store nothing; print an `auth.tokens` config entry with the token's hash",
    )
    ls = sub.add_parser("list", help="list tokens (never their values)")
    rv = sub.add_parser("revoke", help="revoke a token by id")
    rv.add_argument("id")
    for q in (create, ls, rv):
        add_store_arguments(q)


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import table
    from goalrail.runtime.ports import TokenRecord
    from goalrail.server.auth import hash_token, new_token

    if args.action == "create":
        role = "admin" if args.admin else "agent" if args.agent else "user"
        bound = args.agent if isinstance(args.agent, str) else None
        token = new_token()
        digest = hash_token(token)
        if args.print_only:
            _known_agent(args, bound, None)
            print(token)
            label = f", label: {args.label}" if args.label else ""
            agent = f", agent: {bound}" if bound else ""
            print(f"# auth.tokens entry:\n- {{user: {args.user}, role: {role}, sha256: {digest}{label}{agent}}}")
            return 0
        record = TokenRecord(
            id="tok_" + digest[:12],
            token_hash=digest,
            user=args.user,
            role=role,
            label=args.label,
            created_at=time.time(),
            agent=bound,
        )

        async def create(store: AdminStore) -> None:
            _known_agent(args, bound, await store.list_agents())
            await store.create_token(record)

        asyncio.run(with_store(database_url(args), create, persistent=True))
        print(token)
        runs = f", bound to agent spec `{bound}`" if bound else ""
        print(f"# token {record.id} for `{args.user}` ({role}{runs}); it is shown only this once", flush=True)
        print(_mode_note(args), file=sys.stderr)
        return 0
    if args.action == "revoke":

        async def revoke(store: AdminStore) -> None:
            await store.revoke_token(args.id)

        asyncio.run(with_store(database_url(args), revoke, persistent=True))
        print(f"revoked {args.id}")
        return 0

    async def listing(store: AdminStore) -> list[TokenRecord]:
        return await store.list_tokens()

    tokens = asyncio.run(with_store(database_url(args), listing, persistent=True))
    rows = [
        [
            t.id,
            t.user,
            t.role,
            t.label or "",
            time.strftime("%Y-%m-%d %H:%M", time.gmtime(t.created_at)),
            t.agent or "",
            "revoked" if t.revoked else "",
        ]
        for t in tokens
    ]
    print(table(rows, ["id", "user", "role", "label", "created (UTC)", "agent", ""]))
    return 0


def _known_agent(args: argparse.Namespace, name: str | None, stored: list[tuple[str, str]] | None) -> None:
    """Refuse to bind a token to an agent spec neither the config's ``agents_dir`` nor the
    store (``stored``: its uploaded specs; ``None`` with ``--print-only``) holds."""
    if name is None:
        return
    from goalrail.config.server import load_server_config
    from goalrail.errors import NotFound

    known = set(load_server_config(getattr(args, "config", None), load_registry=False).agents)
    known.update(n for n, _ in stored or [])
    if name not in known:
        raise NotFound(
            f"agent spec `{name}` is not known: not in the config's `agents_dir`"
            + ("" if stored is None else " nor uploaded to the store"),
            [{"loc": "--agent", "message": "unknown agent spec"}],
        )


def _mode_note(args: argparse.Namespace) -> str:
    """Say what the token changes: creating one never switches the server's auth mode."""
    from goalrail.config.server import default_config_path, load_server_config
    from goalrail.config.service import DEFAULT_HOST
    from goalrail.server.auth import SINGLE_USER, resolve_mode

    cfg = load_server_config(getattr(args, "config", None), load_registry=False)
    where = getattr(args, "config", None) or default_config_path()
    mode, _ = resolve_mode(cfg.auth, str(cfg.server.get("host") or DEFAULT_HOST))
    if mode == SINGLE_USER:
        return (
            "note: the server stays in `single-user` auth mode: this token is accepted, and requests without "
            "a credential from this machine still act as the local user (agent role). To require a token for "
            f"every request, set `auth.mode: tokens` in {where} and restart the server."
        )
    return "note: the server runs in `tokens` auth mode: every request needs a token like this one."
