"""Running the real agent CLIs (installed by ``scripts/e2e-clis`` into ``.e2e/``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integrations.support import AUTH, ROOT, env

BIN = ROOT / ".e2e" / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
P = "tests.e2e.e2e_policies"

CONFIG = (
    f"""
policy_modules: [{P}]
policies:
  by_word: {{type: function, handler: {P}.by_word}}
  counter: {{type: function, handler: {P}.count_tool_calls}}
"""
    + AUTH
)


def cli(name: str) -> Path:
    """The CLI's path; skipped when it is not installed, a failure with CI=true."""
    path = BIN / name
    if not path.exists() or shutil.which("node") is None:
        message = f"{name} is not installed in .e2e/ (run scripts/e2e-clis)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def goalrail(*args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run this checkout's ``goalrail`` (as a user would, e.g. an installer)."""
    return subprocess.run(
        [sys.executable, "-m", "goalrail", *args],
        cwd=cwd,
        env=agent_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,  # (a Python start-up: seconds on a loaded machine)
        check=True,
    )


def agent_env(**extra: str) -> dict[str, str]:
    """A clean environment for an agent CLI: our venv first on PATH, no telemetry or updates."""
    out = env(**extra)
    out["PATH"] = os.pathsep.join([str(VENV_BIN), str(BIN), out.get("PATH", "")])
    out.update(
        {
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "GEMINI_TELEMETRY_ENABLED": "false",
            "NO_COLOR": "1",
            "CI": out.get("CI", ""),
        }
    )
    for key in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        out.pop(key, None)
    out.update(extra)
    return out


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    seconds: float

    @property
    def output(self) -> str:
        return self.proc.stdout + self.proc.stderr


def run(cmd: list[str], *, cwd: Path, environ: dict[str, str], timeout: float = 240) -> Run:
    started = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return Run(proc, time.monotonic() - started)


class Gate:
    """A TCP forwarder in front of the Goalrail server; ``close()`` makes the server unreachable."""

    def __init__(self, target_url: str) -> None:
        host, _, port = target_url.removeprefix("http://").partition(":")
        self._target = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._closed:
                client.close()
                return
            upstream = socket.create_connection(self._target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        for s in self._open:
            with contextlib.suppress(OSError):
                s.close()
