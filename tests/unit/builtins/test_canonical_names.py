"""Builtins see canonical tool names only: harness names live in the one tool mapping.

``engine.actions`` maps every harness's tool names onto canonical tools and finds
the arguments naming a working directory; a builtin that spelt a harness's own
name (``Skill``, ``exec_command``) or argument key (``workdir``) would judge that
harness differently from the others.
"""

from __future__ import annotations

import ast
from pathlib import Path

from goalrail.engine.actions import CANONICAL_TOOLS, DIRECTORY_ARGUMENTS, HARNESS_ALIASES, ActionMapper
from tests.unit.builtins.builtin_events import tool_event

BUILTINS = Path(__file__).resolve().parents[3] / "src" / "goalrail" / "policies" / "builtins"

# Harness names that are not plain lowercase words: a plain word (`read`, `shell`, `list`)
# is also a shell command, a GitHub or Google operation, so its presence proves nothing.
HARNESS_NAMES = {k for k in HARNESS_ALIASES if k not in CANONICAL_TOOLS and (k != k.lower() or "_" in k)}
# Directory argument keys that are not words builtins use for something else (`cwd` is a
# context key, `chdir` a shell command, `dir`/`directory` plain words).
DIRECTORY_KEYS = {k for k in DIRECTORY_ARGUMENTS if k.startswith("work")}


def _strings(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_the_lists_are_not_empty() -> None:
    assert {"Bash", "Skill", "SlashCommand", "exec_command", "apply_patch"} <= HARNESS_NAMES
    assert "workdir" in DIRECTORY_KEYS


def test_builtins_spell_no_harness_tool_name_or_argument_key() -> None:
    found = []
    for path in sorted(BUILTINS.glob("*.py")):
        for name in sorted(_strings(path) & (HARNESS_NAMES | DIRECTORY_KEYS)):
            found.append(f"{path.name}: `{name}`")
    assert not found, found


def test_the_check_sees_a_harness_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('SKILLS = {"Skill": ("skill",)}\nKEYS = frozenset({"workdir"})\n', encoding="utf-8")
    assert _strings(bad) & (HARNESS_NAMES | DIRECTORY_KEYS) == {"Skill", "workdir"}


def test_skill_tools_map_onto_load_skill() -> None:
    mapper = ActionMapper()
    for name in ("Skill", "SlashCommand"):
        action = mapper.map_tool(name, {"skill": "x"})
        assert (action["tool"], action["original"], action["mapped_by"]) == ("load_skill", name, "builtin")
    assert mapper.map_tool("load_skill", {"name": "x"})["mapped_by"] is None  # canonical already


def test_directory_arguments_are_carried_on_the_action_by_their_own_key() -> None:
    action = ActionMapper().map_tool("exec_command", {"cmd": "ls", "workdir": "/etc", "CWD": "/tmp", "x": 1})
    assert action["dir_args"] == {"workdir": "/etc", "CWD": "/tmp"}
    assert "dir_args" not in ActionMapper().map_tool("Bash", {"command": "ls"})
    event = tool_event("exec_command", {"cmd": "ls", "workdir": ["/etc"]})
    assert event["context"]["action"]["dir_args"] == {"workdir": ["/etc"]}
