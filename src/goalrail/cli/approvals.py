"""``goalrail approvals [list]|approve|deny`` — answer pending ASKs on a running server.

Without an action it lists the pending ones.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from goalrail.cli._client import add_client_arguments, client_from_args, listed


def _list_arguments(p: argparse.ArgumentParser, default: object = None) -> None:
    p.add_argument("--all", action="store_true", default=default, help="include resolved and expired ones")
    p.add_argument("--session", default=default, help="only this session")


def add_arguments(p: argparse.ArgumentParser) -> None:
    # `goalrail approvals` alone lists; its options are on the command itself too (suppressed
    # defaults, so that `goalrail approvals list --all` is unaffected).
    _list_arguments(p, argparse.SUPPRESS)
    p.add_argument("--url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--token", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    ls = sub.add_parser("list", help="pending approvals (or all with --all); the default")
    _list_arguments(ls)
    ap = sub.add_parser("approve", help="approve a pending action")
    ap.add_argument("id")
    scope = ap.add_mutually_exclusive_group()
    scope.add_argument(
        "--scope",
        choices=["once", "session_identical", "session_tool"],
        default="once",
        help="once (default); session_identical: this identical action for the rest of the session; "
        "session_tool: ANY call of this tool for the rest of the session",
    )
    scope.add_argument(
        "--session-scope",
        dest="scope",
        action="store_const",
        const="session_identical",
        help="same as --scope session_identical",
    )
    dn = sub.add_parser("deny", help="refuse a pending action")
    dn.add_argument("id")
    for q in (ls, ap, dn):
        add_client_arguments(q)


def _joined(names: object) -> str:
    return ", ".join(map(str, names)) if isinstance(names, list) else ""


def _tool(a: Mapping[str, object]) -> str:
    """The tool as the agent named it (`Bash`), with the canonical name when it differs."""
    import json

    canonical = str(a.get("target") or "")
    try:
        data = json.loads(str(a.get("preview") or "{}")).get("data") or {}
    except (ValueError, AttributeError):
        data = {}
    original = data.get("original_name") if isinstance(data, dict) else None
    return (
        f"{original} ({canonical})" if isinstance(original, str) and original and original != canonical else canonical
    )


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json, table

    client = client_from_args(args)
    if args.action in (None, "list"):
        every = bool(getattr(args, "all", False))
        data = listed(
            client.get("/v1/approvals", status=None if every else "pending", session=getattr(args, "session", None))
        )
        if getattr(args, "json", False):
            print_json(data)
        else:
            rows = [
                [
                    str(a["id"]),
                    str(a["status"]),
                    str(a["session_id"]),
                    str(a["type"]),
                    _tool(a),
                    _joined(a["policies"]),
                    str(a["reason"] or ""),
                ]
                for a in data
            ]
            print(table(rows, ["id", "status", "session", "type", "target", "policies", "reason"]))
            if not rows:
                print("no pending approvals" if not every else "no approvals")
        return 0
    body = {
        "decision": "approve" if args.action == "approve" else "deny",
        "scope": getattr(args, "scope", "once"),
    }
    out = client.post(f"/v1/approvals/{args.id}", body)
    if args.json:
        print_json(out)
    else:
        scopes = {
            "session_identical": " (this identical action, for this session)",
            "session_tool": " (any call of this tool, for this session)",
        }
        print(f"{out['id']}: {out['status']}" + scopes.get(str(out.get("scope")), ""))
    return 0
