"""The server's own files (``config.own_files``) and the guard every chain starts with
(``runtime.own_files_guard``): what it denies through the shell's file effects and the file
tools, what it leaves alone, and that nothing below the server config removes it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from goalrail.config.own_files import OwnFiles, own_files, spellings, sqlite_path
from goalrail.config.server import load_server_config, server_config_from_text
from goalrail.config.tools import action_mapper
from goalrail.engine.spec import PolicySpec
from goalrail.errors import ConfigError
from goalrail.policies.builtins.patterns import pattern_policy
from goalrail.policies.registry import Registry
from goalrail.runtime.own_files_guard import GUARD_NAME, guard_inline, own_files_guard
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.unit.shell_support import event, tool_verdict, verdict

HOME = "/home/dev"
FILES = OwnFiles(
    protected=spellings(
        [
            "/srv/goalrail/policies",
            "/srv/goalrail/config.yaml",
            "/srv/goalrail/agents",
            "/var/lib/goalrail/goalrail.db",
            "/var/lib/goalrail/goalrail.db-wal",
            "/srv/goalrail/console-token",
            f"{HOME}/.goalrail",
        ],
        user_home=HOME,
    ),
    secrets=spellings(
        ["/var/lib/goalrail/goalrail.db", "/var/lib/goalrail/goalrail.db-wal", "/srv/goalrail/console-token"],
        user_home=HOME,
    ),
)
GUARD = pattern_policy(inline=guard_inline(FILES))

DENIED = [
    # writes: redirections, writers, copies, editors, interpreters, wrappers, nested shells
    "echo 'default_action: allow' > /srv/goalrail/policies/admin.yaml",
    "echo x >> /srv/goalrail/policies/admin.yaml",
    "sed -i s/deny/allow/ /srv/goalrail/policies/admin.yaml",
    "perl -pi -e s/deny/allow/ /srv/goalrail/config.yaml",
    "echo x | tee -a /srv/goalrail/policies/admin.yaml",
    "cp /tmp/loose.yaml /srv/goalrail/policies/",
    "rsync -a /tmp/p/ /srv/goalrail/policies/",
    "install -m 644 x /srv/goalrail/config.yaml",
    "dd if=/dev/zero of=/var/lib/goalrail/goalrail.db",
    "truncate -s0 /var/lib/goalrail/goalrail.db",
    "ln -sf /tmp/evil /srv/goalrail/config.yaml",
    "touch /srv/goalrail/agents/rogue.yaml",
    "vim /srv/goalrail/config.yaml",
    "sqlite3 /var/lib/goalrail/goalrail.db 'drop table audit'",
    # deletes, moves, mode changes, of the files and of every directory above them
    "rm /srv/goalrail/policies/admin.yaml",
    "unlink /srv/goalrail/config.yaml",
    "shred -u /var/lib/goalrail/goalrail.db",
    "rm -f /var/lib/goalrail/goalrail.db-wal",
    "rm -rf /srv/goalrail",
    "rm -rf /srv/goalrail/",
    "rm -rf /srv",
    "rm -rf /",
    "find /srv/goalrail -delete",
    "find /srv -name '*.yaml' -delete",
    "mv /srv/goalrail /tmp/x",
    "mv /srv/goalrail/policies/admin.yaml /tmp/",
    "chmod 000 /srv/goalrail",
    "chmod -R 777 /srv",
    "chattr +i /srv/goalrail/config.yaml",
    "cd /srv && rm -rf goalrail",
    "sudo rm -rf /srv/goalrail",
    "bash -c 'rm -rf /srv/goalrail/policies'",
    "python3 -c \"import shutil; shutil.rmtree('/srv/goalrail')\"",
    "node -e \"require('fs').rmSync('/srv/goalrail', {recursive: true})\"",
    "ln -s /srv/goalrail/policies p; echo x > p/admin.yaml",
    "rm -rf /SRV/Goalrail",
    # the home, in each spelling of it
    "rm ~/.goalrail/goalrail.db",
    "rm -rf $HOME/.goalrail",
    "rm -rf ${HOME}/.goalrail",
    "mv ~/.goalrail ~/.old",
    "rm -rf ~",
    "rm -rf /home/dev",
    # reads of the secrets
    "cat /srv/goalrail/console-token",
    "cat < /srv/goalrail/console-token",
    "base64 /srv/goalrail/console-token",
    "cp /srv/goalrail/console-token /tmp/t",
    "sqlite3 /var/lib/goalrail/goalrail.db .dump",
    "cat /var/lib/goalrail/goalrail.db-wal",
]
ALLOWED = [
    "echo hi > out.txt",
    "rm -rf build",
    'rm -rf "$X"',
    'echo x > "$LOG"',
    "rm -rf ./*",
    "rm -rf /srv/other",
    "echo x > /srv/goalrail/policies.bak",
    "touch /srv/goalrail2",
    "cat /srv/goalrail/config.yaml",
    "cat /srv/goalrail/policies/admin.yaml",
    "ls /srv/goalrail",
    "git -C /srv/goalrail status",
    "cat /var/lib/goalrail/README",
    "echo x > /home/dev/app/notes.md",
]


@pytest.mark.parametrize("line", DENIED)
def test_a_line_touching_the_servers_files_is_denied(line: str) -> None:
    res = GUARD(event("Bash", {"command": line}))
    assert res is not None and res["result"] == "DENY", (line, res)
    assert res["metadata"]["policy"] == GUARD_NAME


@pytest.mark.parametrize("line", ALLOWED)
def test_other_files_and_runtime_paths_are_left_to_the_sessions_rules(line: str) -> None:
    assert verdict(GUARD, line) == "ALLOW", line


def test_a_recursive_read_above_a_secret_reads_it() -> None:
    assert verdict(GUARD, "tar czf /tmp/x.tgz /srv/goalrail") == "DENY"
    assert verdict(GUARD, "grep -r token /srv") == "DENY"
    assert verdict(GUARD, "grep -r --include='*.md' token /srv") == "ASK"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("Write", {"file_path": "/srv/goalrail/policies/admin.yaml", "content": "x"}),
        ("Edit", {"file_path": "/srv/goalrail/config.yaml", "old_string": "a", "new_string": "b"}),
        ("MultiEdit", {"file_path": "/srv/goalrail/config.yaml", "edits": []}),
        ("NotebookEdit", {"notebook_path": "/srv/goalrail/policies/a.ipynb", "new_source": ""}),
        ("Read", {"file_path": "/var/lib/goalrail/goalrail.db"}),
        ("Read", {"file_path": "/srv/goalrail/console-token"}),
        ("apply_patch", {"input": "*** Begin Patch\n*** Delete File: /srv/goalrail/config.yaml\n*** End Patch"}),
    ],
)
def test_file_tools_meet_the_guard(tool: str, arguments: dict[str, Any]) -> None:
    assert tool_verdict(GUARD, tool, arguments) == "DENY"


def test_mcp_file_tools_meet_it_through_the_mapping() -> None:
    mapper = action_mapper({"mcp__fs__write_file": "sys_os_write", "mcp__fs__read_file": "sys_os_read"}, {})
    write = {"path": "/srv/goalrail/config.yaml", "content": "x"}
    assert tool_verdict(GUARD, "mcp__fs__write_file", write, mapper) == "DENY"
    assert tool_verdict(GUARD, "mcp__fs__read_file", {"path": "/srv/goalrail/console-token"}, mapper) == "DENY"
    assert tool_verdict(GUARD, "mcp__fs__write_file", {"path": "/tmp/x", "content": "x"}, mapper) == "ALLOW"
    assert tool_verdict(GUARD, "Write", {"file_path": "/tmp/x", "content": "x"}) == "ALLOW"


def test_the_reason_names_the_guard_and_no_secret() -> None:
    res = GUARD(event("Bash", {"command": "cat /srv/goalrail/console-token"}))
    assert res is not None and "own files guard" in res["reason"] and "grc_" not in res["reason"]


def test_a_rule_naming_no_path_still_asks_for_runtime_paths() -> None:
    """Must stay the same: only the guard's rules (``metadata.named_only``) pass a path named at run time."""
    inline = guard_inline(FILES)
    for rule in inline["patterns"]:  # type: ignore[union-attr]
        rule["metadata"] = {}  # type: ignore[index]
    assert verdict(pattern_policy(inline=inline), 'rm -rf "$X"') == "ASK"


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (None, "/h/goalrail.db"),
        ("sqlite:////var/lib/g.db", "/var/lib/g.db"),
        ("sqlite+aiosqlite:////var/lib/g.db?timeout=5", "/var/lib/g.db"),
        ("sqlite:///rel.db", "rel.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("memory://", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_the_store_file_a_database_url_names(url: str | None, path: str | None) -> None:
    assert sqlite_path(url, "/h") == path


def test_spellings_resolve_links_and_name_the_home(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    got = spellings([str(tmp_path / "link" / "p"), f"{HOME}/.goalrail/x", "/"], user_home=HOME)
    assert str(tmp_path / "link" / "p") in got and os.path.join(os.path.realpath(real), "p") in got
    assert "~/.goalrail/x" in got and "/" not in got


def _config(tmp: Path, extra: str = "") -> Path:
    for name in ("policies", "agents", "store", "secrets"):
        (tmp / name).mkdir()
    text = (
        f"policy_dirs: [{tmp / 'policies'}]\nagents_dir: {tmp / 'agents'}\n"
        f"database_url: sqlite:///{tmp / 'store' / 'g.db'}\n{extra}"
    )
    path = tmp / "config.yaml"
    path.write_text(text)
    return path


def test_own_files_of_a_config(tmp_path: Path) -> None:
    path = _config(tmp_path)
    got = own_files(
        load_server_config(path), config_path=path, token_file=tmp_path / "secrets" / "tok", home=str(tmp_path / "h")
    )
    assert got is not None
    for p in ("policies", "agents", "config.yaml", "store/g.db", "store/g.db-wal", "secrets/tok", "h"):
        assert str(tmp_path / p) in got.protected, p
    for p in ("store/g.db", "store/g.db-shm", "secrets/tok", "secrets/cookie-key", "h/console-token", "h/token"):
        assert str(tmp_path / p) in got.secrets, p
    assert str(path) not in got.secrets  # (no key written in it)


def test_a_config_holding_a_key_is_a_secret_and_the_guard_turns_off_only_there(tmp_path: Path) -> None:
    path = _config(tmp_path, "llm: {model: m, api_key: sk-x}\n")
    got = own_files(load_server_config(path), config_path=path, home=str(tmp_path / "h"))
    assert got is not None and str(path) in got.secrets
    off = server_config_from_text("server: {guard_own_files: false}")
    assert own_files(off, config_path=None) is None
    with pytest.raises(ConfigError, match="guard_own_files"):
        server_config_from_text("server: {guard_own_files: 'no'}")


def test_every_chain_starts_with_it_and_a_session_policy_cannot_lift_it() -> None:
    loose = PolicySpec(
        "loose",
        "goalrail.policies.builtins.patterns.pattern_policy",
        level="session",
        params={
            "inline": {
                "name": "loose",
                "default_action": "allow",
                "patterns": [{"id": "w", "action_type": "file_write", "pattern": ".*", "action": "allow"}],
            }
        },
    )

    async def run() -> tuple[Any, Any, Any]:
        rt = Runtime(MemoryStore(), registry=Registry.load(), own_files=FILES)
        await rt.store.ensure_session("s", owner="alice")
        await rt.store.add_session_policy("s", loose)
        bad = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf /srv/goalrail"}}}
        ok = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "rm -rf /tmp/build"}}}
        return await rt.evaluate("s", bad), await rt.evaluate("s", ok), rt.chains.first

    denied, allowed, first = asyncio.run(run())
    answer = denied.to_dict()
    assert answer["result"] == "DENY" and answer["policy"] == GUARD_NAME
    assert answer["decisions"][0]["policy"] == GUARD_NAME
    assert allowed.result == "ALLOW" and first is not None and first.spec.name == GUARD_NAME


def test_no_files_no_guard() -> None:
    assert own_files_guard(None, Registry.load()) is None
    assert own_files_guard(OwnFiles((), ()), Registry.load()) is None


def test_a_script_the_session_wrote_meets_it_when_run() -> None:
    def call(tool: str, **arguments: str) -> dict[str, Any]:
        return {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}

    async def run() -> list[str]:
        rt = Runtime(MemoryStore(), registry=Registry.load(), own_files=FILES)
        events = [
            call("Write", file_path="/tmp/w/x.sh", content="#!/bin/sh\nrm -rf /srv/goalrail/policies\n"),
            call("Bash", command="bash /tmp/w/x.sh"),
            call("Write", file_path="/tmp/w/y.py", content="open('/srv/goalrail/config.yaml', 'w').write('x')\n"),
            call("Bash", command="python3 /tmp/w/y.py"),
            call("Write", file_path="/tmp/w/z.sh", content="#!/bin/sh\nrm -rf /tmp/w/build\n"),
            call("Bash", command="bash /tmp/w/z.sh"),
        ]
        return [(await rt.evaluate("s", e)).to_dict()["result"] for e in events]

    assert asyncio.run(run()) == ["ALLOW", "DENY", "ALLOW", "DENY", "ALLOW", "ALLOW"]


def test_a_policy_dir_named_through_a_link_is_guarded_in_both_spellings(tmp_path: Path) -> None:
    real = tmp_path / "data" / "policies"
    real.mkdir(parents=True)
    (tmp_path / "srv").symlink_to(tmp_path / "data")
    path = tmp_path / "config.yaml"
    path.write_text(f"policy_dirs: [{tmp_path / 'srv' / 'policies'}]\n")
    got = own_files(load_server_config(path), config_path=path, home=str(tmp_path / "h"))
    assert got is not None
    guard = pattern_policy(inline=guard_inline(got))
    for spelled in (tmp_path / "srv" / "policies", real.resolve()):
        assert verdict(guard, f"echo x > {spelled}/admin.yaml") == "DENY", spelled
    assert verdict(guard, f"echo x > {tmp_path / 'srv' / 'other.yaml'}") == "ALLOW"


def test_paths_with_regex_and_shell_characters_are_matched_literally() -> None:
    odd = ["/srv/my goalrail-x#1/pol", "/srv/é€/pol", "/srv/a(b)[c]{d}$e^f|g+h?i*j/pol"]
    guard = pattern_policy(inline=guard_inline(OwnFiles(spellings(odd, user_home=HOME), ())))
    assert verdict(guard, "rm -rf '/srv/my goalrail-x#1/pol'") == "DENY"
    assert verdict(guard, "rm -rf /srv/é€/pol/x") == "DENY"
    assert verdict(guard, "rm -rf '/srv/a(b)[c]{d}$e^f|g+h?i*j/pol'") == "DENY"
    assert verdict(guard, "rm -rf '/srv/aXbX/pol'") == "ALLOW"  # (no character class or group read)
