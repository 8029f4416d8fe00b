"""File parameters are an operator feature (issue: a user's session read /etc/shadow).

Sessions (REST; the UI and chat use the same route) get ``inline`` only; the
server config and agent YAML on disk may name files under ``policy_dirs`` —
regular files, inside the directories after resolving links, size-capped — and
no error ever quotes a file's content.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_support import CONSOLE, add_tokens, auth, client_for

from goalrail.config.server import server_config_from_text
from goalrail.engine import PolicySpec, compile_policy
from goalrail.errors import GoalrailError
from goalrail.policies.files import MAX_FILE_BYTES, FileAccess
from goalrail.policies.registry import Registry
from goalrail.server import create_app
from goalrail.store.memory import MemoryStore

HANDLER = "goalrail.policies.builtins.patterns.pattern_policy"
SECRET = "root:$6$SECRET-HASH-LINE:19000:0:99999:7:::"
POLICY = """name: admin-rules
default_action: allow
patterns:
  - action_type: shell_execute
    pattern: "^rm\\\\s"
    action: deny
    message: no rm (admin file)
"""
SHELL_RM = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm x"}}}


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "shadow"
    path.write_text(SECRET + "\nbin:*:19000:0:99999:7:::\n")
    return path


def _body(params: dict[str, Any]) -> dict[str, Any]:
    return {"name": "mine", "handler": HANDLER, "factory_params": params}


@pytest.mark.parametrize("where", ["/etc/shadow", "secret", "/dev/zero", "fifo", "/nonexistent/x.yaml"])
async def test_a_session_cannot_name_a_server_file(
    client: httpx.AsyncClient, secret_file: Path, tmp_path: Path, where: str
) -> None:
    if where == "secret":
        where = str(secret_file)
    elif where == "fifo":
        where = str(tmp_path / "fifo")
        os.mkfifo(where)
    await client.post("/v1/sessions/s1/events", json=SHELL_RM, headers=auth("alice"))
    t0 = time.perf_counter()
    r = await client.post("/v1/sessions/s1/policies", json=_body({"path": where}), headers=auth("alice"))
    assert time.perf_counter() - t0 < 60  # a FIFO is never opened (opening one would block for good)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_params" and body["errors"][0]["loc"].endswith("factory_params.path")
    assert "`path`" in body["message"] and "inline" in body["message"]
    assert "SECRET" not in r.text and "root:" not in r.text
    # the same refusal whether the file exists or not: no oracle on the server's files
    assert where not in body["message"]


async def test_a_session_gets_inline(client: httpx.AsyncClient) -> None:
    await client.post("/v1/sessions/s1/events", json=SHELL_RM, headers=auth("alice"))
    inline = {"name": "mine", "patterns": [{"action_type": "shell_execute", "pattern": "^rm\\s", "action": "deny"}]}
    r = await client.post("/v1/sessions/s1/policies", json=_body({"inline": inline}), headers=auth("alice"))
    assert r.status_code == 201, r.text
    d = await client.post("/v1/sessions/s1/events", json=SHELL_RM, headers=auth("alice"))
    assert d.json()["result"] == "DENY"


async def test_an_admin_over_http_cannot_name_a_file_either(client: httpx.AsyncClient, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(POLICY)
    r = await client.post("/v1/policies", json=_body({"path": str(tmp_path / "p.yaml")}), headers=auth("admin"))
    assert r.status_code == 422 and "factory_params.path" in r.json()["errors"][0]["loc"]
    spec = f"name: up\npolicies:\n  p:\n    handler: {HANDLER}\n    factory_params: {{path: {tmp_path / 'p.yaml'}}}\n"
    r = await client.post("/v1/agents", content=spec, headers={**auth("admin"), "content-type": "application/yaml"})
    assert r.status_code == 422, r.text


# -- operator files: the server config --------------------------------------------------
def _compile(path: str, dirs: list[Path]) -> Any:
    spec = PolicySpec("admin", HANDLER, level="server", params={"path": path})
    return compile_policy(spec, Registry.load(), files=FileAccess.under(dirs))


def _refusal(path: str, dirs: list[Path]) -> str:
    with pytest.raises(GoalrailError) as err:
        _compile(path, dirs)
    text = str(err.value.to_dict())
    assert "SECRET" not in text and "root:" not in text
    return err.value.message


def test_config_files_must_be_under_policy_dirs(tmp_path: Path, secret_file: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    assert "not under the server's policy_dirs" in _refusal("/etc/shadow", [rules])
    assert "not under" in _refusal(str(secret_file), [rules])
    assert "no `policy_dirs`" in _refusal(str(secret_file), [])
    assert "not under" in _refusal(str(rules / ".." / "shadow"), [rules])


def test_links_devices_fifos_and_big_files_are_refused(tmp_path: Path, secret_file: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "escape.yaml").symlink_to(secret_file)
    assert "not under" in _refusal(str(rules / "escape.yaml"), [rules])
    (rules / "zero.yaml").symlink_to("/dev/zero")
    assert "not under" in _refusal(str(rules / "zero.yaml"), [rules])
    assert "not a regular file" in _refusal("/dev/zero", [Path("/dev")])
    os.mkfifo(rules / "pipe.yaml")
    done: list[str] = []
    t = threading.Thread(target=lambda: done.append(_refusal(str(rules / "pipe.yaml"), [rules])), daemon=True)
    t.start()
    t.join(60)  # (ends when refused; an open would block for good)
    assert done and "not a regular file" in done[0]  # refused, never opened (an open would block)
    (rules / "big.yaml").write_text("name: big\n" + "#" * MAX_FILE_BYTES)
    assert "larger than" in _refusal(str(rules / "big.yaml"), [rules])
    (rules / "shadow.yaml").write_text(SECRET + "\n")
    message = _refusal(str(rules / "shadow.yaml"), [rules])
    assert "not a valid policy" in message and "line 1" in message


def test_a_link_inside_policy_dirs_and_extends_stay_inside(tmp_path: Path, secret_file: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "base.yaml").write_text(POLICY)
    (rules / "alias.yaml").symlink_to(rules / "base.yaml")
    compiled = _compile(str(rules / "alias.yaml"), [rules])
    assert not compiled.inline  # a file source (hot reload reads the disk) runs off the loop
    assert compiled.fn(SHELL_RM | {"context": {"action": {"type": "shell_execute", "target": "rm x"}}}) is not None
    (rules / "shadow.yaml").symlink_to(secret_file)
    (rules / "child.yaml").write_text("name: child\nextends: shadow\n")
    message = _refusal(str(rules / "child.yaml"), [rules])
    assert "not under" in message or "not a valid policy" in message


async def test_config_policy_dirs_and_hot_reload_through_the_server(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    policy = rules / "admin.yaml"
    policy.write_text(POLICY)
    config = tmp_path / "config.yaml"
    config.write_text(
        "policy_dirs: [rules]\n"
        "policies:\n"
        f"  admin_rules: {{handler: {HANDLER}, factory_params: {{path: {policy}, reload_interval_s: 0}}}}\n"
    )
    from goalrail.config.server import load_server_config

    cfg = load_server_config(config)
    assert cfg.policy_dirs == [rules.resolve()]
    store = MemoryStore()
    await add_tokens(store)
    app = create_app(cfg, store, console_token=CONSOLE)
    async with client_for(app) as c:
        d = await c.post("/v1/sessions/h1/events", json=SHELL_RM, headers=auth("alice"))
        assert d.json()["result"] == "DENY" and "admin file" in d.json()["reason"]
        policy.write_text(POLICY.replace("action: deny", "action: allow"))
        os.utime(policy, (time.time() + 5, time.time() + 5))
        d = await c.post("/v1/sessions/h1/events", json=SHELL_RM, headers=auth("alice"))
        assert d.json()["result"] == "ALLOW"
        policy.unlink()
        os.mkfifo(policy)  # swapped for a FIFO: refused, the last good version stays, nothing hangs
        d = await c.post("/v1/sessions/h1/events", json=SHELL_RM, headers=auth("alice"))
        assert d.json()["result"] == "ALLOW"


def test_policy_dirs_must_exist() -> None:
    with pytest.raises(GoalrailError, match="is not a directory"):
        server_config_from_text("policy_dirs: [/nonexistent/goalrail-rules]\n")


# -- the class: no registry parameter reads a file for a session -------------------------------
def test_no_builtin_parameter_opens_a_file_for_a_session(tmp_path: Path, secret_file: Path) -> None:
    """Every string parameter of every registry entry, set to a file's path at session
    level: the factory and the policy never open it (seen by an audit hook)."""
    opened: list[str] = []
    target = str(secret_file)
    armed = [True]

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if armed[0] and event in ("open", "os.open") and args and str(args[0]) == target:
            opened.append(event)

    sys.addaudithook(hook)
    registry = Registry.load()
    tried = 0
    try:
        for entry in registry:
            props = entry.params_schema.get("properties") or {}
            for name, schema in props.items():
                if schema.get("type") != "string" or "enum" in schema:
                    continue
                spec = PolicySpec("probe", entry.handler, level="session", params={name: target})
                try:
                    compiled = compile_policy(spec, registry, require_registered=True)
                except GoalrailError:
                    continue
                tried += 1
                for event in (SHELL_RM, {"type": "request", "data": target}):
                    try:
                        out = compiled.fn({**event, "context": {}, "session_state": {}, "policy_state": {}})
                        if asyncio.iscoroutine(out):
                            asyncio.run(out)
                    except Exception:
                        pass
    finally:
        armed[0] = False
    assert tried > 0 and opened == []
