"""Remembering, per session, the files its calls write (``goalrail.policies.written``).

After a tool call is allowed (or, for an ASK, once approved: the updates are held with the
approval), the runtime records what it writes: a file tool's target with the text it shows
(Write, write_file, an exact Edit/MultiEdit of a remembered file, an ``apply_patch`` add), a shell
line's written files (``written.shell_writes``: the builtins' shell analysis).  A denied call writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from goalrail.engine.snapshot import Snapshot
from goalrail.jsontypes import JsonValue
from goalrail.policies import written
from goalrail.policies.schema import PolicyEvent, StateUpdate

WRITTEN_NS = written.NS
_NONE: list[StateUpdate] = []  # (read only)
_NO_LINES: list[str] = []  # (read only)
_EMPTY: Mapping[str, JsonValue] = MappingProxyType({})


def written_updates(event: PolicyEvent, snap: Snapshot) -> list[StateUpdate]:
    """The updates to the session's record of written files that ``event`` (a tool call) makes."""
    context = event["context"]
    action: Mapping[str, object] | None = context.get("action")
    if not action:
        return _NONE
    kind = action.get("type")
    if kind == "shell_execute":
        given = action.get("targets") or [action.get("target")]
        if not isinstance(given, list):
            return _NONE
        # (one line, the usual call: itself; the comprehension makes a function and a frame in 3.11)
        lines = (given if type(given[0]) is str else _NO_LINES) if len(given) == 1 else _lines(given)
        if not lines:
            return _NONE
        cwd = context.get("cwd")
        state = snap.policy_states.get(written.NS) or _EMPTY
        writes = written.shell_writes(lines, state, cwd)
    elif kind == "file_write":
        cwd = context.get("cwd")
        state = snap.policy_states.get(written.NS) or _EMPTY
        data = event.get("data")
        arguments = data.get("arguments") if isinstance(data, dict) else None
        writes = written.tool_writes(action, arguments, state, cwd)
    else:
        return _NONE
    return written.record(state, writes, cwd) if writes else _NONE


def _lines(given: list[object]) -> list[str]:
    return [x for x in given if type(x) is str]
