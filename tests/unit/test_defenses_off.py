"""The host's defences turned off — its firewall opened, its mandatory access control, audit trail,
logs or security agents stopped — are judged by every template (``<prefix>_defenses_off`` on the
command, ``_defenses_write``/``_delete`` on the files that switch them): ``strict`` denies, the others
ask.  Reading their state and adding one rule stay allowed."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from goalrail.patterns.regex import runs_linear
from goalrail.patterns.templates._defenses import DEFENSE_FILES, DEFENSES_OFF
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, event, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

LINES = [
    "ufw disable",
    "ufw --force disable",
    "ufw reset",
    "ufw default allow incoming",
    "iptables -F",
    "iptables --flush",
    "iptables -t nat -F",
    "iptables -X",
    "iptables -P INPUT ACCEPT",
    "iptables --policy FORWARD ACCEPT",
    "ip6tables -F",
    "iptables-legacy -F",
    "iptables-nft --flush",
    "nft flush ruleset",
    "nft delete table inet filter",
    "firewall-cmd --set-default-zone=trusted",
    "firewall-cmd --permanent --set-default-zone trusted",
    "netsh advfirewall set allprofiles state off",
    "netsh firewall set opmode disable",
    "Set-NetFirewallProfile -Profile Domain,Public,Private -Enabled False",
    "setenforce 0",
    "setenforce Permissive",
    "aa-teardown",
    "aa-disable /etc/apparmor.d/usr.sbin.nginx",
    "aa-complain /etc/apparmor.d/*",
    "apparmor_parser -R /etc/apparmor.d/usr.bin.x",
    "sysctl -w kernel.randomize_va_space=0",
    "sysctl kernel.yama.ptrace_scope=0",
    "spctl --master-disable",
    "csrutil disable",
    "Set-MpPreference -DisableRealtimeMonitoring $true",
    "Add-MpPreference -ExclusionPath C:\\Users",
    "auditctl -e 0",
    "auditctl -D",
    "journalctl --vacuum-time=1s",
    "journalctl --rotate --vacuum-size=1K",
    "systemctl stop auditd",
    "systemctl disable --now firewalld",
    "systemctl mask ufw.service",
    "systemctl kill -s KILL falcon-sensor",
    "systemctl stop rsyslog systemd-journald",
    "systemctl stop nginx fail2ban",
    "service auditd stop",
    "rc-service apparmor stop",
    "chkconfig auditd off",
    "update-rc.d apparmor disable",
    "Stop-Service -Name WinDefend",
    "Set-Service -Name mpssvc -StartupType Disabled",
    "bash -c 'iptables -F'",
    "env LC_ALL=C ufw disable",
    "timeout 5 systemctl stop auditd",
    "ls && setenforce 0",
]
FILES = [
    "echo 0 > /proc/sys/kernel/randomize_va_space",
    "echo 0 > /sys/fs/selinux/enforce",
    "echo 0 | tee /proc/sys/kernel/yama/ptrace_scope",
    "rm /etc/audit/rules.d/audit.rules",
]


@pytest.mark.parametrize("line", LINES + FILES)
@pytest.mark.parametrize("name", POLICIES)
def test_turning_a_defence_off_is_denied_by_strict_and_asked_by_the_others(name: str, line: str) -> None:
    in_etc = line in FILES and "/etc/" in line  # (`permissive` denies every file change under /etc)
    expected = "DENY" if name == "strict" or (name == "permissive" and in_etc) else "ASK"
    assert verdict(POLICIES[name], line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "sed -i 's/SELINUX=enforcing/SELINUX=disabled/' /etc/selinux/config",
        "echo 'Storage=none' >> /etc/systemd/journald.conf",
        "echo ENABLED=no > /etc/ufw/ufw.conf",
        "echo kernel.randomize_va_space=0 > /etc/sysctl.d/99-x.conf",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa"])
def test_their_settings_rewritten_are_asked(name: str, line: str) -> None:
    """(``strict`` and ``permissive`` deny every write under ``/etc``)"""
    assert verdict(POLICIES[name], line) == "ASK"


@pytest.mark.parametrize(
    "line",
    [
        "ufw status",
        "ufw allow 22/tcp",
        "iptables -L -n",
        "iptables -S",
        "iptables -A INPUT -p tcp --dport 8080 -j ACCEPT",
        "nft list ruleset",
        "getenforce",
        "sestatus",
        "aa-status",
        "systemctl status auditd",
        "systemctl restart nginx",
        "systemctl stop nginx",
        "systemctl stop auditdx",
        "service nginx stop",
        "journalctl -u nginx --since today",
        "journalctl --disk-usage",
        "sysctl -w vm.swappiness=10",
        "sysctl kernel.randomize_va_space",
        "auditctl -l",
        "echo ufw disable",
        "grep -r 'setenforce 0' docs/",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_reading_their_state_or_adding_a_rule_stays_allowed(name: str, line: str) -> None:
    assert verdict(POLICIES[name], line) == "ALLOW"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rm /var/log/auth.log", "ASK"),
        ("rm -rf /var/log/nginx", "ASK"),
        ("truncate -s 0 /var/log/syslog", "ASK"),
        ("> /var/log/wtmp", "ASK"),
        ("shred -u /var/log/audit/audit.log", "ASK"),
        ("echo x >> /var/log/myapp/app.log", "ALLOW"),
        ("tail -f /var/log/syslog", "ALLOW"),
    ],
)
def test_hipaa_asks_before_the_systems_logs_go(line: str, expected: str) -> None:
    assert verdict(HIPAA, line) == expected


def test_the_rule_says_why() -> None:
    res = SOC2(event("Bash", {"command": "ufw disable"}))
    assert res is not None and res["metadata"]["pattern_id"] == "soc2_defenses_off"
    assert "defences" in res["reason"] or "defences" in str(res.get("metadata", {}).get("message", ""))


def test_the_built_in_yaml_holds_the_templates_texts() -> None:
    from importlib.resources import files

    for prefix in ("strict", "permissive"):
        doc: Any = yaml.safe_load(files("goalrail.patterns.data").joinpath(f"{prefix}.yaml").read_text())
        rules = {p["id"]: p["pattern"] for p in doc["patterns"]}
        assert rules[f"{prefix}_defenses_off"] == DEFENSES_OFF
        assert rules[f"{prefix}_defenses_write"] == rules[f"{prefix}_defenses_delete"] == DEFENSE_FILES


def test_the_text_runs_in_linear_time() -> None:
    assert runs_linear(DEFENSES_OFF) and runs_linear(DEFENSE_FILES)
    assert re.fullmatch(DEFENSES_OFF, "systemctl stop " + "x " * 5000 + "nginx") is None
