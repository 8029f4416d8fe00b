"""Compliance templates: ``hipaa_standard``, ``soc2_compliant``, ``k12_safe``.

Each returns a :class:`TemplatePolicy`: a Policy whose template-owned patterns
(tagged ``metadata.template``) are rebuilt by ``configure(...)`` /
``enable_criteria(...)`` while patterns you add stay in place after them.
The rules are concrete and listed in docs/patterns.md; a template is a
starting point, not a certification.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy

_PATH_SECRETS = (
    r".*(\.(pem|key|p12|pfx)|(^|/)\.env(\.[^/]*)?|\.ssh(/.*)?|/\.aws/credentials"
    r"|(^|/)id_(rsa|dsa|ecdsa|ed25519))$"
)
_FILE_SHARING = (
    r"^https?://([^/?#]*\.)?(pastebin\.com|paste\.ee|hastebin\.com|transfer\.sh|file\.io|wetransfer\.com|"
    r"gist\.github\.com|dropbox\.com|drive\.google\.com|mega\.nz)([/:?#].*)?$"
)
_PLAINTEXT_HTTP = r"^http://(?!(localhost|127\.0\.0\.1)([:/?#]|$)).*"
_PRIV_ESC = (
    r".*(\bsudo\b|\bsu\s+-|\bchmod\s+(-[a-zA-Z]+\s+)*0?777\b|\bchown\s+(-[a-zA-Z]+\s+)*root\b).*"
)
_RM_RF = r".*\brm\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*([rR][a-zA-Z]*f|f[a-zA-Z]*[rR]).*"


def _p(
    template: str,
    pid: str,
    action_type: str,
    rx: str,
    action: str,
    severity: str,
    message: str | None = None,
    mode: str | None = None,
    **meta: Any,
) -> Pattern:
    return Pattern(
        id=pid,
        action_type=action_type,
        pattern=rx,
        action=action,
        severity=severity,
        message=message,
        violation_mode=mode,
        metadata={"template": template, **meta},
    )


class TemplatePolicy(Policy):
    """A Policy built from a template and options."""

    template = ""
    option_defaults: Mapping[str, Any] = {}
    option_choices: Mapping[str, tuple[Any, ...]] = {}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("name", self.template)
        super().__init__(**kwargs)
        self.options: dict[str, Any] = dict(self.option_defaults)
        self._rebuild("created")

    def _template_patterns(self) -> list[Pattern]:
        raise NotImplementedError

    def _rebuild(self, change: str) -> None:
        own = [p for p in self._patterns if p.metadata.get("template") != self.template]
        self._patterns = []
        for p in [*self._template_patterns(), *own]:
            self._insert(p)
        self.settings.update({f"{self.template}.{k}": v for k, v in self.options.items()})
        self._changed(change, None)

    def configure(self, **options: Any) -> TemplatePolicy:
        for key, value in options.items():
            if key not in self.option_defaults:
                known = ", ".join(self.option_defaults)
                raise ValueError(f"{self.template}: unknown option `{key}` (known: {known})")
            default = self.option_defaults[key]
            choices = self.option_choices.get(key)
            if choices is not None and value not in choices:
                raise ValueError(
                    f"{self.template}: {key} `{value}` is not one of {', '.join(map(str, choices))}"
                )
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ValueError(f"{self.template}: {key} must be true or false")
            if (
                isinstance(default, int)
                and not isinstance(default, bool)
                and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
            ):
                raise ValueError(f"{self.template}: {key} must be a non-negative integer")
            if isinstance(default, list) and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise ValueError(f"{self.template}: {key} must be a list of strings")
        self.options.update(options)
        self._rebuild("configured")
        return self


class HipaaStandard(TemplatePolicy):
    """HIPAA safeguards for agents touching protected health information (PHI)."""

    template = "hipaa_standard"
    option_defaults: Mapping[str, Any] = {
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
            *(_escape_word(n) for n in self.options["phi_tables"]),
        ]
        phi = "(" + "|".join(names) + ")"
        out = [
            _p(
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
            _p(
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
            _p(
                t,
                "hipaa_phi_read_audit",
                "database_read",
                rf".*\b\w*{phi}\w*\b.*",
                "warn",
                "low",
                "PHI access recorded with the agent's identity",
                control="audit controls",
            ),
            _p(
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
                _p(
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
        out += [
            _p(
                t,
                "hipaa_phi_ddl",
                "database_execute",
                rf".*\b(DROP|TRUNCATE|ALTER)\b.*\b\w*{phi}\w*\b.*",
                "deny",
                "critical",
                "Schema changes to PHI tables are blocked",
                control="integrity",
            ),
            _p(
                t,
                "hipaa_plaintext_http",
                "network_request",
                _PLAINTEXT_HTTP,
                "deny",
                "high",
                "Unencrypted HTTP is not allowed (encryption in transit)",
                control="transmission security",
            ),
            _p(
                t,
                "hipaa_file_sharing",
                "network_request",
                _FILE_SHARING,
                "deny",
                "high",
                "Uploading to file-sharing sites is blocked",
                control="transmission security",
            ),
            _p(
                t,
                "hipaa_secrets_read",
                "file_read",
                _PATH_SECRETS,
                "deny",
                "high",
                "Reading credentials is blocked",
                control="access control",
            ),
            _p(
                t,
                "hipaa_phi_file_read",
                "file_read",
                r".*/(phi|patients?|medical[_-]?records?|ehr)/.*",
                "warn",
                "low",
                "PHI file access recorded",
                control="audit controls",
            ),
            _p(
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
        return out


class Soc2Compliant(TemplatePolicy):
    """SOC 2 trust service criteria; ``security`` (the common criteria) is always on."""

    template = "soc2_compliant"
    CRITERIA = ("security", "availability", "processing_integrity", "confidentiality", "privacy")
    option_defaults: Mapping[str, Any] = {
        "change_paths": [".github/workflows", "deploy", "terraform", "k8s", "helm"]
    }

    def __init__(self, **kwargs: Any) -> None:
        self.criteria: list[str] = ["security"]
        super().__init__(**kwargs)

    def enable_criteria(self, criteria: Iterable[str]) -> Soc2Compliant:
        names = [criteria] if isinstance(criteria, str) else list(criteria)
        for c in names:
            if c not in self.CRITERIA:
                raise ValueError(
                    f"soc2_compliant: unknown criterion `{c}` (known: {', '.join(self.CRITERIA)})"
                )
        self.criteria = [c for c in self.CRITERIA if c in self.criteria or c in names]
        self._rebuild("criteria_enabled")
        return self

    def _template_patterns(self) -> list[Pattern]:
        t = self.template
        change = "|".join(_escape_path(p) for p in self.options["change_paths"]) or "(?!)"
        rules: dict[str, list[Pattern]] = {
            "security": [
                _p(
                    t,
                    "soc2_secrets_read",
                    "file_read",
                    _PATH_SECRETS,
                    "deny",
                    "critical",
                    "Reading credentials is blocked",
                    criterion="security",
                ),
                _p(
                    t,
                    "soc2_privilege_escalation",
                    "shell_execute",
                    _PRIV_ESC,
                    "deny",
                    "critical",
                    "Privilege escalation is blocked",
                    criterion="security",
                ),
                _p(
                    t,
                    "soc2_audit_log_write",
                    "file_write",
                    r"^/var/log/.*",
                    "deny",
                    "high",
                    "Audit logs may not be modified by agents",
                    criterion="security",
                ),
                _p(
                    t,
                    "soc2_audit_log_delete",
                    "file_delete",
                    r"^/var/log/.*",
                    "deny",
                    "high",
                    "Audit logs may not be deleted by agents",
                    criterion="security",
                ),
                _p(
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
            ],
            "availability": [
                _p(
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
                _p(
                    t,
                    "soc2_avail_rm_rf",
                    "shell_execute",
                    _RM_RF,
                    "deny",
                    "critical",
                    "Recursive forced deletes are blocked",
                    criterion="availability",
                ),
                _p(
                    t,
                    "soc2_avail_destructive_ddl",
                    "database_execute",
                    r".*\b(DROP\s+(TABLE|DATABASE|SCHEMA)|TRUNCATE)\b.*",
                    "deny",
                    "critical",
                    "Dropping or truncating data is blocked",
                    criterion="availability",
                ),
            ],
            "processing_integrity": [
                _p(
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
                _p(
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
                _p(
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
            ],
            "confidentiality": [
                _p(
                    t,
                    "soc2_conf_file_sharing",
                    "network_request",
                    _FILE_SHARING,
                    "deny",
                    "high",
                    "Uploading to file-sharing sites is blocked",
                    criterion="confidentiality",
                ),
                _p(
                    t,
                    "soc2_conf_plaintext_http",
                    "network_request",
                    _PLAINTEXT_HTTP,
                    "deny",
                    "high",
                    "Unencrypted HTTP is not allowed",
                    criterion="confidentiality",
                ),
                _p(
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
            ],
            "privacy": [
                _p(
                    t,
                    "soc2_privacy_personal_data",
                    "database_read",
                    r".*\b(ssn|social_security\w*|date_of_birth|dob|credit_card\w*|card_number|passport\w*)\b.*",
                    "warn",
                    "medium",
                    "Personal data access recorded",
                    criterion="privacy",
                ),
            ],
        }
        return [p for c in self.CRITERIA if c in self.criteria for p in rules[c]]


class K12Safe(TemplatePolicy):
    """CIPA-style content filtering and safety controls for K-12 use."""

    template = "k12_safe"
    option_defaults: Mapping[str, Any] = {
        "age_group": "middle",
        "allow_social_media": False,
        "allow_external_search": True,
        "content_filter_level": "strict",
    }
    option_choices: Mapping[str, tuple[Any, ...]] = {
        "age_group": ("elementary", "middle", "high"),
        "content_filter_level": ("strict", "moderate", "minimal"),
    }

    def _template_patterns(self) -> list[Pattern]:
        t, o = self.template, self.options
        level = o["content_filter_level"]
        words = ["porn", "xxx", "nsfw", "onlyfans", "escort", "hentai"]
        if level in ("strict", "moderate"):
            words += ["casino", "poker", "bet365", "betting", "gambl", "draftkings", "fanduel"]
        if level == "strict":
            words += ["weapon", "guns", "vape", "drugs", "alcohol", "dating", "tinder"]
        kw = "|".join(words)
        url = r"^https?://"
        out = [
            _p(
                t,
                "k12_anonymous_chat",
                "network_request",
                url
                + r"([^/?#]*\.)?(omegle\.com|chatroulette\.com|chatrandom\.com"
                + r"|emeraldchat\.com)([/:?#].*)?$",
                "deny",
                "critical",
                "Anonymous chat sites are blocked",
                control="safety",
            ),
            _p(
                t,
                "k12_content_filter",
                "network_request",
                url + rf"([^/?#]*[.-])?({kw})[^/?#]*([/:?#].*)?$",
                "deny",
                "high",
                f"Blocked by the content filter ({level})",
                control="content filtering",
            ),
            _p(
                t,
                "k12_query_filter",
                "network_request",
                rf"(?!https?://)(?i:.*\b({kw})\w*\b.*)",
                "deny",
                "high",
                f"Search blocked by the content filter ({level})",
                control="content filtering",
            ),
            _p(
                t,
                "k12_personal_info",
                "network_request",
                r".*[?&](phone|tel|address|street|e-?mail|ssn|dob|birthday|birthdate|full_name|last_name|school)=.*",
                "deny",
                "high",
                "Sharing personal information is blocked",
                control="privacy",
            ),
        ]
        if not o["allow_social_media"]:
            out.append(
                _p(
                    t,
                    "k12_social_media",
                    "network_request",
                    url
                    + r"([^/?#]*\.)?(facebook\.com|instagram\.com|tiktok\.com|snapchat\.com"
                    + r"|twitter\.com|x\.com"
                    r"|reddit\.com|discord\.com|discord\.gg|tumblr\.com|threads\.net)([/:?#].*)?$",
                    "deny",
                    "high",
                    "Social media is blocked",
                    control="social media",
                )
            )
        search = (
            url
            + r"([^/?#]*\.)?(google\.[a-z.]+/search|bing\.com/search|duckduckgo\.com/"
            + r"|search\.yahoo\.com)"
        )
        if not o["allow_external_search"]:
            out.append(
                _p(
                    t,
                    "k12_external_search",
                    "network_request",
                    search + ".*",
                    "deny",
                    "medium",
                    "External search engines are blocked",
                    control="safe search",
                )
            )
        else:
            out += [
                _p(
                    t,
                    "k12_safe_search_google",
                    "network_request",
                    url + r"([^/?#]*\.)?google\.[a-z.]+/search\?(?!.*\bsafe=active\b).*",
                    "deny",
                    "medium",
                    "Google searches must use SafeSearch (safe=active)",
                    control="safe search",
                ),
                _p(
                    t,
                    "k12_safe_search_bing",
                    "network_request",
                    url + r"([^/?#]*\.)?bing\.com/search\?(?!.*\badlt=strict\b).*",
                    "deny",
                    "medium",
                    "Bing searches must use SafeSearch (adlt=strict)",
                    control="safe search",
                ),
                _p(
                    t,
                    "k12_safe_search_ddg",
                    "network_request",
                    url + r"([^/?#]*\.)?duckduckgo\.com/.*\?(?!.*\bkp=1\b).*",
                    "deny",
                    "medium",
                    "DuckDuckGo searches must use strict safe search (kp=1)",
                    control="safe search",
                ),
            ]
        if o["age_group"] == "elementary":
            out += [
                _p(
                    t,
                    "k12_elementary_allowlist",
                    "network_request",
                    r"^https://([^/?#]*\.)?(wikipedia\.org|khanacademy\.org|pbskids\.org|nationalgeographic\.com|"
                    r"scratch\.mit\.edu|code\.org|[a-z0-9-]+\.edu|[a-z0-9-]+\.k12\.[a-z]{2}\.us)([/:?#].*)?$",
                    "allow",
                    "low",
                    control="age group",
                ),
                _p(
                    t,
                    "k12_elementary_other",
                    "network_request",
                    ".*",
                    "deny",
                    "medium",
                    "Elementary students may only use approved educational sites",
                    "sigstop",
                    control="age group",
                ),
            ]
        else:
            out.append(
                _p(
                    t,
                    "k12_activity_monitoring",
                    "network_request",
                    ".*",
                    "allow",
                    "low",
                    control="activity monitoring",
                )
            )
        return out


def _escape_word(name: str) -> str:
    return re.escape(name)


def _escape_path(path: str) -> str:
    return re.escape(path.strip("/"))


def hipaa_standard(**options: Any) -> HipaaStandard:
    policy = HipaaStandard(
        description="HIPAA safeguards for protected health information",
        default_action="allow",
        violation_mode="block",
    )
    if options:
        policy.configure(**options)
    return policy


def soc2_compliant(criteria: Iterable[str] | None = None, **options: Any) -> Soc2Compliant:
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


def k12_safe(**options: Any) -> K12Safe:
    policy = K12Safe(
        description="CIPA-style content filtering and safety for K-12",
        default_action="allow",
        violation_mode="block",
    )
    if options:
        policy.configure(**options)
    return policy


TEMPLATES: dict[str, Callable[[], Policy]] = {
    "hipaa_standard": hipaa_standard,
    "soc2_compliant": soc2_compliant,
    "k12_safe": k12_safe,
}
