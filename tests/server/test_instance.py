"""A second `goalrail server` leaves the running one alone, and the auth mode
never changes as a side effect of creating a token."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx

from goalrail.errors import GoalrailError
from tests.server.test_process import SHELL, Server, _env, _free_port


def _start(home_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "goalrail", "server", *args],
        env=home_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_server_fails_clearly_and_changes_nothing(tmp_path: Path) -> None:
    s = Server(tmp_path, tokens=False)
    try:
        token_file = s.home / "console-token"
        before = token_file.read_text()
        # same home, another port: refused by the home-directory lock
        r = _start(s.env, "--port", str(_free_port()))
        assert r.returncode == 2, r.stderr
        assert "another goalrail server is already running" in r.stderr and str(s.home) in r.stderr
        assert f"pid {s.proc.pid}" in r.stderr and "/login?code=" not in r.stderr
        # another home, same port: refused by the port check, before anything is written
        other = tmp_path / "other-home"
        r = _start(_env(other), "--port", str(s.port))
        assert r.returncode == 2 and f"port {s.port}" in r.stderr and "already in use" in r.stderr, r.stderr
        assert not (other / "console-token").exists()
        # the running server and its console token are untouched: the CLI still works
        assert token_file.read_text() == before
        event = httpx.post(f"{s.url}/v1/sessions/s1/events", json=SHELL).json()
        ok = s.cli("approvals", "approve", event["approval_id"])
        assert ok.returncode == 0, ok.stderr
    finally:
        s.stop()
    # once it has stopped, the lock is free again
    again = Server(tmp_path, tokens=False)
    again.stop()


def test_lock_and_port_checks_in_process(tmp_path: Path) -> None:
    from goalrail.server.instance import InstanceLock, bind_listener

    first = InstanceLock(tmp_path)
    first.acquire()
    first.describe("pid 1, http://127.0.0.1:1")
    try:
        second = InstanceLock(tmp_path)
        try:
            second.acquire()
            raise AssertionError("a second lock on the same home was granted")
        except GoalrailError as exc:
            assert "already running" in exc.message and "pid 1, http://127.0.0.1:1" in exc.message
    finally:
        first.release()
    InstanceLock(tmp_path).acquire()  # released: free again (the fd is closed with the object's process)

    busy = bind_listener("127.0.0.1", 0)
    port = busy.getsockname()[1]
    try:
        try:
            bind_listener("127.0.0.1", port).close()
            raise AssertionError("a busy port was bound twice")
        except GoalrailError as exc:
            assert f"port {port}" in exc.message and "--port" in exc.message
    finally:
        busy.close()
    with socket.socket() as probe:  # the port is usable again
        probe.bind(("127.0.0.1", port))
