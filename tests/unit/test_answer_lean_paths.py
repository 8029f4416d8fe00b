"""What the runtime's answer no longer repeats, and what must not change with it.

* A tool call's paths are listed once (``policies.builtins._pattern_call``) for the full pattern
  evaluation and the own-files guard's lean path: a patch's deletes and moves, a move's or copy's
  ends, a shell call's lines (PowerShell's read as PowerShell) meet the guard alike either way.
* The lean path notices a guard policy changed after it was wrapped (its revision, or its
  parents' through ``Policy.compiled``) and then evaluates in full.
* A chain whose policies listen by type only keeps one plan per event type, not one per tool name.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any

from goalrail.engine.actions import ActionMapper
from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.spec import PolicySpec
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins import _pattern_call, _pattern_lean, patterns
from goalrail.policies.builtins._pattern_lean import lean_checker
from goalrail.policies.builtins.patterns import _checker, _fixed
from goalrail.policies.listens import Listens
from goalrail.runtime.own_files_guard import guard_inline
from tests.unit import test_own_files_guard as own
from tests.unit.shell_support import MAPPER, event
from tests.unit.test_pattern_lean import _pair

SECRET = "/srv/goalrail/config.yaml"
MCP = ActionMapper()  # (an MCP filesystem server's move and copy, mapped by name: ``engine.mcp_files``)


def _names_used(module: object) -> set[str]:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names
    }


def test_a_calls_paths_are_listed_in_one_place() -> None:
    listing = {"shell_lines", "patch_effects", "transfer_effects", "tool_line"}
    for module in (_pattern_lean, patterns):
        used = _names_used(module)
        assert {"call_lines", "call_paths"} <= used, module.__name__
        assert not used & listing, (module.__name__, used & listing)


def test_call_paths_lists_targets_a_patchs_deletes_and_moves_and_a_moves_ends() -> None:
    patch = "*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n*** Delete File: c.txt\n*** End Patch"
    ev = event("apply_patch", {"input": patch})
    action = ev["context"]["action"]
    named, patched, moved = _pattern_call.call_paths(action["type"], action, ev["data"]["arguments"])
    assert (action["type"], moved) == ("file_write", [])
    assert sorted(patched) == sorted(
        [("file_move", "a.txt"), ("file_delete", "a.txt"), ("file_move", "b.txt"), ("file_delete", "c.txt")]
    )
    assert named[0] == action["target"]
    ends = {"source": "/tmp/a", "destination": "/tmp/b"}
    for tool, kind, want in (
        (
            "mcp__fs__move_file",
            "file_move",
            [("file_read", "/tmp/a"), ("file_delete", "/tmp/a"), ("file_write", "/tmp/b")],
        ),
        ("mcp__fs__copy_file", "file_read", [("file_read", "/tmp/a"), ("file_write", "/tmp/b")]),
    ):
        action = event(tool, ends, mapper=MCP)["context"]["action"]
        named, patched, moved = _pattern_call.call_paths(action["type"], action, ends)
        assert (action["type"], list(named), patched, moved) == (kind, ["/tmp/a", "/tmp/b"], [], want)


def test_call_lines_reads_a_powershell_tool_as_powershell() -> None:
    bash = event("Bash", {"command": "ls -la"})
    assert tuple(_pattern_call.call_lines(bash["context"]["action"], bash["data"]["arguments"])) == ("ls -la",)
    ps = event("PowerShell", {"command": f"Remove-Item -Recurse -Force {SECRET}"})
    assert ps["context"]["action"].get("language") == "powershell"
    lines = tuple(_pattern_call.call_lines(ps["context"]["action"], ps["data"]["arguments"]))
    assert lines and lines != (f"Remove-Item -Recurse -Force {SECRET}",)  # (read as PowerShell)


def _calls() -> list[tuple[str, dict[str, Any], Any]]:
    patch = f"*** Begin Patch\n*** Update File: /tmp/x\n*** Move to: {SECRET}\n*** End Patch"
    return [
        ("apply_patch", {"input": patch}, MAPPER),
        ("apply_patch", {"input": f"*** Begin Patch\n*** Delete File: {SECRET}\n*** End Patch"}, MAPPER),
        ("mcp__fs__move_file", {"source": SECRET, "destination": "/tmp/x"}, MCP),
        ("mcp__fs__move_file", {"source": "/tmp/x", "destination": SECRET}, MCP),
        ("mcp__fs__copy_file", {"source": "/tmp/x", "destination": SECRET}, MCP),
        ("PowerShell", {"command": f"Remove-Item -Recurse -Force {SECRET}"}, MAPPER),
        ("Bash", {"command": f"echo x > {SECRET}"}, MAPPER),
    ]


def test_the_paths_a_call_names_beyond_its_target_meet_the_guard_either_way() -> None:
    lean, full = _pair(own.FILES)
    for tool, arguments, mapper in _calls():
        ev = event(tool, arguments, "/home/dev/app", mapper)
        got, want = lean(ev), full(ev)
        assert got == want, (tool, arguments)
        assert got is not None and got["result"] == "DENY", (tool, arguments, got)
    for tool, arguments, mapper in _calls():  # (controls: the same calls naming no guarded path)
        harmless = {k: v.replace(SECRET, "/tmp/elsewhere") for k, v in arguments.items()}
        ev = event(tool, harmless, "/home/dev/app", mapper)
        assert lean(ev) is None and full(ev) is None, (tool, harmless)


def test_a_guard_changed_after_it_was_wrapped_is_evaluated_in_full() -> None:
    policy = _fixed(None, guard_inline(own.FILES), {}, [], [])
    lean = lean_checker(policy, _checker(lambda _now: policy))
    ev = event("Read", {"file_path": "/etc/hosts"})
    assert lean(ev) is None
    policy.add_pattern({"id": "etc", "action_type": "file_read", "pattern": "^/etc/", "action": "deny"})
    assert lean(ev) is not None and lean(ev)["result"] == "DENY"
    # a guard extending another: a change to the parent reaches it too
    parent = Policy(name="parent", default_action="allow")
    child = _fixed(None, guard_inline(own.FILES), {}, [], [])
    child._add_parent(parent)
    lean = lean_checker(child, _checker(lambda _now: child))
    assert lean(ev) is None
    parent.add_pattern({"id": "etc", "action_type": "file_read", "pattern": "^/etc/", "action": "deny"})
    assert lean(ev) is not None and lean(ev)["result"] == "DENY"


def _policy(name: str, listens: Listens | None) -> CompiledPolicy:
    spec = PolicySpec(name, f"x.{name}", level="server")
    return CompiledPolicy(spec, lambda _e: None, False, 5.0, False, spec.key, True, listens)


def test_a_chain_of_policies_listening_by_type_keeps_one_plan_per_type() -> None:
    typed = _policy("guard", Listens(types=frozenset({"tool_call"})))
    chain = Chain([typed, _policy("a", None), _policy("b", None)])
    for i in range(50):
        plan = chain.plan({"type": "tool_call", "target": f"tool{i}", "data": {"name": f"tool{i}"}})
        assert plan[1] == chain.policies
    request = chain.plan({"type": "request", "target": None, "data": "hi"})
    assert [p.spec.name for p in request[1]] == ["a", "b"]
    assert len(chain._plans) == 2
    # (control) a policy listening to a tool keeps a plan per tool
    tooled = Chain([_policy("t", Listens(tools=frozenset({"tool3"}))), _policy("a", None)])
    names = [[p.spec.name for p in tooled.plan({"type": "tool_call", "target": f"tool{i}"})[1]] for i in range(5)]
    assert names == [["a"], ["a"], ["a"], ["t", "a"], ["a"]]
