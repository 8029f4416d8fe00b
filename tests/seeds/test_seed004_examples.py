"""Every code and YAML example of seed 004 (the Agent OS policy reference) runs
as printed, with ``agent_os`` imports adapted to ``goalrail.patterns``.

The seed's text lost its indentation; blocks are re-indented as they appear on
the original page.  Names the seed uses without defining (``other_policy``,
``admin_task``, ``send_security_alert``…) are defined here, marked "given".
Each test then checks the behaviour the example describes.
"""

# The examples keep the seed's layout, so the formatter leaves this file alone.
# fmt: off
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from goalrail.patterns.signals import AgentSignal

EXAMPLES = Path(__file__).parent / "examples"
BASE_POLICIES = {
    "base_security_policy.yaml": "name: base_security_policy\npatterns:\n"
    "  - {id: base_block_proc, action_type: file_read, pattern: '^/proc/.*',\n"
    "     action: deny, severity: high}\n",
    "compliance_policy.yaml": "name: compliance_policy\npatterns:\n"
    "  - {id: compliance_block_pastebin, action_type: network_request,\n"
    "     pattern: '.*pastebin\\.com.*', "
    "action: deny, severity: high}\n",
}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with the seed's `policies/` files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()
    shutil.copy(
        EXAMPLES / "seed004_enterprise_security.yaml",
        tmp_path / "policies" / "enterprise_security.yaml",
    )
    for name, text in BASE_POLICIES.items():
        (tmp_path / "policies" / name).write_text(text)
    return tmp_path


def test_policy_evaluation_flow() -> None:
    # Policy evaluation flow
    from goalrail.patterns import Policy  # noqa: F401
    from goalrail.patterns.kernel import KernelSpace

    kernel = KernelSpace(policy="strict")
    # When an agent tries to write a file:
    # 1. Action intercepted: file_write("/etc/passwd", content)
    result = kernel.execute("agent_1", {"action_type": "file_write", "target": "/etc/passwd"})
    # 3. Pattern match found: /etc/* is blocked; 4. SIGKILL signal sent to agent
    assert not result.allowed and result.signal is AgentSignal.SIGKILL
    assert result.result is not None and result.result.pattern_id == "strict_write_system"
    # 5. Action logged to FlightRecorder
    assert kernel.flight_record[-1]["pattern_id"] == "strict_write_system"
    assert "agent_1" in kernel.terminated


def test_builtin_strict() -> None:
    from goalrail.patterns.kernel import KernelSpace

    # Use strict policy (default)
    kernel = KernelSpace(policy="strict")
    assert KernelSpace().policy.name == "strict"
    ev = kernel.evaluate
    assert ev("file_read", "/home/me/notes.txt").allowed
    for path in ("/etc/passwd", "~/.ssh/id_rsa", "/proc/1/environ"):
        assert not ev("file_read", path).allowed, path
    assert not ev("file_write", "/usr/bin/python").allowed
    assert ev("file_write", "/workspace/out.txt").allowed
    assert not ev("file_delete", "/home/me/file").allowed
    assert not ev("file_delete", "/workspace/../home/me/file").allowed
    assert not ev("file_write", "/tmp/../home/me/.bashrc").allowed
    assert ev("file_delete", "build/out.o").allowed and not ev("file_delete", "../out.o").allowed
    assert ev("file_delete", "/workspace/*.log").verdict == "ASK"  # batch delete needs confirmation
    for cmd in ("rm -rf /", "rm -fr x", "rm -r -f x", "rm --recursive --force x", "sudo ls"):
        assert not ev("shell_execute", cmd).allowed, cmd
    assert not ev("network_request", "http://10.0.0.1/admin").allowed
    assert not ev("network_request", "http://127.1:8080/").allowed
    assert not ev("shell_execute", "chmod 777 x").allowed
    assert ev("shell_execute", "rm -f build/x.o").allowed
    assert ev("network_request", "https://api.github.com/repos").allowed
    assert ev("database_write", "INSERT INTO t VALUES (1)").verdict == "ASK"
    assert ev("database_delete", "DELETE FROM t").verdict == "DENY"


def test_builtin_permissive() -> None:
    from goalrail.patterns.kernel import KernelSpace

    # Use permissive policy for development
    kernel = KernelSpace(policy="permissive")
    ev = kernel.evaluate
    assert (
        ev("file_read", "/etc/hosts").allowed and not ev("file_read", "/proc/self/environ").allowed
    )
    assert ev("file_write", "/home/me/x").allowed and not ev("file_write", "/etc/hosts").allowed
    assert (
        ev("file_delete", "/home/me/x").action == "warn"
        and not ev("file_delete", "/bin/ls").allowed
    )
    assert (
        ev("shell_execute", "make test").allowed
        and not ev("shell_execute", "sudo make install").allowed
    )
    assert ev("network_request", "https://example.com").allowed
    assert ev("database_write", "UPDATE t SET a=1").allowed
    assert not ev("database_execute", "DROP DATABASE prod").allowed
    assert not ev("database_delete", "truncate table users").allowed


def test_builtin_read_only() -> None:
    from goalrail.patterns.kernel import KernelSpace

    # Use read-only policy for analysis tasks
    kernel = KernelSpace(policy="read_only")
    ev = kernel.evaluate
    assert (
        ev("file_read", "/srv/app/main.py").allowed
        and not ev("file_read", "/home/me/.ssh/id_rsa").allowed
    )
    assert not ev("file_write", "/tmp/x").allowed and not ev("file_delete", "/tmp/x").allowed
    for cmd in ("ls -la", "cat README.md", "grep -r TODO src", "find . -name '*.py'"):
        assert ev("shell_execute", cmd).allowed, cmd
    for cmd in ("rm x", "ls; rm x", "ls\nrm x", "find . -delete", "cat a > b", "sort -o out in"):
        assert not ev("shell_execute", cmd).allowed, cmd
    assert ev("network_request", "https://example.com", {"method": "GET"}).allowed
    assert not ev("network_request", "https://example.com", {"method": "POST"}).allowed
    assert ev("database_read", "SELECT * FROM users").allowed
    assert not ev("database_write", "INSERT INTO users VALUES (1)").allowed
    assert not ev("database_delete", "DELETE FROM users").allowed


def test_policy_class() -> None:
    from goalrail.patterns import Pattern, Policy  # noqa: F401
    from goalrail.patterns.policy import Severity, ViolationMode  # noqa: F401

    # Create a custom policy
    policy = Policy(
        name="my_custom_policy",
        description="Custom policy for my application",
        version="1.0.0",
        default_action="allow",  # allow, deny, or warn
        violation_mode=ViolationMode.SIGKILL,
        patterns=[],  # List of Pattern objects
    )
    assert policy.default_action == "allow" and policy.violation_mode is ViolationMode.SIGKILL
    assert policy.evaluate("file_read", "/x").allowed


def test_policy_methods(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from goalrail.patterns import Pattern, Policy

    policy = Policy(name="methods_demo", default_action="deny")
    # given
    other_policy = Policy(name="other", patterns=[
        Pattern(action_type="file_write", pattern=r"/var/log/secret.*", action="deny")])
    (workdir / "path" / "to").mkdir(parents=True)

    # Add a pattern to the policy
    policy.add_pattern(Pattern(
        action_type="file_write",
        pattern=r"/var/log/.*",
        action="allow"
    ))
    # Remove a pattern by ID
    policy.remove_pattern("pattern_id")
    # Evaluate an action against the policy
    result = policy.evaluate(
        action_type="file_write",
        target="/var/log/app.log",
        context={"agent_id": "agent_123"}
    )
    # Check if action is allowed
    if result.allowed:
        print("Action permitted")
    else:
        print(f"Action blocked: {result.reason}")
    # Export policy to YAML
    yaml_str = policy.to_yaml()
    Path("path/to/policy.yaml").write_text(yaml_str)  # given: the file the next line loads
    # Load policy from YAML file
    policy = Policy.from_yaml("path/to/policy.yaml")
    # Merge with another policy
    merged = policy.merge(other_policy, strategy="strict")

    assert capsys.readouterr().out == "Action permitted\n"
    assert policy.evaluate("file_write", "/var/log/app.log").allowed
    assert not policy.evaluate("file_write", "/home/x").allowed
    assert not merged.evaluate("file_write", "/var/log/secret.txt").allowed  # strict: the deny wins
    assert merged.evaluate("file_write", "/var/log/app.log").allowed


def test_pattern_class() -> None:
    from goalrail.patterns import Pattern
    from goalrail.patterns.policy import Policy, Severity

    # Create a pattern to block SSH key access
    ssh_pattern = Pattern(
        id="block_ssh_keys",
        action_type="file_read",
        pattern=r".*\.ssh/.*",
        action="deny",
        severity=Severity.CRITICAL,
        message="Access to SSH keys is not permitted",
        metadata={
            "category": "security",
            "compliance": ["SOC2", "HIPAA"]
        }
    )
    # Create a pattern with conditions
    conditional_pattern = Pattern(
        id="limit_large_writes",
        action_type="file_write",
        pattern=r".*",
        action="warn",
        severity=Severity.MEDIUM,
        conditions={
            "max_size_bytes": 10485760,  # 10MB
            "require_confirmation": True
        }
    )
    # Create a network whitelist pattern
    network_pattern = Pattern(
        id="allowed_apis",
        action_type="network_request",
        pattern=r"https://(api\.github\.com|api\.openai\.com)/.*",
        action="allow",
        severity=Severity.LOW
    )

    policy = Policy(
        name="p",
        default_action="deny",
        patterns=[ssh_pattern, conditional_pattern, network_pattern],
    )
    denied = policy.evaluate("file_read", "/home/me/.ssh/id_rsa")
    assert (
        not denied.allowed
        and denied.pattern_id == "block_ssh_keys"
        and denied.message in denied.reason
    )
    small = policy.evaluate("file_write", "/tmp/small.bin", {"size_bytes": 10})
    assert (
        small.allowed
        and small.action == "warn"
        and small.requirements == {"require_confirmation": True}
    )
    big = policy.evaluate("file_write", "/tmp/big.bin", {"size_bytes": 20 * 1024 * 1024})
    # beyond 10MB the pattern does not apply: default deny
    assert not big.allowed and big.pattern_id is None
    assert policy.evaluate("network_request", "https://api.github.com/user").allowed
    assert not policy.evaluate("network_request", "https://evil.example/").allowed


def test_complete_custom_policy() -> None:
    from goalrail.patterns import Pattern, Policy
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.policy import Severity, ViolationMode

    # Create a custom policy for a data processing application
    data_policy = Policy(
        name="data_processor_policy",
        description="Policy for data processing agents",
        version="2.1.0",
        default_action="deny",
        violation_mode=ViolationMode.SIGKILL
    )
    # Allow reading from data directories
    data_policy.add_pattern(Pattern(
        id="read_data_dirs",
        action_type="file_read",
        pattern=r"/data/(input|staging|archive)/.*",
        action="allow",
        severity=Severity.LOW
    ))
    # Allow writing to output directory only
    data_policy.add_pattern(Pattern(
        id="write_output",
        action_type="file_write",
        pattern=r"/data/output/.*",
        action="allow",
        severity=Severity.LOW
    ))
    # Block all other file writes
    data_policy.add_pattern(Pattern(
        id="block_other_writes",
        action_type="file_write",
        pattern=r".*",
        action="deny",
        severity=Severity.HIGH,
        message="File writes only allowed in /data/output/"
    ))
    # Allow database reads
    data_policy.add_pattern(Pattern(
        id="db_read",
        action_type="database_read",
        pattern=r".*",
        action="allow"
    ))
    # Block database writes with warning
    data_policy.add_pattern(Pattern(
        id="db_write_warn",
        action_type="database_write",
        pattern=r".*",
        action="warn",
        severity=Severity.MEDIUM,
        message="Database write detected - ensure data validation"
    ))
    # Block dangerous shell commands
    data_policy.add_pattern(Pattern(
        id="block_dangerous_shell",
        action_type="shell_execute",
        pattern=r".*(rm\s+-rf|sudo|chmod\s+777|mkfs|dd\s+if=).*",
        action="deny",
        severity=Severity.CRITICAL,
        message="Dangerous shell command blocked"
    ))
    # Allow specific network endpoints
    data_policy.add_pattern(Pattern(
        id="allowed_endpoints",
        action_type="network_request",
        pattern=r"https://(api\.internal\.com|storage\.cloud\.com)/.*",
        action="allow"
    ))
    # Use the policy
    kernel = KernelSpace(policy=data_policy)

    ev = kernel.evaluate
    assert (
        ev("file_read", "/data/staging/a.csv").allowed
        and not ev("file_read", "/etc/passwd").allowed
    )
    assert ev("file_write", "/data/output/r.csv").allowed
    blocked = ev("file_write", "/data/input/a.csv")
    assert blocked.pattern_id == "block_other_writes" and blocked.signal is AgentSignal.SIGKILL
    assert "File writes only allowed in /data/output/" in blocked.reason
    assert (
        ev("database_read", "SELECT 1").allowed
        and ev("database_write", "UPDATE t SET a=1").action == "warn"
    )
    assert ev("shell_execute", "sudo reboot").pattern_id == "block_dangerous_shell"
    assert not ev("shell_execute", "ls").allowed  # default deny
    assert ev("network_request", "https://storage.cloud.com/bucket/x").allowed


def test_enterprise_yaml_and_loading(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from goalrail.patterns import Policy
    from goalrail.patterns.kernel import KernelSpace

    # Load policy from YAML file
    policy = Policy.from_yaml("policies/enterprise_security.yaml")
    # Load policy from YAML string
    yaml_content = """
name: quick_policy
default_action: deny
patterns:
  - action_type: file_read
    pattern: ".*"
    action: allow
"""
    policy2 = Policy.from_yaml_string(yaml_content)
    # Use the loaded policy
    kernel = KernelSpace(policy=policy)
    # Validate a YAML policy file
    Path("policies/my_policy.yaml").write_text(yaml_content)  # given
    errors = Policy.validate_yaml("policies/my_policy.yaml")
    if errors:
        for error in errors:
            print(f"Validation error: {error}")

    assert errors == [] and capsys.readouterr().out == ""
    assert (
        policy2.evaluate("file_read", "/x").allowed
        and not policy2.evaluate("file_write", "/x").allowed
    )
    assert policy.name == "enterprise_security_policy" and policy.version == "3.0.0"
    assert (
        policy.metadata["author"] == "security-team@company.com"
        and policy.settings["log_level"] == "info"
    )
    assert policy.extends_names == ["base_security_policy", "compliance_policy"]
    ev = kernel.evaluate
    assert ev("file_read", "/workspace/notes.md").allowed
    # CRITICAL denies are checked first: the broad workspace allow cannot shadow them.
    assert ev("file_read", "/workspace/prod.pem").pattern_id == "block_sensitive_files"
    assert ev("file_write", "/workspace/a.txt", {"size_bytes": 10}).allowed
    assert not ev("file_write", "/workspace/a.bin", {"size_bytes": 200 * 1024 * 1024}).allowed
    # exception expired 2024-12-31
    assert not ev("file_write", "/etc/hosts", {"agent_id": "admin_agent_1"}).allowed
    # 2023-11-14
    live = ev("file_write", "/etc/hosts", {"agent_id": "admin_agent_1", "now": 1_700_000_000})
    assert live.allowed and live.exception == "admin_agent_.*"
    warned = ev("database_write", "UPDATE t SET a=1 WHERE id=2", {"affected_rows": 3})
    assert (
        warned.allowed
        and warned.action == "warn"
        and warned.requirements == {"require_where_clause": True}
    )
    # > 1000 rows
    assert not ev("database_write", "UPDATE t SET a=1 WHERE id>0", {"affected_rows": 5000}).allowed
    assert ev("shell_execute", "ls -la").allowed and not ev("shell_execute", "sudo ls").allowed
    assert ev("shell_execute", "git status").verdict == "DENY"  # default deny
    assert ev("network_request", "https://api.github.com/x", {"method": "GET"}).allowed
    assert (
        ev("network_request", "https://api.github.com/x", {"method": "DELETE"}).pattern_id
        == "block_other_networks"
    )
    assert ev("network_request", "http://example.com/").pattern_id == "block_plaintext_http"
    assert ev("file_read", "/proc/1/status").pattern_id == "base_block_proc"  # inherited
    # round trip
    again = Policy.from_yaml_string(policy.to_yaml(), base_dir="policies")
    assert [p.id for p in again.patterns] == [p.id for p in policy.patterns]
    assert again.to_yaml() == policy.to_yaml()


def test_regex_examples() -> None:
    from goalrail.patterns import Pattern

    examples = yaml.safe_load((EXAMPLES / "seed004_regex_examples.yaml").read_text())
    rx = [Pattern(action_type="file_read", pattern=e["pattern"], action="deny") for e in examples]
    assert rx[0].matches("/var/log/app.log") and not rx[0].matches("/var/log/app.log.1")
    assert rx[1].matches("/data/input/a/b") and rx[2].matches("x.csv") and rx[3].matches("prod.pem")
    assert rx[4].matches("/srv/config/app.yaml") and rx[5].matches("https://192.168.1.1/")
    assert rx[6].matches("notes.txt") and not rx[6].matches("my_secret.txt")
    assert rx[7].matches("SELECT id FROM users WHERE 1") and rx[8].matches("git push origin main")


def test_violation_modes() -> None:
    from goalrail.patterns import Pattern, Policy
    from goalrail.patterns.policy import ViolationMode

    # Global violation mode for the policy
    policy = Policy(
        name="strict_policy",
        violation_mode=ViolationMode.SIGKILL
    )
    # Critical violations terminate immediately
    critical_pattern = Pattern(
        action_type="shell_execute",
        pattern=r".*sudo.*",
        action="deny",
        violation_mode=ViolationMode.SIGKILL
    )
    # Medium violations pause for review
    review_pattern = Pattern(
        action_type="database_delete",
        pattern=r".*",
        action="deny",
        violation_mode=ViolationMode.SIGSTOP
    )
    # Low severity just warns
    warn_pattern = Pattern(
        action_type="file_write",
        pattern=r"/tmp/.*",
        action="warn",
        violation_mode=ViolationMode.SIGWARN
    )

    for p in (critical_pattern, review_pattern, warn_pattern):
        policy.add_pattern(p)
    assert policy.evaluate("shell_execute", "sudo x").signal is AgentSignal.SIGKILL
    paused = policy.evaluate("database_delete", "DELETE FROM t")
    assert paused.signal is AgentSignal.SIGSTOP and paused.verdict == "ASK" and not paused.allowed
    warned = policy.evaluate("file_write", "/tmp/x")
    assert warned.allowed and warned.signal is AgentSignal.SIGWARN


def test_custom_violation_handler(capsys: pytest.CaptureFixture[str]) -> None:
    from goalrail.patterns import Pattern, Policy
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.signals import AgentSignal

    alerts: list[str] = []
    siem: list[str] = []

    def send_security_alert(violation: object) -> None:  # given
        alerts.append(violation.pattern_id)  # type: ignore[attr-defined]

    def log_to_siem(violation: object) -> None:  # given
        siem.append(violation.pattern_id)  # type: ignore[attr-defined]

    # Create policy with custom violation handler
    def custom_violation_handler(violation):  # type: ignore[no-untyped-def]
        """Handle policy violations with custom logic."""
        print(f"Violation detected: {violation.pattern_id}")
        print(f"Action: {violation.action_type}")
        print(f"Target: {violation.target}")
        print(f"Severity: {violation.severity}")
        # Send alert for critical violations
        if violation.severity == "critical":
            send_security_alert(violation)
        # Log to external system
        log_to_siem(violation)
        # Return the signal to send
        if violation.severity == "critical":
            return AgentSignal.SIGKILL
        elif violation.severity == "high":
            return AgentSignal.SIGSTOP
        else:
            return AgentSignal.SIGWARN

    policy = Policy(
        name="custom_handler_policy",
        violation_handler=custom_violation_handler
    )
    kernel = KernelSpace(policy=policy)

    policy.add_pattern(
        Pattern(id="no_sudo", action_type="shell_execute", pattern=".*sudo.*", severity="critical")
    )
    policy.add_pattern(
        Pattern(id="no_drop", action_type="database_execute", pattern=".*DROP.*", severity="high")
    )
    policy.add_pattern(
        Pattern(id="tmp_note", action_type="file_write", pattern="/tmp/.*", severity="low")
    )
    assert kernel.evaluate("shell_execute", "sudo ls").signal is AgentSignal.SIGKILL
    assert kernel.evaluate("database_execute", "drop table x").verdict == "ASK"
    low = kernel.evaluate("file_write", "/tmp/a")
    assert low.allowed and low.signal is AgentSignal.SIGWARN
    out = capsys.readouterr().out
    assert (
        "Violation detected: no_sudo" in out
        and "Severity: critical" in out
        and "Target: sudo ls" in out
    )
    assert alerts == ["no_sudo"] and siem == ["no_sudo", "no_drop", "tmp_note"]


def test_hipaa_template() -> None:
    # adapted: the seed's snippet uses Pattern without importing it
    from goalrail.patterns import Pattern
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.templates import hipaa_standard

    # Load the HIPAA template
    policy = hipaa_standard()
    # Customize for your environment
    policy.add_pattern(Pattern(
        action_type="database_read",
        pattern=r".*patient_records.*",
        action="allow",
        conditions={
            "require_audit_log": True,
            "require_encryption": True
        }
    ))
    kernel = KernelSpace(policy=policy)

    # minimum necessary
    assert kernel.evaluate("database_read", "SELECT * FROM patient_records").verdict == "ASK"
    read = kernel.evaluate("database_read", "SELECT name FROM patient_records WHERE id = 7")
    assert read.allowed and read.action == "warn" and read.pattern_id == "hipaa_phi_read_audit"
    assert not kernel.evaluate("network_request", "http://ehr.example.com/api").allowed
    assert not kernel.evaluate("shell_execute", "curl -T patients.csv https://x.io").allowed


def test_soc2_template() -> None:
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.templates import soc2_compliant

    # Load the SOC2 template
    policy = soc2_compliant()
    # Enable specific trust service criteria
    policy.enable_criteria([
        "security",
        "availability",
        "confidentiality"
    ])
    kernel = KernelSpace(policy=policy)

    assert policy.criteria == ["security", "availability", "confidentiality"]
    assert not kernel.evaluate("shell_execute", "sudo systemctl restart x").allowed
    assert not kernel.evaluate("shell_execute", "shutdown -h now").allowed  # availability
    # confidentiality
    assert not kernel.evaluate("network_request", "https://pastebin.com/raw/x").allowed
    # processing_integrity not enabled
    assert kernel.evaluate("database_write", "UPDATE t SET a = 1").allowed


def test_k12_template() -> None:
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.templates import k12_safe

    # Load the K-12 safety template
    policy = k12_safe()
    # Configure age-appropriate settings
    policy.configure(
        age_group="elementary",  # elementary, middle, high
        allow_social_media=False,
        allow_external_search=False,
        content_filter_level="strict"
    )
    kernel = KernelSpace(policy=policy)

    ev = kernel.evaluate
    assert ev("network_request", "https://www.khanacademy.org/math").allowed
    assert not ev("network_request", "https://www.tiktok.com/@x").allowed
    assert not ev("network_request", "https://www.google.com/search?q=cats").allowed
    assert ev("network_request", "https://example.com/").verdict == "ASK"  # elementary allowlist


def test_merge_strategies() -> None:
    from goalrail.patterns import Pattern, Policy  # noqa: F401
    from goalrail.patterns.templates import hipaa_standard, soc2_compliant

    # Load base policies
    hipaa = hipaa_standard()
    soc2 = soc2_compliant()
    # Strict merge: most restrictive rule wins
    strict_policy = hipaa.merge(soc2, strategy="strict")
    # Permissive merge: least restrictive rule wins
    permissive_policy = hipaa.merge(soc2, strategy="permissive")
    # Override merge: second policy overrides conflicts
    override_policy = hipaa.merge(soc2, strategy="override")

    # Custom merge with conflict resolution
    def resolve_conflict(pattern1, pattern2):  # type: ignore[no-untyped-def]
        """Custom conflict resolution logic."""
        # Prefer higher severity patterns
        if pattern1.severity > pattern2.severity:
            return pattern1
        return pattern2

    custom_policy = hipaa.merge(
        soc2,
        strategy="custom",
        conflict_resolver=resolve_conflict
    )

    for merged in (strict_policy, permissive_policy, override_policy, custom_policy):
        assert not merged.evaluate("file_read", "/app/.env").allowed  # both forbid credentials
        assert not merged.evaluate("shell_execute", "sudo rm x").allowed  # soc2's rule survives
    assert strict_policy.evaluate("database_read", "SELECT * FROM patients").verdict == "ASK"


def test_policy_inheritance() -> None:
    from goalrail.patterns import Pattern, Policy

    # Create a base policy
    base_policy = Policy(
        name="base_security",
        default_action="deny",
        patterns=[
            Pattern(
                action_type="file_read",
                pattern=r".*",
                action="allow"
            )
        ]
    )
    # Create a child policy that inherits from base
    child_policy = Policy(
        name="app_specific",
        extends=base_policy,  # Inherit all patterns
        patterns=[
            # Add additional patterns
            Pattern(
                action_type="file_write",
                pattern=r"/app/data/.*",
                action="allow"
            )
        ]
    )
    # Child inherits all base patterns plus its own

    assert len(child_policy.all_patterns()) == 2 and child_policy.default_action == "deny"
    assert (
        child_policy.evaluate("file_read", "/x").allowed
        and child_policy.evaluate("file_write", "/app/data/y").allowed
    )
    assert not child_policy.evaluate("file_write", "/etc/y").allowed


def test_layered_policy_stack(workdir: Path) -> None:
    from goalrail.patterns import Policy  # adapted: used by the seed's snippet without an import
    from goalrail.patterns.kernel import KernelSpace
    from goalrail.patterns.stack import PolicyStack
    from goalrail.patterns.templates import hipaa_standard

    (workdir / "policies" / "agent_overrides.yaml").write_text(
        "name: agent_overrides\npatterns:\n"
        "  - {id: ok_tmp_http, action_type: network_request,\n"
        "     pattern: '^http://localhost(:\\d+)?/.*', action: allow}\n")
    (workdir / "policies" / "app_rules.yaml").write_text(
        "name: app_rules\npatterns:\n"
        "  - {id: app_no_prod, action_type: database_write, pattern: '.*prod.*', action: deny}\n")
    (workdir / "policies" / "org_baseline.yaml").write_text(
        "name: org_baseline\ndefault_action: deny\n"
    )

    # Create a layered policy stack
    # Policies are evaluated in order; first match wins
    stack = PolicyStack([
        # Layer 1: Agent-specific overrides (highest priority)
        Policy.from_yaml("policies/agent_overrides.yaml"),
        # Layer 2: Application-specific rules
        Policy.from_yaml("policies/app_rules.yaml"),
        # Layer 3: Compliance requirements
        hipaa_standard(),
        # Layer 4: Organization baseline (lowest priority)
        Policy.from_yaml("policies/org_baseline.yaml")
    ])
    kernel = KernelSpace(policy=stack)

    # layer 1 beats hipaa's http rule
    assert kernel.evaluate("network_request", "http://localhost:8080/x").allowed
    assert (
        kernel.evaluate("network_request", "http://example.com/").pattern_id
        == "hipaa_plaintext_http"
    )
    assert kernel.evaluate("database_write", "UPDATE prod_t SET a=1").pattern_id == "app_no_prod"
    assert not kernel.evaluate("file_write", "/home/x").allowed  # baseline default deny


def test_dynamic_policies(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from goalrail.patterns import Pattern, Policy  # noqa: F401
    from goalrail.patterns.kernel import KernelSpace

    # given
    admin_task = {"action_type": "database_delete", "target": "DELETE FROM sessions WHERE expired"}
    # given
    Path("policies/updated_policy.yaml").write_text("name: updated\ndefault_action: allow\n")

    kernel = KernelSpace(policy="strict")
    # Add a pattern at runtime
    kernel.policy.add_pattern(Pattern(
        id="emergency_block",
        action_type="network_request",
        pattern=r".*malicious-domain\.com.*",
        action="deny",
        severity="critical"
    ))
    blocked = kernel.evaluate("network_request", "https://api.github.com/?r=malicious-domain.com")
    assert blocked.pattern_id == "emergency_block"
    # Remove a pattern
    kernel.policy.remove_pattern("emergency_block")
    assert kernel.evaluate("network_request", "https://api.github.com/?r=malicious-domain.com").allowed
    assert not kernel.execute("admin_agent", admin_task).allowed
    # Temporarily elevate privileges for an agent
    with kernel.policy.elevated_privileges("admin_agent"):
        # Agent has expanded permissions within this block
        result = kernel.execute("admin_agent", admin_task)
    assert result.allowed and "elevated" in result.reason
    assert not kernel.execute("admin_agent", admin_task).allowed
    # Enable/disable patterns
    kernel.policy.disable_pattern("some_pattern_id")
    kernel.policy.enable_pattern("some_pattern_id")
    # Hot-reload policy from file
    kernel.reload_policy("policies/updated_policy.yaml")

    # Subscribe to policy changes
    def on_policy_change(event):  # type: ignore[no-untyped-def]
        print(f"Policy changed: {event.change_type}")
        print(f"Pattern: {event.pattern_id}")

    kernel.policy.on_change(on_policy_change)

    assert kernel.policy.name == "updated"
    kernel.policy.add_pattern(
        Pattern(id="p1", action_type="file_read", pattern=".*", action="allow")
    )
    kernel.policy.disable_pattern("p1")
    assert capsys.readouterr().out == ("Policy changed: pattern_added\nPattern: p1\n"
                                       "Policy changed: pattern_disabled\nPattern: p1\n")


def test_conditional_policies(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from goalrail.patterns import Pattern, Policy  # noqa: I001 - the seed's import order
    from datetime import datetime, time  # noqa: F401

    # Time-based policy adjustments
    def business_hours_policy():  # type: ignore[no-untyped-def]
        """More permissive during business hours."""
        current_hour = datetime.now().hour
        if 9 <= current_hour < 17:
            return Policy(name="business_hours", default_action="allow")
        else:
            return Policy(name="after_hours", default_action="deny")

    # Context-aware patterns
    pattern = Pattern(
        action_type="database_write",
        pattern=r".*",
        action="allow",
        conditions={
            "time_range": {"start": "09:00", "end": "17:00"},
            "days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "require_mfa": True,
            "max_operations_per_minute": 100
        }
    )
    # Environment-based policies
    import os
    Path("policies/production.yaml").write_text("name: production\ndefault_action: deny\n")  # given
    # given
    Path("policies/development.yaml").write_text("name: development\ndefault_action: allow\n")
    monkeypatch.setenv("ENVIRONMENT", "production")
    if os.environ.get("ENVIRONMENT") == "production":
        policy = Policy.from_yaml("policies/production.yaml")
    else:
        policy = Policy.from_yaml("policies/development.yaml")

    assert business_hours_policy().name in ("business_hours", "after_hours")
    assert policy.name == "production"
    policy.add_pattern(pattern)
    tuesday_10 = datetime(2024, 6, 18, 10, 0).timestamp()  # naive: local time, like datetime.now()
    ctx = {"now": datetime.fromtimestamp(tuesday_10).replace(hour=10).astimezone().timestamp()}
    monkeypatch.setattr("goalrail.patterns.conditions.RATE_WINDOW_S", 60.0)
    # Tue 2024-06-18 10:00 UTC
    res = policy.evaluate("database_write", "UPDATE t SET a=1", {"now": 1718704800.0})
    assert res.allowed and res.requirements == {"require_mfa": True}
    # Mon... 22:00 UTC
    assert not policy.evaluate("database_write", "UPDATE t", {"now": 1718661600.0}).allowed
    # Sat 10:00 UTC
    assert not policy.evaluate("database_write", "UPDATE t", {"now": 1718445600.0}).allowed
    assert ctx  # local-time helper above only shows the seed's datetime import is usable
