"""``goalrail config check FILE`` — validate a server config or an agent spec fully.

An agent spec (a `name` and no server-only section) is recognised by itself;
``--agent`` forces it.  Every problem is reported once, at its file:line.
"""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="validate a server config or agent spec")
    check.add_argument("file")
    check.add_argument("--agent", action="store_true", help="the file is an agent spec (detected when it has `name`)")
    check.add_argument("--server", action="store_true", help="the file is a server config (the default)")
    check.add_argument("--module", action="append", default=[], help="policy module for an agent spec's handlers")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from goalrail.config.agent import parse_agent_spec
    from goalrail.config.policies import combine
    from goalrail.config.server import looks_like_agent_spec, parse_server_config
    from goalrail.config.yamlfile import load_yaml_file
    from goalrail.engine.chain import compile_policy
    from goalrail.engine.spec import PolicySpec
    from goalrail.errors import GoalrailError
    from goalrail.policies.files import FileAccess
    from goalrail.policies.registry import Registry

    data = load_yaml_file(args.file)

    def compile_all(specs: list[PolicySpec], registry: Registry | None, files: FileAccess) -> None:
        problems: list[GoalrailError] = []
        for spec in specs:
            try:
                compile_policy(spec, registry, files=files)
            except GoalrailError as exc:
                problems.append(exc)
        if problems:
            raise combine(problems, args.file)

    if args.agent or (not args.server and looks_like_agent_spec(data)):
        registry = Registry.load(list(args.module))
        spec = parse_agent_spec(data, registry=registry)
        compile_all(spec.policies, registry, FileAccess())  # no server config: no policy_dirs
        print(f"ok: agent `{spec.name}` with {len(spec.policies)} policies (agent spec)")
        return 0
    cfg = parse_server_config(data, base_dir=Path(args.file).parent)
    compile_all([*cfg.policies, *(p for a in cfg.agents.values() for p in a.policies)], cfg.registry, cfg.file_access)
    print(
        f"ok: server config with {len(cfg.policies)} server-wide policies, {len(cfg.policy_modules)} policy modules, "
        f"{len(cfg.agents)} agents"
    )
    return 0
