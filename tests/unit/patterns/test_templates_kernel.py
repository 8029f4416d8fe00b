"""Templates' concrete rules and options; the KernelSpace facade."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from goalrail.patterns import AgentSignal, Pattern
from goalrail.patterns.kernel import KernelSpace
from goalrail.patterns.templates import hipaa_standard, k12_safe, soc2_compliant


def test_hipaa_rules_and_options() -> None:
    policy = hipaa_standard()
    ev = policy.evaluate
    assert ev("database_delete", "DELETE FROM patients WHERE id=1").pattern_id == "hipaa_phi_delete"
    assert ev("database_execute", "ALTER TABLE medical_records ADD x").pattern_id == "hipaa_phi_ddl"
    assert ev("file_write", "/tmp/patient_export.csv").pattern_id == "hipaa_phi_temp_write"
    assert ev("file_read", "/srv/docs/records.json").pattern_id is None
    assert ev("file_read", "/srv/phi/records.json").action == "warn"
    assert ev("database_read", "SELECT * FROM invoices").pattern_id is None
    policy.configure(phi_tables=["claims"], allow_phi_deletes=True)
    assert ev("database_read", "SELECT * FROM claims").verdict == "ASK"
    assert ev("database_delete", "DELETE FROM patients WHERE id = 1").allowed
    assert policy.settings["hipaa_standard.session_timeout_minutes"] == 15
    with pytest.raises(ValueError, match="unknown option `timeout`"):
        policy.configure(timeout=3)


def test_soc2_criteria_and_user_patterns_survive_rebuilds() -> None:
    policy = soc2_compliant()
    policy.add_pattern(Pattern(id="mine", action_type="env_write", pattern=".*", action="deny"))
    assert policy.evaluate("database_write", "UPDATE t SET a = 1").allowed
    policy.enable_criteria(["processing_integrity"])
    assert policy.evaluate("database_write", "UPDATE t SET a = 1").verdict == "ASK"
    assert policy.evaluate("database_write", "UPDATE t SET a = 1 WHERE id = 2").allowed
    assert policy.evaluate("file_write", "/repo/.github/workflows/ci.yml").verdict == "ASK"
    assert [p.id for p in policy.patterns][-1] == "mine"
    with pytest.raises(ValueError, match="unknown criterion `speed`"):
        policy.enable_criteria(["speed"])
    assert soc2_compliant(criteria=["privacy"]).criteria == ["security", "privacy"]


def test_k12_filter_levels_and_safe_search() -> None:
    policy = k12_safe()
    ev = policy.evaluate
    assert not ev("network_request", "https://www.google.com/search?q=volcanoes").allowed
    assert ev("network_request", "https://www.google.com/search?q=volcanoes&safe=active").allowed
    assert not ev("network_request", "https://casino-royale.example/").allowed
    assert not ev("network_request", "https://example.com/signup?email=kid@x.org").allowed
    assert not ev("network_request", "cheap vape deals").allowed  # a search query, not a URL
    assert ev("network_request", "https://www.essex.ac.uk/").allowed
    policy.configure(content_filter_level="minimal", allow_social_media=True)
    assert ev("network_request", "https://casino-royale.example/").allowed
    assert ev("network_request", "https://www.reddit.com/r/science").allowed
    assert not ev("network_request", "https://xxx.example/").allowed
    with pytest.raises(ValueError, match="not one of strict, moderate, minimal"):
        policy.configure(content_filter_level="off")


def test_kernel_execute_runs_only_allowed_actions_and_remembers_kills() -> None:
    kernel = KernelSpace(policy="strict")
    ran: list[str] = []
    ls = {"action_type": "shell_execute", "target": "ls"}
    ok = kernel.execute("a1", {**ls, "run": lambda: ran.append("ls")})
    assert ok.allowed and ran == ["ls"]
    killed = kernel.execute("a1", ("shell_execute", "sudo reboot"))
    assert killed.signal is AgentSignal.SIGKILL and "a1" in kernel.terminated
    after = kernel.execute("a1", {**ls, "run": lambda: ran.append("x")})
    assert not after.allowed and "terminated" in after.reason and ran == ["ls"]
    paused = kernel.execute("a2", ("network_request", "https://unknown.example/"))
    assert paused.signal is AgentSignal.SIGSTOP and "a2" in kernel.paused and kernel.resume("a2")
    with pytest.raises(ValueError, match="action_type"):
        kernel.execute("a3", {"target": "x"})


def test_kernel_reload_rejects_invalid_files(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    kernel = KernelSpace(policy="read_only")
    seen: list[str] = []
    kernel.policy.on_change(lambda e: seen.append(e.change_type))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndefault_action: maybe\n")
    with caplog.at_level(logging.WARNING, logger="goalrail.patterns"):
        assert kernel.reload_policy(bad) is False
    assert kernel.policy.name == "read_only" and "line 2" in caplog.text
    good = tmp_path / "good.yaml"
    good.write_text("name: fresh\ndefault_action: allow\n")
    assert kernel.reload_policy(good) and kernel.policy.name == "fresh" and seen == ["reloaded"]
    assert KernelSpace(policy=str(good)).policy.name == "fresh"
