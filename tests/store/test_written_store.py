"""The record of files a session wrote is state (issue 13): kept by every store, so a script
written in one call and run in a later one is judged by its text after the store is reopened
(a restart, another replica), and an approved write is remembered once approved."""

from __future__ import annotations

from typing import Any

from goalrail.engine.spec import PolicySpec
from goalrail.policies.registry import Registry
from goalrail.runtime.runtime import Runtime
from goalrail.store import open_store

CWD = "/home/u/proj"
RULES = {
    "name": "mine",
    "default_action": "allow",
    "patterns": [{"id": "rmrf", "action_type": "shell_execute", "pattern": r".*rm\s+-rf.*", "action": "deny"}],
}


def _runtime(store: Any, policy: dict[str, Any]) -> Runtime:
    spec = PolicySpec("p", "goalrail.policies.builtins.patterns.pattern_policy", params=policy)
    return Runtime(store, registry=Registry.load(), server_specs=[spec])


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": name, "data": {"arguments": arguments}, "context": {"cwd": CWD}}


async def test_a_written_script_is_judged_after_the_store_is_reopened(database_url: str) -> None:
    first = await open_store(database_url)
    try:
        rt = _runtime(first, {"inline": RULES})
        out = await rt.evaluate("s1", _call("Write", file_path=f"{CWD}/x.sh", content="rm -rf ~/\n"), owner="o")
        assert out.result == "ALLOW"
        assert (
            await rt.evaluate("s1", _call("Write", file_path=f"{CWD}/ok.sh", content="echo hi\n"))
        ).result == "ALLOW"
    finally:
        if not database_url.startswith("memory"):
            await first.close()
    second = first if database_url.startswith("memory") else await open_store(database_url)
    try:
        rt = _runtime(second, {"inline": RULES})
        assert (await rt.evaluate("s1", _call("Bash", command="bash x.sh"))).result == "DENY"
        assert (await rt.evaluate("s1", _call("Bash", command="bash ok.sh"))).result == "ALLOW"
        assert (await rt.evaluate("s2", _call("Bash", command="bash x.sh"), owner="o")).result == "ALLOW"
    finally:
        await second.close()


async def test_an_asked_write_is_remembered_once_approved(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        rt = _runtime(store, {"policy": "strict"})
        out = await rt.evaluate("s1", _call("Write", file_path=f"{CWD}/x.sh", content="rm -rf ~/\n"), owner="o")
        assert out.result == "ASK" and out.approval_id
        assert (await rt.evaluate("s1", _call("Bash", command="bash x.sh"))).result == "ALLOW"  # not yet written
        await rt.resolve(out.approval_id, "approve")
        assert (await rt.evaluate("s1", _call("Bash", command="bash x.sh"))).result == "DENY"
    finally:
        await store.close()
