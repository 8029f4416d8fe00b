"""The rule text for the host's defences turned off: its firewall opened, its mandatory access
control, audit trail or security agents stopped, its logs vacuumed (docs/patterns.md, "The host's
defences turned off").

After such a command nothing the host would have blocked or recorded is, for every later program,
not only the agent's; so every template judges the command itself (``<prefix>_defenses_off``):

* firewalls: ``ufw disable|reset``, ``ufw default allow``, ``iptables``/``ip6tables`` (``-legacy``,
  ``-nft``) flushing or deleting chains or setting a policy to ``ACCEPT`` (``-F``, ``--flush``, ``-X``,
  ``-P INPUT ACCEPT``), ``nft flush ruleset``/``flush|delete table|chain``, ``firewall-cmd
  --set-default-zone=trusted``, ``netsh advfirewall … state off``/``netsh firewall set opmode
  disable``, ``Set-NetFirewallProfile … -Enabled False``;
* mandatory access control and hardening: ``setenforce 0|Permissive``, ``aa-teardown``,
  ``aa-disable``, ``aa-complain``, ``apparmor_parser -R``, ``sysctl`` turning off address-space
  randomisation or ptrace's scope, ``spctl --master-disable``, ``csrutil disable``, Defender's
  ``Set-MpPreference -Disable…``/``Add-MpPreference -Exclusion…``;
* the audit trail and the logs: ``auditctl -D|-e 0``, ``journalctl --vacuum-*``;
* a security service stopped, disabled or masked (``systemctl stop|disable|mask|kill``, ``service X
  stop``, ``rc-service X stop``, ``chkconfig X off``, ``update-rc.d X disable|remove``): firewalls,
  ``auditd``, AppArmor, SELinux's, fail2ban, CrowdSec, the syslog daemons and the journal, osquery,
  ClamAV, AIDE, and the endpoint agents (Wazuh, OSSEC, CrowdStrike's, SentinelOne's, Defender for
  Endpoint's, Elastic's, Datadog's, beats).

Reading the state is none: ``ufw status``, ``iptables -L``, ``nft list ruleset``, ``getenforce``,
``systemctl status auditd``, ``journalctl -u x``; nor is adding a rule (``iptables -A INPUT … -j
ACCEPT``: one port, asked nowhere).  Each command text is matched at the start of a command as the
shell analysis reads it (``sudo``, ``env``, ``sh -c``, ``xargs`` taken off).  No lookaround: RE2 runs
it in linear time.
"""

from __future__ import annotations

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import rule
from goalrail.patterns.templates._remote import then

__all__ = ["DEFENSES_BLOCKED", "DEFENSES_HELD", "DEFENSES_OFF", "DEFENSE_FILES", "defense_rules"]

#: what ends a word, and the words before the one that matters
_END = r"(\s|'|\"|$|[;&|)])"
_ANY = r"([^;&|\n]*\s)?'?"
#: options (and a value after one) between a program and its verb
_OPTS = r"\s*('?-[^\s;&|]*\s+)*'?"
#: the services that defend or record: firewalls, MAC, audit, logs, intrusion prevention, agents
_SERVICES = (
    r"(?i:firewalld|ufw|nftables|iptables|ip6tables|netfilter-persistent|ebtables|csf|lfd|auditd|audit|apparmor"
    r"|selinux[\w-]*|setroubleshootd|fail2ban|crowdsec[\w-]*|sshguard|denyhosts|rsyslog|syslog|syslog-ng|sysklogd"
    r"|systemd-journald|journald|auditbeat|filebeat|winlogbeat|elastic-agent|elastic-endpoint|datadog-agent"
    r"|wazuh-agent|wazuh-manager|ossec|ossec-hids|falcon-sensor|falcond|sentinelone|sentinelagent|s1-agent|mdatp"
    r"|osqueryd|clamav-daemon|clamav-freshclam|clamd|aide|tripwire|snort|suricata|zeek|falco|tetragon|td-agent"
    r"|fluentd|fluent-bit|mpssvc|windefend|sense|eventlog)"
)
_UNIT = rf"{_SERVICES}(@[^\s;&|]*)?(\.(service|socket|timer))?{_END}"
_SERVICE_LINES = (
    "systemctl "
    + then(rf"{_OPTS}(stop|disable|mask|kill)\s{_ANY}{_UNIT}")
    + "|(service|rc-service) "
    + then(rf"{_OPTS}{_SERVICES}\s+'?(stop|disable){_END}")
    + "|chkconfig "
    + then(rf"{_OPTS}{_SERVICES}\s+'?off{_END}")
    + "|update-rc\\.d "
    + then(rf"{_OPTS}{_SERVICES}\s+'?(disable|remove){_END}")
    + "|(?i:Stop-Service) "
    + then(rf"{_ANY}{_SERVICES}{_END}")
    + "|(?i:Set-Service) "
    + then(rf"{_ANY}{_SERVICES}\s{_ANY}(?i:disabled|stopped){_END}")
)
#: a chain flushed or deleted, or a built-in chain's policy set to accept
_IPTABLES = r"(iptables|ip6tables)(-legacy|-nft)? " + then(
    rf"{_ANY}(-[a-zA-Z]*[FX][a-zA-Z]*|--flush|--delete-chain|(-P|--policy)\s+'?\w+'?\s+'?ACCEPT){_END}"
)
_FIREWALLS = (
    "ufw "
    + then(rf"{_OPTS}(disable|reset|default\s+{_OPTS}allow){_END}")
    + f"|{_IPTABLES}"
    + "|nft "
    + then(rf"{_OPTS}(flush\s+'?(ruleset|table|chain)|delete\s+'?(table|chain)){_END}")
    + "|firewall-cmd "
    + then(rf"{_ANY}--set-default-zone[=\s]+'?trusted{_END}")
    + "|netsh "
    + then(rf"{_ANY}(advfirewall\s{_ANY}state\s+'?off|firewall\s+'?set\s+'?opmode\s+'?(mode=)?disable){_END}")
    + "|(?i:Set-NetFirewallProfile) "
    + then(rf"{_ANY}(?i:-Enabled[:\s]+'?(False|\$false|0)){_END}")
)
_HARDENING = (
    "setenforce "
    + then(rf"{_OPTS}(0|(?i:permissive)){_END}")
    + r"|(aa-teardown|aa-disable|aa-complain)(\s|'|$|[;&|)])"
    + "|apparmor_parser "
    + then(rf"{_ANY}(-[a-zA-Z]*R[a-zA-Z]*|--remove){_END}")
    + "|sysctl "
    + then(rf"{_ANY}kernel\.(randomize_va_space|yama\.ptrace_scope|kptr_restrict|dmesg_restrict)\s*=\s*'?0{_END}")
    + "|spctl "
    + then(rf"{_OPTS}--(master|global)-disable{_END}")
    + "|csrutil "
    + then(rf"{_OPTS}disable{_END}")
    + "|(?i:Set-MpPreference) "
    + then(rf"{_ANY}(?i:-Disable\w+([:\s]+'?(\$true|1|True))?){_END}")
    + "|(?i:Add-MpPreference) "
    + then(rf"{_ANY}(?i:-Exclusion\w+){_END}")
)
_AUDIT = "auditctl " + then(rf"{_ANY}(-D|-e\s*'?0){_END}") + "|journalctl " + then(rf"{_ANY}--vacuum-\w+")
#: a command that turns off the host's defences (``\b``: each program name begins a word)
DEFENSES_OFF = rf"\s*\b({_SERVICE_LINES}|{_FIREWALLS}|{_HARDENING}|{_AUDIT}).*"

#: the same defences' switches and settings as files: the kernel's (``echo 0 >
#: /proc/sys/kernel/randomize_va_space``, ``/sys/fs/selinux/enforce``), and the configuration the
#: firewall, SELinux, AppArmor, the audit daemon, the syslog daemons, the journal, fail2ban and
#: ``sysctl`` read at their next start
DEFENSE_FILES = (
    r"(/proc/sys/kernel/(randomize_va_space|yama/ptrace_scope|kptr_restrict|dmesg_restrict)|/sys/fs/selinux/enforce"
    r"|/etc/(selinux/config|audit/.*|rsyslog\.conf|rsyslog\.d/.*|syslog-ng/.*|systemd/journald\.conf(\.d/.*)?"
    r"|ufw/.*|default/ufw|iptables/.*|nftables\.conf|firewalld/.*|apparmor(\.d)?/.*|fail2ban/.*|sysctl\.conf"
    r"|sysctl\.d/.*))"
)

#: what each template's rule says (strict blocks; the others ask)
DEFENSES_BLOCKED = (
    "Turning off the host's defences (its firewall, access control, audit trail, logs or security agents) is blocked"
)
DEFENSES_HELD = DEFENSES_BLOCKED.replace("is blocked", "needs approval")


def defense_rules(
    template: str, prefix: str, severity: str, message: str, mode: str | None = None, **meta: JsonValue
) -> list[Pattern]:
    """``<prefix>_defenses_off`` (a line of :data:`DEFENSES_OFF`), ``<prefix>_defenses_write`` and
    ``_delete`` (a file of :data:`DEFENSE_FILES`), each ``deny``; ``mode`` ``sigstop`` asks."""
    return [
        rule(
            template, f"{prefix}_defenses_off", "shell_execute", DEFENSES_OFF, "deny", severity, message, mode, **meta
        ),
        rule(
            template, f"{prefix}_defenses_write", "file_write", DEFENSE_FILES, "deny", severity, message, mode, **meta
        ),
        rule(
            template, f"{prefix}_defenses_delete", "file_delete", DEFENSE_FILES, "deny", severity, message, mode, **meta
        ),
    ]
