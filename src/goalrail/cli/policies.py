"""``goalrail policies list|add|rm|enable|disable`` — server-wide policies (or a session's, with --session)."""

from __future__ import annotations

import argparse
import json

from goalrail.cli._client import add_client_arguments, client_from_args, listed
from goalrail.errors import InvalidRequest, NotFound
from goalrail.jsontypes import JsonObject


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="list policies")
    add = sub.add_parser("add", help="add a policy from the registry")
    add.add_argument("name")
    add.add_argument("handler", help="a handler from `goalrail registry`")
    add.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a factory parameter (VALUE is parsed as JSON when it can be)",
    )
    add.add_argument("--params", help="all factory parameters as a JSON object")
    add.add_argument("--shadow", action="store_true", help="evaluate and record, but do not enforce")
    rm = sub.add_parser("rm", help="remove a policy (by name or id)")
    rm.add_argument("id", metavar="NAME|ID")
    en = sub.add_parser("enable", help="enable a policy (by name or id)")
    en.add_argument("id", metavar="NAME|ID")
    dis = sub.add_parser("disable", help="disable a policy (by name or id)")
    dis.add_argument("id", metavar="NAME|ID")
    for q in (ls, add, rm, en, dis):
        q.add_argument("--session", help="act on this session's policies instead of the server-wide ones")
        add_client_arguments(q)


def _params(args: argparse.Namespace) -> JsonObject | None:
    params: JsonObject = {}
    if args.params:
        try:
            loaded = json.loads(args.params)
        except ValueError:
            raise InvalidRequest("--params must be a JSON object") from None
        if not isinstance(loaded, dict):
            raise InvalidRequest("--params must be a JSON object")
        params.update(loaded)
    for item in args.param:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidRequest(f"--param `{item}` must look like KEY=VALUE")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params if (params or args.params) else None


def _find(policies: list[JsonObject], ref: str) -> JsonObject:
    """A policy by id, else by name (names are unique at one level)."""
    for p in policies:
        if p.get("id") == ref:
            return p
    named = [p for p in policies if p.get("name") == ref]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(f"`{p['id']}`" for p in named)
        raise InvalidRequest(f"several policies are named `{ref}` ({ids}): give the id")
    raise NotFound(f"no policy named `{ref}` (see `goalrail policies list`)")


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json, table

    client = client_from_args(args)
    base = f"/v1/sessions/{args.session}/policies" if args.session else "/v1/policies"
    if args.action == "list":
        data = listed(client.get(base))
        if args.json:
            print_json(data)
        else:
            rows = [
                [
                    str(p["id"]),
                    str(p["name"]),
                    str(p["level"]),
                    str(p["source"]),
                    "on" if p["enabled"] else "off",
                    str(p["mode"]),
                    str(p["handler"]),
                    json.dumps(p["factory_params"]),
                ]
                for p in data
            ]
            print(table(rows, ["id", "name", "level", "source", "enabled", "mode", "handler", "params"]))
        return 0
    if args.action == "add":
        body: JsonObject = {"name": args.name, "type": "python", "handler": args.handler}
        params = _params(args)
        if params is not None:
            body["factory_params"] = params
        if args.shadow:
            body["mode"] = "shadow"
        out = client.post(base, body)
    elif args.action == "rm":
        found = _find(listed(client.get(base)), args.id)
        out = client.delete(f"{base}/{found['id']}")
    else:
        found = _find(listed(client.get(base)), args.id)
        out = client.patch(f"{base}/{found['id']}", {"enabled": args.action == "enable"})
    if args.json:
        print_json(out)
    elif args.action == "rm":
        print(f"removed {found['name']} ({found['id']})")
    else:
        print(f"{out['id']}  {out['name']}  {'enabled' if out['enabled'] else 'disabled'}")
    return 0
