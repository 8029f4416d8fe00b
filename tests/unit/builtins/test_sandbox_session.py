"""enforce_sandbox as a session policy: it reads nothing of the server (no realpath, no ``~``),
so its answers never show what a path resolves to on the server, and it is still only ever stricter."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goalrail.engine.chain import compile_policy
from goalrail.engine.spec import PolicySpec
from goalrail.errors import InvalidParams
from goalrail.policies.builtins._sandbox import merge_sandbox
from goalrail.policies.registry import Registry
from tests.unit.builtins.builtin_events import make_event

HANDLER = "goalrail.policies.builtins.safety.enforce_sandbox"
BOX = {"type": "linux_bwrap", "allow_network": True}


@pytest.fixture
def root(tmp_path: Path) -> str:
    (tmp_path / "work" / "src").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    os.symlink(tmp_path / "etc", tmp_path / "work" / "link")
    return str(tmp_path)


def _sandbox(level: str, params: dict[str, object], data: object = None, cwd: str | None = None) -> object:
    spec = PolicySpec(name="sb", handler=HANDLER, level=level, params=params)  # type: ignore[arg-type]
    policy = compile_policy(spec, Registry.load(), require_registered=True)
    answer = policy.fn(make_event("session_start", data=data, cwd=cwd))  # type: ignore[call-arg]
    assert isinstance(answer, dict)
    return answer["data"]["sandbox"]


def test_session_policy_shows_paths_as_given_not_their_server_targets() -> None:
    given = ["/proc/self/cwd", "/proc/self/fd/0", "/proc/self/root/etc/../etc"]
    box = _sandbox("session", {"write_paths": given})
    assert box["write_paths"] == ["/proc/self/cwd", "/proc/self/fd/0", "/proc/self/root/etc"]  # type: ignore[index]
    server = _sandbox("server", {"write_paths": given})  # operators' policies still bind the resolved form
    assert os.path.realpath("/proc/self/cwd") in server["write_paths"]  # type: ignore[index]


def test_session_policy_is_no_oracle_for_server_files(root: str) -> None:
    # kept or dropped must not depend on what the server holds under a path: a symlink out,
    # a directory, nothing at all — the answers are the same
    work = f"{root}/work"
    answers = [
        _sandbox("session", {"write_paths": [f"{work}/{name}"]}, {"sandbox": {"write_paths": [work]}})
        for name in ("link", "src", "missing")
    ]
    assert [a["write_paths"] for a in answers] == [[], [], []]  # type: ignore[index]
    # an operator's policy may read the server: it drops the symlink out and keeps the directory
    server = [
        _sandbox("server", {"write_paths": [f"{work}/{name}"]}, {"sandbox": {"write_paths": [work]}})
        for name in ("link", "src")
    ]
    assert [a["write_paths"] for a in server] == [[], [os.path.realpath(f"{work}/src")]]  # type: ignore[index]


def test_session_policy_refuses_the_server_home() -> None:
    with pytest.raises(InvalidParams, match="home directory"):
        _sandbox("session", {"read_paths": ["~/x"]})
    box = _sandbox("session", {"read_paths": ["/srv"]}, {"sandbox": {"read_paths": ["~", "/srv"]}})
    assert box["read_paths"] == ["/srv"]  # type: ignore[index]


@pytest.mark.parametrize("inner", ["{w}/link", "{w}/link/sub", "{w}/src", "{w}/src/../link"])
def test_without_realpath_only_common_paths_are_kept(root: str, inner: str) -> None:
    work = f"{root}/work"
    path = inner.format(w=work)
    for old, new in (([work], [path]), ([path], [work])):
        out = merge_sandbox({"write_paths": old}, {**BOX, "write_paths": new}, resolve=False)
        assert out["write_paths"] == []
    out = merge_sandbox(
        {"write_paths": [work, "/srv"]}, {**BOX, "write_paths": [f"{work}/src/..", "/x"]}, resolve=False
    )
    assert out["write_paths"] == [work]


def test_relative_paths_join_the_event_cwd_without_reading_it(root: str) -> None:
    box = _sandbox("session", {"write_paths": ["link", "./src/.."]}, cwd=f"{root}/work")
    assert box["write_paths"] == [f"{root}/work/link", f"{root}/work"]  # type: ignore[index]
