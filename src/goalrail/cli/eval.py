"""``goalrail eval EVENT`` — evaluate one event (or a JSON list of events) offline."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from goalrail.errors import InvalidEvent


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("event", help="event JSON file, `-` for stdin, or inline JSON; a list runs events in order")
    p.add_argument("-c", "--config", help="server config YAML (server-wide policies, policy_modules)")
    p.add_argument("-a", "--agent", help="agent spec YAML (agent-level policies)")
    p.add_argument("-s", "--session-policies", help="YAML mapping of session-level policies")
    p.add_argument("--state", help="initial session_state as JSON")
    p.add_argument("--json", action="store_true", help="print the explained decision as JSON")


def _read_event(arg: str) -> Any:
    if arg == "-":
        text = sys.stdin.read()
    elif arg.lstrip().startswith(("{", "[")):
        text = arg
    else:
        text = Path(arg).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(
            f"event is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            [{"loc": f"event:{exc.lineno}:{exc.colno}", "message": exc.msg}],
        ) from None


async def _run(args: argparse.Namespace) -> list[dict[str, Any]]:
    from goalrail.config.agent import load_agent_spec
    from goalrail.config.policies import parse_policies
    from goalrail.config.server import load_server_config
    from goalrail.config.yamlfile import load_yaml_file
    from goalrail.runtime.runtime import Runtime
    from goalrail.store.memory import MemoryStore

    cfg = load_server_config(args.config) if args.config else load_server_config(None)
    registry = cfg.registry
    agents = {}
    agent_name = None
    if args.agent:
        spec = load_agent_spec(args.agent, registry=registry)
        agents[spec.name] = spec
        agent_name = spec.name
    agents.update({k: v for k, v in cfg.agents.items() if k not in agents})
    store = MemoryStore()
    runtime = Runtime(
        store,
        registry=registry,
        server_specs=cfg.policies,
        agents=agents,
        mapper=cfg.action_mapper(),
        files=cfg.file_access,
        policy_timeout_ms=cfg.policy_timeout_ms,
    )
    runtime.check()
    await store.ensure_session("eval", agent=agent_name)
    if args.session_policies:
        for policy in parse_policies(load_yaml_file(args.session_policies), "session", registry=registry):
            await store.add_session_policy("eval", policy)
    if args.state:
        store.sessions["eval"].state.update(json.loads(args.state))
    raw = _read_event(args.event)
    events = raw if isinstance(raw, list) else [raw]
    return [(await runtime.evaluate("eval", ev)).to_dict() for ev in events]


def run(args: argparse.Namespace) -> int:
    from goalrail.cli._output import format_decision, print_json

    results = asyncio.run(_run(args))
    if args.json:
        print_json(results if len(results) > 1 else results[0])
    else:
        print("\n\n".join(format_decision(r) for r in results))
    last = results[-1]["result"]
    return {"ALLOW": 0, "ASK": 3, "DENY": 4}.get(last, 1)
