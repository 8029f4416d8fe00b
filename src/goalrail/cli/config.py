"""``goalrail config check FILE`` — validate a server config or an agent spec fully."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate a server config or agent spec")
    check.add_argument("file")
    check.add_argument("--agent", action="store_true", help="the file is an agent spec")


def run(args: argparse.Namespace) -> int:
    from goalrail.config.agent import parse_agent_spec
    from goalrail.config.server import parse_server_config
    from goalrail.config.yamlfile import load_yaml_file
    from goalrail.engine.chain import compile_policy
    from goalrail.policies.registry import Registry

    data = load_yaml_file(args.file)
    is_agent = args.agent or (isinstance(data, dict) and "name" in data and ("prompt" in data or "executor" in data))
    if is_agent:
        registry = Registry.load()
        spec = parse_agent_spec(data, registry=registry)
        for p in spec.policies:
            compile_policy(p, registry)
        print(f"ok: agent `{spec.name}` with {len(spec.policies)} policies")
        return 0
    from pathlib import Path

    cfg = parse_server_config(data, base_dir=Path(args.file).parent)
    for p in cfg.policies:
        compile_policy(p, cfg.registry, files=cfg.file_access)
    for agent in cfg.agents.values():
        for p in agent.policies:
            compile_policy(p, cfg.registry, files=cfg.file_access)
    print(
        f"ok: {len(cfg.policies)} server-wide policies, {len(cfg.policy_modules)} policy modules, "
        f"{len(cfg.agents)} agents"
    )
    return 0
