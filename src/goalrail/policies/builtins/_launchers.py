"""More programs that run the command after their options: privilege and namespace launchers,
sandboxes, tracers, schedulers, proxies, and the "run" subcommands of environment managers.

Like ``_wrappers.WRAPPERS`` (``sudo``, ``env``, ``timeout``…), each is peeled by the shell
analysis so the command it runs is judged as if it were typed alone: ``taskset -c 0 git push
--force …`` is a ``git push``.  An option not listed here makes the analysis say it cannot tell
(policies then ASK), so a short table fails closed rather than open.  A program that takes a
value through an option (``--wd``, ``--chdir``, ``-C``) records it as the directory the
command runs in (``Wrapper.chdir``).
"""

from __future__ import annotations

from goalrail.policies.builtins._package_runners import BUN_SUBCOMMANDS, RUNNERS, bun_run
from goalrail.policies.builtins._wrappers import WrapperSpec, names

__all__ = ["BUN_SUBCOMMANDS", "LAUNCHERS", "RUNNERS", "bun_run", "runs_joined"]

_HELP = names("--help --version -V -h")

LAUNCHERS: dict[str, WrapperSpec] = {
    "pkexec": WrapperSpec(long_val=names("--user"), long_flag=names("--disable-internal-agent --keep-cwd"), stop=_HELP),
    "run0": WrapperSpec(
        short_val=names("-u -g -D"),
        long_val=names("--user --group --chdir --setenv --nice --unit --property --description --slice --machine"),
        long_flag=names("--no-ask-password --background --pty --pipe"),
        chdir=names("-D --chdir"),
        stop=_HELP,
    ),
    "unshare": WrapperSpec(
        short_val=names("-w -R -S -G"),
        short_flag=names("-m -u -i -n -p -U -C -T -f -r -c"),
        long_val=names("--wd --root --setuid --setgid --propagation --map-user --map-group --map-users --map-groups"),
        long_flag=names(
            "--mount --uts --ipc --net --pid --user --cgroup --time --fork --map-root-user --map-current-user "
            "--mount-proc --kill-child --keep-caps"
        ),
        chdir=names("-w --wd -R --root"),
        stop=_HELP,
    ),
    "nsenter": WrapperSpec(
        short_val=names("-t -S -G"),
        short_flag=names("-a -m -u -i -n -p -U -C -T -r -w -F -Z"),
        long_val=names("--target --setuid --setgid"),
        long_flag=names(  # --wd and --root take a value only as `--wd=dir`
            "--all --mount --uts --ipc --net --pid --user --cgroup --time --no-fork --preserve-credentials "
            "--follow-context --wd --root"
        ),
        chdir=names("--wd --root"),
        stop=_HELP,
    ),
    "taskset": WrapperSpec(
        short_flag=names("-a -c"),
        long_flag=names("--all-tasks --cpu-list"),
        stop=names("-p --pid --help -V"),
        positionals=1,
    ),
    "chrt": WrapperSpec(
        short_val=names("-T -P -D"),
        short_flag=names("-a -b -d -f -i -o -r -R -v -e"),
        long_val=names("--sched-runtime --sched-period --sched-deadline"),
        long_flag=names("--all-tasks --batch --deadline --fifo --idle --other --rr --reset-on-fork --verbose --ext"),
        stop=names("-p -m --pid --max --help -V"),
        positionals=1,
    ),
    "prlimit": WrapperSpec(
        long_val=names(
            "--core --data --nice --fsize --sigpending --memlock --rss --nofile --msgqueue --rtprio --stack --cpu "
            "--nproc --as --locks --rttime"
        ),
        stop=names("-p --pid --help -V"),
    ),
    "systemd-run": WrapperSpec(
        short_val=names("-u -p -E -M -H"),
        short_flag=names("-r -t -P -q -G -S -d"),
        long_val=names(
            "--unit --property --description --slice --setenv --working-directory --uid --gid --nice --machine "
            "--host --service-type --on-calendar --on-active --timer-property --path-property --socket-property"
        ),
        long_flag=names(
            "--user --system --scope --remain-after-exit --pty --pipe --quiet --collect --wait --same-dir "
            "--no-block --no-ask-password --shell"
        ),
        chdir=names("--working-directory"),
        stop=_HELP,
    ),
    "systemd-inhibit": WrapperSpec(long_val=names("--what --who --why --mode"), stop=names("--list --help --version")),
    "firejail": WrapperSpec(  # its options take values only as `--name=value`
        long_flag=names(
            "--quiet --noprofile --profile --net --private --whitelist --blacklist --read-only --name --dns "
            "--caps.drop --nonewprivs --noroot --seccomp --x11"
        ),
        stop=_HELP,
    ),
    "fakeroot": WrapperSpec(
        short_val=names("-l -s -i"),
        short_flag=names("-u"),
        long_val=names("--lib --faked"),
        long_flag=names("--unknown-is-real"),
        stop=_HELP,
    ),
    "fakechroot": WrapperSpec(
        short_val=names("-l -d -e -c"),
        short_flag=names("-s"),
        long_val=names("--lib --elfloader --environment --config-dir"),
        long_flag=names("--use-system-libs"),
        stop=_HELP,
    ),
    "strace": WrapperSpec(
        short_val=names("-e -o -p -s -u -a -b -E -I -O -S -X -P"),
        short_flag=names("-f -F -c -C -d -D -i -k -n -q -r -t -T -v -w -x -y -z -Z"),
        long_val=names("--expr --output --attach --string-limit --user --env --signal --trace --trace-path"),
        long_flag=names(
            "--follow-forks --summary-only --summary --quiet --relative-timestamps --timestamps --no-abbrev"
        ),
        stop=names("-h -V --help --version"),
    ),
    "ltrace": WrapperSpec(
        short_val=names("-e -o -p -s -a -n -u -l -x -A -D -F"),
        short_flag=names("-f -c -C -i -r -S -t -T -b -w"),
        long_val=names("--output --library"),
        long_flag=names("--demangle --no-signals"),
        stop=_HELP,
    ),
    "valgrind": WrapperSpec(
        short_flag=names("-q -v"),
        long_val=names(
            "--tool --leak-check --log-file --track-origins --show-leak-kinds --error-exitcode --trace-children "
            "--suppressions --num-callers --xml --xml-file --callgrind-out-file --massif-out-file"
        ),
        long_flag=names("--quiet --verbose"),
        stop=_HELP,
    ),
    # options that take two or three words (--bind SRC DEST): not peeled; any option is "cannot tell"
    "bwrap": WrapperSpec(stop=_HELP),
    "busybox": WrapperSpec(stop=names("--help --list --list-full --install")),
    "toybox": WrapperSpec(stop=names("--help --long --version")),  # `toybox su` runs su, as busybox does
    "torsocks": WrapperSpec(
        short_val=names("-u -p -a -P"),
        short_flag=names("-i -d -q"),
        long_val=names("--user --pass --address --port"),
        long_flag=names("--isolate --quiet --debug"),
        stop=names("--shell --on --off --show --help --version -h"),
    ),
    "proxychains": WrapperSpec(short_val=names("-f"), short_flag=names("-q"), stop=_HELP),
    "proxychains4": WrapperSpec(short_val=names("-f"), short_flag=names("-q"), stop=_HELP),
    "tsocks": WrapperSpec(stop=names("-on -off -show -sh")),
    "trickle": WrapperSpec(short_val=names("-u -d -w -t -l -n -L"), short_flag=names("-v -s"), stop=names("-h -V")),
    "catchsegv": WrapperSpec(),
    "eatmydata": WrapperSpec(stop=_HELP),
    "nocache": WrapperSpec(short_val=names("-n"), stop=_HELP),
    "chronic": WrapperSpec(short_flag=names("-e -v")),
    "dbus-run-session": WrapperSpec(long_val=names("--config-file --dbus-daemon"), stop=_HELP),
    "dbus-launch": WrapperSpec(
        long_val=names("--config-file"),
        long_flag=names("--sh-syntax --csh-syntax --auto-syntax --exit-with-session --close-stderr"),
        stop=_HELP,
    ),
    "numactl": WrapperSpec(
        short_val=names("-N -m -C -p -i -P"),
        short_flag=names("-l -a -b"),
        long_val=names("--cpunodebind --membind --physcpubind --preferred --interleave --preferred-many"),
        long_flag=names("--localalloc --all --balancing"),
        stop=names("-H -s --hardware --show --help"),
    ),
    "cgexec": WrapperSpec(short_val=names("-g"), long_flag=names("--sticky")),
    "faketime": WrapperSpec(
        short_flag=names("-m -f"),
        long_flag=names("--exclude-monotonic"),
        long_val=names("--date-prog"),
        stop=_HELP,
        positionals=1,
    ),
    "gosu": WrapperSpec(stop=_HELP, positionals=1),
    "sg": WrapperSpec(short_val=names("-c"), shell_string=names("-c"), lead=1),  # sg GROUP [-c] COMMAND
    "su-exec": WrapperSpec(positionals=1),
    "setarch": WrapperSpec(
        short_flag=names("-v -3 -B -F -I -L -R -S -T -X -Z"),
        long_flag=names(
            "--verbose --3gb --4gb --addr-compat-layout --fdpic-funcptrs --short-inode --addr-no-randomize "
            "--whole-seconds --sticky-timeouts --read-implies-exec --mmap-page-zero --uname-2.6"
        ),
        stop=names("--list --help --version"),
        lead=1,
    ),
    "linux32": WrapperSpec(short_flag=names("-v -3 -B -F -I -L -R -S -T -X -Z")),
    "linux64": WrapperSpec(short_flag=names("-v -3 -B -F -I -L -R -S -T -X -Z")),
    "xvfb-run": WrapperSpec(
        short_val=names("-n -s -f -e -p -w"),
        short_flag=names("-a"),
        long_val=names("--server-num --server-args --auth-file --error-file --xauth-protocol --wait"),
        long_flag=names("--auto-servernum --auto-display"),
        stop=_HELP,
    ),
    "flatpak-spawn": WrapperSpec(
        long_val=names("--directory --env --forward-fd --unset-env --app-path --usr-path"),
        long_flag=names("--host --watch-bus --clear-env --latest-pid --sandbox --no-network --expose-pids --verbose"),
        chdir=names("--directory"),
        stop=_HELP,
    ),
    "setpriv": WrapperSpec(
        long_val=names(
            "--ruid --euid --rgid --egid --reuid --regid --groups --inh-caps --ambient-caps --bounding-set "
            "--securebits --pdeathsig --selinux-label --apparmor-profile --landlock-access --landlock-rule"
        ),
        long_flag=names("--clear-groups --keep-groups --init-groups --no-new-privs --reset-env --nnp"),
        stop=names("-d --dump --list-caps --help --version"),
    ),
    "proot": WrapperSpec(  # a chroot without privileges: -r/-R/-S name the new root, -w the directory
        short_val=names("-r -R -S -b -m -q -w -k -v -p -i"),
        short_flag=names("-0 -n -L"),
        long_val=names("--rootfs --bind --mount --qemu --cwd --kernel-release --verbose"),
        long_flag=names("--root-id --kill-on-exit --link2symlink"),
        chdir=names("-r -R -S -w --rootfs --cwd"),
        stop=names("-V -h --help --version --usage"),
    ),
    "systemd-nspawn": WrapperSpec(  # a container on a directory of this machine (like chroot)
        short_val=names("-D -i -M -u -E -S -Z -L"),
        short_flag=names("-b -q -x -a -n -U -P"),
        long_val=names(
            "--directory --image --machine --user --setenv --bind --bind-ro --tmpfs --overlay --overlay-ro "
            "--chdir --network-bridge --network-zone --private-users --capability --drop-capability "
            "--resolv-conf --timezone --link-journal --register --property --slice --uuid --template --hostname "
            "--kill-signal --console --personality --volatile --rlimit --port --settings"
        ),
        long_flag=names(
            "--boot --quiet --ephemeral --as-pid2 --private-network --network-veth --keep-unit --read-only "
            "--no-new-privileges --pipe"
        ),
        chdir=names("-D --directory"),
        stop=_HELP,
    ),
    "npx": WrapperSpec(
        short_val=names("-c -p -w"),
        short_flag=names("-y -q"),
        long_val=names("--package --call --workspace"),
        long_flag=names("--yes --no --quiet --ignore-existing --workspaces"),
        shell_string=names("-c --call"),
        stop=_HELP,
    ),
    "bunx": WrapperSpec(
        short_val=names("-p"), long_val=names("--package"), long_flag=names("--bun --silent --verbose --no-install")
    ),
    "uvx": WrapperSpec(  # `uv tool run`: a package's program
        short_val=names("-p"),
        short_flag=names("-q -v -n"),
        long_val=names(
            "--from --with --with-editable --with-requirements --python --index --default-index --extra-index-url "
            "--constraints --overrides --env-file"
        ),
        long_flag=names("--isolated --offline --refresh --no-cache --quiet --verbose --no-env-file --native-tls"),
    ),
    "entr": WrapperSpec(short_flag=names("-a -c -d -n -p -r -s -z"), stop=names("-h")),  # -s: one shell word
    # file watchers, job queues and detached sessions: the command they run on a change, later or apart
    "watchexec": WrapperSpec(
        short_val=names("-w -W -F -e -f -i -d -s -o -E -j"),
        short_flag=names("-r -c -p -N -n -1 -v -q -k"),
        long_val=names(
            "--watch --watch-non-recursive --watch-file --exts --filter --filter-file --filter-prog --ignore "
            "--ignore-file --debounce --delay-run --signal --stop-signal --stop-timeout --on-busy-update --shell "
            "--env --workdir --project-origin --poll --emit-events-to --wrap-process --color --fs-events --log-file"
        ),
        long_flag=names(
            "--restart --clear --postpone --notify --no-shell --no-vcs-ignore --no-project-ignore --no-global-ignore "
            "--no-default-ignore --no-discover-ignore --ignore-nothing --no-meta --no-process-group --print-events "
            "--verbose --quiet --bell --timings --no-environment --kill --no-process-group"
        ),
        chdir=names("--workdir"),
        stop=_HELP,
    ),
    "reflex": WrapperSpec(
        short_val=names("-r -R -g -G -c -d -t"),
        short_flag=names("-s -e -v"),
        long_val=names("--regex --inverse-regex --glob --inverse-glob --config --decoration --shutdown-timeout"),
        long_flag=names("--all --only-dirs --only-files --sequential --start-service --verbose"),
        stop=names("-h --help"),
    ),
    "tsp": WrapperSpec(
        short_val=names("-L -D -W -N"), short_flag=names("-n -g -f -m -d -E -B"), stop=names("-l -S -C -t -c -h -V")
    ),
    "nq": WrapperSpec(short_flag=names("-c -q")),
    "dtach": WrapperSpec(short_val=names("-n -c -A -e -r"), short_flag=names("-E -z"), stop=names("-a -p")),
    "abduco": WrapperSpec(short_val=names("-c -n -A -e"), short_flag=names("-f -r -l -p -q"), stop=names("-a -v")),
    "daemonize": WrapperSpec(short_val=names("-c -e -o -p -l -u -E"), short_flag=names("-a -v"), chdir=names("-c")),
    "sem": WrapperSpec(  # GNU parallel's semaphore: the command, run by a shell when its slot is free
        short_val=names("-j -P"),
        short_flag=names("-u -q"),
        long_val=names("--jobs --id --semaphorename --st --semaphoretimeout --halt"),
        long_flag=names("--fg --bg --wait --will-cite --no-notice --ungroup --quote --line-buffer --lb"),
    ),
    "chpst": WrapperSpec(
        short_val=names("-u -U -b -e -/ -C -n -l -L -m -d -o -p -f -c"),
        short_flag=names("-P -0 -1 -2 -v"),
        chdir=names("-/ -C"),
    ),
}


def runs_joined(base: str, options: tuple[str, ...]) -> bool:
    """Whether ``base`` (peeled, with these options) hands its command's words, joined by blanks, to
    a shell: ``watch`` (not ``-x``), ``entr -s``, ``watchexec`` (not ``-n``), ``sem``, ``pueue add``."""
    if base == "watch":
        return not {"-x", "--exec"} & set(options)
    if base == "entr":
        return "-s" in options
    if base == "watchexec":
        return not {"-n", "--no-shell", "--shell=none"} & set(options)
    if base == "pueue add":
        return not {"-e", "--escape"} & set(options)
    return base == "sem"
