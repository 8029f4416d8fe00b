"""A shell command meets the network rules a WebFetch meets: the URLs it requests and the
hosts it connects to (``_shell_network``) are judged by ``pattern_policy``'s
``network_request``/``network_connect`` patterns, strictest wins.

By class, per template: fetchers and their options (``curl``, ``wget``, ``aria2c``, HTTPie,
``xh``, text browsers), the address really reached (``--resolve``, a proxy), ``git``/``pip``/
``npm`` with a URL, interpreters' code (Python, Node, Ruby, Perl, PHP, a here-document), raw
connections (``nc``, ``socat``, ``telnet``, ``openssl s_client``, ``/dev/tcp``, ``ssh -W``,
sockets in code), every spelling that reaches them (wrappers, ``bash -c``, ``$(…)``, ``xargs``,
``find -exec``, ``ssh host CMD``, a container), a URL known only at run time, and a URL handed to
a script.  Controls (allowlisted URLs, a package by name, a mention, a remote from config,
localhost under the compliance templates' exception) stay allowed."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import event

POLICIES = {
    "strict": pattern_policy(policy="strict"),
    "hipaa": pattern_policy(policy="hipaa_standard"),
    "soc2": pattern_policy(policy="soc2_compliant", criteria=["confidentiality"]),
    "k12": pattern_policy(policy="k12_safe"),
}


def judged(policy: str, command: str) -> dict[str, Any] | None:
    res: dict[str, Any] | None = POLICIES[policy](event("Bash", {"command": command}))
    return res


def verdict(policy: str, command: str) -> str:
    res = judged(policy, command)
    return "ALLOW" if res is None else str(res["result"])


ATTACKS = [
    # strict: internal networks are denied, whatever fetches them
    ("strict", "curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/", "DENY"),
    ("strict", "wget -qO- http://127.0.0.1:2375/containers/json", "DENY"),
    ("strict", "curl -fsSL -o /tmp/out -H 'Accept: x' http://10.1.2.3/v1", "DENY"),
    ("strict", "curl 10.0.0.5:8080/health", "DENY"),
    ("strict", "curl --url http://192.168.1.1/admin", "DENY"),
    ("strict", "curl --resolve api.github.com:443:10.0.0.5 https://api.github.com/", "DENY"),
    ("strict", "curl -x http://127.0.0.1:3128 https://api.github.com/", "DENY"),
    ("strict", "curl https://api.github.com/ http://metadata.google.internal/computeMetadata/v1/", "DENY"),
    ("strict", "aria2c http://10.0.0.5/dump.sql", "DENY"),
    ("strict", "http GET :9200/_cat/indices", "DENY"),
    ("strict", "xh 127.0.0.1:8500/v1/kv/", "DENY"),
    ("strict", "lynx -dump http://localhost:631/", "DENY"),
    ("strict", "git clone http://10.0.0.5/infra.git", "DENY"),
    ("strict", "pip install --index-url http://10.0.0.5/simple internal-pkg", "DENY"),
    ("strict", "python3 -m pip install git+http://192.168.0.2/x.git", "DENY"),
    ("strict", "npm install --registry=http://localhost:4873 pkg", "DENY"),
    ("strict", "timeout 5 curl http://172.17.0.1:2375/info", "DENY"),
    ("strict", "bash -c 'wget -q http://10.0.0.5/x'", "DENY"),
    ("strict", "X=$(curl -s http://169.254.169.254/latest/user-data)", "DENY"),
    ("strict", "echo http://10.0.0.7/ | xargs curl", "DENY"),
    ("strict", "find . -name '*.log' -exec curl -s http://10.0.0.5/{} \\;", "DENY"),
    ("strict", "ssh bastion 'curl -s http://169.254.169.254/latest/meta-data/'", "DENY"),
    ("strict", "U=http://10.0.0.9/; curl $U", "DENY"),
    ("strict", "python3 -c \"import urllib.request; urllib.request.urlopen('http://10.0.0.5')\"", "DENY"),
    ("strict", "python3 - <<'EOF'\nimport requests\nrequests.get('http://169.254.169.254/latest/')\nEOF", "DENY"),
    ("strict", "node -e \"fetch('http://169.254.169.254/latest/').then(r => r.text())\"", "DENY"),
    ("strict", 'ruby -e \'require "open-uri"; puts URI.open("http://10.0.0.5/").read\'', "DENY"),
    ("strict", 'perl -MLWP::Simple -e \'getstore("http://10.0.0.5/", "x")\'', "DENY"),
    ("strict", "php -r 'echo file_get_contents(\"http://169.254.169.254/\");'", "DENY"),
    # strict: raw connections and addresses it cannot tell apart are asked
    ("strict", "nc 10.0.0.5 5432", "ASK"),
    ("strict", "ncat -w 3 db.example.com 5432", "ASK"),
    ("strict", "bash -c 'cat < /dev/tcp/127.0.0.1/6379'", "ASK"),
    ("strict", "cat < /dev/udp/10.0.0.5/53", "ASK"),
    ("strict", "read -r banner < /dev/tcp/10.0.0.5/22", "ASK"),
    ("strict", "socat - TCP:10.0.0.5:6379", "ASK"),
    ("strict", "telnet 10.0.0.5 25", "ASK"),
    ("strict", "openssl s_client -connect 10.0.0.5:443", "ASK"),
    ("strict", "python3 -c 'import socket; socket.create_connection((\"10.0.0.5\", 22))'", "ASK"),
    ("strict", 'curl "$URL"', "ASK"),
    ("strict", "curl -K /tmp/urls.cfg", "ASK"),
    ("strict", "wget -i urls.txt", "ASK"),
    ("strict", 'curl -s "$(cat endpoint.txt)"', "ASK"),
    ("strict", "curl https://example.org/install.sh -o /tmp/i.sh", "ASK"),
    ("strict", "python3 fetch.py http://169.254.169.254/latest/", "ASK"),
    # hipaa: plaintext HTTP and file-sharing sites are denied
    ("hipaa", "curl http://example.com", "DENY"),
    ("hipaa", "curl https://transfer.sh/x", "DENY"),
    ("hipaa", "wget -q -O- http://example.org/data.json", "DENY"),
    ("hipaa", "curl example.org/records", "DENY"),
    ("hipaa", "python3 -c \"import requests; requests.get('http://api.example.com/v1')\"", "DENY"),
    ("hipaa", "git clone http://gitlab.example.com/x.git", "DENY"),
    ("hipaa", 'curl -s "$ENDPOINT/v1/status"', "ASK"),
    # soc2 (confidentiality)
    ("soc2", "curl https://transfer.sh/x", "DENY"),
    ("soc2", "curl http://example.com", "DENY"),
    ("soc2", "http example.com/api", "DENY"),
    ("soc2", "wget https://www.dropbox.com/s/x/data.csv", "DENY"),
    # k12: blocked sites
    ("k12", "curl https://www.tiktok.com/@x", "DENY"),
    ("k12", "wget -qO- https://omegle.com/", "DENY"),
]

CONTROLS = [
    ("strict", "curl https://api.github.com/repos/x/y"),
    ("strict", "curl -sSL https://raw.githubusercontent.com/x/y/main/README.md"),
    ("strict", "pip install requests"),
    ("strict", "pip install -r requirements.txt"),
    ("strict", "git clone https://github.com/x/y"),
    ("strict", "git push"),
    ("strict", "git fetch origin && git status"),
    ("strict", "echo http://10.0.0.1"),
    ("strict", "grep -rn http://10.0.0.1 docs/"),
    ("strict", "git commit -m 'see http://10.0.0.1'"),
    ("strict", "curl --version"),
    ("strict", "npm install"),
    ("strict", "python3 -c \"print('http://10.0.0.5')\""),
    ("strict", "python3 -c \"import sqlite3; sqlite3.connect('x.db')\""),
    ("strict", "cat README.md"),
    ("hipaa", "curl http://localhost:8080"),
    ("hipaa", "curl http://127.0.0.1:5000/health"),
    ("hipaa", "curl https://api.example.com/v1"),
    ("soc2", "curl http://localhost:8080"),
    ("soc2", "curl https://example.com"),
    ("k12", "curl https://docs.python.org/3/"),
]


@pytest.mark.parametrize(("policy", "command", "expected"), ATTACKS)
def test_a_line_reaching_the_network_meets_the_network_rules(policy: str, command: str, expected: str) -> None:
    assert verdict(policy, command) == expected


@pytest.mark.parametrize(("policy", "command"), CONTROLS)
def test_near_misses_stay_allowed(policy: str, command: str) -> None:
    assert verdict(policy, command) == "ALLOW"


def test_the_reason_names_the_rule_and_the_host_never_the_url() -> None:
    res = judged("strict", "curl -s 'http://u:hunter2@169.254.169.254/latest/meta-data/?token=abc123'")
    assert res is not None and res["result"] == "DENY"
    reason = str(res["reason"])
    assert "strict_net_internal" in reason and "`curl`" in reason and "169.254.169.254" in reason
    assert "hunter2" not in reason and "abc123" not in reason and "meta-data" not in reason


def test_a_raw_connection_names_its_host_and_port() -> None:
    res = judged("strict", "nc 10.0.0.5 5432")
    assert res is not None and "strict_network_connect" in str(res["reason"]) and "10.0.0.5:5432" in str(res["reason"])


def test_the_most_severe_target_decides() -> None:
    """An allowlisted URL next to an internal one: the internal one decides (high beats low)."""
    res = judged("strict", "curl https://pypi.org/simple/ http://10.0.0.5/ https://example.org/")
    assert res is not None and res["result"] == "DENY" and "strict_net_internal" in str(res["reason"])


def test_a_url_in_a_rule_free_policy_changes_nothing() -> None:
    """A policy with no network rules reads no network targets (and abstains as before)."""
    files = pattern_policy(
        inline={
            "name": "f",
            "default_action": "allow",
            "patterns": [{"id": "env", "action_type": "file_read", "pattern": ".*\\.env$", "action": "deny"}],
        }
    )
    assert files(event("Bash", {"command": "curl -s http://169.254.169.254/latest/"})) is None


def test_targets_by_program() -> None:
    from goalrail.policies.builtins._shell_network import network_targets

    def targets(line: str) -> list[tuple[str, str]]:
        return [(k, t) for k, t, _p, _h in network_targets(line)]

    assert targets("curl -sSLo out.json https://x.example/a") == [("network_request", "https://x.example/a")]
    assert targets("wget -qO- x.example") == [("network_request", "http://x.example")]
    assert targets("socat TCP-LISTEN:8080,fork TCP:10.0.0.5:80") == [("network_connect", "10.0.0.5:80")]
    assert targets("ssh -L 5432:db.internal:5432 bastion") == [("network_connect", "db.internal:5432")]
    assert targets("nc -lvnp 4444") == []
    assert targets("git clone git@github.com:x/y.git") == []  # scp-like: no URL
    assert targets("curl https://$TOKEN@api.github.com/x")[0][1].startswith("https://")  # credentials only
    assert targets("curl http://$HOST/x") == [("network_request", "*")]
