"""The own-files guard hears only the tool calls whose action can name a path it reaches.

The guard's checker declares ``Listens.actions`` (shell and file actions,
``_pattern_lean.REACHED``); ``engine.chain.Chain`` keys a tool phase's plan by its action type
when a policy declares that, so a web fetch or an MCP call mapped to no file action does not
call the guard at all (the explanation still shows it, ABSTAIN).  What must not change: a write
to the server's config through every tool form that can carry a path is still the guard's DENY,
the calls it no longer hears are ``None`` by its full evaluation too, and an event whose action
cannot be read still reaches it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.spec import PolicySpec
from goalrail.policies.builtins._pattern_lean import REACHED
from goalrail.policies.listens import Listens
from goalrail.policies.registry import Registry
from goalrail.runtime.own_files_guard import GUARD_NAME
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore
from tests.unit import test_own_files_guard as own
from tests.unit.shell_support import event
from tests.unit.test_pattern_lean import _pair

CONFIG = "/srv/goalrail/config.yaml"
PATCH = f"*** Begin Patch\n*** Add File: {CONFIG}\n+default_action: allow\n*** End Patch"
#: a write to the server's config through each tool form that can carry a path (Claude Code,
#: Codex, Gemini CLI, PowerShell, an MCP filesystem server)
WRITES: list[tuple[str, dict[str, Any]]] = [
    ("Write", {"file_path": CONFIG, "content": "x"}),
    ("Edit", {"file_path": CONFIG, "old_string": "deny", "new_string": "allow"}),
    ("MultiEdit", {"file_path": CONFIG, "edits": [{"old_string": "deny", "new_string": "allow"}]}),
    ("NotebookEdit", {"notebook_path": CONFIG, "new_source": "x"}),
    ("write_file", {"file_path": CONFIG, "content": "x"}),
    ("replace", {"file_path": CONFIG, "old_string": "deny", "new_string": "allow"}),
    ("apply_patch", {"input": PATCH}),
    ("shell", {"command": ["bash", "-lc", f"echo x > {CONFIG}"]}),
    ("Bash", {"command": f"echo x > {CONFIG}"}),
    ("run_shell_command", {"command": f"sed -i s/deny/allow/ {CONFIG}"}),
    ("PowerShell", {"command": f"Set-Content -Path {CONFIG} -Value x"}),
    ("mcp__fs__write_file", {"path": CONFIG, "content": "x"}),
    ("mcp__fs__edit_file", {"path": CONFIG, "edits": []}),
    ("mcp__fs__move_file", {"source": "/tmp/x", "destination": CONFIG}),
    ("mcp__fs__copy_file", {"source": "/tmp/x", "destination": CONFIG}),
]
#: calls whose action names no path the guard reaches (a fetch of a file: URL among them)
UNHEARD: list[tuple[str, dict[str, Any]]] = [
    ("WebFetch", {"url": "https://docs.python.org/3/"}),
    ("WebFetch", {"url": f"file://{CONFIG}"}),
    ("WebSearch", {"query": CONFIG}),
    ("mcp__github__create_pull_request", {"owner": "o", "repo": "r", "body": f"echo x > {CONFIG}"}),
    ("TodoWrite", {"todos": [{"content": f"rm -rf {CONFIG}"}]}),
]


def _call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"arguments": arguments}}


def _answers(calls: list[tuple[str, dict[str, Any]]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The guarded runtime's answers to ``calls`` and the action types the guard was called for."""
    heard: list[str] = []

    async def run() -> list[dict[str, Any]]:
        rt = Runtime(MemoryStore(), registry=Registry.load(), own_files=own.FILES)
        first = rt.chains.first
        assert first is not None
        real: Callable[..., object] = first.fn

        def counted(ev: Any) -> object:
            heard.append(str(ev["context"]["action"].get("type")))
            return real(ev)

        first.fn = counted  # (before any chain is built: every chain's row calls it)
        return [(await rt.evaluate("s", _call(tool, arguments))).to_dict() for tool, arguments in calls]

    return asyncio.run(run()), heard


def test_a_write_to_the_servers_config_is_denied_through_every_tool_form() -> None:
    answers, heard = _answers(WRITES)
    for (tool, _arguments), answer in zip(WRITES, answers, strict=True):
        assert (answer["result"], answer["policy"]) == ("DENY", GUARD_NAME), (tool, answer)
    assert len(heard) == len(WRITES)
    # (controls) the same calls naming another file: not the guard's
    harmless = [(t, {k: _elsewhere(v) for k, v in a.items()}) for t, a in WRITES]
    answers, heard = _answers(harmless)
    for (tool, _arguments), answer in zip(harmless, answers, strict=True):
        assert answer["policy"] != GUARD_NAME and answer["decisions"][0]["verdict"] == "ABSTAIN", (tool, answer)
    assert len(heard) == len(harmless)


def _elsewhere(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(CONFIG, "/tmp/elsewhere.yaml")
    if isinstance(value, list):
        return [_elsewhere(v) for v in value]
    return value


def test_the_guard_is_not_called_for_a_tool_call_it_cannot_judge() -> None:
    calls = [*UNHEARD, ("Read", {"file_path": "/repo/README.md"}), ("Bash", {"command": "ls -la src"})]
    answers, heard = _answers(calls)
    assert heard == ["file_read", "shell_execute"]  # (every call reached it before: 7)
    for (tool, _arguments), answer in zip(calls, answers, strict=True):
        first = answer["decisions"][0]  # (still in the explanation, as a policy the chain passed over)
        assert (first["policy"], first["verdict"]) == (GUARD_NAME, "ABSTAIN"), (tool, answer)
        assert answer["result"] == "ALLOW", (tool, answer)


def test_what_the_guard_no_longer_hears_is_none_by_its_full_evaluation() -> None:
    lean, full = _pair(own.FILES)
    for tool, arguments in UNHEARD:
        ev = event(tool, arguments, "/srv/goalrail")
        kind = ev["context"]["action"].get("type")
        assert REACHED.actions is not None and kind not in REACHED.actions, (tool, kind)
        assert full(ev) is None and lean(ev) is None, (tool, arguments)


def _policy(name: str, listens: Listens | None) -> CompiledPolicy:
    spec = PolicySpec(name, f"x.{name}", level="server")
    return CompiledPolicy(spec, lambda _e: None, False, 5.0, False, spec.key, True, listens)


def _names(chain: Chain, ev: dict[str, Any]) -> list[str]:
    return [p.spec.name for p in chain.plan(ev)[1]]


def test_a_plan_by_action_type_reaches_the_guard_unless_the_action_is_known_and_another() -> None:
    chain = Chain([_policy("guard", REACHED), _policy("a", None)])
    tool = {"type": "tool_call", "target": "x", "data": {}}
    assert _names(chain, {**tool, "context": {"action": {"type": "network_request"}}}) == ["a"]
    assert _names(chain, {**tool, "context": {"action": {"type": None}}}) == ["a"]
    assert _names(chain, {**tool, "context": {"action": None}}) == ["a"]
    for kind in ("shell_execute", "file_read", "file_write", "file_delete", "file_move", "file_chmod"):
        assert _names(chain, {**tool, "context": {"action": {"type": kind}}}) == ["guard", "a"], kind
    # what cannot be read reaches it (its own reading decides)
    for odd in ({}, {"context": None}, {"context": {"action": "rm"}}, {"context": {"action": {"type": ["x"]}}}):
        assert _names(chain, {**tool, **odd}) == ["guard", "a"], odd
    assert _names(chain, {"type": "request", "data": "hi", "context": {}}) == ["a"]
    # fifty MCP tools mapped to no action: one plan, not fifty
    for i in range(50):
        ev = {"type": "tool_call", "target": f"mcp__s__t{i}", "context": {"action": {"type": None}}}
        assert _names(chain, ev) == ["a"]
    assert len(chain._acted["tool_call"]) == 9  # (the 8 action types met and one for the unread)
    # a chain also indexed by tool keys by action type too
    tooled = Chain([_policy("guard", REACHED), _policy("t", Listens(tools=frozenset({"x"}))), _policy("a", None)])
    assert _names(tooled, {**tool, "context": {"action": {"type": "network_request"}}}) == ["t", "a"]
    assert _names(tooled, {**tool, "context": {"action": {"type": "file_read"}}}) == ["guard", "t", "a"]
    # (control) a chain where nothing listens by action type: one plan for every tool call
    plain = Chain([_policy("g", Listens(types=frozenset({"tool_call"}))), _policy("a", None)])
    for kind in ("network_request", "file_read"):
        assert _names(plain, {**tool, "context": {"action": {"type": kind}}}) == ["g", "a"]
    assert len(plain._plans) == 1 and not plain._acted
