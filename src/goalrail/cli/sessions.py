"""``goalrail sessions [ID]`` — list sessions on a running server, or show one.

``goalrail sessions export ID [-o FILE]`` writes the session's recorded trace
(JSON Lines); ``goalrail sessions import FILE [--as ID]`` runs a trace through
the server as a new session.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from goalrail.cli._client import Client, add_client_arguments, client_from_args, listed, objects
from goalrail.errors import InvalidRequest
from goalrail.jsontypes import JsonValue


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", nargs="?", help="show this session in detail; or `export` / `import`")
    p.add_argument("arg", nargs="?", help="export: the session id; import: the trace file")
    p.add_argument("--owner", help="only this owner's sessions (admins)")
    p.add_argument("-o", "--output", help="export: write the trace here (default: stdout)")
    p.add_argument("--as", dest="as_id", help="import: the new session's id")
    add_client_arguments(p)


def _ago(ts: JsonValue) -> str:
    if not isinstance(ts, (int, float)) or not ts:
        return "-"
    s = max(0, int(time.time() - ts))
    return f"{s}s ago" if s < 120 else f"{s // 60}m ago" if s < 7200 else f"{s // 3600}h ago"


def _cost(value: object) -> str:
    return f"${value:.4f}" if isinstance(value, (int, float)) else "unpriced"


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json, shown, table

    client = client_from_args(args)
    if args.id in ("export", "import") and args.arg:
        return _export(client, args) if args.id == "export" else _import(client, args)
    if args.id:
        s = client.get(f"/v1/sessions/{args.id}")
        if args.json:
            print_json(s)
            return 0
        print(
            shown(
                f"session {s['id']}  owner={s['owner']}  agent={s['agent'] or '-'}  cost={_cost(s['cost_usd'])}"
                f"  pending approvals={s['pending_approvals']}" + (f"  ENDED: {s['ended']}" if s.get("ended") else ""),
                cell=True,
            )
        )
        print("\npolicies:")
        print(
            table(
                [
                    [str(p["level"]), str(p["name"]), "on" if p["enabled"] else "off", str(p["handler"])]
                    for p in objects(s["policies"])
                ],
                ["level", "name", "enabled", "handler"],
            )
        )
        print("\nrecent decisions:")
        print(
            table(
                [
                    [
                        _ago(d["at"]),
                        str(d["type"]),
                        str(d["target"] or ""),
                        str(d["result"]),
                        str(d["policy"] or ""),
                        str(d["reason"] or ""),
                    ]
                    for d in objects(s["recent_decisions"])
                ],
                ["when", "type", "target", "result", "policy", "reason"],
            )
        )
        return 0
    data = listed(client.get("/v1/sessions", owner=args.owner))
    if args.json:
        print_json(data)
        return 0
    rows = [
        [
            str(s["id"]),
            str(s["owner"] or "-"),
            str(s["agent"] or "-"),
            _cost(s["cost_usd"]),
            _total_tokens(s["usage"]),
            str(s["pending_approvals"]),
            _ago(s["last_activity"]),
            "ended" if s.get("ended") else "",
        ]
        for s in data
    ]
    print(table(rows, ["id", "owner", "agent", "spend", "tokens", "pending", "last activity", ""]))
    return 0


def _total_tokens(usage: JsonValue) -> str:
    return str(usage.get("total_tokens")) if isinstance(usage, dict) else "-"


def _export(client: Client, args: argparse.Namespace) -> int:
    text = client.text("GET", f"/v1/sessions/{args.arg}/trace")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {len(text.splitlines()) - 1} records of session {args.arg} to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _import(client: Client, args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json

    try:
        data = Path(args.arg).read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read trace `{args.arg}`: {exc.strerror}") from None
    out = json.loads(
        client.text("POST", "/v1/sessions/import", content=data, params={"id": args.as_id} if args.as_id else None)
    )
    if args.json:
        print_json(out)
    else:
        print(f"imported {out['events']} events as session {out['session_id']} ({out['changed']} judged differently)")
    return 0
