"""``goalrail registry`` — the discoverable policies and their parameters."""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", help="server config (adds its policy_modules)")
    p.add_argument("--module", action="append", default=[], help="extra policy module to load")
    p.add_argument("--json", action="store_true")


def describe_params(schema: dict[str, Any]) -> list[str]:
    props = schema.get("properties", {})
    required = set(schema.get("required", []))
    out = []
    for name, prop in props.items():
        typ = prop.get("type", "any")
        if isinstance(typ, list):
            typ = "|".join(typ)
        bits = [f"{name}: {typ}"]
        if name in required:
            bits.append("required")
        if "default" in prop:
            bits.append(f"default {prop['default']!r}")
        out.append(", ".join(bits))
    return out


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import print_json
    from goalrail.config.server import load_server_config
    from goalrail.policies.registry import Registry

    modules = list(args.module)
    if args.config:
        modules = load_server_config(args.config).policy_modules + modules
    registry = Registry.load(modules)
    entries = registry.public()
    if args.json:
        print_json([e.to_dict() for e in entries])
        return 0
    for e in entries:
        print(f"{e.handler}  [{e.kind}]")
        print(f"    {e.name}: {e.description}")
        for line in describe_params(e.params_schema):
            print(f"      - {line}")
    print(f"\n{len(entries)} policies")
    return 0
