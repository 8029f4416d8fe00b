"""``goalrail sessions [ID]`` — list sessions on a running server, or show one."""

from __future__ import annotations

import argparse
import time

from goalrail.cli._client import add_client_arguments, client_from_args


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", nargs="?", help="show this session in detail")
    p.add_argument("--owner", help="only this owner's sessions (admins)")
    add_client_arguments(p)


def _ago(ts: float | None) -> str:
    if not ts:
        return "-"
    s = max(0, int(time.time() - ts))
    return f"{s}s ago" if s < 120 else f"{s // 60}m ago" if s < 7200 else f"{s // 3600}h ago"


def _cost(value: object) -> str:
    return f"${value:.4f}" if isinstance(value, (int, float)) else "unpriced"


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json, table

    client = client_from_args(args)
    if args.id:
        s = client.get(f"/v1/sessions/{args.id}")
        if args.json:
            print_json(s)
            return 0
        print(
            f"session {s['id']}  owner={s['owner']}  agent={s['agent'] or '-'}  cost={_cost(s['cost_usd'])}"
            f"  pending approvals={s['pending_approvals']}" + (f"  ENDED: {s['ended']}" if s.get("ended") else "")
        )
        print("\npolicies:")
        print(
            table(
                [[p["level"], p["name"], "on" if p["enabled"] else "off", p["handler"]] for p in s["policies"]],
                ["level", "name", "enabled", "handler"],
            )
        )
        print("\nrecent decisions:")
        print(
            table(
                [
                    [
                        _ago(d["at"]),
                        d["type"],
                        str(d["target"] or ""),
                        d["result"],
                        d["policy"] or "",
                        d["reason"] or "",
                    ]
                    for d in s["recent_decisions"]
                ],
                ["when", "type", "target", "result", "policy", "reason"],
            )
        )
        return 0
    data = client.get("/v1/sessions", owner=args.owner)["data"]
    if args.json:
        print_json(data)
        return 0
    rows = [
        [
            s["id"],
            s["owner"] or "-",
            s["agent"] or "-",
            _cost(s["cost_usd"]),
            str(s["usage"]["total_tokens"]),
            str(s["pending_approvals"]),
            _ago(s["last_activity"]),
            "ended" if s.get("ended") else "",
        ]
        for s in data
    ]
    print(table(rows, ["id", "owner", "agent", "spend", "tokens", "pending", "last activity", ""]))
    return 0
