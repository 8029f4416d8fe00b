"""Code handed over as text: builtins, variables, git configuration; every command key of an event."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins import _events
from goalrail.policies.builtins._git_config import config_doubt, config_risk, env_doubt
from goalrail.policies.builtins._shell import analyze
from tests.unit.builtins.builtin_events import tool_event


def _argvs(command: str) -> list[tuple[str, ...]]:
    return [c.argv for c in analyze(command).commands]


@pytest.mark.parametrize(
    "command",
    [
        "mapfile -C 'cd /etc #' -c 1 a <<< x",
        "readarray -tC 'cd /etc #' a < f",
        "trap -- 'cd /etc' EXIT",
        "compgen -C 'cd /etc' x",
        "complete -C 'cd /etc' ls",
        "compgen -W '$(cd /etc)' x",
        "source <(echo cd /etc)",
        ". /dev/stdin <<< 'cd /etc'",
        "bash <(printf 'cd /etc')",
        "BASH_ENV=<(echo cd /etc) bash -c ls",
        "PROMPT_COMMAND='cd /etc' bash -i",
        "export PS4='$(cd /etc)'",
        "env GIT_PAGER='cd /etc' git log",
        "git -c core.fsmonitor='cd /etc' status",
        "git -c alias.x='!cd /etc' x",
        "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.editor GIT_CONFIG_VALUE_0='cd /etc' git commit",
        "env 'BASH_FUNC_f%%=() { cd /etc; }' bash -c f",
        "x='a[$(cd /etc)]'",
    ],
)
def test_code_in_text_is_parsed(command: str) -> None:
    assert ("cd", "/etc") in _argvs(command)


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ('mapfile -C "$CB" a', "`mapfile -C` runs code known only at run time"),
        ("BASH_ENV=/tmp/x bash -c ls", "`BASH_ENV` makes a shell source a file"),
        ("ENV=/tmp/x sh -i", "`ENV` makes a shell source a file"),
        ("SHELLOPTS=xtrace bash -c ls", "`SHELLOPTS` changes how the shell runs commands"),
        ("shopt -s autocd", "`shopt -s autocd` changes what a plain word does"),
        ("shopt -s cdable_vars", "`shopt -s cdable_vars` changes what a plain word does"),
        ("bash -O autocd -c ls", "shell started with `-O autocd`"),
        ("fc -s", "`fc` re-runs commands from the history"),
        ("read CDPATH", "`read` sets `CDPATH`"),
        ("printf -v PROMPT_COMMAND x", "`printf` sets `PROMPT_COMMAND`"),
        ('declare "${x}H=/"', "`declare` sets a variable named only at run time"),
        ("declare -n r=BASH_ENV", "`declare` sets `BASH_ENV`"),
        ("echo x > .git/hooks/pre-push", "writes `.git/hooks` or `.git/config` (git runs what they name)"),
    ],
)
def test_unresolvable_code_is_unknown(command: str, reason: str) -> None:
    assert reason in analyze(command).unknown


@pytest.mark.parametrize(
    "command",
    [
        "mapfile -t lines < f",
        "trap 'rm -f x' EXIT",
        "trap - EXIT",
        "shopt -s globstar",
        "shopt -u autocd",
        'read -p "$prompt" name',
        'printf "$fmt" x',
        'export PATH="$HOME/bin:$PATH"',
        'local -a arr=("$@")',
        "fc -l",
        "cat .git/config",
    ],
)
def test_benign_builtins_stay_resolved(command: str) -> None:
    assert analyze(command).unknown == ()


def test_git_helpers_and_supersets_are_git() -> None:
    assert _argvs("/usr/lib/git-core/git-push u b") == [("git", "push", "u", "b")]
    assert _argvs("git-send-pack u") == [("git", "send-pack", "u")]
    assert _argvs("hub push u b") == [("git", "push", "u", "b")]
    assert _argvs("yadm push") == [("git", "push")]
    assert _argvs("git-filter-repo --help") == [("git-filter-repo", "--help")]  # not a builtin: left alone


@pytest.mark.parametrize(
    ("key", "value", "risk"),
    [
        ("user.name", "x", "safe"),
        ("Color.UI", "always", "safe"),
        ("pager.log", "false", "safe"),
        ("pager.log", "sh -c id", "command"),
        ("core.fsmonitor", "x", "command"),
        ("CORE.FSMONITOR", "x", "command"),
        ("filter.lfs.smudge", "x", "command"),
        ("diff.tex.textconv", "x", "command"),
        ("alias.p", "!x", "command"),
        ("alias.p", "push", "risky"),
        ("credential.helper", "store", "risky"),
        ("core.hooksPath", "/x", "risky"),
        ("include.path", "/x", "risky"),
        ("url.x.insteadOf", "y", "risky"),
        ("some.future.key", "y", "risky"),
    ],
)
def test_config_risk(key: str, value: str, risk: str) -> None:
    assert config_risk(key, value) == risk


def test_harmless_command_values() -> None:
    assert not config_doubt("core.editor", "vim")
    assert not config_doubt("core.pager", "less -R")
    assert config_doubt("core.pager", "less; id")
    assert config_doubt("core.sshCommand", "ssh -o ProxyCommand=x")
    assert config_doubt("alias.x", "!vim")
    assert not env_doubt("GIT_EDITOR", "true")
    assert not env_doubt("GIT_SSH_COMMAND", "'ssh -i ~/.ssh/key'")
    assert env_doubt("GIT_EXTERNAL_DIFF", "/tmp/x")
    assert env_doubt("GIT_CONFIG_GLOBAL", "/tmp/x")


def test_every_command_key_of_an_event() -> None:
    ev = tool_event("Bash", {"command": "ls", "CMD": "cd /etc", "description": "cd /x", "timeout": 5})
    assert _events.shell_commands(ev) == ["ls", "cd /etc"]
    ev = tool_event("Bash", {"command": "git", "args": ["push", "u"]})
    assert "git push u" in (_events.shell_commands(ev) or [])
    ev = tool_event("Bash", {"cmd": ["bash", "-lc", "cd /etc"]})
    assert _events.shell_commands(ev) == ["bash -lc 'cd /etc'", "bash", "-lc", "cd /etc"]
    assert _events.shell_commands(tool_event("Bash", {"command": "ls", "script": {"x": 1}})) is None
    assert _events.shell_commands(tool_event("Bash", {"description": "x"})) is None
    ev = tool_event("Bash", {"command": "ls", "env": {"PS4": "$(x)"}})
    assert _events.shell_commands(ev) == ["ls", "env 'PS4=$(x)' true"]
