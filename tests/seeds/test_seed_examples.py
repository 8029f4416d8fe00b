"""Every Python and YAML example of seeds 000–003 works as printed ("omnigent" read as "goalrail")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from goalrail.config.agent import load_agent_spec
from goalrail.config.policies import parse_policies
from goalrail.config.server import load_server_config
from goalrail.config.yamlfile import load_yaml_file
from goalrail.engine.chain import compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.evaluate import evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

EXAMPLES = Path(__file__).parent / "examples"


def _event(raw: dict) -> dict:
    return build_event(normalize_event(raw), Snapshot("seed"))  # type: ignore[return-value]


def _tool(name: str, **arguments: object) -> dict:
    return {"type": "tool_call", "target": name, "data": {"arguments": arguments}}


@pytest.mark.parametrize("module", ["myorg.policies", "seed001_policies"])
def test_my_policy(module: str) -> None:
    chain = compile_chain([PolicySpec("mine", f"{module}.my_policy")])
    assert evaluate(chain, _event(_tool("dangerous_tool"))).result == "DENY"
    assert "blocked" in (evaluate(chain, _event(_tool("dangerous_tool"))).reason or "").lower()
    assert evaluate(chain, _event(_tool("safe_tool"))).decisions[0].verdict == "ALLOW"
    assert evaluate(chain, _event({"type": "request", "data": "hi"})).decisions[0].verdict == "ABSTAIN"


@pytest.mark.parametrize("module", ["myorg.policies", "seed001_policies"])
def test_block_domains_factory(module: str) -> None:
    spec = PolicySpec("domains", f"{module}.block_domains", params={"blocked_domains": ["Evil.com"]})
    chain = compile_chain([spec])
    denied = evaluate(chain, _event(_tool("web_fetch", url="https://evil.com/x")))
    assert denied.result == "DENY" and (denied.reason or "").startswith("Domain ")
    assert denied.policy == "domains"
    assert evaluate(chain, _event(_tool("web_fetch", url="https://good.org"))).result == "ALLOW"
    # Claude Code's WebFetch reaches the same policy through the canonical mapping.
    assert evaluate(chain, _event(_tool("WebFetch", url="https://evil.com/"))).result == "DENY"


def test_policy_registry_module_is_discoverable_and_validated() -> None:
    cfg = load_server_config(EXAMPLES / "seed003_policy_modules.yaml")
    entry = cfg.registry.require("myorg.policies.block_domains")
    assert entry.kind == "factory" and entry.name == "Block Domains"
    cfg2 = load_server_config(EXAMPLES / "seed002_config.yaml")
    assert "myorg.policies.block_domains" in cfg2.registry
    from goalrail.errors import InvalidParams

    with pytest.raises(InvalidParams, match="blocked_domains"):
        cfg.registry.validate("myorg.policies.block_domains", {})
    with pytest.raises(InvalidParams, match="blocked_domains"):
        cfg.registry.validate("myorg.policies.block_domains", {"blocked_domains": "evil.com"})


def test_seed001_policy_modules_load() -> None:
    cfg = load_server_config(EXAMPLES / "seed001_policy_modules.yaml")
    assert "myorg_policies.deny_tool" in cfg.registry
    assert "github_mcp_policy.deny_tool" in cfg.registry


def _run(runtime: Runtime, events: list[dict], session: str = "s") -> list[str]:
    async def go() -> list[str]:
        return [(await runtime.evaluate(session, e)).result for e in events]

    return asyncio.run(go())


def test_agent_yaml_block_asks_on_os_tools_and_caps_at_50() -> None:
    registry = Registry.load()
    specs = parse_policies(
        load_yaml_file(EXAMPLES / "seed003_agent_policies.yaml")["policies"], "agent", registry=registry
    )
    assert [s.name for s in specs] == ["approve_file_ops", "rate_limit"]
    assert specs[1].params == {"limit": 50}
    from goalrail.config.agent import AgentSpec

    runtime = Runtime(MemoryStore(), registry=registry, agents={"a": AgentSpec("a", policies=specs)})

    async def go() -> tuple[str, str, list[str]]:
        first = await runtime.evaluate("s", _tool("Bash", command="ls"), agent="a")
        web = await runtime.evaluate("s", _tool("mcp__docs__search", q="x"), agent="a")
        rest = [
            (await runtime.evaluate("s", _tool("mcp__docs__search", q=str(i)), agent="a")).result for i in range(50)
        ]
        return first.result, web.result, rest

    first, web, rest = asyncio.run(go())
    assert first == "ASK"
    assert web == "ALLOW"
    assert rest.count("ALLOW") == 49 and rest[-1] == "DENY"


def test_server_config_function_form_passes_arguments() -> None:
    cfg = load_server_config(EXAMPLES / "seed003_server_config.yaml")
    by_name = {p.name: p for p in cfg.policies}
    assert by_name["session_cost_guard"].params == {"ask_thresholds_usd": [1.0], "max_cost_usd": 5.0}
    assert by_name["user_daily_cost_guard"].params == {"ask_thresholds_usd": [10.0, 25.0], "max_cost_usd": 50.0}
    chain = compile_chain(cfg.policies, cfg.registry)
    assert len(chain) == 2


def test_server_config_handler_form_passes_factory_params() -> None:
    """The reference engine silently ran limit 200 as 100; ours must not."""
    cfg = load_server_config(EXAMPLES / "seed001_server_config.yaml")
    runtime = Runtime(MemoryStore(), registry=cfg.registry, server_specs=cfg.policies)
    results = _run(runtime, [_tool("Read", file_path=f"/tmp/{i}") for i in range(201)])
    assert results.count("ALLOW") == 200 and results[-1] == "DENY"


def test_github_agent_spec_loads() -> None:
    registry = Registry.load()
    spec = load_agent_spec(EXAMPLES / "seed001_github_agent.yaml", registry=registry)
    assert spec.name == "github_agent"
    assert spec.model == "databricks-claude-sonnet-4-6"
    assert [p.name for p in spec.policies] == ["limit_tool_calls", "github_access", "google_policy"]
    assert spec.policies[1].params == {"write_repos": ["myorg/my-repo"], "write_branches": ["feature/*"]}
    chain = compile_chain(spec.policies, registry)
    assert len(chain) == 3


def test_full_yaml_example_cap_calls() -> None:
    specs = parse_policies(load_yaml_file(EXAMPLES / "seed001_cap_calls.yaml"), "session", registry=Registry.load())
    assert specs[0].params == {"limit": 50}
    compile_chain(specs, Registry.load(), require_registered=True)
