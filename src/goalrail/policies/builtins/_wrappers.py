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
    positionals: int = 0  # words between the options and the command (timeout DURATION)
    numeric: bool = False  # accepts "-10" (nice)
    assignments: bool = False  # VAR=value words before the command (env)
    stdin_args: bool = False  # arguments are appended at run time (xargs)
    double_dash: bool = True


def _s(text: str) -> frozenset[str]:
    return frozenset(text.split())


WRAPPERS: dict[str, WrapperSpec] = {
    "sudo": WrapperSpec(
        short_val=_s("-u -g -h -p -C -D -r -t -U -T -R"),
        short_flag=_s("-E -H -n -S -b -k -P -A -i -s -B -N"),
        long_val=_s(
            "--user --group --host --prompt --close-from --chdir --role --type --other-user --command-timeout --chroot"
        ),
        long_flag=_s(
            "--preserve-env --set-home --non-interactive --stdin --background --reset-timestamp "
            "--preserve-groups --askpass --login --shell --bell --no-update"
        ),
        stop=_s("-l -v -e -K -V --list --validate --edit --remove-timestamp --version --help"),
        chdir=_s("-D --chdir"),
    ),
    "doas": WrapperSpec(short_val=_s("-u -a"), short_flag=_s("-n -s"), stop=_s("-C -L")),
    "env": WrapperSpec(
        short_val=_s("-u -C -S -P"),
        short_flag=_s("-i -0 -v"),
        long_val=_s("--unset --chdir --split-string --default-signal --ignore-signal --block-signal"),
        long_flag=_s("--ignore-environment --null --debug --list-signal-handling"),
        stop=_s("--help --version"),
        chdir=_s("-C --chdir"),
        split=_s("-S --split-string"),
        assignments=True,
    ),
    "nice": WrapperSpec(short_val=_s("-n"), long_val=_s("--adjustment"), numeric=True, stop=_s("--help --version")),
    "ionice": WrapperSpec(
        short_val=_s("-c -n"),
        short_flag=_s("-t"),
        long_val=_s("--class --classdata"),
        long_flag=_s("--ignore"),
        stop=_s("-p -P -u --pid --pgid --uid --help --version"),
    ),
    "timeout": WrapperSpec(
        short_val=_s("-s -k"),
        short_flag=_s("-v -f -p"),
        long_val=_s("--signal --kill-after"),
        long_flag=_s("--preserve-status --foreground --verbose"),
        stop=_s("--help --version"),
        positionals=1,
    ),
    "stdbuf": WrapperSpec(
        short_val=_s("-i -o -e"),
        long_val=_s("--input --output --error"),
        stop=_s("--help --version"),
    ),
    "nohup": WrapperSpec(stop=_s("--help --version")),
    "setsid": WrapperSpec(short_flag=_s("-c -f -w"), long_flag=_s("--ctty --fork --wait"), stop=_s("--help --version")),
    "time": WrapperSpec(
        short_val=_s("-f -o"),
        short_flag=_s("-p -a -v -q"),
        long_val=_s("--format --output"),
        long_flag=_s("--portability --append --verbose --quiet"),
        stop=_s("--help --version"),
    ),
    "command": WrapperSpec(short_flag=_s("-p"), stop=_s("-v -V")),
    "builtin": WrapperSpec(),
    "exec": WrapperSpec(short_val=_s("-a"), short_flag=_s("-c -l")),
    "xargs": WrapperSpec(
        short_val=_s("-a -d -E -I -L -n -P -s"),
        short_flag=_s("-0 -r -t -p -x -o -e -i -l"),
        long_val=_s(
            "--arg-file --delimiter --eof --replace --max-lines --max-args --max-procs --max-chars --process-slot-var"
        ),
        long_flag=_s("--null --no-run-if-empty --verbose --interactive --exit --open-tty"),
        stop=_s("--help --version --show-limits"),
        stdin_args=True,
    ),
    "chroot": WrapperSpec(
        long_val=_s("--userspec --groups"),
        long_flag=_s("--skip-chdir"),
        stop=_s("--help --version"),
        positionals=1,
    ),
    "su": WrapperSpec(
        short_val=_s("-s -g -G -w"),
        short_flag=_s("-l -m -p -f -P -T"),
        long_val=_s("--shell --group --supp-group --whitelist-environment"),
        long_flag=_s("--login --preserve-environment --fast --pty --session-command"),
        shell_string=_s("-c --command"),
        stop=_s("--help --version"),
        positionals=1,
    ),
    "runuser": WrapperSpec(
        short_val=_s("-u -s -g -G -w"),
        short_flag=_s("-l -m -p -f -P -T"),
        long_val=_s("--user --shell --group --supp-group"),
        long_flag=_s("--login --preserve-environment --fast --pty"),
        shell_string=_s("-c --command"),
        stop=_s("--help --version"),
    ),
    "watch": WrapperSpec(
        short_val=_s("-n -q"),
        short_flag=_s("-b -c -C -d -e -g -p -r -t -w -x"),
        long_val=_s("--interval --equexit"),
        long_flag=_s(
            "--beep --color --no-color --differences --errexit --chgexit "
            "--precise --no-rerun --no-title --no-wrap --exec"
        ),
        stop=_s("--help --version"),
    ),
    "flock": WrapperSpec(
        short_val=_s("-w -E"),
        short_flag=_s("-s -x -u -n -o -F -e"),
        long_val=_s("--timeout --conflict-exit-code"),
        long_flag=_s("--shared --exclusive --unlock --nonblock --close --no-fork"),
        shell_string=_s("-c --command"),
        stop=_s("--help --version"),
        positionals=1,
    ),
    "caffeinate": WrapperSpec(short_val=_s("-t -w"), short_flag=_s("-d -i -m -s -u")),
    "unbuffer": WrapperSpec(short_flag=_s("-p")),
    "coproc": WrapperSpec(),
}

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "rbash", "fish"})
