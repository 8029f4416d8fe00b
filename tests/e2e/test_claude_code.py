"""Claude Code (the real CLI, pinned in scripts/e2e-clis) governed by `goalrail hook claude-code`.

The model is the scripted fake (fake_models.py); the Goalrail server is real.
Each scenario asks the model to ``touch`` a marker file and checks whether it
exists afterwards.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import Gate, Run, agent_env, cli, goalrail, run
from tests.integrations.support import AGENT_TOKEN, ServerProc, free_port, resolve_next

pytestmark = pytest.mark.e2e


def claude(
    project: Path,
    prompt: str,
    fake: FakeModel,
    url: str,
    *,
    session: str | None = None,
    extra: tuple[str, ...] = (),
) -> Run:
    home = project.parent / "home"
    home.mkdir(exist_ok=True)
    environ = agent_env(
        HOME=str(home),
        ANTHROPIC_BASE_URL=fake.url,
        ANTHROPIC_API_KEY="sk-ant-fake",
        GOALRAIL_URL=url,
        GOALRAIL_TOKEN=AGENT_TOKEN,
    )
    cmd = [str(cli("claude")), "-p", prompt, "--output-format", "json", "--allowedTools", "Bash", *extra]
    cmd += ["--session-id", session or str(uuid.uuid4())]
    return run(cmd, cwd=project, environ=environ)


def project(tmp_path: Path, *install_args: str) -> Path:
    proj = tmp_path / "project"
    proj.mkdir()
    goalrail("install", "claude-code", "--project-dir", str(proj), *install_args)
    return proj


def test_deny_is_not_executed_and_the_model_sees_the_reason(
    tmp_path: Path, server: ServerProc, fake: FakeModel
) -> None:
    proj = project(tmp_path)
    marker = proj / "deny-me.marker"
    result = claude(proj, f"RUN: touch {marker}", fake, server.url)
    assert result.proc.returncode == 0, result.output
    assert not marker.exists()
    assert any("e2e-reason-7431" in r for r in fake.tool_results), fake.tool_results


def test_allow_is_executed(tmp_path: Path, server: ServerProc, fake: FakeModel) -> None:
    proj = project(tmp_path)
    marker = proj / "allowed.marker"
    result = claude(proj, f"RUN: touch {marker}", fake, server.url)
    assert result.proc.returncode == 0, result.output
    assert marker.exists(), result.output


@pytest.mark.parametrize(("decision", "executed"), [("approve", True), ("deny", False)])
def test_ask_resolved_over_rest_while_the_hook_waits(
    tmp_path: Path, server: ServerProc, fake: FakeModel, decision: str, executed: bool
) -> None:
    proj = project(tmp_path, "--ask-wait", "60")
    marker = proj / "ask-me.marker"
    session = str(uuid.uuid4())
    resolved: list[dict[str, object]] = []
    resolver = threading.Thread(target=lambda: resolved.append(resolve_next(server, session, decision, timeout=60)))
    resolver.start()
    result = claude(proj, f"RUN: touch {marker}", fake, server.url, session=session)
    resolver.join()
    assert resolved, "no approval was requested"
    assert result.proc.returncode == 0, result.output
    assert marker.exists() is executed, result.output


def test_server_down_from_the_start_blocks_the_prompt(tmp_path: Path, fake: FakeModel) -> None:
    proj = project(tmp_path)
    marker = proj / "allowed.marker"
    result = claude(proj, f"RUN: touch {marker}", fake, f"http://127.0.0.1:{free_port()}")
    assert not marker.exists(), result.output
    assert "Goalrail could not check this action" in result.output
    assert not fake.tool_results


def test_server_down_mid_session_is_not_executed(tmp_path: Path, server: ServerProc, fake: FakeModel) -> None:
    gate = Gate(server.url)
    proj = project(tmp_path)
    marker = proj / "allowed.marker"
    fake.on_request = gate.close  # the prompt got through; the tool call will not reach Goalrail
    result = claude(proj, f"RUN: touch {marker}", fake, gate.url)
    assert not marker.exists(), result.output
    assert any("Goalrail could not check this action" in r for r in fake.tool_results), fake.tool_results
