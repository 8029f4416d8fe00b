"""Remembering, per session, the files its calls write (``goalrail.policies.written``).

After a tool call is allowed (or, for an ASK, once approved: the updates are held with the
approval), the runtime records what it writes: a file tool's target with the text it shows
(Write, write_file, an exact Edit/MultiEdit of a remembered file, an ``apply_patch`` add), a shell
line's written files (``written.shell_writes``: the builtins' shell analysis).  A denied call writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.engine.snapshot import Snapshot
from goalrail.policies import written
from goalrail.policies.schema import PolicyEvent, StateUpdate

WRITTEN_NS = written.NS
_NONE: list[StateUpdate] = []


def written_updates(event: PolicyEvent, snap: Snapshot) -> list[StateUpdate]:
    """The updates to the session's record of written files that ``event`` (a tool call) makes."""
    action: Mapping[str, object] | None = event["context"].get("action")
    kind = action.get("type") if action else None
    if kind != "file_write" and kind != "shell_execute":
        return _NONE
    cwd = event["context"].get("cwd")
    state = snap.policy_states.get(written.NS) or {}
    data = event.get("data")
    arguments = data.get("arguments") if isinstance(data, dict) else None
    if kind == "file_write":
        writes: list[written.Write] = written.tool_writes(action or {}, arguments, state, cwd)
    else:
        given = (action or {}).get("targets") or [(action or {}).get("target")]
        lines = [x for x in given if type(x) is str] if isinstance(given, list) else []
        writes = written.shell_writes(lines, state, cwd)
    return written.record(state, writes, cwd) if writes else _NONE
