"""A real `goalrail server` whose config, policy_dirs, agents_dir, SQLite store and console token
live outside its home: a governed session can change none of them, nor read its secrets, through
a shell line or a file tool, whatever policies the session adds; the same session writes its own
files as before, and only ``server.guard_own_files: false`` in the config turns the guard off."""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.test_process import TOKENS, Server

GUARD = "goalrail_own_files_guard"


def _layout(tmp: Path, *, guard: bool | None = None) -> dict[str, Path]:
    where = {name: tmp / "srv" / name for name in ("policies", "agents", "store", "secrets", "work")}
    for path in where.values():
        path.mkdir(parents=True)
    (where["policies"] / "admin.yaml").write_text(
        "name: admin\ndefault_action: allow\npatterns:\n"
        "  - {id: no_curl, action_type: shell_execute, pattern: 'curl\\b.*', action: deny}\n"
    )
    lines = [
        f"policy_dirs: [{where['policies']}]",
        f"agents_dir: {where['agents']}",
        f"database_url: sqlite:///{where['store'] / 'goalrail.db'}",
        "policies:",
        "  admin:",
        "    handler: goalrail.policies.builtins.patterns.pattern_policy",
        f"    factory_params: {{path: {where['policies'] / 'admin.yaml'}}}",
        "auth:",
        f"  console_token_file: {where['secrets'] / 'console-token'}",
        "  tokens:",
    ]
    for token, user, role in TOKENS.values():
        lines.append(f"    - {{user: {user}, role: {role}, sha256: {hashlib.sha256(token.encode()).hexdigest()}}}")
    if guard is not None:
        lines.append(f"server: {{guard_own_files: {str(guard).lower()}}}")
    config = tmp / "srv" / "config.yaml"
    config.write_text("\n".join(lines) + "\n")
    return {**where, "config": config}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, Path]]]:
    tmp = tmp_path_factory.mktemp("own")
    where = _layout(tmp)
    server = Server(tmp, config=where["config"])
    yield server, where
    server.stop()


def _h(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name][0]}"}


def _post(server: Server, session: str, event: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{server.url}/v1/sessions/{session}/events", json=event, headers=_h("agent"), timeout=30)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _bash(server: Server, session: str, command: str, cwd: Path | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}}
    if cwd is not None:
        event["context"] = {"cwd": str(cwd)}
    return _post(server, session, event)


def _tool(server: Server, session: str, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return _post(server, session, {"type": "tool_call", "target": tool, "data": {"arguments": arguments}})


CHANGES = [
    "echo 'default_action: allow' > {policies}/admin.yaml",
    "sed -i 's/deny/allow/' {policies}/admin.yaml",
    "rm {policies}/admin.yaml",
    "mv {policies}/admin.yaml /tmp/gone.yaml",
    "cp /tmp/loose.yaml {policies}/",
    "rm -rf {store}",
    "rm -f {store}/goalrail.db-wal",
    "rm -rf {srv}",
    "chmod 000 {srv}",
    "tee {config} < /tmp/loose.yaml",
    "touch {agents}/rogue.yaml",
    "python3 -c \"import shutil; shutil.rmtree('{policies}')\"",
]


def _fill(line: str, where: dict[str, Path]) -> str:
    return line.format(
        **{k: shlex.quote(str(v)) for k, v in where.items()}, srv=shlex.quote(str(where["config"].parent))
    )


@pytest.mark.parametrize("line", CHANGES)
def test_a_shell_line_changing_the_servers_files_is_denied(guarded: tuple[Server, dict[str, Path]], line: str) -> None:
    server, where = guarded
    answer = _bash(server, "chg", _fill(line, where))
    assert answer["result"] == "DENY" and answer["policy"] == GUARD, answer


def test_a_relative_path_from_the_policy_dir_is_denied(guarded: tuple[Server, dict[str, Path]]) -> None:
    server, where = guarded
    answer = _bash(server, "rel", "rm -f admin.yaml", cwd=where["policies"])
    assert answer["result"] == "DENY" and answer["policy"] == GUARD, answer


def test_reading_the_token_or_the_store_is_denied_without_echoing_it(guarded: tuple[Server, dict[str, Path]]) -> None:
    server, where = guarded
    token = (where["secrets"] / "console-token").read_text().strip()
    for line in (f"cat {where['secrets'] / 'console-token'}", f"sqlite3 {where['store'] / 'goalrail.db'} .dump"):
        answer = _bash(server, "read", line)
        assert answer["result"] == "DENY" and answer["policy"] == GUARD, answer
        assert token not in str(answer)
    answer = _tool(server, "read", "Read", {"file_path": str(where["secrets"] / "console-token")})
    assert answer["result"] == "DENY" and token not in str(answer), answer


def test_file_tools_meet_the_guard(guarded: tuple[Server, dict[str, Path]]) -> None:
    server, where = guarded
    write = _tool(server, "tools", "Write", {"file_path": str(where["policies"] / "admin.yaml"), "content": "x"})
    edit = _tool(
        server, "tools", "Edit", {"file_path": str(where["config"]), "old_string": "deny", "new_string": "allow"}
    )
    assert write["result"] == edit["result"] == "DENY" and write["policy"] == edit["policy"] == GUARD


def test_the_session_writes_its_own_files_as_before(guarded: tuple[Server, dict[str, Path]]) -> None:
    """Controls: the same machine, the same session, other files (and reading the admin's policy)."""
    server, where = guarded
    work = where["work"]
    for line in (
        f"echo hi > {work}/out.txt",
        f"rm -rf {work}/build",
        f"cat {where['policies']}/admin.yaml",
        f"ls {where['store']}",
        f"echo x > {where['policies']}.bak",
        'rm -rf "$TMPDIR/x"',
    ):
        answer = _bash(server, "ctl", line)
        assert answer["result"] == "ALLOW", (line, answer)
    answer = _tool(server, "ctl", "Write", {"file_path": str(work / "notes.md"), "content": "x"})
    assert answer["result"] == "ALLOW", answer


def test_no_session_or_admin_request_removes_the_guard(guarded: tuple[Server, dict[str, Path]]) -> None:
    server, where = guarded
    target = f"echo x > {where['policies']}/admin.yaml"
    assert _bash(server, "own", "true")["result"] == "ALLOW"  # (the session exists, alice's)
    allow_all = {
        "name": "allow_everything",
        "handler": "goalrail.policies.builtins.patterns.pattern_policy",
        "factory_params": {
            "inline": {
                "name": "loose",
                "default_action": "allow",
                "patterns": [{"id": "w", "action_type": "file_write", "pattern": ".*", "action": "allow"}],
            }
        },
    }
    r = httpx.post(f"{server.url}/v1/sessions/own/policies", json=allow_all, headers=_h("alice"))
    assert r.status_code == 201, r.text
    for name in ("alice", "admin"):
        gone = httpx.delete(f"{server.url}/v1/sessions/own/policies/{GUARD}", headers=_h(name))
        assert gone.status_code in (403, 404), gone.text
    assert httpx.delete(f"{server.url}/v1/policies/{GUARD}", headers=_h("admin")).status_code == 404
    answer = _bash(server, "own", target)
    assert answer["result"] == "DENY" and answer["policy"] == GUARD, answer
    detail = httpx.get(f"{server.url}/v1/sessions/own", headers=_h("alice")).json()
    names = [p["name"] for p in detail["policies"]]
    assert names[0] == GUARD and "allow_everything" in names
    assert httpx.get(f"{server.url}/healthz").json()["own_files_guard"] is True


def test_only_the_server_config_turns_it_off(tmp_path: Path) -> None:
    where = _layout(tmp_path, guard=False)
    server = Server(tmp_path, config=where["config"])
    try:
        answer = _bash(server, "off", f"echo x > {where['policies']}/admin.yaml")
        assert answer["result"] == "ALLOW" and GUARD not in str(answer), answer
        assert httpx.get(f"{server.url}/healthz").json()["own_files_guard"] is False
        assert "own-files guard OFF" in server.output()
    finally:
        server.stop()
