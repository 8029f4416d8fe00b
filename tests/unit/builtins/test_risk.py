"""risk_score_policy: accumulation, labels, actors, escalation, through the engine."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import pytest

from goalrail.engine import PolicySpec
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins import risk
from goalrail.policies.builtins.risk import DEFAULT_TOOL_POINTS, risk_score_policy
from goalrail.policies.registry import Registry
from tests.unit.builtins.runtime_session import Session, make_runtime


def ev(
    raw: dict[str, Any],
    *,
    score: Any = None,
    labels: dict[str, str] | None = None,
    run_as: str | None = None,
    client_id: str | None = None,
    policy_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    state = {} if score is None else {"risk_score": score}
    snap = Snapshot("s1", owner=run_as, client_id=client_id, labels=labels or {}, state=state)
    e = dict(build_event(normalize_event(raw), snap))
    e["policy_state"] = policy_state or {}
    return e


def call(tool: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"arguments": args or {"x": 1}}}


SHELL = call("Bash", command="ls")


def ups(r: dict[str, Any] | None) -> list[tuple[str, str, Any]]:
    return [(u["key"], u["action"], u.get("value")) for u in (r or {}).get("state_updates", [])]


# --- parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"threshold": 0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"tool_points": {"sys_os_shell": -1}}, "tool_points.sys_os_shell"),
        ({"tool_points": {"sys_os_shell": 1.5}}, "integer"),
        ({"tool_points": ["sys_os_shell"]}, "map tool-name globs"),
        ({"sensitive_labels": {"env": 5}}, "sensitive_labels"),
        ({"sensitive_labels": {"env": {"prod": "high"}}}, "sensitive_labels.env.prod"),
        ({"guarded_tools": []}, "non-empty list"),
        ({"guarded_tools": "sys_os_shell"}, "non-empty list"),
        ({"escalate_action": "ALLOW"}, "ASK or DENY"),
        ({"initial_scores_by_actor": {"bob": "high"}}, "initial_scores_by_actor.bob"),
        ({"state_key": ""}, "state_key"),
    ],
)
def test_rejects_bad_params(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        risk_score_policy(**params)


def test_registry_schema_defaults_match_code() -> None:
    (entry,) = risk.POLICY_REGISTRY
    props = entry["params_schema"]["properties"]
    sig = inspect.signature(risk_score_policy)
    assert set(props) == set(sig.parameters)
    for name, param in sig.parameters.items():
        assert props[name]["default"] == param.default
        assert props[name]["description"]
    reg = Registry.load()
    reg.validate(
        entry["handler"],
        {
            "threshold": 10,
            "tool_points": {"mcp__*": 4},
            "sensitive_labels": {"env": {"prod": 30}},
            "guarded_tools": ["sys_os_shell"],
            "escalate_action": "DENY",
            "initial_scores_by_actor": {"bob": 40},
        },
    )
    for bad in ({"threshold": 0}, {"escalate_action": "ask"}, {"guarded_tools": []}, {"tool_points": {"x": -1}}):
        with pytest.raises(Exception, match="invalid parameters"):
            reg.validate(entry["handler"], bad)


def test_lowercase_escalate_action_is_accepted_by_the_factory() -> None:
    p = risk_score_policy(threshold=1, escalate_action="deny")
    assert p(ev(SHELL))["result"] == "DENY"


# --- accumulation -------------------------------------------------------------------


def test_default_points_use_canonical_tool_names() -> None:
    p = risk_score_policy()
    # Claude Code's Bash is canonical sys_os_shell
    assert ups(p(ev(SHELL))) == [("risk_score", "increment", DEFAULT_TOOL_POINTS["sys_os_shell"])]
    assert ups(p(ev(SHELL, score=7))) == [("risk_score", "increment", 5)]
    assert ups(p(ev(call("Write", file_path="a"), score=7))) == [("risk_score", "increment", 3)]
    assert ups(p(ev(call("mcp__github__delete_file", path="x"), score=0))) == [("risk_score", "increment", 20)]


def test_tools_without_points_change_nothing() -> None:
    p = risk_score_policy()
    assert p(ev(call("Read", file_path="a"), score=3)) is None


def test_highest_matching_glob_counts_not_the_sum() -> None:
    p = risk_score_policy(tool_points={"mcp__*": 1, "mcp__*__delete*": 20, "MCP__DRIVE__*": 5})
    assert ups(p(ev(call("mcp__drive__delete_file"), score=0))) == [("risk_score", "increment", 20)]
    assert ups(p(ev(call("mcp__drive__get"), score=0))) == [("risk_score", "increment", 5)]


def test_initial_score_by_actor_run_as_then_client_id() -> None:
    p = risk_score_policy(initial_scores_by_actor={"bob": 40, "ci-bot": 10})
    assert ups(p(ev(call("Read", file_path="a"), run_as="bob"))) == [("risk_score", "increment", 40)]
    assert ups(p(ev(SHELL, run_as="bob"))) == [("risk_score", "increment", 45)]
    assert ups(p(ev(SHELL, client_id="ci-bot"))) == [("risk_score", "increment", 15)]
    # once the key exists, the stored score is authoritative
    assert ups(p(ev(SHELL, run_as="bob", score=2))) == [("risk_score", "increment", 5)]


def test_sensitive_labels_add_points_once_per_session() -> None:
    p = risk_score_policy(sensitive_labels={"env": {"prod*": 30, "staging": 5}})
    r = p(ev({"type": "request", "data": "hi"}, labels={"env": "production"}, score=0))
    assert ups(r) == [("risk_score", "increment", 30), ("labels_seen", "append", "env=production")]
    assert r["state_updates"][1]["scope"] == "policy"
    seen = {"labels_seen": ["env=production"]}
    assert p(ev({"type": "request", "data": "hi"}, labels={"env": "production"}, score=30, policy_state=seen)) is None
    # a different value of the label is a new observation
    r = p(ev(SHELL, labels={"env": "staging"}, score=30, policy_state=seen))
    assert ups(r)[0] == ("risk_score", "increment", 10)


def test_default_sensitive_labels() -> None:
    p = risk_score_policy()
    r = p(ev({"type": "request", "data": "x"}, labels={"data_classification": "Restricted"}, score=0))
    assert ups(r)[0] == ("risk_score", "increment", 40)
    assert (
        risk_score_policy(sensitive_labels={})(ev({"type": "request", "data": "x"}, labels={"env": "prod"}, score=0))
        is None
    )


# --- escalation -------------------------------------------------------------------------


def test_guarded_tool_at_threshold_asks_and_counts_on_approval() -> None:
    p = risk_score_policy(threshold=50, guarded_tools=["sys_os_shell"])
    assert p(ev(SHELL, score=44))["result"] == "ALLOW"  # 49
    r = p(ev(SHELL, score=45))  # reaches 50
    assert r["result"] == "ASK"
    assert "risk score 50 reached the threshold 50" in r["reason"] and "`sys_os_shell`" in r["reason"]
    assert ups(r) == [("risk_score", "increment", 5)]
    # non-guarded tools still run and accumulate
    assert p(ev(call("Write", file_path="a"), score=80))["result"] == "ALLOW"


def test_deny_escalation_adds_no_points() -> None:
    p = risk_score_policy(threshold=10, escalate_action="DENY", guarded_tools=["mcp__*"])
    r = p(ev(call("mcp__slack__send_message"), score=10))
    assert r["result"] == "DENY" and "state_updates" not in r


def test_default_guards_every_tool() -> None:
    p = risk_score_policy(threshold=10)
    assert p(ev(call("Read", file_path="a"), score=10))["result"] == "ASK"
    assert p(ev({"type": "request", "data": "x"}, score=100)) is None  # only tool calls are escalated


def test_custom_state_key() -> None:
    p = risk_score_policy(state_key="danger")
    assert ups(p(ev(SHELL))) == [("danger", "increment", 5)]


async def test_score_accumulates_through_the_engine_and_other_policies_can_read_it() -> None:
    spec = PolicySpec(
        "risk",
        "goalrail.policies.builtins.risk.risk_score_policy",
        params={"threshold": 12, "guarded_tools": ["sys_os_shell"]},
    )
    sim = Session(make_runtime(spec))
    results = [(await sim.send(SHELL)).result for _ in range(3)]
    assert results == ["ALLOW", "ALLOW", "ASK"]
    assert sim.state["risk_score"] == 10  # the ASK's points are held
    await sim.approve()
    assert sim.state["risk_score"] == 15
    assert (await sim.send(call("Write", file_path="a"))).result == "ALLOW"
    assert sim.state["risk_score"] == 18


async def test_parallel_calls_are_counted_exactly() -> None:
    spec = PolicySpec("risk", "goalrail.policies.builtins.risk.risk_score_policy", params={"threshold": 1000})
    sim = Session(make_runtime(spec))
    await asyncio.gather(*(sim.send(SHELL) for _ in range(100)))
    assert sim.state["risk_score"] == 500


def test_labels_carried_by_tool_results_add_points_once() -> None:
    p = risk_score_policy(sensitive_labels={"data_classification": {"confidential": 20}})
    body = {"files": [{"name": "q3.xlsx", "labels": {"Data_Classification": "Confidential"}}]}
    raw = {
        "type": "tool_result",
        "target": "mcp__drive__get_file",
        "data": {"arguments": {}, "result": json.dumps(body)},
    }
    r = p(ev(raw, score=3))
    assert ups(r) == [("risk_score", "increment", 20), ("labels_seen", "append", "data_classification=Confidential")]
    assert p(ev(raw, score=23, policy_state={"labels_seen": ["data_classification=Confidential"]})) is None
    plain = {"type": "tool_result", "target": "Read", "data": {"arguments": {}, "result": "classification: x"}}
    assert p(ev(plain, score=3)) is None
