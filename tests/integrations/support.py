"""Shared helpers for the integration tests: a real ``goalrail server`` process,
tokens, config, approving from the user's side, fixtures."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SRC = ROOT / "src"
FIXTURES = HERE / "fixtures"
P = "tests.integrations.integ_policies"

AGENT_TOKEN = "gr_test-agent-token-alice"
USER_TOKEN = "gr_test-user-token-alice"

CHAIN = f"""
policy_modules: [{P}]
policies:
  deny_read: {{type: function, handler: {P}.deny_paths, factory_params: {{paths: [/etc/shadow]}}}}
  ask_os: {{type: function, handler: {P}.ask_on_os_tools}}
  cap: {{type: function, handler: {P}.max_tool_calls_per_session, factory_params: {{limit: 3}}}}
  prompt_word: {{type: function, handler: {P}.deny_word_in_prompt, factory_params: {{word: forbidden}}}}
  cost: {{type: function, handler: {P}.cost_guard,
         factory_params: {{ask_above_usd: 0.01, max_usd: 0.02, usd_per_token: 0.00001}}}}
tool_mapping:
  "mcp__files__read_file": sys_os_read
  "mcp__files__run_command": sys_os_shell
"""

AUTH = f"""
auth:
  mode: tokens
  tokens:
    - {{sha256: {hashlib.sha256(AGENT_TOKEN.encode()).hexdigest()}, user: alice, role: agent}}
    - {{sha256: {hashlib.sha256(USER_TOKEN.encode()).hexdigest()}, user: alice, role: user}}
"""


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT), *([out["PYTHONPATH"]] if out.get("PYTHONPATH") else [])])
    for key in ("GOALRAIL_URL", "GOALRAIL_TOKEN", "GOALRAIL_SESSION", "CLAUDE_CODE_SESSION_ID"):
        out.pop(key, None)
    out.update(extra)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


#: SDK clients a test opened (the LLM proxy tests' ``client``): conftest closes them after each test.
SDK_CLIENTS: list[Any] = []


def wait_up(url: str) -> None:
    """Wait (up to 120 s: a poll) until ``url`` answers at all."""
    deadline = time.monotonic() + 120  # (a poll: a loaded machine starts Python slowly)
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


@contextlib.contextmanager
def background(argv: list[str], ready_url: str, proc_env: dict[str, str]) -> Iterator[None]:
    """Run ``argv`` until the block ends, once ``ready_url`` answers."""
    proc = subprocess.Popen(argv, env=proc_env)
    try:
        wait_up(ready_url)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def fake_upstream(script: str) -> Iterator[str]:
    """A fake provider (``fake_openai.py``, ``fake_anthropic.py``) on a free port; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with background([sys.executable, str(HERE / script), str(port)], url + "/_requests", env()):
        yield url


@contextlib.contextmanager
def llm_proxy(upstream_args: list[str], goalrail_url: str, **extra_env: str) -> Iterator[str]:
    """``goalrail llm-proxy`` on a free port (``upstream_args`` name the provider); yields its URL."""
    port = free_port()
    argv = [sys.executable, "-m", "goalrail", "llm-proxy", *upstream_args, "--url", goalrail_url, "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with background(argv, url + "/docs", env(**extra_env)):
        yield url


@dataclass
class ServerProc:
    url: str
    proc: subprocess.Popen[bytes]
    home: Path

    def user(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {USER_TOKEN}"}, timeout=60)

    def agent(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {AGENT_TOKEN}"}, timeout=60)


@contextlib.contextmanager
def running_server(tmp: Path, config: str = CHAIN + AUTH, **extra_env: str) -> Iterator[ServerProc]:
    port = free_port()
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    cfg = tmp / "config.yaml"
    cfg.write_text(config)
    log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--port", str(port), "--log-level", "warning"],
        env=env(GOALRAIL_HOME=str(home), **extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # (a poll: a loaded machine starts Python slowly)
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(tmp / 'server.log').read_text()}")
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield ServerProc(url, proc, home)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def pending(server: ServerProc, session: str | None = None) -> list[dict[str, Any]]:
    with server.user() as c:
        resp = c.get("/v1/approvals", params={"status": "pending"})
        resp.raise_for_status()
        data = resp.json()["data"]
    return [a for a in data if session is None or a.get("session_id") == session]


def resolve_next(server: ServerProc, session: str, decision: str = "approve", timeout: float = 90) -> dict[str, Any]:
    """As the user: wait for the session's next pending approval and resolve it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pending(server, session)
        if found:
            with server.user() as c:
                resp = c.post(f"/v1/approvals/{found[0]['id']}", json={"decision": decision})
                resp.raise_for_status()
                return dict(found[0])
        time.sleep(0.05)
    raise AssertionError(f"no pending approval for {session}")


def session_info(server: ServerProc, session: str) -> dict[str, Any]:
    """``GET /v1/sessions/{session}`` as the user."""
    with server.user() as c:
        return dict(c.get(f"/v1/sessions/{session}").json())


def wait_for_calls(server: ServerProc, session: str, calls: int) -> dict[str, Any]:
    """The session once it has counted ``calls`` LLM calls (usage of a stream is recorded once
    it has been relayed: poll for it); the last answer if that takes more than ~60 s (a poll: it
    ends as soon as the call is counted, so the bound only matters when it never is)."""
    for _ in range(1200):
        info = session_info(server, session)
        if info["usage"]["llm_calls"] >= calls:
            return info
        time.sleep(0.05)
    return info
