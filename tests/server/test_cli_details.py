"""CLI details a new user meets first: `goalrail approvals` alone lists the pending
ones, `policies rm|enable|disable` take a name, and a closed pipe is not a traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.test_process import SHELL, TOKENS, Server, _env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(tmp_path_factory.mktemp("cli"))
    yield s
    s.stop()


def test_approvals_without_an_action_lists_the_pending_ones(server: Server) -> None:
    admin = TOKENS["admin"][0]
    empty = server.cli("approvals", token=admin)
    assert empty.returncode == 0, empty.stderr
    aid = httpx.post(
        f"{server.url}/v1/sessions/cli1/events", json=SHELL, headers={"Authorization": f"Bearer {TOKENS['agent'][0]}"}
    ).json()["approval_id"]
    listed = server.cli("approvals", token=admin)
    assert listed.returncode == 0 and aid in listed.stdout and "pending" in listed.stdout, listed.stderr
    assert "Bash (sys_os_shell)" in listed.stdout  # the tool as the agent named it
    assert aid in server.cli("approvals", "--session", "cli1", token=admin).stdout
    assert aid not in server.cli("approvals", "--session", "other", token=admin).stdout
    assert aid in server.cli("approvals", "list", token=admin).stdout
    approved = server.cli("approvals", "approve", aid, token=admin)
    assert approved.returncode == 0 and "approved" in approved.stdout, approved.stderr
    after = server.cli("approvals", token=admin)
    assert aid not in after.stdout and "no pending approvals" in after.stdout


def test_policies_rm_enable_disable_by_name(server: Server) -> None:
    admin = TOKENS["admin"][0]
    added = server.cli("policies", "add", "by_name", "gr_testpolicies.mark", token=admin)
    assert added.returncode == 0, added.stderr
    off = server.cli("policies", "disable", "by_name", token=admin)
    assert off.returncode == 0 and "by_name" in off.stdout and "disabled" in off.stdout, off.stderr
    removed = server.cli("policies", "rm", "by_name", token=admin)
    assert removed.returncode == 0 and "removed by_name (pol_" in removed.stdout, removed.stderr
    listed = server.cli("policies", "list", token=admin)
    assert "by_name" not in listed.stdout
    missing = server.cli("policies", "rm", "by_name", token=admin)
    assert missing.returncode == 2 and "no policy named `by_name`" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("reader", ["head -n 1", "true"])
@pytest.mark.parametrize("command", ["registry", "registry --json", "--help"])
def test_a_closed_pipe_is_not_a_traceback(tmp_path: Path, command: str, reader: str) -> None:
    # `true` exits before the writer starts: its first write meets a closed pipe every time.
    script = f"{sys.executable} -m goalrail {command} 2>{tmp_path / 'err'} | {reader}; echo ${{PIPESTATUS[0]}}"
    out = subprocess.run(["bash", "-c", script], env=_env(tmp_path), capture_output=True, text=True, timeout=60)
    stderr = (tmp_path / "err").read_text()
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    assert out.stdout.splitlines()[-1] in ("0", "141"), out.stdout
