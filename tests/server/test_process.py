"""Against a real `goalrail server` process (random free port, temporary GOALRAIL_HOME),
driven by httpx and by the CLI clients."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
TOKENS = {
    "admin": ("proc-admin", "root", "admin"),
    "alice": ("proc-alice", "alice", "user"),
    "agent": ("proc-agent", "alice", "agent"),
}
SHELL = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "make deploy"}}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOALRAIL_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(FIXTURES)])
    env["GOALRAIL_HOME"] = str(home)
    return env


def auth_lines() -> list[str]:
    """A server config's ``auth:`` section holding :data:`TOKENS` (by their digests)."""
    lines = ["auth:", "  tokens:"]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    return lines


def _config(tmp: Path, tokens: bool = True) -> Path:
    lines = [
        "policy_modules: [gr_testpolicies]",
        "policies:",
        "  gate: {type: function, handler: gr_testpolicies.ask_on_tool}",
        "  cap: {type: function, handler: gr_testpolicies.max_calls, factory_params: {limit: 100}}",
    ]
    if tokens:
        lines += auth_lines()
    path = tmp / "config.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


class Server:
    def __init__(
        self, tmp: Path, tokens: bool = True, config: Path | bool | None = None, extra: tuple[str, ...] = ()
    ) -> None:
        self.home = tmp / "home"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = _env(self.home)
        self.log = (tmp / f"server-{self.port}.log").open("w+")
        args = [] if config is False else ["-c", str(config if isinstance(config, Path) else _config(tmp, tokens))]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "goalrail", "server", *args, "--port", str(self.port), *extra],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # a loaded machine imports slowly (a poll: ends when up)
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
            assert self.proc.poll() is None, self.output()
        raise AssertionError("server did not start: " + self.output())

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def cli(self, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "goalrail", *args, "--url", self.url]
        if token:
            cmd += ["--token", token]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover  (threads of hung policies still sleeping)
            self.proc.kill()
            self.proc.wait(10)  # reaped: no "subprocess still running" warning in a later test
        self.log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("srv"))
    yield s
    s.stop()


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def test_health_reports_the_effective_chain(server: Server) -> None:
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["effective_chain"] == ["gate", "cap"] and health["auth"] == "tokens"
    assert httpx.post(f"{server.url}/v1/sessions/x/events", json=SHELL).status_code == 401


def test_unknown_agent_and_verify_refused_by_a_real_server(server: Server) -> None:
    """Through the real server's fast path: an unknown agent name starts no session (404 naming
    it, never a session without agent-spec policies); a user's audit is paged; verify is an admin's."""
    ghost = {**SHELL, "context": {"agent": "ghost"}}
    r = httpx.post(f"{server.url}/v1/sessions/ghosted/events", json=ghost, headers=_h("agent"))
    assert r.status_code == 404 and "`ghost`" in r.json()["message"], r.text
    assert httpx.get(f"{server.url}/v1/sessions/ghosted", headers=_h("alice")).status_code == 404
    r = httpx.get(f"{server.url}/v1/audit", headers=_h("alice"))
    assert r.status_code == 200 and r.json()["next_before"] is None
    assert httpx.get(f"{server.url}/v1/audit/verify", headers=_h("alice")).status_code == 403
    assert httpx.get(f"{server.url}/v1/audit/verify", headers=_h("admin")).json()["ok"] is True


def test_wait_is_released_by_cli_approve(server: Server) -> None:
    answer: dict[str, Any] = {}

    def agent() -> None:
        r = httpx.post(
            # (the wait outlasts the CLI runs below, each a Python start-up: seconds on a loaded machine;
            # it ends at the approval)
            f"{server.url}/v1/sessions/p1/events",
            params={"wait": 150},
            json=SHELL,
            headers=_h("agent"),
            timeout=180,
        )
        answer.update(r.json())

    t = threading.Thread(target=agent)
    t.start()
    pending: list[Any] = []
    for _ in range(100):
        listed = server.cli("approvals", "list", "--json", token=TOKENS["alice"][0])
        assert listed.returncode == 0, listed.stderr
        pending = json.loads(listed.stdout)
        if pending:
            break
        time.sleep(0.05)
    assert len(pending) == 1
    refused = server.cli("approvals", "approve", pending[0]["id"], token=TOKENS["agent"][0])
    assert refused.returncode != 0 and "agent credential" in refused.stderr
    ok = server.cli("approvals", "approve", pending[0]["id"], "--session-scope", token=TOKENS["alice"][0])
    assert ok.returncode == 0, ok.stderr
    assert "approved (this identical action, for this session)" in ok.stdout
    t.join(180)
    assert answer["result"] == "ALLOW" and "approved by alice" in answer["reason"]
    again = httpx.post(f"{server.url}/v1/sessions/p1/events", json=SHELL, headers=_h("agent")).json()
    assert again["result"] == "ALLOW" and "approved for this session" in again["reason"]
    other = {**SHELL, "data": {"arguments": {"command": "rm -rf build"}}}
    asked = httpx.post(f"{server.url}/v1/sessions/p1/events", json=other, headers=_h("agent")).json()
    assert asked["result"] == "ASK"
    wide = server.cli("approvals", "approve", asked["approval_id"], "--scope", "session_tool", token=TOKENS["alice"][0])
    assert wide.returncode == 0 and "(any call of this tool, for this session)" in wide.stdout, wide.stderr


def test_cli_policies_sessions_audit(server: Server) -> None:
    admin = TOKENS["admin"][0]
    added = server.cli(
        "policies", "add", "deny_prod", "gr_testpolicies.deny_target", "-p", "contains=prod", "--json", token=admin
    )
    assert added.returncode == 0, added.stderr
    pid = json.loads(added.stdout)["id"]
    bad = server.cli("policies", "add", "x", "gr_testpolicies.max_calls", "-p", "limit=0", token=admin)
    assert bad.returncode == 2 and "limit" in bad.stderr
    listed = server.cli("policies", "list", token=admin)
    assert "deny_prod" in listed.stdout and "config" in listed.stdout
    ev = {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/srv/prod/db"}}}
    r = httpx.post(f"{server.url}/v1/sessions/p2/events", json=ev, headers=_h("agent")).json()
    assert r["result"] == "DENY" and r["policy"] == "deny_prod"
    assert server.cli("policies", "disable", pid, token=admin).returncode == 0
    assert httpx.post(f"{server.url}/v1/sessions/p2/events", json=ev, headers=_h("agent")).json()["result"] == "ALLOW"
    assert server.cli("policies", "rm", pid, token=admin).returncode == 0
    refused = server.cli("policies", "rm", "server:cap", token=admin)
    assert refused.returncode == 2 and "read-only" in refused.stderr
    sessions = server.cli("sessions", token=TOKENS["alice"][0])
    assert "p2" in sessions.stdout, sessions.stdout + sessions.stderr
    shown = server.cli("sessions", "p2", token=TOKENS["alice"][0])
    assert "deny_prod" in shown.stdout and "DENY" in shown.stdout
    verify = server.cli("audit", "verify", token=admin)
    assert verify.returncode == 0 and verify.stdout.startswith("ok:"), verify.stdout + verify.stderr


def test_single_user_server_console_token(tmp_path: Path) -> None:
    s = Server(tmp_path, tokens=False)
    try:
        token_file = s.home / "console-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert f"{s.url}/login?code=" in s.output()
        r = httpx.post(f"{s.url}/v1/sessions/s1/events", json=SHELL).json()
        assert r["result"] == "ASK"
        refused = httpx.post(f"{s.url}/v1/approvals/{r['approval_id']}", json={"decision": "approve"})
        assert refused.status_code == 403
        # the CLI falls back to the console token in GOALRAIL_HOME (readable by the server's OS user only)
        ok = s.cli("approvals", "approve", r["approval_id"])
        assert ok.returncode == 0, ok.stderr
    finally:
        s.stop()


def test_invalid_config_refuses_to_start(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "policies:\n  cap:\n    type: function\n    handler: gr_testpolicies.max_calls\n"
        "    factory_params: {limit: -1}\npolicy_modules: [gr_testpolicies]\n"
    )
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--port", str(_free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and f"{cfg}:5" in r.stderr, r.stderr  # the parameter's line
    cfg.write_text("policies:\n  ghost: {type: function, handler: nosuch_module.policy}\n")
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--port", str(_free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and "nosuch_module" in r.stderr and f"{cfg}:2" in r.stderr, r.stderr
    cfg.write_text("limits: {max_body_bytes: nope}\n")
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and f"{cfg}:1" in r.stderr and "max_body_bytes" in r.stderr


def test_refuses_non_loopback_without_tokens(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "--host", "0.0.0.0", "--port", str(_free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "refusing to listen" in r.stderr


def test_sqlite_tokens_and_restart_keep_everything(tmp_path: Path) -> None:
    """Default store (SQLite in GOALRAIL_HOME): `goalrail token create` writes into it; after a
    restart the pending approval, the policies and the audit chain are still there."""
    home = tmp_path / "home"
    env = _env(home)
    cfg = _config(tmp_path, tokens=False)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goalrail", *args], env=env, capture_output=True, text=True, timeout=60
        )

    made = cli("token", "create", "--user", "dana", "--admin", "-c", str(cfg), "--label", "ops")
    assert made.returncode == 0, made.stderr
    assert "stays in `single-user` auth mode" in made.stderr and "auth.mode: tokens" in made.stderr
    admin_token = made.stdout.splitlines()[0]
    made = cli("token", "create", "--user", "dana", "--agent", "-c", str(cfg))
    agent_token = made.stdout.splitlines()[0]
    listed = cli("token", "list", "-c", str(cfg))
    assert "dana" in listed.stdout and "ops" in listed.stdout and admin_token not in listed.stdout

    s = Server(tmp_path, tokens=False)
    try:
        assert httpx.get(f"{s.url}/healthz").json()["auth"] == "single-user"  # a stored token switches nothing
        assert httpx.post(f"{s.url}/v1/sessions/local/events", json=SHELL).status_code == 200
        agent = {"Authorization": f"Bearer {agent_token}"}
        r = httpx.post(f"{s.url}/v1/sessions/q/events", json=SHELL, headers=agent).json()
        assert r["result"] == "ASK"
        aid = r["approval_id"]
        pid = httpx.post(
            f"{s.url}/v1/policies",
            json={"name": "m", "handler": "gr_testpolicies.mark"},
            headers={"Authorization": f"Bearer {admin_token}"},
        ).json()["id"]
    finally:
        s.stop()
    s = Server(tmp_path, tokens=False)
    try:
        admin = {"Authorization": f"Bearer {admin_token}"}
        assert httpx.get(f"{s.url}/v1/approvals/{aid}", headers=admin).json()["status"] == "pending"
        assert httpx.get(f"{s.url}/v1/policies/{pid}", headers=admin).json()["name"] == "m"
        r = httpx.post(f"{s.url}/v1/approvals/{aid}", json={"decision": "approve"}, headers=admin)
        assert r.status_code == 200
        assert httpx.get(f"{s.url}/v1/audit/verify", headers=admin).json()["ok"] is True
    finally:
        s.stop()
    offline = cli("audit", "verify", "-c", str(cfg))
    assert offline.returncode == 0 and "chain intact" in offline.stdout, offline.stdout + offline.stderr
    revoked = cli("token", "revoke", "-c", str(cfg), "tok_" + hashlib.sha256(agent_token.encode()).hexdigest()[:12])
    assert revoked.returncode == 0, revoked.stderr


def test_no_config_at_all_starts_with_sqlite_in_goalrail_home(tmp_path: Path) -> None:
    s = Server(tmp_path, config=False)
    try:
        health = httpx.get(f"{s.url}/healthz").json()
        assert health["status"] == "ok" and health["auth"] == "single-user" and health["effective_chain"] == []
        r = httpx.post(f"{s.url}/v1/sessions/n1/events", json=SHELL)
        assert r.status_code == 200 and r.json()["result"] == "ALLOW"
        assert (s.home / "goalrail.db").exists() and health["store"] != "MemoryStore"
    finally:
        s.stop()
