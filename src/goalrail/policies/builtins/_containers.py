"""The command a container CLI runs: ``docker run IMAGE cmd…``, ``docker exec CTR cmd…``,
``kubectl exec POD -- cmd…`` and their kin (``podman``, ``nerdctl``, ``docker compose``, ``oc``).

What runs in a container is still the agent's doing: a ``git push`` from there reaches
GitHub all the same, so ``github_policy`` reads it (like ``_ssh``).  A ``cd`` in there is
not this machine's, but a bind mount (``-v /etc:/x``, ``--mount type=bind,src=…``) hands a
host directory to the container: ``block_working_dir_changes`` checks its source like a
``make -C``.

Each subcommand that runs something lists the options that take a value and those that
take none; ``--name=value`` is read whatever the name.  An option in neither list, or one
known only at run time, means the image/command boundary cannot be found: the run is
"not understood" (policies ASK).  Subcommands that run nothing (``docker ps``, ``docker
build``, ``kubectl get``) are not read at all.  Without ``--entrypoint`` the words after
the image may be arguments to the image's own entrypoint (``alpine/git push …`` pushes),
so they are read both as a command and as ``git``'s or ``gh``'s arguments (``gh``: only a
write to a named repository counts, ``docker run app run`` is no ``gh run``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from goalrail.policies.builtins._git import SUBCOMMANDS
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names


@dataclass(frozen=True, slots=True)
class Cli:
    value: frozenset[str]  # options that take a value: `-e X`, `-eX`, `--env X`, `--env=X`
    flags: frozenset[str] = frozenset()  # options that take none (bundled: `-it`)
    entrypoint: bool = False  # the words after the target may be arguments to its entrypoint
    interspersed: bool = False  # kubectl: options anywhere; the command follows `--`
    target: bool = True  # one word (image, container, service, pod) before the command
    ends: frozenset[str] = frozenset({"--"})  # words after which the command starts (`wsl -e`)
    script: frozenset[str] = frozenset()  # options whose value is a shell command line (`vagrant ssh -c`)


_RUN_VALUE = names(
    "-a -c -e -h -l -m -p -u -v -w --add-host --annotation --arch --attach --authfile --blkio-weight "
    "--blkio-weight-device --cap-add --cap-drop --cgroup-conf --cgroup-parent --cgroupns --cgroups --cidfile "
    "--conmon-pidfile --cpu-count --cpu-percent --cpu-period --cpu-quota --cpu-rt-period --cpu-rt-runtime "
    "--cpu-shares --cpus --cpuset-cpus --cpuset-mems --creds --decryption-key --detach-keys --device "
    "--device-cgroup-rule --device-read-bps --device-read-iops --device-write-bps --device-write-iops --dns "
    "--dns-option --dns-search --domainname --entrypoint --env --env-file --expose --gidmap --gpus --group-add "
    "--health-cmd --health-interval --health-retries --health-start-interval --health-start-period "
    "--health-timeout --hostname --hostuser --ip --ip6 --ipc --isolation --kernel-memory --label --label-file "
    "--link --link-local-ip --log-driver --log-opt --mac-address --memory --memory-reservation --memory-swap "
    "--memory-swappiness --mount --name --net --net-alias --network --network-alias --oom-score-adj --os "
    "--passwd-entry --pid --pidfile --pids-limit --platform --pod --preserve-fds --publish --pull --restart "
    "--runtime --seccomp-policy --secret --security-opt --shm-size --stop-signal --stop-timeout --storage-opt "
    "--subgidname --subuidname --sysctl --systemd --timeout --tmpfs --tz --uidmap --ulimit --umask --unsetenv "
    "--user --userns --uts --variant --volume --volume-driver --volumes-from --workdir"
)
_RUN_FLAGS = names(
    "-d -i -t -P -q --detach --interactive --tty --rm --privileged --init --read-only --publish-all --quiet "
    "--no-healthcheck --oom-kill-disable --sig-proxy --disable-content-trust --replace --env-host --http-proxy "
    "--no-hosts --read-only-tmpfs --rootfs --tls-verify --use-api-socket"
)
_EXEC = Cli(
    value=names("-e -u -w --env --env-file --user --workdir --detach-keys --preserve-fds"),
    flags=names("-d -i -t -l --detach --interactive --tty --privileged --latest"),
)
_RUN = Cli(_RUN_VALUE, _RUN_FLAGS, entrypoint=True)
_COMPOSE_RUN = Cli(
    value=names(
        "-e -l -p -u -v -w --entrypoint --env --label --name --publish --user --volume --workdir --cap-add "
        "--cap-drop --pull"
    ),
    flags=names(
        "-d -i -t -T -P --detach --rm --no-deps --service-ports --use-aliases --build --remove-orphans "
        "--quiet-pull --no-TTY --interactive --tty"
    ),
    entrypoint=True,
)
_COMPOSE_EXEC = Cli(
    value=names("-e -u -w --env --user --workdir --index"),
    flags=names("-d -i -t -T --detach --privileged --no-TTY --interactive --tty"),
)
_KUBE_VALUE = names(
    "-c -f -n -s --container --filename --pod-running-timeout --namespace --context --kubeconfig --cluster "
    "--user --server --token --as --as-group --as-uid --image --env --port --labels -l --overrides --restart "
    "--image-pull-policy --serviceaccount --annotations --profile --target --copy-to --share-processes "
    "-v --v --request-timeout --certificate-authority --client-certificate --client-key --cache-dir --field-manager"
)
_KUBE_FLAGS = names(
    "-i -t -q --stdin --tty --quiet --rm --attach --command --privileged --insecure-skip-tls-verify "
    "--leave-stdin-open --expose"
)

#: per program: its global options (before the subcommand) and the subcommands that run a command
_DOCKER_GLOBAL = Cli(
    value=names(
        "-H -c -l --host --context --config --log-level --tlscacert --tlscert --tlskey --connection --url "
        "--identity --root --runroot --storage-driver --cgroup-manager --events-backend --runtime --tmpdir "
        "--namespace -n --address -a --snapshotter --cni-path --data-root"
    ),
    flags=names("-D -r --debug --tls --tlsverify --remote --insecure-registry"),
    target=False,
)
_COMPOSE_GLOBAL = Cli(
    value=names("-f -p --file --project-name --project-directory --profile --env-file --ansi --parallel --progress"),
    flags=names("--compatibility --dry-run --all-resources"),
    target=False,
)
_DOCKER_RUNS = {"run": _RUN, "create": _RUN, "exec": _EXEC}
_COMPOSE_RUNS = {"run": _COMPOSE_RUN, "exec": _COMPOSE_EXEC}
_KUBE = Cli(_KUBE_VALUE, _KUBE_FLAGS, interspersed=True)
_KUBE_RUN = Cli(_KUBE_VALUE, _KUBE_FLAGS, entrypoint=True, interspersed=True)
_KUBE_GLOBAL = Cli(_KUBE_VALUE, _KUBE_FLAGS, target=False)
_NONE = Cli(frozenset(), target=False)
#: machines and containers of other managers: a command after a target and options
_VM_RUNS: dict[str, tuple[Cli, dict[str, Cli]]] = {
    "lxc": (
        _NONE,
        {"exec": Cli(names("--cwd --env --group --user --mode --project"), names("-n -t -T -q"), interspersed=True)},
    ),
    "multipass": (_NONE, {"exec": Cli(names("-n -d --name --working-directory"), names("-v"), interspersed=True)}),
    "machinectl": (_NONE, {"shell": Cli(names("-E -M --setenv --uid --machine"), names("-q --quiet"))}),
    "toolbox": (_NONE, {"run": Cli(names("-c -d -r --container --distro --release --preserve-fds"), target=False)}),
    "lima": (_NONE, {"": Cli(frozenset(), target=False)}),  # `lima CMD`: CMD in the default VM
    "limactl": (_NONE, {"shell": Cli(names("--workdir --shell"), names("--reconnect"))}),
    "distrobox": (
        _NONE,
        {
            "enter": Cli(
                names("-n -a --name --additional-flags"),
                names("-T -r --no-tty --root --clean-path"),
                interspersed=True,
                ends=names("-- -e --exec"),
            )
        },
    ),
    "vagrant": (
        _NONE,
        {
            "ssh": Cli(
                names("-c --command"), names("-p -t --plain --tty"), interspersed=True, script=names("-c --command")
            )
        },
    ),
    "wsl": (
        _NONE,
        {
            "": Cli(
                names("-d -u --distribution --user --cd --shell-type"),
                names("--system --list -l --status --shutdown --version -v --help --install --update"),
                target=False,
                ends=names("-- -e --exec"),
            )
        },
    ),
    "flatpak": (
        _NONE,
        {
            "run": Cli(
                names("--command --branch --arch --runtime --cwd"),
                names("--user --system -d --devel -p --sandbox --die-with-parent"),
                entrypoint=True,
            )
        },
    ),
}
PROGRAMS: dict[str, tuple[Cli, dict[str, Cli]]] = {
    "docker": (_DOCKER_GLOBAL, _DOCKER_RUNS),
    "podman": (_DOCKER_GLOBAL, _DOCKER_RUNS),
    "nerdctl": (_DOCKER_GLOBAL, _DOCKER_RUNS),
    "finch": (_DOCKER_GLOBAL, _DOCKER_RUNS),
    "docker-compose": (_COMPOSE_GLOBAL, _COMPOSE_RUNS),
    "podman-compose": (_COMPOSE_GLOBAL, _COMPOSE_RUNS),
    "kubectl": (_KUBE_GLOBAL, {"exec": _KUBE, "run": _KUBE_RUN, "debug": _KUBE_RUN}),
    "oc": (_KUBE_GLOBAL, {"exec": _KUBE, "run": _KUBE_RUN, "debug": _KUBE_RUN, "rsh": _KUBE}),
    "incus": _VM_RUNS["lxc"],
    **_VM_RUNS,
}
CONTAINER_CLIS = frozenset(PROGRAMS)
#: gh's command groups: an image whose entrypoint is ``gh`` reads them as its arguments
_GH_GROUPS = names("api codespace gist issue pr release repo run secret variable workflow")


@dataclass(frozen=True, slots=True)
class ContainerRun:
    what: str  # "docker run", "kubectl exec"…
    words: tuple[Word, ...]  # what runs in the container
    entrypoint_args: bool  # the words may be arguments to the image's entrypoint
    mounts: tuple[tuple[str, bool, str], ...]  # bind-mounted host paths: (path, dynamic, option)
    doubt: str | None = None  # why the command cannot be found

    def scripts(self) -> list[tuple[str, bool]]:
        """The command lines that may run in the container (a run-time word stays one), each with
        whether it is only a guess at the entrypoint (``gh`` reading: only definite writes count)."""
        if not self.words:
            return []
        text = " ".join('"$_"' if d else shlex.quote(w) for w, d in self.words)
        out = [(text, False)]
        first, dyn = self.words[0]
        if self.entrypoint_args and (dyn or first in SUBCOMMANDS):
            out.append((f"git {text}", False))
        if self.entrypoint_args and first in _GH_GROUPS:
            out.append((f"gh {text}", True))
        return out


class _Reader:
    """Options read left to right; the first problem is kept in ``doubt``."""

    def __init__(self, what: str, words: list[Word]) -> None:
        self.what = what
        self.words = words
        self.doubt: str | None = None
        self.values: list[tuple[str, str, bool]] = []  # (option, value, dynamic)

    def option(self, spec: Cli, i: int) -> int | None:
        """Read the option at ``i``; the index after it, None when it is not understood."""
        w, d = self.words[i]
        if d:
            self.doubt = f"`{self.what}` option known only at run time"
            return None
        if w.startswith("--"):
            name, eq, val = w.partition("=")
            if eq:
                self.values.append((name, val, False))
                return i + 1
            if name in spec.flags:
                return i + 1
            if name in spec.value and i + 1 < len(self.words):
                self.values.append((name, *self.words[i + 1]))
                return i + 2
        else:
            for j in range(1, len(w)):
                flag = "-" + w[j]
                if flag in spec.value:
                    rest = w[j + 1 :].removeprefix("=")
                    if rest:
                        self.values.append((flag, rest, False))
                        return i + 1
                    if i + 1 < len(self.words):
                        self.values.append((flag, *self.words[i + 1]))
                        return i + 2
                    break
                if flag not in spec.flags:
                    break
            else:
                return i + 1
        self.doubt = f"`{self.what}` option `{w[:30]}` is not understood"
        return None

    def options(self, spec: Cli, i: int) -> int | None:
        """Options up to the first positional (or `--`, consumed)."""
        while i < len(self.words):
            w, d = self.words[i]
            if w in spec.ends:
                return i + 1
            if d:  # `$OPTS`: options, a target, or both
                self.doubt = f"`{self.what}` argument known only at run time where options or a target stand"
                return None
            if not w.startswith("-") or w == "-":
                return i
            nxt = self.option(spec, i)
            if nxt is None:
                return None
            i = nxt
        return i


def _subcommand(reader: _Reader, program: str) -> tuple[Cli, int] | None:
    """The spec of the subcommand ``program`` runs, and the index after its name; None when
    it runs no command (or the reader has a doubt)."""
    glob, runs = PROGRAMS[program]
    if "" in runs:  # no subcommand: `wsl [options] command`
        return runs[""], 1
    i = reader.options(glob, 1)
    words = reader.words
    if i is None or i >= len(words):
        return None
    if words[i][1]:
        reader.doubt = f"`{program}` subcommand known only at run time"
        return None
    sub = words[i][0]
    if sub == "compose" and runs is _DOCKER_RUNS:
        reader.what = f"{program} compose"
        i = reader.options(_COMPOSE_GLOBAL, i + 1)
        if i is None or i >= len(words):
            return None
        sub, runs = words[i][0], _COMPOSE_RUNS
    if sub == "container" and runs is _DOCKER_RUNS and i + 1 < len(words):
        i += 1
        sub = words[i][0]
    spec = runs.get(sub)
    if spec is None:
        return None
    reader.what = f"{reader.what} {sub}"
    return spec, i + 1


def _interspersed(reader: _Reader, spec: Cli, i: int) -> tuple[int, list[Word]] | None:
    """kubectl: options anywhere before `--`; (index of the command, positionals before it)."""
    positionals: list[Word] = []
    words = reader.words
    while i < len(words):
        w = words[i][0]
        if w in spec.ends:
            return i + 1, positionals
        if words[i][1] and not positionals:
            reader.doubt = f"`{reader.what}` argument known only at run time where options or a target stand"
            return None
        if w.startswith("-") and w != "-":
            nxt = reader.option(spec, i)
            if nxt is None:
                return None
            i = nxt
        else:
            positionals.append(words[i])
            i += 1
    return i, positionals


def container_run(cmd: SimpleCommand) -> ContainerRun | None:
    """What ``cmd`` runs in a container; None when it runs nothing there (``docker ps``)."""
    reader = _Reader(cmd.name, list(zip(cmd.argv, cmd.dynamic, strict=True)))
    found = _subcommand(reader, cmd.name)
    if found is None:
        return None if reader.doubt is None else ContainerRun(reader.what, (), False, (), reader.doubt)
    spec, i = found
    words = reader.words
    if not spec.target:  # no image or container: the command follows the options
        end = reader.options(spec, i)
        if end is None:
            return ContainerRun(reader.what, (), False, (), reader.doubt)
        command = words[end:]
    elif spec.interspersed:
        got = _interspersed(reader, spec, i)
        if got is None:
            return ContainerRun(reader.what, (), False, (), reader.doubt)
        j, positionals = got
        command = positionals[1:] + words[j:]  # the pod (or run's name) first
    else:
        end = reader.options(spec, i)
        if end is None:
            return ContainerRun(reader.what, (), False, (), reader.doubt)
        command = words[end + 1 :]  # the image, container or service first
    entrypoint = spec.entrypoint
    for name, value, dyn in reader.values:
        if name == "--entrypoint":
            if dyn or any(ch.isspace() for ch in value):
                return ContainerRun(reader.what, (), False, (), f"`{reader.what}` entrypoint not understood")
            command = ([(value, False)] if value else []) + command
            entrypoint = False
        elif name == "--command" and value:  # flatpak run --command=PROGRAM
            command = [(value, dyn), *command]
            entrypoint = False
        elif name in spec.script:
            command = [("sh", False), ("-c", False), (value, dyn), *command]
    if "--command" in (w for w, _ in words[i:]):  # kubectl run --command -- cmd
        entrypoint = False
    if cmd.stdin_args:  # `xargs docker exec c git push …`: more words at run time
        command = [*command, ("$_", True)]
    return ContainerRun(reader.what, tuple(command), entrypoint, tuple(_mounts(reader.values)))


def _mounts(values: list[tuple[str, str, bool]]) -> list[tuple[str, bool, str]]:
    """Host paths given to the container: ``-v SRC:DST``, ``--mount type=bind,source=SRC``."""
    out: list[tuple[str, bool, str]] = []
    for name, value, dyn in values:
        if name in ("-v", "--volume"):
            src = value.split(":", 1)[0] if ":" in value else ""
            if src.startswith(("/", ".", "~", "$", "`")) or (dyn and src):
                out.append((*_from_cwd(src, dyn), name))
        elif name == "--mount" and dyn and "bind" in value:
            out.append((value, True, name))
        elif name == "--mount":
            fields = dict(f.partition("=")[::2] for f in value.split(","))
            src = fields.get("source", fields.get("src", ""))
            if fields.get("type") == "bind" and src:
                out.append((src, False, name))
    return out


def _from_cwd(src: str, dyn: bool) -> tuple[str, bool]:
    """``$PWD/x``, ``$(pwd)``…: the directory the command runs in (the caller checks that no
    earlier word of the line assigns ``PWD``)."""
    if dyn:
        for prefix in _CWD_WORDS:
            rest = src.removeprefix(prefix)
            if rest != src and not _RUNTIME.intersection(rest) and rest[:1] in ("", "/"):
                return "." + rest, False
    return src, dyn


_CWD_WORDS = ("$PWD", "${PWD}", "$(pwd)", "`pwd`")
_RUNTIME = frozenset("$`*?[{")
