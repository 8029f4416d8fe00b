"""The `hipaa_standard` template."""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import (
    ENV_SECRETS,
    FILE_SHARING,
    PATH_SECRETS,
    PLAINTEXT_HTTP,
    TemplatePolicy,
    escape_word,
    guard_rules,
    rule,
)
from goalrail.patterns.templates._defenses import DEFENSES_HELD, defense_rules
from goalrail.patterns.templates._exposure import exposure_rules
from goalrail.patterns.templates._persist import PERSIST_HELD, persist_rules
from goalrail.patterns.templates._remote import REMOTE_DESTROY
from goalrail.patterns.templates._remote_shells import remote_shell_rule


class HipaaStandard(TemplatePolicy):
    """HIPAA safeguards for agents touching protected health information (PHI)."""

    template = "hipaa_standard"
    option_defaults: Mapping[str, object] = {
        "phi_tables": [],
        "allow_phi_deletes": False,
        "session_timeout_minutes": 15,
    }

    def _template_patterns(self) -> list[Pattern]:
        t = self.template
        names = [
            "patients?",
            "patient_records",
            "medical_records?",
            "diagnos[a-z_]*",
            "prescriptions?",
            "lab_results",
            "health_records?",
            "phi_[a-z0-9_]+",
            *(escape_word(n) for n in self.options["phi_tables"]),
        ]
        phi = "(" + "|".join(names) + ")"
        out = [
            rule(
                t,
                "hipaa_phi_export_shell",
                "shell_execute",
                r".*\b(curl|wget|scp|rsync|nc|ftp|sftp)\b.*\b(phi|patients?|medical[_-]?records?|ehr)\b.*",
                "deny",
                "critical",
                "Transferring PHI off the host is blocked",
                "sigkill",
                control="transmission security",
            ),
            rule(
                t,
                "hipaa_phi_bulk_read",
                "database_read",
                rf"^[\s(]*SELECT\s+\*\s+FROM\s+\w*{phi}\w*\b(?!.*\bWHERE\b).*",
                "deny",
                "high",
                "Unfiltered reads of whole PHI tables need review (minimum necessary)",
                "sigstop",
                control="minimum necessary",
            ),
            rule(
                t,
                "hipaa_phi_read_audit",
                "database_read",
                rf".*\b\w*{phi}\w*\b.*",
                "warn",
                "low",
                "PHI access recorded with the agent's identity",
                control="audit controls",
            ),
            rule(
                t,
                "hipaa_phi_write_audit",
                "database_write",
                rf".*\b\w*{phi}\w*\b.*",
                "warn",
                "medium",
                "PHI modification recorded",
                control="audit controls",
            ),
        ]
        if not self.options["allow_phi_deletes"]:
            out.append(
                rule(
                    t,
                    "hipaa_phi_delete",
                    "database_delete",
                    rf".*\b\w*{phi}\w*\b.*",
                    "deny",
                    "high",
                    "Deleting PHI records is blocked (retention)",
                    control="integrity",
                )
            )
        out += _safeguards(t, phi)
        out += defense_rules(t, "hipaa", "high", DEFENSES_HELD, "sigstop", control="audit controls")
        out += _audit_logs(t)
        return out


def _guard(t: str) -> list[Pattern]:
    """The agent's guard (``GUARD_FILES``): not the agent's to change."""
    message = "Changing the agent's guard (harness hooks and permissions, Goalrail's own files) is blocked"
    return guard_rules(t, "hipaa", "critical", message, control="audit controls")


def _remote_destroy(t: str) -> Pattern:
    """Resources outside the file system destroyed (``_remote.REMOTE_DESTROY``): a data store or a
    backup may hold PHI, so a human approves (contingency plan)."""
    return rule(
        t,
        "hipaa_remote_destroy",
        "shell_execute",
        REMOTE_DESTROY,
        "deny",
        "high",
        "Destroying data stores, backups or other resources outside the workspace needs approval (they may hold PHI)",
        "sigstop",
        control="contingency plan",
    )


def _audit_logs(t: str) -> list[Pattern]:
    """The system's logs deleted, and its audit records rewritten (``/var/log/auth.log``, ``secure``,
    ``audit/``, ``wtmp``/``btmp``/``lastlog``, ``syslog``, ``messages``, the journal): a human
    approves (audit controls).  An application writing its own log under ``/var/log`` is not asked."""
    records = (
        r"^/var/log/(auth\.log|secure|audit/.*|[wb]tmp|lastlog|utmp|syslog|messages|kern\.log|journal/.*)(\.\d+)?$"
    )
    return [
        rule(
            t,
            "hipaa_audit_log_delete",
            "file_delete",
            r"^/var/log/.*",
            "deny",
            "high",
            "Deleting the system's logs needs approval (audit controls)",
            "sigstop",
            control="audit controls",
        ),
        rule(
            t,
            "hipaa_audit_log_write",
            "file_write",
            records,
            "deny",
            "high",
            "Rewriting the system's audit records needs approval (audit controls)",
            "sigstop",
            control="audit controls",
        ),
    ]


def _safeguards(t: str, phi: str) -> list[Pattern]:
    """Schema changes to PHI tables, transmission and storage safeguards, access records."""
    return [
        rule(
            t,
            "hipaa_phi_ddl",
            "database_execute",
            rf".*\b(DROP|TRUNCATE|ALTER)\b.*\b\w*{phi}\w*\b.*",
            "deny",
            "critical",
            "Schema changes to PHI tables are blocked",
            control="integrity",
        ),
        rule(
            t,
            "hipaa_plaintext_http",
            "network_request",
            PLAINTEXT_HTTP,
            "deny",
            "high",
            "Unencrypted HTTP is not allowed (encryption in transit)",
            control="transmission security",
        ),
        rule(
            t,
            "hipaa_file_sharing",
            "network_request",
            FILE_SHARING,
            "deny",
            "high",
            "Uploading to file-sharing sites is blocked",
            control="transmission security",
        ),
        rule(
            t,
            "hipaa_secrets_read",
            "file_read",
            PATH_SECRETS,
            "deny",
            "high",
            "Reading credentials is blocked",
            control="access control",
        ),
        rule(
            t,
            "hipaa_env_secrets",
            "env_read",
            ENV_SECRETS,
            "deny",
            "high",
            "Reading credentials from the environment is blocked",
            control="access control",
        ),
        *_guard(t),
        _remote_destroy(t),
        remote_shell_rule(t, "hipaa", control="access control"),
        *persist_rules(t, "hipaa", "high", PERSIST_HELD, "sigstop", control="integrity"),
        *exposure_rules(t, "hipaa", control="transmission security"),
        rule(
            t,
            "hipaa_phi_file_read",
            "file_read",
            r".*/(phi|patients?|medical[_-]?records?|ehr)/.*",
            "warn",
            "low",
            "PHI file access recorded",
            control="audit controls",
        ),
        rule(
            t,
            "hipaa_phi_temp_write",
            "file_write",
            r"^(/tmp|/var/tmp|/dev/shm)/.*(phi|patient|medical|ehr).*",
            "deny",
            "high",
            "PHI may not be written to shared temporary storage (encryption at rest)",
            control="encryption at rest",
        ),
    ]


def hipaa_standard(**options: object) -> HipaaStandard:
    policy = HipaaStandard(
        description="HIPAA safeguards for protected health information",
        default_action="allow",
        violation_mode="block",
    )
    if options:
        policy.configure(**options)
    return policy
