"""What a shell line writes is read once per line (issue 13, twenty-third sitting).

The runtime records, after every allowed or asked shell call, the files its line writes
(``runtime.written``, ``goalrail.written``).  What a line writes depends on the line alone, so
``_shell_written.line_writes`` keeps its answer per line (lines up to ``CACHE_MAX_CHARS``, as
``analyze`` keeps their analysis): a repeated ``ls`` no longer reads its file effects and commands
again on every call.  The kept answer is immutable, so no caller can change what the next one reads;
what each session remembers stays its own.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from goalrail.policies import written
from goalrail.policies.builtins import _shell_written
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS
from tests.unit.builtins.runtime_session import Session, make_runtime, spec

CWD = "/home/u/proj"
_fresh = itertools.count()


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The lines whose file effects ``line_writes`` reads (the effects themselves kept by their own cache)."""
    seen: list[str] = []
    real = _shell_written.file_effects

    def counted(line: str) -> Any:
        seen.append(line)
        return real(line)

    monkeypatch.setattr(_shell_written, "file_effects", counted)
    return seen


def test_a_line_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _counting(monkeypatch)
    n = next(_fresh)
    line = f"echo hi > out{n}.txt"  # a line no earlier test read
    first = _shell_written.line_writes(line)
    assert _shell_written.line_writes(line) == first
    assert seen == [line]
    assert first == (((f"out{n}.txt", "hi\n"),), ())


def test_what_is_kept_cannot_be_changed_by_a_caller() -> None:
    writes, trees = _shell_written.line_writes(f"cp -r a{next(_fresh)} b/ && echo x > f")
    assert type(writes) is tuple and type(trees) is tuple
    assert all(type(w) is tuple for w in writes)
    assert trees  # (cp -r: a tree written under)


def test_a_line_past_the_bound_is_read_each_time(monkeypatch: pytest.MonkeyPatch) -> None:  # control
    seen = _counting(monkeypatch)
    line = "echo hi > long.txt # " + "x" * CACHE_MAX_CHARS
    assert _shell_written.line_writes(line) == _shell_written.line_writes(line)
    assert len(seen) == 2


def _bash(command: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}, "context": {"cwd": CWD}}


async def test_each_session_remembers_the_same_line_as_its_own() -> None:  # control
    rules = {"name": "mine", "default_action": "allow", "patterns": []}
    rt = make_runtime(spec("p", "patterns.pattern_policy", inline=rules))
    a, b = Session(rt, "a"), Session(rt, "b")
    line = "printf 'ok\\n' > run.sh"
    assert (await a.send(_bash(line))).result == "ALLOW"
    assert (await b.send(_bash(line))).result == "ALLOW"
    for sid in ("a", "b"):
        assert rt.store.sessions[sid].policy_states[written.NS] == {f"{CWD}/run.sh": "ok\n"}
    assert rt.store.sessions["a"].policy_states[written.NS] is not rt.store.sessions["b"].policy_states[written.NS]
