"""Launchers are peeled like sudo: the command they run is judged as if typed alone
(policies/builtins/_launchers.py), and programs' directory options are directory switches
(policies/builtins/_dir_flags.py)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins.github import github_policy
from goalrail.policies.builtins.working_dir import block_working_dir_changes
from tests.unit.builtins.builtin_events import shell_event

PUSH = "git push --force https://github.com/other/repo main"
GITHUB = github_policy(write_repos=["me/*"])

LAUNCHED = [
    "pkexec",
    "pkexec --user root",
    "run0 -u root",
    "unshare -r",
    "unshare --mount --wd /tmp",
    "nsenter -t 1 -m",
    "taskset -c 0",
    "taskset 0x3",
    "chrt -f 10",
    "prlimit --nofile=100",
    "systemd-run --user --pty",
    "firejail --noprofile --net=none",
    "fakeroot",
    "fakechroot -s",
    "strace -f -o /tmp/t",
    "ltrace -f",
    "valgrind --tool=memcheck",
    "catchsegv",
    "busybox",
    "torsocks",
    "proxychains4 -q",
    "trickle -d 10",
    "numactl -N 0",
    "cgexec -g cpu:x",
    "faketime '2020-01-01'",
    "gosu nobody",
    "su-exec nobody",
    "setarch x86_64 -R",
    "eatmydata",
    "chronic",
    "xvfb-run -a",
    "flatpak-spawn --host",
    "setpriv --no-new-privs",
    "dbus-run-session",
    "uv run",
    "uv run --with rich",
    "poetry run",
    "pipenv run",
    "conda run -n base",
    "bundle exec",
    "npm exec --",
    "pnpm exec",
    "direnv exec .",
    "taskset -c 0 sudo -u me strace -f",
]


@pytest.mark.parametrize("launcher", LAUNCHED)
def test_a_launched_command_is_judged_as_itself(launcher: str) -> None:
    command = f"{launcher} {PUSH}"
    assert [c.argv[:2] for c in analyze(command).commands] == [("git", "push")]
    out = GITHUB(shell_event(command))
    assert out is not None and out["result"] == "DENY", (command, out)


@pytest.mark.parametrize(
    "command",
    [
        "npm exec -c 'git push --force https://github.com/other/repo main'",
        "sg staff -c 'git push --force https://github.com/other/repo main'",
        "sg staff 'git push --force https://github.com/other/repo main'",
        "bwrap --bind / / " + PUSH,
        "setarch x86_64 --no-such-flag " + PUSH,
    ],
)
def test_scripts_are_parsed_and_unknown_options_are_asked(command: str) -> None:
    out = GITHUB(shell_event(command))
    assert out is not None and out["result"] in ("DENY", "ASK"), (command, out)


def test_an_option_missing_from_a_launchers_table_is_not_guessed() -> None:
    analysis = analyze(f"strace --no-such-option {PUSH}")
    assert analysis.unknown and "strace" in analysis.unknown[0]
    assert GITHUB(shell_event(f"strace --no-such-option {PUSH}"))["result"] == "ASK"


WORKDIR = block_working_dir_changes(allowed_dirs=["/work/repo"])


@pytest.mark.parametrize(
    "command",
    [
        "make -C /tmp",
        "make -sC /tmp all",
        "make --directory=/tmp",
        "ninja -C /tmp",
        "tar -xzf a.tgz -C /etc",
        "tar -xzC /etc -f a.tgz",
        "tar --directory /etc -xf a.tar",
        "go -C /tmp build",
        "npm --prefix /tmp install",
        "pnpm -C /tmp install",
        "yarn --cwd /tmp add x",
        "bun --cwd=/tmp run x",
        "uv --directory /tmp sync",
        "poetry -C /tmp install",
        "chroot /tmp ls",
        "unshare --wd=/tmp ls",
        "unshare -w /tmp ls",
        "nsenter --wd=/tmp ls",
        "run0 --chdir=/tmp ls",
        "systemd-run --working-directory=/tmp ls",
        "flatpak-spawn --directory=/tmp ls",
        "uv run --directory /tmp pytest",
        "conda run --cwd /tmp python x.py",
        "taskset -c 0 make -C /tmp",
        "uv run make -C /tmp",
    ],
)
def test_directory_options_outside_the_allowed_directories_are_denied(command: str) -> None:
    out = WORKDIR(shell_event(command))
    assert out is not None and out["result"] == "DENY", (command, out)
    assert "/tmp" in out["reason"] or "/etc" in out["reason"]


@pytest.mark.parametrize(
    "command", ["make -C sub all", "tar -xzf a.tgz -C out", "npm --prefix ./web install", "make all", "tar -xzf a.tgz"]
)
def test_directory_options_inside_the_allowed_directories_pass(command: str) -> None:
    assert WORKDIR(shell_event(command)) is None
