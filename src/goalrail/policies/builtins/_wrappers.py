"""The table of command wrappers ``_shell`` peels off, and the shells it re-parses.

Each wrapper lists the options it understands; an option it does not know makes
the command "unknown" (enumerations always fall behind, so the fallback is ASK,
never a guess).  Matched on the basename, so ``/usr/bin/sudo`` is ``sudo``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrapperSpec:
    short_val: frozenset[str] = frozenset()  # "-u" takes a value
    short_flag: frozenset[str] = frozenset()
    long_val: frozenset[str] = frozenset()  # "--user" takes a value
    long_flag: frozenset[str] = frozenset()
    stop: frozenset[str] = frozenset()  # options after which no command runs (command -v)
    chdir: frozenset[str] = frozenset()  # options that switch directory (env -C)
    split: frozenset[str] = frozenset()  # options whose value is split into words (env -S)
    shell_string: frozenset[str] = frozenset()  # options whose value is a shell script (su -c)
    lead: int = 0  # words between the name and the options (setarch ARCH [options] command)
    positionals: int = 0  # words between the options and the command (timeout DURATION)
    chdir_positional: bool = False  # the first of them is the directory it runs in (chroot NEWROOT)
    numeric: bool = False  # accepts "-10" (nice)
    assignments: bool = False  # VAR=value words before the command (env)
    stdin_args: bool = False  # arguments are appended at run time (xargs)
    double_dash: bool = True


def names(text: str) -> frozenset[str]:
    """A set of names written as one space-separated string (keeps long tables readable)."""
    return frozenset(text.split())


def option_spellings(spec: str, marks: str) -> tuple[str, list[str]]:
    """One option of a table written in ``_option_table``'s syntax (``xo/output,out:``: short
    letters, ``/``, long names, a mark): (its mark when it is one of ``marks``, else "";
    its spellings ``-x``, ``-o``, ``--output``, ``--out``)."""
    mark = spec[-1] if spec[-1] in marks else ""
    shorts, _, longs = spec.rstrip(marks).partition("/")
    return mark, [f"-{c}" for c in shorts] + [f"--{n}" for n in longs.split(",") if n]


WRAPPERS: dict[str, WrapperSpec] = {
    "sudo": WrapperSpec(
        short_val=names("-u -g -h -p -C -D -r -t -U -T -R"),
        short_flag=names("-E -H -n -S -b -k -P -A -i -s -B -N"),
        long_val=names(
            "--user --group --host --prompt --close-from --chdir --role --type --other-user --command-timeout --chroot"
        ),
        long_flag=names(
            "--preserve-env --set-home --non-interactive --stdin --background --reset-timestamp "
            "--preserve-groups --askpass --login --shell --bell --no-update"
        ),
        stop=names("-l -v -e -K -V --list --validate --edit --remove-timestamp --version --help"),
        chdir=names("-D --chdir"),
        assignments=True,  # sudo VAR=value command
    ),
    "doas": WrapperSpec(short_val=names("-u -a"), short_flag=names("-n -s"), stop=names("-C -L")),
    "env": WrapperSpec(
        short_val=names("-u -C -S -P"),
        short_flag=names("-i -0 -v"),
        long_val=names("--unset --chdir --split-string --default-signal --ignore-signal --block-signal"),
        long_flag=names("--ignore-environment --null --debug --list-signal-handling"),
        stop=names("--help --version"),
        chdir=names("-C --chdir"),
        split=names("-S --split-string"),
        assignments=True,
    ),
    "nice": WrapperSpec(
        short_val=names("-n"), long_val=names("--adjustment"), numeric=True, stop=names("--help --version")
    ),
    "ionice": WrapperSpec(
        short_val=names("-c -n"),
        short_flag=names("-t"),
        long_val=names("--class --classdata"),
        long_flag=names("--ignore"),
        stop=names("-p -P -u --pid --pgid --uid --help --version"),
    ),
    "timeout": WrapperSpec(
        short_val=names("-s -k"),
        short_flag=names("-v -f -p"),
        long_val=names("--signal --kill-after"),
        long_flag=names("--preserve-status --foreground --verbose"),
        stop=names("--help --version"),
        positionals=1,
    ),
    "stdbuf": WrapperSpec(
        short_val=names("-i -o -e"),
        long_val=names("--input --output --error"),
        stop=names("--help --version"),
    ),
    "nohup": WrapperSpec(stop=names("--help --version")),
    "setsid": WrapperSpec(
        short_flag=names("-c -f -w"), long_flag=names("--ctty --fork --wait"), stop=names("--help --version")
    ),
    "time": WrapperSpec(
        short_val=names("-f -o"),
        short_flag=names("-p -a -v -q"),
        long_val=names("--format --output"),
        long_flag=names("--portability --append --verbose --quiet"),
        stop=names("--help --version"),
    ),
    "command": WrapperSpec(short_flag=names("-p"), stop=names("-v -V")),
    "builtin": WrapperSpec(),
    "exec": WrapperSpec(short_val=names("-a"), short_flag=names("-c -l")),
    "xargs": WrapperSpec(
        short_val=names("-a -d -E -I -L -n -P -s"),
        short_flag=names("-0 -r -t -p -x -o -e -i -l"),
        long_val=names(
            "--arg-file --delimiter --eof --replace --max-lines --max-args --max-procs --max-chars --process-slot-var"
        ),
        long_flag=names("--null --no-run-if-empty --verbose --interactive --exit --open-tty"),
        stop=names("--help --version --show-limits"),
        stdin_args=True,
    ),
    "chroot": WrapperSpec(
        long_val=names("--userspec --groups"),
        long_flag=names("--skip-chdir"),
        stop=names("--help --version"),
        positionals=1,
        chdir_positional=True,
    ),
    "su": WrapperSpec(
        short_val=names("-s -g -G -w"),
        short_flag=names("-l -m -p -f -P -T"),
        long_val=names("--shell --group --supp-group --whitelist-environment"),
        long_flag=names("--login --preserve-environment --fast --pty --session-command"),
        shell_string=names("-c --command"),
        stop=names("--help --version"),
        positionals=1,
    ),
    "runuser": WrapperSpec(
        short_val=names("-u -s -g -G -w"),
        short_flag=names("-l -m -p -f -P -T"),
        long_val=names("--user --shell --group --supp-group"),
        long_flag=names("--login --preserve-environment --fast --pty"),
        shell_string=names("-c --command"),
        stop=names("--help --version"),
    ),
    "watch": WrapperSpec(
        short_val=names("-n -q"),
        short_flag=names("-b -c -C -d -e -g -p -r -t -w -x"),
        long_val=names("--interval --equexit"),
        long_flag=names(
            "--beep --color --no-color --differences --errexit --chgexit "
            "--precise --no-rerun --no-title --no-wrap --exec"
        ),
        stop=names("--help --version"),
    ),
    "flock": WrapperSpec(
        short_val=names("-w -E"),
        short_flag=names("-s -x -u -n -o -F -e"),
        long_val=names("--timeout --conflict-exit-code"),
        long_flag=names("--shared --exclusive --unlock --nonblock --close --no-fork"),
        shell_string=names("-c --command"),
        stop=names("--help --version"),
        positionals=1,
    ),
    "caffeinate": WrapperSpec(short_val=names("-t -w"), short_flag=names("-d -i -m -s -u")),
    "unbuffer": WrapperSpec(short_flag=names("-p")),
    "coproc": WrapperSpec(),
}

SHELLS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "osh", "ksh93"}
    | {"oksh", "loksh", "pdksh", "lksh", "hush", "bosh", "jsh", "sash", "brush", "mrsh", "smoosh", "rzsh"}
)

#: programs that take git's own command line (``hub push`` is ``git push``)
GIT_FRONTENDS = frozenset({"hub", "yadm"})
#: other programs that push to git hosts by their own commands (always ASKed by the GitHub policy)
GIT_PUSHERS = frozenset(
    {"jj", "sl", "gt", "ghstack", "spr", "git-town", "git-machete", "git-branchless", "stg", "lazygit", "gitui", "vcsh"}
)
