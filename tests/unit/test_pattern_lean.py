"""The own-files guard's lean path (``policies.builtins._pattern_lean``) answers every event as the
full pattern evaluation does: over the shell corpora, the guard tests' lines, the harness-guard
lines, and each protected path spelled every way the shell and the file tools spell it, under the
test's guard and a real ``own_files(...)`` config's, from several directories."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from goalrail.config.own_files import OwnFiles, own_files
from goalrail.config.server import load_server_config
from goalrail.config.tools import action_mapper
from goalrail.engine.actions import ActionMapper
from goalrail.patterns.templates._base import GUARD_FILES, GUARD_LINES
from goalrail.policies.builtins import _pattern_lean
from goalrail.policies.builtins._pattern_lean import named_reach
from goalrail.policies.builtins.patterns import _checker, _fixed, pattern_policy
from goalrail.policies.registry import Registry
from goalrail.runtime.own_files_guard import guard_inline
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.unit import test_guard_moved_and_restored as moved
from tests.unit import test_own_files_guard as own
from tests.unit.shell_corpus import CORPUS
from tests.unit.shell_support import MAPPER, event

CWDS = ("/home/dev/app", "/srv/goalrail", None, "~/proj", "/")
MCP = action_mapper(
    {"mcp__fs__write_file": "sys_os_write", "mcp__fs__read_file": "sys_os_read", "mcp__fs__move_file": "sys_os_move"},
    {},
)
Pair = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _pair(files: OwnFiles) -> Pair:
    """(the guard as the chain runs it, the full evaluation of the same policy)."""
    inline = guard_inline(files)
    policy = _fixed(None, inline, {}, [], [])
    return pattern_policy(inline=inline), _checker(lambda _now: policy)


def _config_files(root: Path) -> OwnFiles:
    for name in ("policies", "agents", "store", "secrets"):
        (root / name).mkdir(parents=True, exist_ok=True)
    text = (
        f"policy_dirs: [{root / 'policies'}]\nagents_dir: {root / 'agents'}\n"
        f"database_url: sqlite:///{root / 'store' / 'g.db'}\n"
    )
    path = root / "config.yaml"
    path.write_text(text)
    got = own_files(
        load_server_config(path), config_path=path, token_file=root / "secrets" / "tok", home="/home/dev/.gr"
    )
    assert got is not None
    return got


def _corpus(root: str) -> list[str]:
    out: list[str] = []
    benign = yaml.safe_load((CORPUS / "shell_benign.yaml").read_text())
    bypass = yaml.safe_load((CORPUS / "shell_bypass.yaml").read_text())
    for case in [*benign["commands"], *benign["file_commands"], *bypass["cases"]]:
        line = case if isinstance(case, str) else case.get("command") if isinstance(case, dict) else None
        if isinstance(line, str):
            out.append(line.replace("@ROOT@", root))
    return out


def _spellings(path: str) -> Iterator[str]:
    """``path`` as a line may spell it: cased, slashed, dotted, globbed, through the home."""
    head, _, name = path.rpartition("/")
    yield from (path, path.upper(), path + "/", path + "/x", path + "2", head, head + "/", head + "/.")
    yield from (f"{head}/./{name}", f"{head}/../{head.rsplit('/', 1)[-1]}/{name}", "/" + path, path + ":644")
    yield from (
        f"{head}/{name[:3]}*",
        f"{head}/{name[:2]}?{name[3:]}",
        f"{head}/[a-z]{name[1:]}",
        f"{head}/{{{name},x}}",
    )
    yield from (path.replace("/home/dev", "~"), path.replace("/home/dev", "$HOME"), path.replace("/home/dev", "~dev"))
    yield from (
        name,
        f"./{name}",
        f"../{name}",
        f"{head.rsplit('/', 1)[-1]}/{name}",
        f"`echo {path}`",
        f"$(echo {head})",
    )


def _generated(paths: tuple[str, ...]) -> list[str]:
    forms = sorted({s for p in paths[:12] for s in _spellings(p)})
    verbs = ("rm -rf {}", "cat {}", "echo x > {}", "chmod 777 {}", "mv {} /tmp/x", "grep -r k {}", "cd {} && rm -rf .")
    return [v.format(f) for f in forms for v in verbs]


def _tool_calls(paths: tuple[str, ...]) -> list[tuple[str, dict[str, Any], ActionMapper]]:
    forms = sorted({s for p in paths[:12] for s in _spellings(p)})
    out: list[tuple[str, dict[str, Any], ActionMapper]] = []
    for f in forms:
        out += [
            ("Read", {"file_path": f}, MAPPER),
            ("Write", {"file_path": f, "content": "x"}, MAPPER),
            ("Edit", {"file_path": f, "old_string": "a", "new_string": "b"}, MAPPER),
            ("Glob", {"pattern": f}, MAPPER),
            ("Grep", {"pattern": "k", "path": f}, MAPPER),
            ("apply_patch", {"input": f"*** Begin Patch\n*** Delete File: {f}\n*** End Patch"}, MAPPER),
            ("mcp__fs__write_file", {"path": f, "content": "x"}, MCP),
            ("mcp__fs__read_file", {"path": f}, MCP),
            ("mcp__fs__move_file", {"source": "/tmp/a", "destination": f}, MCP),
            ("PowerShell", {"command": f"Remove-Item -Recurse -Force {f}"}, MAPPER),
            ("PowerShell", {"command": f"Set-Content -Path {f} -Value x"}, MAPPER),
        ]
        for directory in ("/srv/goalrail", "/srv", "/home/dev", "app", "~"):  # a directory the call names
            out += [("run_shell_command", {"command": f"rm -rf {f}", "dir_path": directory}, MAPPER)]
            out += [("run_shell_command", {"command": f"echo x > {f}", "dir_path": directory}, MAPPER)]
    return out


def _differences(pair: Pair, lines: list[str], tools: list[tuple[str, dict[str, Any], ActionMapper]]) -> list[str]:
    lean, full = pair
    out = []
    for cwd in CWDS:
        for line in lines:
            ev = event("Bash", {"command": line}, cwd)
            if (got := lean(ev)) != (want := full(ev)):
                out.append(f"{cwd} {line!r}: lean {got} full {want}")
        for tool, arguments, mapper in tools:
            ev = event(tool, arguments, cwd, mapper)
            if (got := lean(ev)) != (want := full(ev)):
                out.append(f"{cwd} {tool} {arguments}: lean {got} full {want}")
    return out


def test_a_file_the_session_wrote_and_runs_is_judged_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    def call(tool: str, **arguments: str) -> dict[str, Any]:
        return {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}

    scripts = {
        "a.sh": "#!/bin/sh\nrm -rf /srv/goalrail/policies\n",
        "b.py": "open('/srv/goalrail/config.yaml', 'w').write('x')\n",
        "c.sh": "#!/bin/sh\nrm -rf /tmp/w/build\n",
        "d.sh": "cat /var/lib/goalrail/goalrail.db\n",
    }
    events = [call("Write", file_path=f"/tmp/w/{name}", content=text) for name, text in scripts.items()]
    events += [call("Bash", command=f"{'python3' if n.endswith('.py') else 'bash'} /tmp/w/{n}") for n in scripts]
    events += [call("Bash", command="cd /tmp/w && bash a.sh"), call("Bash", command="sh c.sh")]
    events += [call("Bash", command="printf 'rm -rf /srv\\n' > /tmp/w/e.sh; bash /tmp/w/e.sh")]

    async def run() -> list[object]:
        rt = Runtime(MemoryStore(), registry=Registry.load(), own_files=own.FILES)
        return [(await rt.evaluate("s", e)).to_dict()["result"] for e in events]

    lean = asyncio.run(run())
    monkeypatch.setattr(_pattern_lean, "named_reach", lambda _policy: None)  # the full evaluation only
    assert asyncio.run(run()) == lean
    assert lean[4:8] == ["DENY", "DENY", "ALLOW", "DENY"]


@pytest.fixture(scope="module")
def config_files(tmp_path_factory: pytest.TempPathFactory) -> OwnFiles:
    return _config_files(tmp_path_factory.mktemp("own"))


SOURCES = ["corpus", "guard_tests", "generated"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("which", ["test_files", "config"])
def test_the_lean_path_answers_as_the_full_evaluation(source: str, which: str, config_files: OwnFiles) -> None:
    files = own.FILES if which == "test_files" else config_files
    root = "/srv/goalrail" if which == "test_files" else str(Path(files.protected[0]).parent)
    tools: list[tuple[str, dict[str, Any], ActionMapper]] = []
    if source == "corpus":
        lines = _corpus(root) + _corpus("/home/dev") + _corpus("/r")
    elif source == "guard_tests":
        lines = [*own.DENIED, *own.ALLOWED, *GUARD_LINES, *(f"rm -rf {p}" for p in GUARD_FILES)]
        lines += [*moved.THROUGH_VARIABLES, *moved.SETTING_VARIABLES, *moved.RESTORED, *moved.PROGRAM_AND_CONFIG]
        lines += list(moved.UNGUARDED)
    else:
        lines, tools = _generated(files.protected + files.secrets), _tool_calls(files.protected + files.secrets)
    lines = [line for line in lines if isinstance(line, str)]
    assert _differences(_pair(files), lines, tools) == []


def test_the_guard_is_lean_and_skips_what_names_none_of_its_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    lean, _full = _pair(own.FILES)
    assert lean.__name__ == "lean"
    touched: list[bool] = []
    real = _pattern_lean.touches
    monkeypatch.setattr(_pattern_lean, "touches", lambda *a: touched.append(real(*a)) or touched[-1])
    for line in ("ls -la src", "rm -rf build", "cat /etc/passwd", "echo x > /srv/goalrail2/x", "git status"):
        assert lean(event("Bash", {"command": line})) is None
    assert lean(event("Read", {"file_path": "/repo/README.md"})) is None
    assert touched == [False] * 6
    # a path it guards, above one, or one known only at run time: the full evaluation
    for line in ("rm -rf /srv", "cat /srv/goal*/console-token", 'rm -rf "$X"', "rm -rf `pwd`", "rm -rf ../../../srv"):
        touched.clear()
        lean(event("Bash", {"command": line}, "/home/dev/app"))
        assert touched == [True], line


def test_a_policy_not_only_of_named_paths_is_evaluated_in_full() -> None:
    inline = guard_inline(own.FILES)
    assert named_reach(_fixed(None, inline, {}, [], [])) is not None
    extra = {
        "id": "x",
        "action_type": "file_read",
        "pattern": "^/etc/",
        "action": "deny",
        "metadata": {"named_only": True},
    }
    for changed in (
        {**inline, "default_action": "deny"},
        {**inline, "patterns": [*inline["patterns"], extra]},  # type: ignore[list-item]
        {**inline, "patterns": [{**inline["patterns"][0], "pattern": "(?i)^/srv"}]},  # type: ignore[index,dict-item]
        {**inline, "patterns": [{**inline["patterns"][0], "action": "warn"}]},  # type: ignore[index,dict-item]
    ):
        assert named_reach(_fixed(None, changed, {}, [], [])) is None
        assert pattern_policy(inline=changed).__name__ == "readable"
