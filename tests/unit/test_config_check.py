"""`goalrail config check` and `goalrail test` on the files a new user writes first:
agent specs are recognised, every error is reported once at its own line, the
handler allowlist applies, and misspelled keys in test cases are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalrail.cli.main import main

AGENT = """\
# agents/coder.yaml
name: coder
policies:
  approve_file_ops:
    type: function
    handler: goalrail.policies.builtins.safety.ask_on_os_tools
  rate_limit:
    type: function
    handler: goalrail.policies.builtins.safety.max_tool_calls_per_session
    factory_params:
      limit: 50
"""

BROKEN = """\
policies:
  shell:
    type: function
    handler: os.system
  cap:
    type: function
    handler: goalrail.policies.builtins.safety.max_tool_calls_per_session
    factory_params:
      limit: -3
  typo:
    type: function
    function:
      path: goalrail.policies.builtins.safety.max_tool_calls_per_session
      arguments:
        limt: 3
  reexported:
    type: function
    handler: tests.unit.test_config_check.sneaky
limits: {max_list: 0}
"""

sneaky = __import__("subprocess").run  # a standard-library callable re-exported from "our" module


def _check(path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    code = main(["config", "check", *flags, str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_readme_agent_spec_is_recognised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "coder.yaml"
    path.write_text(AGENT)
    code, out, err = _check(path, capsys)
    assert code == 0 and "agent `coder` with 2 policies" in out, err
    code, out, err = _check(path, capsys, "--server")
    assert code == 2 and f"{path}:2: unknown section `name`" in err
    assert "goalrail config check --agent FILE" in err


def test_every_error_once_at_the_parameters_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BROKEN)
    code, out, err = _check(path, capsys)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"error: {path}: 5 problems", err
    expected = [
        (f"{path}:4:", "handler `os.system` is a standard-library callable"),
        (f"{path}:9:", "`factory_params.limit`: -3 is less than the minimum of 0"),
        (f"{path}:15:", "unknown parameter `limt`"),
        (f"{path}:18:", "`tests.unit.test_config_check.sneaky` (from `subprocess`) is a standard-library callable"),
        (f"{path}:19:", "`limits.max_list` must be a positive integer"),
    ]
    for loc, text in expected:
        hits = [line for line in lines if text in line]
        assert len(hits) == 1, (text, err)  # reported once
        assert hits[0].strip().startswith(loc), (loc, hits[0])


def test_a_single_error_is_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "policies:\n  cap:\n    handler: goalrail.policies.builtins.safety.max_tool_calls_per_session\n"
        "    factory_params: {limit: nope}\n"
    )
    code, _, err = _check(path, capsys)
    assert code == 2 and err.count("is not of type") == 1 and err.startswith(f"error: {path}:4:"), err


def test_the_server_refuses_the_same_handlers(tmp_path: Path) -> None:
    from goalrail.config.server import server_config_from_text
    from goalrail.engine.chain import compile_policy
    from goalrail.engine.spec import PolicySpec
    from goalrail.errors import UnknownHandler

    for handler in ("os.system", "subprocess.run", "builtins.eval", "tests.unit.test_config_check.sneaky"):
        with pytest.raises(UnknownHandler, match="standard-library callable"):
            server_config_from_text(f"policies:\n  p: {{type: function, handler: {handler}}}\n")
        with pytest.raises(UnknownHandler, match="standard-library callable"):
            compile_policy(PolicySpec("p", handler))  # the engine's own guard, without a registry


CASES = """\
chain:
  server:
    cap:
      type: function
      handler: goalrail.policies.builtins.safety.max_tool_calls_per_session
      factory_params: {limit: 1}
cases:
  - name: second call is denied
    sesion: {model: gpt-4o}
    steps:
      - event: {type: tool_call, target: Bash, data: {arguments: {command: ls}}}
        expcet: {result: ALLOW}
      - event: {type: tool_call, target: Bash, data: {arguments: {command: ls}}}
        expect: {result: DENY, reasn_contains: limit}
"""


def test_goalrail_test_rejects_unknown_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES)
    code = main(["test", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "PASS" not in err
    assert f"{path}:9: unknown key `sesion` in case `second call is denied` (did you mean `session`?)" in err
    assert f"{path}:12: unknown key `expcet` in step 1 of case `second call is denied` (did you mean `expect`?)" in err
    assert f"{path}:14: unknown key `reasn_contains`" in err and "did you mean `reason_contains`" in err
    fixed = CASES.replace("sesion", "session").replace("expcet", "expect").replace("reasn_", "reason_")
    path.write_text(fixed)
    assert main(["test", str(path)]) == 0
    assert "1 cases passed, 0 failed" in capsys.readouterr().out


def test_an_agent_spec_reports_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "coder.yaml"
    path.write_text(
        AGENT.replace("name: coder", "name: coder\npromt: hi")
        .replace("limit: 50", "limit: -1")
        .replace("safety.ask_on_os_tools", "safety.ask_on_os_tools\n  shell:\n    handler: os.system")
    )
    code, _, err = _check(path, capsys)
    assert code == 2 and err.startswith(f"error: {path}: 3 problems"), err
    assert f"{path}:3: unknown key `promt` in agent spec" in err
    assert f"{path}:9: policy `shell`: handler `os.system` is a standard-library callable" in err
    assert f"{path}:14: policy `rate_limit`: `factory_params.limit`: -1 is less than the minimum of 0" in err
