"""``goalrail approvals [list]|show|approve|deny`` — answer pending ASKs on a running server.

Without an action it lists the pending ones; ``show ID`` prints one action whole.  Everything
the agent wrote is printed through ``_output.shown`` (invisible and control characters as
markers, long blank runs folded).
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
    sh = sub.add_parser("show", help="one approval: the action whole, who asks and why")
    sh.add_argument("id")
    for q in (ls, ap, dn, sh):
        add_client_arguments(q)


def _joined(names: object) -> str:
    return ", ".join(map(str, names)) if isinstance(names, list) else ""


def _event(a: Mapping[str, object]) -> dict[str, object]:
    """The approval's preview (the action as JSON), read back ({} when it is not an object)."""
    import json

    try:
        event = json.loads(str(a.get("preview") or "{}"))
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _tool(a: Mapping[str, object]) -> str:
    """The tool as the agent named it (`Bash`), with the canonical name when it differs."""
    canonical = str(a.get("target") or "")
    data = _event(a).get("data")
    original = data.get("original_name") if isinstance(data, dict) else None
    return (
        f"{original} ({canonical})" if isinstance(original, str) and original and original != canonical else canonical
    )


#: Arguments that do not change what runs, shown apart: the model's own label for a shell command.
_LABELS = ("description",)


def action_text(a: Mapping[str, object]) -> str:
    """What the agent wants to do, as the web UI's card shows it: where it runs when the harness
    said, a shell command as ``$ cmd`` followed by every other argument it passes, any other
    arguments as JSON (not yet made safe to print: :func:`goalrail.cli._output.shown`)."""
    import json

    event = _event(a)
    if not event:
        return str(a.get("preview") or "")
    data = event.get("data")
    data = data if isinstance(data, dict) else {}
    args = data.get("arguments", data)
    cwd = event.get("cwd")
    where = f"in {cwd}\n" if isinstance(cwd, str) else ""
    if isinstance(args, dict) and isinstance(args.get("command"), str):
        rest = {k: v for k, v in args.items() if k != "command" and k not in _LABELS}
        more = f"\nwith {json.dumps(rest, indent=2, ensure_ascii=False)}" if rest else ""
        return f"{where}$ {args['command']}{more}"
    if isinstance(args, str):
        return where + args
    return where + json.dumps(args, indent=2, ensure_ascii=False)


def _show(a: Mapping[str, object]) -> str:
    """One approval for a person: the facts, who asks and why, then the action whole."""
    from goalrail.cli._output import shown

    lines = [
        f"approval {shown(a.get('id'), cell=True)}  {shown(a.get('status'), cell=True)}",
        f"session  {shown(a.get('session_id'), cell=True)}  (owner {shown(a.get('owner') or '-', cell=True)})",
        f"tool     {shown(_tool(a), cell=True)}  ({shown(a.get('type'), cell=True)})",
        "asked by:",
    ]
    decision = a.get("decision")
    asked = [
        d
        for d in ((decision.get("decisions") or []) if isinstance(decision, dict) else [])
        if isinstance(d, dict) and d.get("verdict") == "ASK"
    ]
    if asked:
        lines += [f"  {shown(d.get('policy'), cell=True)}: {shown(d.get('reason') or '-', cell=True)}" for d in asked]
    else:
        lines.append(f"  {shown(_joined(a.get('policies')), cell=True)}: {shown(a.get('reason') or '-', cell=True)}")
    text = action_text(a)
    args = _event(a).get("data")
    label = args.get("arguments") if isinstance(args, dict) else None
    if isinstance(label, dict) and isinstance(label.get("command"), str) and isinstance(label.get("description"), str):
        lines.append(f"the agent's description (not run): {shown(label['description'], cell=True)}")
    lines.append(f"action ({text.count(chr(10)) + 1} lines, {len(text)} characters, whole):")
    lines.append(shown(text))
    return "\n".join(lines)


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
                    action_text(a),
                ]
                for a in data
            ]
            print(table(rows, ["id", "status", "session", "type", "target", "policies", "reason", "action"]))
            if not rows:
                print("no pending approvals" if not every else "no approvals")
            else:
                print("\n`goalrail approvals show ID` prints an action whole before you approve it.")
        return 0
    if args.action == "show":
        record = client.get(f"/v1/approvals/{args.id}")
        if getattr(args, "json", False):
            print_json(record)
        else:
            print(_show(record))
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
