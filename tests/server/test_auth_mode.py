"""`auth.mode` is explicit: creating a token never takes a running server out of
single-user mode; /healthz and `goalrail token create` say which mode applies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from server_support import SHELL, client_for, make_app

from goalrail.config.server import server_config_from_text
from goalrail.errors import ConfigError
from goalrail.server.auth import resolve_mode
from tests.server.test_process import Server, _env


async def test_a_token_created_while_running_keeps_single_user_mode() -> None:
    app = make_app("policies: {}\n")
    async with client_for(app) as c:
        assert (await c.post("/v1/sessions/s1/events", json=SHELL)).status_code == 200
        created = await c.post(
            "/v1/tokens",
            json={"user": "alice", "role": "user"},
            headers={"Authorization": "Bearer grc_console-secret-for-tests"},
        )
        assert created.status_code == 201
        assert (await c.post("/v1/sessions/s1/events", json=SHELL)).status_code == 200  # local hooks keep working
        token = {"Authorization": f"Bearer {created.json()['token']}"}
        assert (await c.get("/v1/auth/me", headers=token)).json()["user"] == "alice"  # and the token works
        health = (await c.get("/healthz")).json()
        assert health["auth"] == "single-user" and health["auth_mode"]["source"] == "default"
        assert "auth.mode: tokens" in health["auth_mode"]["note"]


async def test_tokens_mode_is_chosen_in_the_config() -> None:
    app = make_app("auth: {mode: tokens}\n")
    async with client_for(app) as c:
        assert (await c.post("/v1/sessions/s1/events", json=SHELL)).status_code == 401
        health = (await c.get("/healthz")).json()
        assert health["auth"] == "tokens" and health["auth_mode"]["source"] == "config"


def test_defaults() -> None:
    assert resolve_mode({}, "127.0.0.1") == ("single-user", "default")
    assert resolve_mode({"mode": "auto"}, "::1") == ("single-user", "default")
    assert resolve_mode({}, "0.0.0.0") == ("tokens", "default")
    assert resolve_mode({"tokens": [{"user": "a"}]}, "127.0.0.1") == ("tokens", "default")
    assert resolve_mode({"mode": "single-user"}, "127.0.0.1") == ("single-user", "config")
    with pytest.raises(ConfigError, match=r"<string>:1: `auth.mode` must be `single-user` or `tokens`, got `token`"):
        server_config_from_text("auth: {mode: token}\n")


def test_token_create_says_what_it_changes(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")

    def create(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goalrail", "token", "create", "--user", "alice", *extra],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    r = create()
    assert r.returncode == 0 and r.stdout.startswith("gr_"), r.stderr
    assert "stays in `single-user` auth mode" in r.stderr and "auth.mode: tokens" in r.stderr
    cfg = tmp_path / "config.yaml"
    cfg.write_text("auth: {mode: tokens}\n")
    r = create("-c", str(cfg))
    assert r.returncode == 0 and "runs in `tokens` auth mode" in r.stderr, r.stderr


def test_explicit_single_user_refuses_a_public_address(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("auth: {mode: single-user}\n")
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--host", "0.0.0.0", "--port", "0"],
        env=_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "`single-user` auth mode" in r.stderr and "auth.mode: tokens" in r.stderr, r.stderr
    assert not (tmp_path / "home" / "console-token").exists()


def test_server_prints_its_mode(tmp_path: Path) -> None:
    s = Server(tmp_path, config=False)
    try:
        assert "auth mode `single-user` (the default)" in s.output()
        assert httpx.get(f"{s.url}/healthz").json()["auth"] == "single-user"
    finally:
        s.stop()
