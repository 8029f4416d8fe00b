"""The bypass corpus (every case DENY or ASK) and the benign corpus (every case ALLOW)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from goalrail.policies.registry import import_object
from tests.unit.builtins.builtin_events import shell_event, tool_event

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
BYPASS = yaml.safe_load((CORPUS / "shell_bypass.yaml").read_text())
BENIGN = yaml.safe_load((CORPUS / "shell_benign.yaml").read_text())


def _sub(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace("@ROOT@", root)
    if isinstance(value, list):
        return [_sub(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _sub(v, root) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> str:
    base = tmp_path_factory.mktemp("corpus")
    (base / "repo" / "src").mkdir(parents=True)
    (base / "repo" / "docs").mkdir()
    (base / "repo" / "tests").mkdir()
    (base / "outside" / "sub").mkdir(parents=True)
    os.symlink(base / "outside", base / "repo" / "escape")
    return str(base)


def _policies(spec: dict[str, Any], root: str) -> dict[str, Any]:
    return {
        name: import_object(p["handler"])(**_sub(p.get("params", {}), root)) for name, p in spec["profiles"].items()
    }


def _verdict(policy: Any, command: str | dict[str, Any], cwd: str) -> str:
    """A case is a command line, or the whole ``arguments`` of a shell tool call (several keys)."""
    if isinstance(command, dict):
        out = policy(tool_event("Bash", command, cwd=cwd))
    else:
        out = policy(shell_event(command, cwd=cwd))
    return "ALLOW" if out is None else out["result"]


def _case_id(case: Any) -> str:
    text = case.get("command", case.get("arguments")) if isinstance(case, dict) and "policy" in case else case
    return str(text)[:60]


def test_corpus_sizes() -> None:
    assert len(BYPASS["cases"]) >= 100
    assert len(BENIGN["commands"]) >= 100


@pytest.mark.parametrize("case", BYPASS["cases"], ids=lambda c: f"{c['policy']}:{_case_id(c)}")
def test_bypass_is_denied_or_asked(case: dict[str, Any], root: str) -> None:
    policies = _policies(BYPASS, root)
    assert case["expect"] in ("DENY", "ASK")
    command = case["arguments"] if "arguments" in case else case["command"]
    got = _verdict(policies[case["policy"]], _sub(command, root), _sub(BYPASS["cwd"], root))
    assert got == case["expect"], command


@pytest.mark.parametrize("command", BENIGN["commands"], ids=_case_id)
def test_benign_is_allowed(command: str | dict[str, Any], root: str) -> None:
    if isinstance(command, dict):
        command = command["arguments"]
    policies = _policies(BENIGN, root)
    for name, policy in policies.items():
        got = _verdict(policy, _sub(command, root), _sub(BENIGN["cwd"], root))
        assert got == "ALLOW", (name, command)


@pytest.mark.parametrize("command", BENIGN["file_commands"], ids=_case_id)
def test_benign_file_effects_allowed(command: str, root: str) -> None:
    """Near misses of the file effects: a user's file rules (``file_profiles``) allow them too."""
    policies = _policies({"profiles": BENIGN["file_profiles"]}, root)
    for name, policy in policies.items():
        assert _verdict(policy, _sub(command, root), _sub(BENIGN["cwd"], root)) == "ALLOW", (name, command)
