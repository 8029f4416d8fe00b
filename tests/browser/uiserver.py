"""A real Goalrail server (uvicorn in a thread, create_app) for the browser tests.

Run ``PYTHONPATH=src:tests/browser python tests/browser/uiserver.py`` to click
around by hand: it prints the one-time sign-in link and the test tokens.
"""

from __future__ import annotations

import hashlib
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from goalrail.config.server import server_config_from_text
from goalrail.server.app import create_app

TOKENS = {
    "admin": ("root", "admin", "gr_test_admin_token_0123456789"),
    "alice": ("alice", "user", "gr_test_alice_token_0123456789"),
    "bob": ("bob", "user", "gr_test_bob_token_0123456789abc"),
    "agent": ("alice", "agent", "gr_test_agent_token_012345678"),
}

AGENT = """\
name: helper
prompt: A coding assistant that works in the user's repository.
labels: {team: platform}
policies:
  helper_call_cap:
    type: function
    handler: uitest_policies.max_tool_calls_per_session
    factory_params: {limit: 200}
"""

CONFIG = """\
database_url: sqlite:///{home}/goalrail.db
agents_dir: {home}/agents
policy_modules: [uitest_policies]
policies:
  tool_cap:
    type: function
    handler: uitest_policies.max_tool_calls_per_session
    factory_params: {{limit: 500}}
approvals: {{timeout_s: 900}}
auth:
  tokens:
{tokens}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_text(home: str) -> str:
    lines = []
    for user, role, token in TOKENS.values():
        digest = hashlib.sha256(token.encode()).hexdigest()
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {digest}}}")
    return CONFIG.format(tokens="\n".join(lines), home=home)


@dataclass
class RunningServer:
    url: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread
    tokens: dict[str, str] = field(default_factory=dict)
    tmp: tempfile.TemporaryDirectory[str] | None = None

    def login_link(self) -> str:
        return f"{self.url}/login?code={self.app.state.goalrail.auth.issue_login_code()}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.tmp is not None:
            self.tmp.cleanup()


def start(console_token: str = "grc_test_console_token_0123456789") -> RunningServer:
    port = free_port()
    tmp = tempfile.TemporaryDirectory(prefix="goalrail-ui-")
    agents = Path(tmp.name) / "agents"
    agents.mkdir()
    (agents / "helper.yaml").write_text(AGENT, encoding="utf-8")
    config = server_config_from_text(config_text(tmp.name), "<browser-tests>")
    app = create_app(config, console_token=console_token, port=port)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="goalrail-ui-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # (a poll: ends when up)
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return RunningServer(f"http://127.0.0.1:{port}", app, server, thread, {k: v[2] for k, v in TOKENS.items()}, tmp)


if __name__ == "__main__":
    running = start()
    print("sign in:", running.login_link())
    for name, token in running.tokens.items():
        print(f"token {name}: {token}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.stop()
