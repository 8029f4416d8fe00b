"""enforce_sandbox: paths compared canonically (``..``, symlinks, variables), only ever stricter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from goalrail.policies.builtins import safety
from goalrail.policies.builtins._sandbox import merge_sandbox
from tests.unit.builtins.builtin_events import make_event, tool_event


@pytest.fixture
def root(tmp_path: Path) -> str:
    (tmp_path / "work" / "src").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    os.symlink(tmp_path / "etc", tmp_path / "work" / "link")
    os.symlink("/", tmp_path / "work" / "rootlink")
    return str(tmp_path)


def _paths(result: dict[str, Any], key: str = "write_paths") -> list[str]:
    return list(result.get(key) or [])


def _escapes(paths: list[str], work: str) -> list[str]:
    real_work = os.path.realpath(work)
    return [p for p in paths if not (p == real_work or p.startswith(real_work + "/"))]


# The forced (policy) side tries to widen an existing restriction.
FORCED_ESCAPES = [
    "{w}/../../../etc",
    "{w}/..",
    "{w}/../",
    "{w}/./..",
    "{w}/src/../..",
    "{w}//..//etc",
    "{w}/link",
    "{w}/link/sub",
    "{w}/rootlink/etc",
    "{w}/src/../link",
    "{w}/../work-evil",
    "{w}-evil",
]


@pytest.mark.parametrize("forced", FORCED_ESCAPES)
@pytest.mark.parametrize("key", ["write_paths", "read_paths"])
def test_forced_path_cannot_escape_existing(root: str, forced: str, key: str) -> None:
    work = f"{root}/work"
    out = merge_sandbox({key: [work]}, {"type": "linux_bwrap", "allow_network": True, key: [forced.format(w=work)]})
    assert _escapes(_paths(out, key), work) == []


@pytest.mark.parametrize("existing", FORCED_ESCAPES)
def test_existing_path_cannot_escape_forced(root: str, existing: str) -> None:
    # the agent's own sys_agent_start arguments carry the escape; the policy forces `work`
    work = f"{root}/work"
    out = merge_sandbox(
        {"write_paths": [existing.format(w=work)]}, {"type": "docker", "allow_network": True, "write_paths": [work]}
    )
    assert _escapes(_paths(out), work) == []


@pytest.mark.parametrize(
    "existing",
    ["/usr/../etc", "/usr/./../etc", "/usr/lib/../../etc", "/usr/bin/../../etc/shadow"],
)
def test_dotdot_out_of_a_system_dir(existing: str) -> None:
    out = merge_sandbox({"read_paths": [existing]}, {"type": "docker", "allow_network": True, "read_paths": ["/usr"]})
    assert out["read_paths"] == []
    out = merge_sandbox({"read_paths": ["/usr"]}, {"type": "docker", "allow_network": True, "read_paths": [existing]})
    assert out["read_paths"] == []


@pytest.mark.parametrize(
    "value",
    [
        "${HOME}/../..",
        "$HOME/../..",
        "$HOME",
        "`pwd`/..",
        "$(pwd)/..",
        "/work/*",
        "/wor?",
        "/w[o]rk",
        "~root/..",
        "~nosuchuser/x",
        "/work/\0/..",
    ],
)
def test_unresolvable_paths_are_dropped_on_both_sides(root: str, value: str) -> None:
    work = f"{root}/work"
    box = {"type": "linux_bwrap", "allow_network": True, "write_paths": [work]}
    out = merge_sandbox({"write_paths": [value]}, box)
    assert out["write_paths"] == []
    out = merge_sandbox({"write_paths": [value]}, {"type": "linux_bwrap", "allow_network": True})
    assert out["write_paths"] == []  # no forced restriction still never keeps an unresolvable path
    if "\0" not in value:
        with pytest.raises(ValueError, match="cannot be resolved statically"):
            safety.enforce_sandbox(write_paths=[value])
        with pytest.raises(ValueError, match="cannot be resolved statically"):
            safety.enforce_sandbox(read_paths=["/usr", value])


def test_paths_inside_are_kept_in_resolved_form(root: str) -> None:
    work = f"{root}/work"
    forced = {"type": "linux_bwrap", "allow_network": True, "write_paths": [work]}
    out = merge_sandbox({"write_paths": [f"{work}/src", f"{work}/src/../src/new"]}, forced)
    real = os.path.realpath(work)
    assert out["write_paths"] == [f"{real}/src", f"{real}/src/new"]
    out = merge_sandbox({"write_paths": [root]}, {**forced, "write_paths": [f"{work}/./src/"]})
    assert out["write_paths"] == [f"{real}/src"]


def test_relative_paths_resolve_against_the_cwd_and_are_dropped_without_one(root: str) -> None:
    forced = {"type": "linux_bwrap", "allow_network": True, "write_paths": ["work"]}
    for escape in ("work/../../../etc", "work/..", "work/link", "../etc"):
        out = merge_sandbox({"write_paths": [escape]}, forced, cwd=root)
        assert _escapes(out["write_paths"], f"{root}/work") == [], escape
        out = merge_sandbox({"write_paths": ["work"]}, {**forced, "write_paths": [escape]}, cwd=root)
        assert _escapes(out["write_paths"], f"{root}/work") == [], escape
    out = merge_sandbox({"write_paths": ["work/src"]}, forced, cwd=root)
    assert out["write_paths"] == [os.path.realpath(f"{root}/work/src")]
    assert merge_sandbox({"write_paths": ["work/src"]}, forced)["write_paths"] == []


def test_odd_shapes_never_widen(root: str) -> None:
    forced = {"type": "linux_bwrap", "allow_network": True}
    # a lone string is a one-item list, not "no restriction"
    assert merge_sandbox({"write_paths": f"{root}/work"}, forced)["write_paths"] == [os.path.realpath(f"{root}/work")]
    assert merge_sandbox({"write_paths": {"x": 1}}, forced)["write_paths"] == []
    assert merge_sandbox({"env_passthrough": "PATH"}, forced)["env_passthrough"] == []
    for off in (0, "no", "false", None, [], 0.0):
        assert merge_sandbox({"allow_network": off}, forced)["allow_network"] is False


def test_policy_applies_canonical_merge_on_session_start_and_sys_agent_start(root: str) -> None:
    work = f"{root}/work"
    policy = safety.enforce_sandbox(write_paths=[work], read_paths=["/usr"])
    attack = {"write_paths": [f"{work}/../../../etc", f"{work}/link", f"{work}/src"], "read_paths": ["/usr/../etc"]}
    start = policy(make_event("session_start", None, {"sandbox": attack}))
    agent = policy(tool_event("sys_agent_start", {"spec": "x", "sandbox": attack}))
    for box in (start["data"]["sandbox"], agent["data"]["arguments"]["sandbox"]):
        assert box["write_paths"] == [os.path.realpath(f"{work}/src")]
        assert box["read_paths"] == []


def test_policy_resolves_relative_paths_against_the_event_cwd(root: str) -> None:
    policy = safety.enforce_sandbox(write_paths=["work"])
    out = policy(make_event("session_start", None, {"sandbox": {"write_paths": ["work/link", "work/src"]}}, cwd=root))
    assert out["data"]["sandbox"]["write_paths"] == [os.path.realpath(f"{root}/work/src")]
