"""``goalrail replay`` and ``goalrail test`` on recorded traces (in-process CLI, real exit codes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from goalrail.cli.main import main
from goalrail.engine.spec import PolicySpec
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.replay.recording import export

B = "goalrail.policies.builtins."
SERVER = [PolicySpec("cap", B + "safety.max_tool_calls_per_session", "server", {"limit": 3})]
EVENTS: list[dict[str, Any]] = [
    {"type": "request", "data": "tidy the repo"},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf build"}}},
    {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "README.md"}}},
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "git push --force"}}},
    {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "setup.py"}}},
]
STRICT_CONFIG = """
policies:
  cap:
    type: function
    handler: goalrail.policies.builtins.safety.max_tool_calls_per_session
    factory_params: {limit: 1}
"""


@pytest.fixture
async def trace_file(tmp_path: Path) -> Path:
    clock = iter(range(1_767_225_600, 1_767_225_700, 7))
    store = MemoryStore()
    runtime = Runtime(store, server_specs=SERVER, clock=lambda: float(next(clock)))
    for event in EVENTS:
        await runtime.evaluate("incident", event, owner="alice")
    recorded = await export(store, "incident")
    recorded.chain = {"session": [], "agent": [], "server": SERVER}
    path = tmp_path / "incident.trace.jsonl"
    path.write_text(recorded.to_jsonl(), encoding="utf-8")
    return path


def test_replay_against_the_recorded_chain_changes_nothing(trace_file: Path, capsys: Any) -> None:
    assert main(["replay", str(trace_file)]) == 0
    assert "0 of 5 decisions change" in capsys.readouterr().out


def test_an_added_policy_shows_each_change_and_fails_the_build(trace_file: Path, capsys: Any) -> None:
    ask = json.dumps({"name": "ask_shell", "handler": B + "safety.ask_on_os_tools"})
    assert main(["replay", str(trace_file), "--add-policy", ask, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    # Unanswered ASKs hold their updates, so cap never counts them: its DENY becomes an ASK too.
    assert out["events"] == 5 and out["changed"] == 4
    assert out["transitions"] == {"ALLOW→ASK": 3, "DENY→ASK": 1}
    assert {c["after"]["policy"] for c in out["changes"]} == {"ask_shell"}


def test_a_candidate_config_replaces_the_server_policies(trace_file: Path, tmp_path: Path, capsys: Any) -> None:
    cfg = tmp_path / "strict.yaml"
    cfg.write_text(STRICT_CONFIG, encoding="utf-8")
    assert main(["replay", str(trace_file), "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "ALLOW→DENY" in out and "2 of 5 decisions change (ALLOW→DENY 2)" in out
    assert "before: ALLOW" in out and "after:  DENY by cap" in out


def test_errors_are_plain_and_exit_2(trace_file: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(["replay", str(trace_file), "--add-policy", "{nope"]) == 2
    assert "--add-policy is not valid JSON" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "goalrail-trace", "version": 9}\n', encoding="utf-8")
    assert main(["replay", str(bad)]) == 2
    assert "trace version `9` is not supported" in capsys.readouterr().err


def test_goalrail_test_takes_traces_with_expected_verdicts(trace_file: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(["test", str(trace_file)]) == 0
    capsys.readouterr()
    # Yesterday's incident: the force push should have been stopped.
    lines = trace_file.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if "git push --force" in line:
            lines[i] = json.dumps({**json.loads(line), "expect": {"result": "DENY", "policy": "cap"}})
    incident = tmp_path / "incident-expected.jsonl"
    incident.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["test", str(incident)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "expected DENY, got ALLOW" in out and "git push" not in out
    cfg = tmp_path / "strict.yaml"
    cfg.write_text(STRICT_CONFIG.replace("limit: 1", "limit: 2"), encoding="utf-8")
    assert main(["test", str(incident), "--config", str(cfg), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results[0]["passed"] is True
