"""Configuration files that make a later command privileged, read as the command line they amount to.

A compose file's ``privileged: true`` makes ``docker compose up`` a ``docker run --privileged``; a
Kubernetes manifest's ``hostPID: true`` makes ``kubectl apply -f pod.yaml`` a pod in the host's
namespaces; an ssh configuration's ``User root`` makes ``ssh host`` an ``ssh -l root host``.  The
command line shows none of it.  For a file the session (or the same line) wrote, :func:`config_code`
gives the command line the file amounts to, which the ``shell_execute`` rules then meet:

* ``docker compose``/``docker-compose``/``podman compose``/``podman-compose``/``nerdctl``/``finch
  compose`` ``up``/``run``/``create``/``start``/``restart``/``watch`` (and ``docker stack deploy -c
  FILE``, a swarm's services from the same files), reading ``-f FILE`` (each),
  ``COMPOSE_FILE=a:b``, or ``compose.yaml``, ``docker-compose.yml`` and their ``.override`` files
  (under ``--project-directory``): ``privileged``, ``pid``/``ipc``/``uts``/``userns_mode``/
  ``network_mode``/``cgroup: host``, ``cap_add``, ``devices``, ``security_opt`` with ``unconfined``
  or ``label:disable``, and every absolute host path a volume names, as ``docker run`` options;
* ``kubectl``/``oc`` ``apply``/``create``/``replace`` ``-f FILE`` or ``-k DIR`` (a directory: the
  manifests beneath it), ``kubectl patch --patch-file``, ``kubectl debug --custom``, ``podman kube
  play FILE``, ``helm install``/``upgrade``'s chart and ``-f`` values: ``privileged``, ``hostPID``,
  ``hostIPC``, ``hostNetwork`` true, a ``hostPath`` volume, capabilities added;
* ``ssh``/``scp``/``sftp``/``autossh`` with ``~/.ssh/config`` or ``-F FILE``: the ``User`` of the
  first ``Host`` block matching the destination (every block when the destination is not known),
  unless the line names the user (``user@host``, ``-l``, ``-o User=``), and a ``ProxyJump`` as
  ``root@``.

None where the text cannot be told: a compose file that ``include``s or ``extends`` another, an
ssh configuration that runs commands (``ProxyCommand``, ``LocalCommand``, ``KnownHostsCommand``,
``Match exec``) or ``Include``s another; the run is then reported (asked where a rule denies).
``-f -`` (``/dev/stdin``) reads the text the line shows (:func:`stdin_config`) or the file a ``cat
FILE |``, ``< FILE`` or ``kustomize build DIR |`` feeds (:func:`fed_files`); a program's output is
reported.  A file the session did not write is not read (as a makefile is not).  The text is scanned by
keys with regexes (no YAML parse, linear in the text): a JSON manifest reads the same.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from fnmatch import fnmatchcase

from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._shell_words import operands

__all__ = [
    "MANIFESTS",
    "config_code",
    "config_files",
    "fed_files",
    "manifest_dir",
    "reads_config",
    "reads_stdin",
    "shown_stdin",
    "stdin_config",
]

_COMPOSE_RUNS = frozenset({"up", "run", "create", "start", "restart", "watch"})
_COMPOSE_FILES = tuple(
    f"{n}{o}.{e}" for n in ("compose", "docker-compose") for o in ("", ".override") for e in ("yaml", "yml")
)
_COMPOSE_PROGRAMS = frozenset({"docker-compose", "podman-compose"})
_COMPOSE_HOSTS = frozenset({"docker", "podman", "nerdctl", "finch"})
_KUBE_RUNS = frozenset({"apply", "create", "replace"})
_KUBECTL = frozenset({"kubectl", "oc"})
#: ``podman kube play FILE`` (``play kube``): a Kubernetes manifest run as podman's pods
_PODMAN_KUBE = (("kube", "play"), ("play", "kube"))
#: the files that are the standard input (``kubectl apply -f /dev/stdin``)
_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
#: kubectl's other subcommands that read a file making a pod privileged: a patch, a debug container's spec
_KUBE_MORE = {"patch": ("--patch-file", "--patch-file"), "debug": ("--custom", "--custom")}
_HELM_RUNS = frozenset({"install", "upgrade"})
#: helm's options that take a value (the chart is the last other operand)
_HELM_VALUES = frozenset(
    {
        "-f",
        "--values",
        "-n",
        "--namespace",
        "--set",
        "--set-string",
        "--set-file",
        "--set-json",
        "--set-literal",
        "--version",
        "--kube-context",
        "--kubeconfig",
        "--timeout",
        "--repo",
        "--description",
        "--post-renderer",
        "--post-renderer-args",
        "--username",
        "--password",
        "--ca-file",
        "--cert-file",
        "--key-file",
        "--keyring",
        "--name-template",
        "--labels",
        "-o",
        "--output",
    }
)
_SSH = frozenset({"ssh", "scp", "sftp", "autossh"})
#: the files ``kubectl apply -f DIR`` reads in a directory (and beneath it: ``-R``, read so always)
MANIFESTS = re.compile(r"\.(?:ya?ml|json)$")
#: ssh options that take a value (the destination is the first other operand)
_SSH_VALUES = frozenset("BbcDEeFIiJLlmOoPpQRSWw")
_SSH_VALUED = frozenset("-" + letter for letter in _SSH_VALUES)
_COMPOSE_KEYS = re.compile(
    r"""(?:^|[\s{,\-])['"]?(privileged|pid|ipc|uts|userns_mode|network_mode|cgroup|cap_add|devices|security_opt|include"""
    r"""|extends)['"]?\s*:\s*['"]?([^\s'"#,]*)""",
    re.M,
)
#: a service's namespace keys and the ``docker run`` option of each
_NAMESPACES = {"pid": "pid", "ipc": "ipc", "uts": "uts", "userns_mode": "userns", "network_mode": "network"}
_NAMESPACES["cgroup"] = "cgroupns"
_HOST_VALUE = re.compile(r"^(host|true|yes|on)$", re.I)
_UNCONFINED = re.compile(r"unconfined|label[:=]\s*disable", re.I)
#: a volume's host side: ``- /etc:/x``, ``- "/:/host:ro"``, ``source: /var/run/docker.sock``
_VOLUME = re.compile(
    r"""(?:^\s*-|[\[,])\s*['"]?(/[^:'"\s]*):|(?:^|[\s{,\-])['"]?source['"]?\s*:\s*['"]?(/[^\s'",}]*)""", re.M
)
_KUBE = re.compile(
    r"""(?:^|[\s{,\-])['"]?(privileged|hostPID|hostIPC|hostNetwork|hostPath|add)['"]?\s*:\s*([^\n#,}]*)""", re.M
)
_TRUE = re.compile(r"""^['"]?(true|yes|on)\b""", re.I)
_PATH = re.compile(r"^/[\w./-]*$")
_SSH_LINE = re.compile(r"^\s*(\w+)\s*[=\s]\s*(.*)$")
_SSH_RUNS = frozenset({"proxycommand", "localcommand", "knownhostscommand", "include"})


def _compose(cmd: SimpleCommand) -> list[str] | None:
    """The words after ``compose`` when ``cmd`` is a compose run, else None."""
    args = list(cmd.args)
    if cmd.name in _COMPOSE_PROGRAMS:
        return args
    if cmd.name in _COMPOSE_HOSTS and "compose" in args[:3]:
        return args[args.index("compose") + 1 :]
    if cmd.name == "docker" and args[:2] in (["stack", "deploy"], ["stack", "up"]):  # its `-c FILE`s, run as `up`
        files = _values(args, "-c", "--compose-file")
        return [w for f in files for w in ("-f", f)] + ["up"]
    return None


def _sub(args: list[str], values: frozenset[str]) -> str:
    """The first operand of ``args``, skipping each of ``values``' option values."""
    return next(iter(operands(args, values, 1)), "")


_COMPOSE_VALUES = frozenset({"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile"})


def reads_config(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` reads a configuration :func:`config_code` reads (see the module doc)."""
    if cmd.name in _SSH:
        return True
    if cmd.name in _KUBECTL:
        sub = _sub(list(cmd.args), frozenset({"-n", "--namespace", "--context", "-f"}))
        return sub in _KUBE_RUNS or sub in _KUBE_MORE
    if _podman_kube(cmd):
        return True
    if cmd.name == "helm":
        return _sub(list(cmd.args), _HELM_VALUES) in _HELM_RUNS
    words = _compose(cmd)
    return words is not None and _sub(words, _COMPOSE_VALUES) in _COMPOSE_RUNS


def _values(args: list[str], short: str, long: str) -> list[str]:
    """Each value of ``-f F``/``-fF``/``-f=F``/``--file F``/``--file=F``."""
    out = [b for a, b in itertools.pairwise(args) if a in (short, long)]
    out += [a.partition("=")[2] for a in args if a.startswith(long + "=")]
    return out + [a[len(short) :].lstrip("=") for a in args if a.startswith(short) and len(a) > len(short)]


def manifest_dir(cmd: SimpleCommand, path: str) -> bool:
    """Whether ``path``, which ``cmd`` reads, may be a directory of manifests (``kubectl apply -f k8s/``)."""
    return (cmd.name in _KUBECTL or cmd.name == "helm") and not MANIFESTS.search(path)


def config_files(cmd: SimpleCommand, args: list[str]) -> list[tuple[str, str]]:
    """The compose files and manifests ``cmd`` (its literal ``args``) reads: (path, "read")."""
    if not reads_config(cmd) or cmd.name in _SSH:
        return []
    if _podman_kube(cmd):
        return [(f, "read") for f in [a for a in args[2:] if a == "-" or not a.startswith("-")][-1:] if f not in _STDIN]
    if cmd.name in _KUBECTL:
        sub = _sub(args, frozenset({"-n", "--namespace", "--context", "-f"}))
        short, long = _KUBE_MORE.get(sub, ("-f", "--filename"))
        given = _values(args, short, long) + (_values(args, "-k", "--kustomize") if sub in _KUBE_RUNS else [])
        return [(f, "read") for f in given if f and f not in _STDIN and "://" not in f]
    if cmd.name == "helm":
        return _helm_files(args)
    words = _compose(cmd) or []
    given = [f for f in _values(words, "-f", "--file") if f and f not in _STDIN]
    given += [f for a in cmd.assignments if a.startswith("COMPOSE_FILE=") for f in a[13:].split(":") if f]
    top = next(iter(_values(words, "--project-directory", "--project-directory")), "")
    return [(f, "read") for f in given or [posixpath.join(top, f) if top else f for f in _COMPOSE_FILES]]


def _helm_files(args: list[str]) -> list[tuple[str, str]]:
    """``helm install/upgrade``: its values files and its chart (a directory of templates and values),
    read; its ``--post-renderer``, run."""
    found = [(f, "read") for f in _values(args, "-f", "--values") if f and f != "-" and "://" not in f]
    found += [(f, "exec") for f in _values(args, "--post-renderer", "--post-renderer") if "/" in f]
    chart = operands(args, _HELM_VALUES)[-1:]
    return found + [(c, "read") for c in chart if "://" not in c and not c.startswith("oci:")]


#: programs whose output is the manifests of a directory: ``kustomize build DIR``, ``kubectl kustomize
#: DIR``, ``helm template NAME CHART`` (the directory: the last operand, ``.`` without one)
_BUILDERS = {("kustomize", "build"), ("kubectl", "kustomize"), ("helm", "template")}


def _podman_kube(cmd: SimpleCommand) -> bool:
    return cmd.name == "podman" and tuple(cmd.args[:2]) in _PODMAN_KUBE


def reads_stdin(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` reads its configuration from its standard input (``-f -``, ``-f /dev/stdin``)."""
    if cmd.name in _SSH or not reads_config(cmd) or cmd.name == "helm":
        return False
    args = [a for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if not d]
    if _podman_kube(cmd):
        given = [a for a in args[2:] if a == "-" or not a.startswith("-")][-1:]
    elif cmd.name in _KUBECTL:
        given = _values(args, "-f", "--filename")
    else:
        given = _values(_compose(cmd) or [], "-f", "--file")
    return not _STDIN.isdisjoint(given)


def fed_files(prev: SimpleCommand | None, cmd: SimpleCommand) -> list[tuple[str, str]] | None:
    """What ``cmd`` reading ``-f -`` reads through its standard input: the file of ``< FILE``, the
    files of a ``cat FILE… |`` before it, the directory a ``kustomize build DIR |`` builds; [] when
    it reads nothing so or the line shows the text (``stdin_config``); None when it reads a program's
    output (or a file known only at run time)."""
    if not reads_stdin(cmd) or shown_stdin(cmd) is not None:
        return []
    inputs = [r for r in cmd.redirects if r.op in ("<", "<<", "<<-", "<<<")]
    if inputs:
        return [(r.target, "read") for r in inputs if r.op == "<"] if not any(r.dynamic for r in inputs) else None
    if cmd.stdin is None:
        return []
    if prev is None or any(prev.dynamic) or prev.redirects:
        return None
    args = list(prev.args)
    if prev.name == "cat" and args and not any(a.startswith("-") for a in args):
        return [(a, "read") for a in args]
    if (prev.name, args[0] if args else "") in _BUILDERS:
        rest = [a for a in args[1:] if not a.startswith("-")]
        if len(rest) == len(args) - 1 and "://" not in "".join(rest):
            return [((rest[-1:] or ["."])[0], "read")]
    return None


def stdin_config(cmd: SimpleCommand) -> str | None:
    """The text a compose or ``kubectl`` run reads as ``-f -`` from its here-document, here-string
    or piped ``echo`` (``kubectl apply -f - <<EOF``); None when it reads no text the line shows."""
    return shown_stdin(cmd) if reads_stdin(cmd) else None


def shown_stdin(cmd: SimpleCommand) -> str | None:
    """The text ``cmd``'s here-document, here-string or piped ``echo`` gives it (None: not shown)."""
    text = next((r.target for r in cmd.redirects if r.op in ("<<", "<<-", "<<<") and not r.dynamic), None)
    return text if text is not None else cmd.stdin if cmd.stdin and cmd.stdin[:1] != "\0" else None


def _compose_line(text: str) -> str | None:
    flags: list[str] = []
    for m in _COMPOSE_KEYS.finditer(text):
        key, value = m.group(1), m.group(2)
        if key in ("include", "extends"):
            return None
        if key == "privileged" and _TRUE.match(value):
            flags.append("--privileged")
        elif key in _NAMESPACES and _HOST_VALUE.match(value):
            flags.append(f"--{_NAMESPACES[key]}=host")
        elif key == "cap_add" and value not in ("[]",):
            flags.append("--cap-add=ALL")
        elif key == "devices" and "/dev/" in text:  # (not a GPU reservation's `devices: - driver: nvidia`)
            flags.append("--device=/dev/x")
    if _UNCONFINED.search(text) and "security_opt" in text:
        flags.append("--security-opt=seccomp=unconfined")
    for m in _VOLUME.finditer(text):
        path = m.group(1) or m.group(2) or "/"
        flags.append(f"-v {path if _PATH.match(path) else '/'}:/x")
    return f"docker run {' '.join(flags)} image\n" if flags else ""


def _kube_line(text: str) -> str:
    found: list[str] = []
    for m in _KUBE.finditer(text):
        key, value = m.group(1), m.group(2).strip()
        if key == "hostPath" or (key == "add" and value not in ("", "[]")) or _TRUE.match(value):
            found.append("--cap-add" if key == "add" else f"'{{\"{key}\": true}}'")
    return f"kubectl run x --overrides {' '.join(found)}\n" if found else ""


def _destinations(cmd: SimpleCommand) -> list[str] | None:
    """The hosts an ssh-family command reaches whose user the line does not name (None: not known)."""
    args = list(cmd.args)
    if any(a == "-l" or (a.startswith("-l") and len(a) > 2) for a in args) or any(
        "user=" in a.lower().replace(" ", "") for a in args
    ):
        return []
    found = operands(args, _SSH_VALUED)
    if cmd.name in ("ssh", "autossh"):
        found = found[:1]
    else:  # scp/sftp: the operands with a host part
        found = [a for a in found if ":" in a.partition("/")[0]] or found[:1]
    hosts: list[str] = []
    for a in found:
        a = a.removeprefix("ssh://").partition(":")[0] if cmd.name != "ssh" or "://" in a else a
        if "@" not in a:
            hosts.append(a.partition("/")[0])
    return hosts if all(h and "$" not in h for h in hosts) else None


def _ssh_line(cmd: SimpleCommand, text: str) -> str | None:
    blocks: list[tuple[list[str], str, str]] = []  # (host patterns, user, proxy jump)
    patterns: list[str] = ["*"]
    for raw in text.splitlines():
        m = _SSH_LINE.match(raw)
        if m is None or raw.lstrip().startswith("#"):
            continue
        key, value = m.group(1).lower(), m.group(2).strip().strip("'\"")
        if key in _SSH_RUNS or (key == "match" and "exec" in value.lower()):
            return None
        if key in ("host", "match"):
            patterns = value.split() if key == "host" else ["*"]
        elif key in ("user", "proxyjump"):
            blocks.append((patterns, value if key == "user" else "", value if key == "proxyjump" else ""))
    hosts = _destinations(cmd)
    if hosts is None:  # any block may apply
        found = [(u, j) for _, u, j in blocks]
    else:  # the first value of each keyword a block matching the host gives
        found = []
        for host in hosts:
            hits = [(u, j) for pats, u, j in blocks if _matches(host, pats)]
            found.append((next((u for u, _ in hits if u), ""), next((j for _, j in hits if j), "")))
    lines = [f"ssh -l {_quoted(u)} host\n" for u, _ in found if u]
    return "".join(lines + [f"ssh {_quoted(j.split(',')[0])}\n" for _, j in found if "@" in j])


def _matches(host: str, patterns: list[str]) -> bool:
    """Whether a ``Host`` line's ``patterns`` match ``host`` (``!pattern`` excludes it)."""
    return any(fnmatchcase(host, p) for p in patterns if p[:1] != "!") and not any(
        fnmatchcase(host, p[1:]) for p in patterns if p[:1] == "!"
    )


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def config_code(cmd: SimpleCommand, text: str) -> tuple[str, str] | None:
    """("sh", the command line ``text`` amounts to when ``cmd`` reads it: "" for nothing more
    than the line shows), or None when it cannot be told (see the module doc)."""
    if cmd.name in _SSH:
        script = _ssh_line(cmd, text)
    elif cmd.name in _KUBECTL or cmd.name == "helm" or _podman_kube(cmd):
        script = _kube_line(text)
    else:
        script = _compose_line(text)
    return ("sh", script) if script is not None else None
