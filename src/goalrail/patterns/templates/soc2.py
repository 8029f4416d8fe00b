"""The `soc2_compliant` template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import (
    CLUSTER_CHANGE,
    DEVICES,
    ENV_SECRETS,
    FILE_SHARING,
    PATH_SECRETS,
    PLAINTEXT_HTTP,
    PRIV_ESC,
    PRIV_FILES,
    RM_RF,
    SETUID_MODE,
    TemplatePolicy,
    escape_path,
    guard_rules,
    rule,
)
from goalrail.patterns.templates._defenses import DEFENSES_HELD, defense_rules
from goalrail.patterns.templates._exposure import exposure_rules
from goalrail.patterns.templates._persist import PERSIST_HELD, persist_rules
from goalrail.patterns.templates._remote import HISTORY_REWRITE, POWER_KILL, REMOTE_CHANGE, REMOTE_DESTROY
from goalrail.patterns.templates._remote_shells import remote_shell_rule


def _env_secrets(t: str) -> Pattern:
    return rule(
        t,
        "soc2_env_secrets",
        "env_read",
        ENV_SECRETS,
        "deny",
        "critical",
        "Reading credentials from the environment is blocked",
        criterion="security",
    )


def _guard(t: str) -> list[Pattern]:
    """The agent's guard (``GUARD_FILES``): not the agent's to change."""
    message = "Changing the agent's guard (harness hooks and permissions, Goalrail's own files) is blocked"
    return guard_rules(t, "soc2", "critical", message, criterion="security")


def _change_management(t: str, change: str) -> list[Pattern]:
    """Changes to deployment configuration (its files) and to a live cluster (``CLUSTER_CHANGE``) are
    held for approval."""
    return [
        rule(
            t,
            "soc2_change_management",
            "file_write",
            rf"(.*/)?({change})/.*",
            "deny",
            "medium",
            "Changes to deployment configuration need approval (change management)",
            "sigstop",
            criterion="security",
        ),
        rule(
            t,
            "soc2_change_management_cluster",
            "shell_execute",
            CLUSTER_CHANGE,
            "deny",
            "medium",
            "Changes to a live cluster need approval (change management)",
            "sigstop",
            criterion="security",
        ),
        *_outside_changes(t),
    ]


def _outside_changes(t: str) -> list[Pattern]:
    """Resources outside the file system destroyed or changed (``_remote``), the host powered off
    or every process killed, a remote's history rewritten: held for approval as change management."""
    held = [
        (
            "soc2_change_management_remote",
            f"{REMOTE_DESTROY}|{REMOTE_CHANGE}",
            "cloud, infrastructure, containers, packages",
        ),
        ("soc2_change_management_power", POWER_KILL, "the host's power or every process"),
        ("soc2_change_management_history", HISTORY_REWRITE, "a remote repository's history"),
    ]
    return [
        rule(
            t,
            pid,
            "shell_execute",
            rx,
            "deny",
            "medium",
            f"Changes to {what} need approval (change management)",
            "sigstop",
            criterion="security",
        )
        for pid, rx, what in held
    ]


def _security(t: str, change: str) -> list[Pattern]:
    return [
        rule(
            t,
            "soc2_secrets_read",
            "file_read",
            PATH_SECRETS,
            "deny",
            "critical",
            "Reading credentials is blocked",
            criterion="security",
        ),
        _env_secrets(t),
        rule(
            t,
            "soc2_privilege_escalation",
            "shell_execute",
            PRIV_ESC,
            "deny",
            "critical",
            "Privilege escalation is blocked",
            criterion="security",
        ),
        rule(
            t,
            "soc2_privilege_files",
            "file_write",
            PRIV_FILES,
            "deny",
            "critical",
            "Changing who may run as root is blocked",
            criterion="security",
        ),
        rule(
            t,
            "soc2_setuid",
            "file_chmod",
            SETUID_MODE,
            "deny",
            "critical",
            "Setuid and setgid modes are blocked",
            criterion="security",
        ),
        rule(
            t,
            "soc2_audit_log_write",
            "file_write",
            r"^/var/log/.*",
            "deny",
            "high",
            "Audit logs may not be modified by agents",
            criterion="security",
        ),
        rule(
            t,
            "soc2_audit_log_delete",
            "file_delete",
            r"^/var/log/.*",
            "deny",
            "high",
            "Audit logs may not be deleted by agents",
            criterion="security",
        ),
        *_guard(t),
        remote_shell_rule(t, "soc2", criterion="security"),
        *persist_rules(t, "soc2", "high", PERSIST_HELD, "sigstop", criterion="security"),
        *defense_rules(t, "soc2", "high", DEFENSES_HELD, "sigstop", criterion="security"),
        *exposure_rules(t, "soc2", criterion="security"),
        *_change_management(t, change),
    ]


def _availability(t: str) -> list[Pattern]:
    return [
        rule(
            t,
            "soc2_avail_shutdown",
            "shell_execute",
            r".*\b(shutdown|reboot|halt|poweroff|init\s+[06]|systemctl\s+(stop|disable|mask|halt|poweroff|reboot)"
            r"|kill\s+-9\s+1|killall)\b.*|.*:\(\)\s*\{.*",
            "deny",
            "critical",
            "Stopping services or the host is blocked",
            criterion="availability",
        ),
        *_availability_outside(t),
        rule(
            t,
            "soc2_avail_rm_rf",
            "shell_execute",
            RM_RF,
            "deny",
            "critical",
            "Recursive forced deletes are blocked",
            criterion="availability",
        ),
        rule(
            t,
            "soc2_avail_device_write",
            "file_write",
            DEVICES,
            "deny",
            "critical",
            "Writing to disks and devices is blocked",
            criterion="availability",
        ),
        rule(
            t,
            "soc2_avail_destructive_ddl",
            "database_execute",
            r".*\b(DROP\s+(TABLE|DATABASE|SCHEMA)|TRUNCATE)\b.*",
            "deny",
            "critical",
            "Dropping or truncating data is blocked",
            criterion="availability",
        ),
    ]


def _availability_outside(t: str) -> list[Pattern]:
    """Resources outside the file system destroyed, the host powered off or every process killed (``_remote``)."""
    return [
        rule(
            t,
            "soc2_avail_remote_destroy",
            "shell_execute",
            REMOTE_DESTROY,
            "deny",
            "critical",
            "Destroying cloud resources, apps, containers, volumes or packages is blocked",
            criterion="availability",
        ),
        rule(
            t,
            "soc2_avail_power",
            "shell_execute",
            POWER_KILL,
            "deny",
            "critical",
            "Stopping services or the host is blocked",
            criterion="availability",
        ),
    ]


def _processing_integrity(t: str) -> list[Pattern]:
    return [
        rule(
            t,
            "soc2_pi_unbounded_update",
            "database_write",
            r"^\s*UPDATE\b(?!.*\bWHERE\b).*",
            "deny",
            "high",
            "UPDATE without WHERE needs review",
            "sigstop",
            criterion="processing_integrity",
        ),
        rule(
            t,
            "soc2_pi_unbounded_delete",
            "database_delete",
            r"^\s*DELETE\b(?!.*\bWHERE\b).*",
            "deny",
            "high",
            "DELETE without WHERE needs review",
            "sigstop",
            criterion="processing_integrity",
        ),
        rule(
            t,
            "soc2_pi_schema_change",
            "database_execute",
            r".*\b(ALTER|CREATE)\b.*",
            "deny",
            "medium",
            "Schema changes need approval",
            "sigstop",
            criterion="processing_integrity",
        ),
    ]


def _confidentiality(t: str) -> list[Pattern]:
    return [
        *exposure_rules(t, "soc2_conf", tunnel="deny", listen=None, severity="critical", criterion="confidentiality"),
        rule(
            t,
            "soc2_conf_file_sharing",
            "network_request",
            FILE_SHARING,
            "deny",
            "high",
            "Uploading to file-sharing sites is blocked",
            criterion="confidentiality",
        ),
        rule(
            t,
            "soc2_conf_plaintext_http",
            "network_request",
            PLAINTEXT_HTTP,
            "deny",
            "high",
            "Unencrypted HTTP is not allowed",
            criterion="confidentiality",
        ),
        rule(
            t,
            "soc2_conf_shell_upload",
            "shell_execute",
            r".*\b(curl|wget)\b.*\s(-d|--data(-binary|-raw|-urlencode)?|-F|--form|-T|--upload-file)(\s|=).*"
            r"|.*\b(scp|rsync|sftp|ftp)\b.*",
            "deny",
            "high",
            "Uploading data from the shell needs approval",
            "sigstop",
            criterion="confidentiality",
        ),
    ]


def _privacy(t: str) -> list[Pattern]:
    return [
        rule(
            t,
            "soc2_privacy_personal_data",
            "database_read",
            r".*\b(ssn|social_security\w*|date_of_birth|dob|credit_card\w*|card_number|passport\w*)\b.*",
            "warn",
            "medium",
            "Personal data access recorded",
            criterion="privacy",
        ),
    ]


class Soc2Compliant(TemplatePolicy):
    """SOC 2 trust service criteria; ``security`` (the common criteria) is always on."""

    template = "soc2_compliant"
    CRITERIA = ("security", "availability", "processing_integrity", "confidentiality", "privacy")
    option_defaults: Mapping[str, object] = {
        "change_paths": [".github/workflows", "deploy", "terraform", "k8s", "helm"]
    }

    def __init__(self, **kwargs: object) -> None:
        self.criteria: list[str] = ["security"]
        super().__init__(**kwargs)

    def enable_criteria(self, criteria: Iterable[str]) -> Soc2Compliant:
        names = [criteria] if isinstance(criteria, str) else list(criteria)
        for c in names:
            if c not in self.CRITERIA:
                raise ValueError(f"soc2_compliant: unknown criterion `{c}` (known: {', '.join(self.CRITERIA)})")
        self.criteria = [c for c in self.CRITERIA if c in self.criteria or c in names]
        self._rebuild("criteria_enabled")
        return self

    def _template_patterns(self) -> list[Pattern]:
        t = self.template
        change = "|".join(escape_path(p) for p in self.options["change_paths"]) or "(?!)"
        rules: dict[str, list[Pattern]] = {
            "security": _security(t, change),
            "availability": _availability(t),
            "processing_integrity": _processing_integrity(t),
            "confidentiality": _confidentiality(t),
            "privacy": _privacy(t),
        }
        return [p for c in self.CRITERIA if c in self.criteria for p in rules[c]]


def soc2_compliant(criteria: Iterable[str] | None = None, **options: object) -> Soc2Compliant:
    policy = Soc2Compliant(
        description="SOC 2 trust service criteria controls",
        default_action="allow",
        violation_mode="block",
    )
    if options:
        policy.configure(**options)
    if criteria:
        policy.enable_criteria(criteria)
    return policy
