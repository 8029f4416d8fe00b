"""``goalrail replay TRACE…|--session ID`` — re-judge recorded sessions against a candidate chain.

Prints every decision that changes (ALLOW→ASK, ASK→DENY, …) with the deciding
policy and reason before and after.  Exit status: 0 when nothing changed, 1 when
something did (for CI), 2 on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from goalrail.cli._client import add_client_arguments
from goalrail.errors import InvalidRequest
from goalrail.jsontypes import JsonObject

if TYPE_CHECKING:
    from collections.abc import Mapping

    from goalrail.engine.actions import ActionMapper
    from goalrail.engine.spec import PolicySpec
    from goalrail.runtime.replay import Change, Replayer
    from goalrail.runtime.trace import Trace


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("traces", nargs="*", help="trace files (JSON Lines, from `goalrail sessions export`)")
    p.add_argument("--session", action="append", default=[], help="fetch this session's trace from the server")
    p.add_argument("-c", "--config", help="candidate server config YAML (replaces the server-wide policies)")
    p.add_argument("-a", "--agent", help="candidate agent spec YAML (replaces the agent-level policies)")
    p.add_argument(
        "--add-policy",
        action="append",
        default=[],
        metavar="JSON",
        help='add a policy: {"name", "handler", "factory_params", "level": session|agent|server}',
    )
    p.add_argument(
        "--enforce", action="append", default=[], metavar="NAME", help="judge this shadow policy as enforcing"
    )
    add_client_arguments(p)


def _added(raw: str) -> PolicySpec:
    from goalrail.runtime.trace import spec_from_dict

    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"--add-policy is not valid JSON: {exc.msg}", [{"loc": "--add-policy", "message": exc.msg}]
        ) from None
    level = body.get("level", "session") if isinstance(body, dict) else None
    if level not in ("session", "agent", "server"):
        raise InvalidRequest(f"--add-policy: `level` must be session, agent or server, got `{level}`")
    return spec_from_dict(body, level, "--add-policy")


def load_traces(args: argparse.Namespace) -> list[Trace]:
    from goalrail.runtime.trace import loads

    traces = []
    for path in args.traces:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidRequest(f"cannot read trace `{path}`: {exc.strerror}") from None
        traces.append(loads(text))
    if args.session:
        from goalrail.cli._client import client_from_args

        client = client_from_args(args)
        for sid in args.session:
            traces.append(loads(client.text("GET", f"/v1/sessions/{sid}/trace")))
    if not traces:
        raise InvalidRequest("give a trace file or `--session ID`")
    return traces


def replayer_for(args: argparse.Namespace, traces: list[Trace], *, keep_results: bool = False) -> Replayer:
    """A Replayer for the recorded chains changed by ``--config``, ``--agent``, ``--add-policy``, ``--enforce``."""
    from dataclasses import replace

    from goalrail.config.agent import load_agent_spec
    from goalrail.config.server import load_server_config
    from goalrail.policies.pricing import default_price_table
    from goalrail.policies.registry import Registry
    from goalrail.runtime.candidate import Candidate, ChainsFor
    from goalrail.runtime.replay import Replayer, trace_mapper

    modules = list(dict.fromkeys(m for t in traces for m in t.policy_modules))
    candidate = Candidate(add=[_added(raw) for raw in args.add_policy], enforce=list(args.enforce))
    server_tools: tuple[dict[str, str], JsonObject] | None = None
    if args.config:
        cfg = load_server_config(args.config)
        candidate.server = list(cfg.policies)
        modules += [m for m in cfg.policy_modules if m not in modules]
        server_tools = (dict(cfg.tool_mapping), dict(cfg.tools))
    registry = Registry.load(modules)
    agent_tools: tuple[dict[str, str], JsonObject] | None = None
    if args.agent:
        spec = load_agent_spec(args.agent, registry=registry)
        candidate.agent = list(spec.policies)
        agent_tools = (dict(spec.tool_mapping), dict(spec.tools))

    def mapper_for(trace: Trace) -> ActionMapper:
        """The recorded tool mapping and metadata, with --config / --agent in their place when given."""
        mapping, tools = server_tools or (trace.tool_mapping, trace.tools)
        agent_mapping, agent_described = agent_tools or (trace.agent_tool_mapping, trace.agent_tools)
        return trace_mapper(
            replace(
                trace, tool_mapping=mapping, tools=tools, agent_tool_mapping=agent_mapping, agent_tools=agent_described
            )
        )

    return Replayer(
        ChainsFor(candidate, registry),
        mapper_for=mapper_for,
        prices=default_price_table(),
        keep_results=keep_results,
    )


def _line(c: Change) -> str:
    from goalrail.cli._output import shown
    from goalrail.runtime.replay import when

    def side(d: Mapping[str, object]) -> str:
        return f"{d.get('result')} by {d.get('policy') or '-'}: {d.get('reason') or ''}"

    where = f"{c.session_id}#{c.seq}" if c.seq is not None else c.session_id
    return "\n".join(
        shown(line, cell=True)  # the session id, target and reasons are the agent's text
        for line in (
            f"{c.transition:<11} {where}  {when(c.at)}  {c.type} {c.target or ''}",
            f"    before: {side(c.before)}",
            f"    after:  {side(c.after)}",
        )
    )


def run(args: argparse.Namespace) -> int:
    import logging

    logging.getLogger("goalrail").setLevel(logging.ERROR)
    traces = load_traces(args)
    report = asyncio.run(replayer_for(args, traces).run(traces))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        for change in report.changes:
            print(_line(change))
        counts = ", ".join(f"{k} {v}" for k, v in report.counts().items())
        rate = report.events / report.seconds if report.seconds > 0 else 0.0
        print(
            f"\n{report.changed} of {report.events} decisions change"
            + (f" ({counts})" if counts else "")
            + f" across {report.sessions} session(s); replayed in {report.seconds:.3f} s ({rate:,.0f} events/s)"
        )
        if report.skipped:
            print(f"{report.skipped} recorded decision(s) had no event recorded and were not replayed")
    return 1 if report.changed else 0
