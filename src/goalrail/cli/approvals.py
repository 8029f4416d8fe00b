"""``goalrail approvals list|approve|deny`` — answer pending ASKs on a running server."""

from __future__ import annotations

import argparse

from goalrail.cli._client import add_client_arguments, client_from_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="pending approvals (or all with --all)")
    ls.add_argument("--all", action="store_true", help="include resolved and expired ones")
    ls.add_argument("--session", help="only this session")
    ap = sub.add_parser("approve", help="approve a pending action")
    ap.add_argument("id")
    ap.add_argument("--session-scope", action="store_true", help="also allow the same tool for the rest of the session")
    dn = sub.add_parser("deny", help="refuse a pending action")
    dn.add_argument("id")
    for q in (ls, ap, dn):
        add_client_arguments(q)


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json, table

    client = client_from_args(args)
    if args.action == "list":
        data = client.get("/v1/approvals", status=None if args.all else "pending", session=args.session)["data"]
        if args.json:
            print_json(data)
        else:
            rows = [
                [
                    a["id"],
                    a["status"],
                    a["session_id"],
                    a["type"],
                    str(a["target"] or ""),
                    ", ".join(a["policies"]),
                    a["reason"] or "",
                ]
                for a in data
            ]
            print(table(rows, ["id", "status", "session", "type", "target", "policies", "reason"]))
        return 0
    body = {
        "decision": "approve" if args.action == "approve" else "deny",
        "scope": "session" if getattr(args, "session_scope", False) else "once",
    }
    out = client.post(f"/v1/approvals/{args.id}", body)
    if args.json:
        print_json(out)
    else:
        print(f"{out['id']}: {out['status']}" + (" (for this session)" if out.get("scope") == "session" else ""))
    return 0
