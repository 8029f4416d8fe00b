"""A file action's path, however it is spelled, carries its canonical spelling in ``targets``
(``policies.path_spellings`` through ``build_event``), so a rule on ``/etc/…`` or ``.env`` sees it.

By class: ``/proc`` aliases of the root and the cwd, ``file:`` URLs, a home directory climbed out
of, Windows spellings (drives, ``\\\\?\\``, UNC, streams, trailing dots and spaces), a NUL byte,
and the argument keys a file tool names a path by.  Near misses get no spelling they do not
have (a posix ``.env.`` is its own file) and stay allowed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit import shell_support

APP = "/home/dev/app"
WIN = "C:\\Users\\dev\\app"
MAPPER = ActionMapper({"mcp__fs__*": "sys_os_write", "mcp__fs__read*": "sys_os_read"})
RULES = pattern_policy(
    inline={
        "name": "paths",
        "default_action": "allow",
        "patterns": [
            {"id": "etc", "pattern": "/etc/.*", "action": "deny", "action_type": "file_*"},
            {"id": "dotenv", "pattern": "(.*/)?\\.env$", "action": "deny", "action_type": "file_*"},
            {"id": "ssh", "pattern": "(.*/)?\\.ssh/.*", "action": "deny", "action_type": "file_*"},
        ],
    }
)
STRICT = pattern_policy(policy="strict")


def event(tool: str, arguments: dict[str, Any], cwd: str | None = APP) -> dict[str, Any]:
    return shell_support.event(tool, arguments, cwd, MAPPER)


def targets(tool: str, arguments: dict[str, Any], cwd: str | None = APP) -> list[str]:
    action = event(tool, arguments, cwd)["context"]["action"]
    return list(action.get("targets") or [action["target"]])


def verdict(policy: Any, tool: str, arguments: dict[str, Any], cwd: str | None = APP) -> str:
    res = policy(event(tool, arguments, cwd))
    return "ALLOW" if res is None else str(res["result"])


SPELLED = [
    # /proc aliases of the root and of the directory the call runs in
    ("/proc/self/root/etc/shadow", APP, "/etc/shadow"),
    ("/proc/thread-self/root/etc/shadow", APP, "/etc/shadow"),
    ("/proc/4242/root/etc/shadow", APP, "/etc/shadow"),
    ("/proc/self/root/proc/self/root/etc/shadow", APP, "/etc/shadow"),
    ("/proc/self/cwd/.env", APP, f"{APP}/.env"),
    ("/proc/self/cwd/../../etc/shadow", "/srv/app", "/etc/shadow"),
    ("/proc/self/root/", APP, "/"),
    # file: URLs, percent-decoded
    ("file:///etc/shadow", APP, "/etc/shadow"),
    ("file://localhost/etc/shadow", APP, "/etc/shadow"),
    ("FILE:/etc/shadow", APP, "/etc/shadow"),
    ("file:///%65tc/shadow", APP, "/etc/shadow"),
    ("file:///home/dev/app/%2Eenv", APP, f"{APP}/.env"),
    ("file:///C:/Users/dev/.ssh/id_rsa", WIN, "C:/Users/dev/.ssh/id_rsa"),
    # a home directory not known here, climbed out of
    ("~/../../etc/shadow", APP, "/etc/shadow"),
    ("$HOME/../../etc/shadow", APP, "/etc/shadow"),
    ("${HOME}/../../../etc/shadow", APP, "/etc/shadow"),
    ("%USERPROFILE%\\..\\..\\etc\\shadow", WIN, "/etc/shadow"),
    ("~/./.ssh//id_rsa", APP, "~/.ssh/id_rsa"),
    # Windows spellings
    ("C:\\Users\\dev\\.ssh\\id_rsa", WIN, "C:/Users/dev/.ssh/id_rsa"),
    ("c:\\Users\\dev\\app\\..\\.ssh\\id_rsa", WIN, "C:/Users/dev/.ssh/id_rsa"),
    ("\\\\?\\C:\\Users\\dev\\.ssh\\id_rsa", WIN, "C:/Users/dev/.ssh/id_rsa"),
    ("\\\\.\\C:\\Users\\dev\\.env", WIN, "C:/Users/dev/.env"),
    ("\\\\?\\UNC\\fs\\home\\..\\..\\dev\\.env", WIN, "//fs/home/dev/.env"),
    ("\\\\fs\\home\\dev\\.ssh\\id_rsa", WIN, "//fs/home/dev/.ssh/id_rsa"),
    ("C:\\app\\.env::$DATA", WIN, "C:/app/.env"),
    ("C:\\app\\.env:hidden", WIN, "C:/app/.env"),
    ("C:\\app\\.env.", WIN, "C:/app/.env"),
    ("C:\\app\\.env . .", WIN, "C:/app/.env"),
    (".env::$DATA", WIN, "C:/Users/dev/app/.env"),
    ("src\\..\\.env", WIN, "C:/Users/dev/app/.env"),
    ("..\\..\\..\\etc\\shadow", APP, "/etc/shadow"),
    ("..\\..\\etc\\x", None, "../../etc/x"),
    # a NUL byte ends the path; trailing slashes
    (f"{APP}/.env\u0000.txt", APP, f"{APP}/.env"),
    ("/etc/shadow/", APP, "/etc/shadow"),
]


@pytest.mark.parametrize(("path", "cwd", "spelled"), SPELLED)
def test_a_path_spelled_otherwise_carries_its_canonical_spelling(path: str, cwd: str | None, spelled: str) -> None:
    found = targets("Read", {"file_path": path}, cwd)
    assert found[0] == path and spelled in found


#: the spellings of a protected file that its rules do not match as sent
PROTECTED = [
    s
    for s in SPELLED
    if s[1] is not None and re.search(r"etc/|\.env|\.ssh", s[2]) and not re.match(r"/etc/|.*\.env$|.*/\.ssh/", s[0])
]


@pytest.mark.parametrize(("path", "cwd", "spelled"), PROTECTED)
def test_and_the_rule_on_that_spelling_decides(path: str, cwd: str | None, spelled: str) -> None:
    assert verdict(RULES, "Write", {"file_path": path, "content": "x"}, cwd) == "DENY"


@pytest.mark.parametrize(
    "arguments",
    [
        {"source": f"{APP}/job", "destination": "/etc/cron.d/job"},
        {"from": f"{APP}/job", "to": "/etc/cron.d/job"},
        {"src": f"{APP}/job", "dst": "/etc/cron.d/job"},
        {"relative_path": "../../../etc/cron.d/job", "content": "x"},
        {"output_path": "/etc/cron.d/job", "content": "x"},
        {"new_file": "/etc/cron.d/job"},
        {"uri": "file:///etc/cron.d/job"},
        {"target": "/etc/cron.d/job"},
        {"sourcePath": f"{APP}/a", "targetPath": "/etc/cron.d/job"},
    ],
)
def test_a_file_tool_naming_its_path_by_another_key(arguments: dict[str, Any]) -> None:
    assert verdict(RULES, "mcp__fs__move_file", arguments) == "DENY"
    assert verdict(RULES, "mcp__fs__read_text_file", arguments) == "DENY"


@pytest.mark.parametrize(
    ("tool", "arguments", "cwd"),
    [
        ("Read", {"file_path": "/proc/self/status"}, APP),
        ("Read", {"file_path": "/proc/4242/cwd/etc/shadow"}, APP),  # another process's cwd: not known
        ("Read", {"file_path": f"{APP}/.envrc"}, APP),
        ("Read", {"file_path": f"{APP}/docs/etc/x"}, APP),
        ("Read", {"file_path": f"{APP}/.env.example"}, APP),
        ("Read", {"file_path": ".env.", "content": "x"}, APP),  # posix: its own file
        ("Read", {"file_path": f"{APP}/notes:.env"}, APP),  # posix: a colon is a character
        ("Read", {"file_path": "file:///home/dev/app/README.md"}, APP),
        ("Read", {"file_path": "~/../dev/.envs/x"}, APP),
        ("Read", {"file_path": "C:\\Users\\dev\\app\\etc\\x.py"}, WIN),
        ("Read", {"file_path": "C:\\Users\\dev\\app\\.env.local"}, WIN),
        ("mcp__fs__move_file", {"source": f"{APP}/a.py", "destination": f"{APP}/b.py", "workdir": "/etc"}, APP),
        ("read_file", {"target_file": f"{APP}/a.py", "should_read_entire_file": True}, APP),
    ],
)
def test_near_misses_stay_allowed(tool: str, arguments: dict[str, Any], cwd: str) -> None:
    assert verdict(RULES, tool, arguments, cwd) == "ALLOW"


def test_a_canonical_path_gets_no_second_spelling() -> None:
    action = event("Read", {"file_path": f"{APP}/src/a.py"})["context"]["action"]
    assert action["target"] == f"{APP}/src/a.py" and "targets" not in action
    action = event("Read", {"file_path": "/proc/self/status"})["context"]["action"]
    assert "targets" not in action


@pytest.mark.parametrize(
    ("path", "cwd"),
    [
        ("C:\\Windows\\System32\\drivers\\etc\\hosts", None),
        ("c:/Windows/win.ini", None),
        ("\\\\fs\\share\\x", None),
        ("..\\..\\x", None),
        ("file:///home/dev/x", None),
        ("$HOME/.bashrc", None),
        ("%APPDATA%\\x", None),
    ],
)
def test_strict_workspace_is_not_a_windows_drive_nor_a_home(path: str, cwd: str | None) -> None:
    # strict's workspace "paths relative to the working directory" is not an absolute Windows path
    assert verdict(STRICT, "Write", {"file_path": path, "content": "x"}, cwd) != "ALLOW"


def test_strict_workspace_still_holds_relative_paths() -> None:
    assert verdict(STRICT, "Write", {"file_path": "src\\app.py", "content": "x"}, None) == "ALLOW"
    assert verdict(STRICT, "Write", {"file_path": "src/app.py", "content": "x"}, None) == "ALLOW"
    assert verdict(STRICT, "Write", {"file_path": "/workspace/src/app.py", "content": "x"}, None) == "ALLOW"


@pytest.mark.parametrize("policy", ["strict", "read_only"])
@pytest.mark.parametrize(
    "path",
    [
        "/Users/dev/.SSH/config",
        "C:\\Users\\dev\\.Ssh\\config",
        "/Users/dev/app/.ENV",
        "C:\\app\\.Env",
        "/Users/dev/ID_RSA",
    ],
)
def test_shipped_secret_rules_ignore_case(policy: str, path: str) -> None:
    # macOS and Windows open `.ENV` and `.SSH` as `.env` and `.ssh`: the shipped rules on secret names ignore case
    assert verdict(pattern_policy(policy=policy), "Read", {"file_path": path}, None) == "DENY"


@pytest.mark.parametrize("template", ["soc2_compliant", "hipaa_standard"])
def test_template_secret_rules_ignore_case(template: str) -> None:
    assert verdict(pattern_policy(policy=template), "Read", {"file_path": "/Users/dev/app/.ENV"}, None) == "DENY"
    assert verdict(pattern_policy(policy=template), "Read", {"file_path": "/Users/dev/app/README.md"}, None) == "ALLOW"


@pytest.mark.parametrize(
    "arguments",
    [
        {"file_path": "cron.d/job", "workdir": "~/../../etc"},
        {"file_path": "cron.d/job", "working_directory": "file:///etc"},
        {"file_path": "cron.d/job", "cwd": "/proc/self/root/etc"},
        {"file_path": "x\\..\\.env::$DATA", "workdir": "\\\\?\\C:\\app"},
    ],
)
def test_the_directory_a_call_names_is_read_in_its_canonical_spelling(arguments: dict[str, Any]) -> None:
    assert verdict(RULES, "Write", {**arguments, "content": "x"}) == "DENY"
    assert verdict(RULES, "Write", {**arguments, "file_path": "../app/src/a.py", "content": "x"}) == "ALLOW"


def test_a_path_longer_than_any_system_opens_is_judged_as_sent_in_bounded_time() -> None:
    long = "a/" * 500_000 + "../" * 500_000 + "etc/shadow"
    assert targets("Read", {"file_path": long}) == [long]
    assert "/etc/shadow" in targets("Read", {"file_path": "/etc/shadow\u0000" + "x" * 100_000})
