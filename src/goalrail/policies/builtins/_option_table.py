"""The options of the programs ``shell_execute`` rules name, so that a rule written in one
spelling of them meets the others (``_option_spellings``).

Each program (or ``program subcommand``) lists its options in the order rules usually write
them (``rm -rf``: ``r`` before ``f``); an option is ``<short letters>/<long names>``, the first
of each its canonical spelling, then ``:`` when it takes a value, ``?`` when the value is
optional (only ``--opt=value`` or attached, as GNU ``getopt_long`` and git read it), and
``>a+b`` when it means other options (``git branch -D`` is ``--delete --force``; ``git push
--force-with-lease`` is a force push, read as ``--force`` too).

A program's flags: ``prefixes`` when it takes a unique prefix of a long option for the option
(GNU ``getopt_long``, git; not curl, docker or kubectl), ``modes`` when a word starting with
``-`` that is not all its options is an operand (``chmod -w f``), ``oldstyle`` when the first
word may be a cluster without its dash (``tar xzf f``).
"""

from __future__ import annotations

_GNU = "prefixes"

#: program → (flags, its options separated by spaces); a program not here is read only as written
TABLE: dict[str, tuple[str, str]] = {
    "rm": (
        _GNU,
        "rR/recursive f/force i I /interactive? d/dir v/verbose /one-file-system /preserve-root? "
        "/no-preserve-root /help /version",
    ),
    "chmod": (
        _GNU + " modes",
        "R/recursive c/changes f/silent,quiet v/verbose /reference: /preserve-root /no-preserve-root "
        "/dereference h/no-dereference /help /version",
    ),
    "chown": (
        _GNU,
        "R/recursive c/changes f/silent,quiet v/verbose h/no-dereference /dereference /from: "
        "/reference: H L P /preserve-root /no-preserve-root /help /version",
    ),
    "cp": (
        _GNU,
        "rR/recursive f/force a/archive i/interactive n/no-clobber u/update? v/verbose p /preserve? "
        "/no-preserve: l/link s/symbolic-link t/target-directory: T/no-target-directory d "
        "L/dereference P/no-dereference H x/one-file-system b /backup? S/suffix: /parents "
        "/remove-destination /sparse: /reflink? /strip-trailing-slashes /attributes-only "
        "/copy-contents Z /context? /debug /keep-directory-symlink /help /version",
    ),
    "mv": (
        _GNU,
        "f/force i/interactive n/no-clobber u/update? v/verbose t/target-directory: "
        "T/no-target-directory b /backup? S/suffix: /strip-trailing-slashes Z/context /exchange "
        "/no-copy /debug /help /version",
    ),
    "tar": (
        _GNU + " oldstyle",
        "c/create x/extract,get t/list r/append u/update A/catenate,concatenate d/diff,compare "
        "/delete z/gzip,gunzip,ungzip j/bzip2 J/xz Z/compress,uncompress /zstd /lzma a/auto-compress "
        "v/verbose p/preserve-permissions,same-permissions k/keep-old-files O/to-stdout "
        "P/absolute-names h/dereference m/touch W/verify w/interactive S/sparse G/incremental "
        "l/check-links M/multi-volume R/block-number s/same-order U/unlink-first B/read-full-records "
        "i/ignore-zeros o /overwrite /remove-files /wildcards /no-same-owner /same-owner "
        "/numeric-owner /one-file-system /xattrs /acls /selinux /no-recursion /recursion "
        "/exclude-vcs /keep-newer-files /null /skip-old-files /force-local /anchored /ignore-case "
        "/totals? /checkpoint? C/directory: I/use-compress-program: T/files-from: X/exclude-from: "
        "/exclude: /strip-components: /owner: /group: /mode: /transform,xform: b/blocking-factor: "
        "g/listed-incremental: K/starting-file: N/newer,after-date: V/label: L/tape-length: "
        "F/info-script: H/format: /warning: /index-file: f/file:",
    ),
    "kill": ("signal", "s/signal: n: l/list L/table"),
    "git push": (
        _GNU,
        "f/force /force-with-lease?>force /force-if-includes /mirror /all,branches /tags d/delete "
        "n/dry-run u/set-upstream v/verbose q/quiet /prune /follow-tags /atomic /no-verify /verify "
        "/porcelain /progress /thin /no-thin 4/ipv4 6/ipv6 /signed? /recurse-submodules: "
        "o/push-option: /repo: /receive-pack,exec:",
    ),
    "git reset": (
        _GNU,
        "/hard /soft /mixed /keep /merge q/quiet p/patch N/intent-to-add /refresh /no-refresh "
        "/recurse-submodules? /pathspec-from-file: /pathspec-file-nul",
    ),
    "git clean": (_GNU, "f/force d x X i/interactive n/dry-run q/quiet e/exclude:"),
    "git checkout": (
        _GNU,
        "f/force b: B: /orphan: /ours /theirs m/merge p/patch q/quiet /detach t/track? /no-track l "
        "/guess /no-guess /overlay /no-overlay /progress /conflict: /ignore-other-worktrees "
        "/overwrite-ignore /recurse-submodules? /ignore-skip-worktree-bits /pathspec-from-file: "
        "/pathspec-file-nul",
    ),
    "git branch": (
        _GNU,
        "d/delete f/force D>delete+force m/move M>move+force c/copy C>copy+force r/remotes a/all "
        "l/list v/verbose q/quiet u/set-upstream-to: /unset-upstream t/track? /no-track "
        "/edit-description /show-current /contains? /no-contains? /merged? /no-merged? /points-at: "
        "/sort: /format: /color? /no-color /column? /no-column i/ignore-case /abbrev? /no-abbrev "
        "/create-reflog /recurse-submodules",
    ),
    "docker rm": ("", "f/force v/volumes l/link"),
    "docker rmi": ("", "f/force /no-prune"),
    "docker system prune": ("", "a/all f/force /volumes /filter:"),
    "docker volume prune": ("", "a/all f/force /filter:"),
    "docker volume rm": ("", "f/force"),
    "docker image prune": ("", "a/all f/force /filter:"),
    "docker container prune": ("", "f/force /filter:"),
    "kubectl delete": (
        "",
        "/all A/all-namespaces /force /grace-period: /now n/namespace: f/filename: l/selector: "
        "R/recursive k/kustomize: /field-selector: /ignore-not-found /wait? /cascade? /dry-run? "
        "/timeout: o/output: i/interactive /raw:",
    ),
    "curl": (
        "",
        "X/request: d/data: /data-binary: /data-raw: /data-urlencode: /json: F/form: T/upload-file: "
        "o/output: O/remote-name s/silent S/show-error L/location k/insecure H/header: u/user: "
        "f/fail I/head v/verbose x/proxy: A/user-agent: b/cookie: c/cookie-jar: e/referer: G/get "
        "K/config: n/netrc m/max-time: r/range: w/write-out: i/include q/disable /url:",
    ),
    "wget": (
        _GNU,
        "O/output-document: o/output-file: q/quiet r/recursive c/continue N/timestamping "
        "P/directory-prefix: /post-data: /post-file: /method: /body-data: /body-file: U/user-agent: "
        "/header: i/input-file: n: l/level: m/mirror k/convert-links p/page-requisites "
        "/no-check-certificate S/server-response T/timeout: t/tries:",
    ),
    # launchers the privilege rule names by option (``_base.PRIV_RUN``): ``setpriv --reu=0`` is ``--reuid=0``
    "setpriv": (
        _GNU,
        "d/dump /nnp,no-new-privs /inh-caps: /ambient-caps: /bounding-set: /ruid: /euid: /rgid: /egid: "
        "/reuid: /regid: /clear-groups /keep-groups /init-groups /groups: /securebits: /pdeathsig: "
        "/selinux-label: /apparmor-profile: /landlock-access: /landlock-rule: /reset-env h/help V/version",
    ),
    "systemd-run": (
        _GNU,
        "/user /system /scope u/unit: p/property: /description: /slice: /slice-inherit r/remain-after-exit "
        "/send-sighup /service-type: /uid: /gid: /nice: /working-directory: d/same-dir E/setenv: t/pty "
        "P/pipe S/shell q/quiet /on-active: /on-boot: /on-startup: /on-unit-active: /on-unit-inactive: "
        "/on-calendar: /on-timezone-change /on-clock-change /timer-property: /path-property: "
        "/socket-property: /no-block /wait G/collect /ignore-failure /background: H/host: M/machine: "
        "/no-ask-password /json: /help /version",
    ),
}
TABLE["docker container rm"] = TABLE["docker rm"]
TABLE["docker image rm"] = TABLE["docker rmi"]

#: signal names ``kill`` takes, read as their numbers (``kill -KILL``, ``-SIGKILL``, ``-s 9``)
SIGNALS = {"HUP": "1", "INT": "2", "QUIT": "3", "KILL": "9", "TERM": "15", "STOP": "19", "CONT": "18", "USR1": "10"}
