"""The commands a line runs here and elsewhere: ``ssh host CMD`` on a host, ``docker exec``/
``kubectl exec``/``docker run IMAGE CMD`` in a container, ``gcloud compute ssh --command``, ``aws ssm
send-command``, ``ansible -m shell``… on the machines a cloud or fleet CLI reaches (``_remote_runs``),
each script read as a line in turn."""

from __future__ import annotations

import shlex

from goalrail.policies.builtins._containers import CONTAINER_CLIS, container_run
from goalrail.policies.builtins._remote_runs import REMOTE_RUNNERS, remote_runs
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._ssh import SSH_CLIENTS, remote_command, with_input

__all__ = ["CARRIERS", "MAX_DEPTH", "commands_everywhere", "elsewhere"]

#: scripts run elsewhere (a host, a container) read in turn, this deep
MAX_DEPTH = 3
#: the programs that run a command elsewhere
CARRIERS = SSH_CLIENTS | CONTAINER_CLIS | REMOTE_RUNNERS


def elsewhere(cmd: SimpleCommand) -> list[tuple[str, bool]] | None:
    """The scripts ``cmd`` has run on another host or in a container (each with whether a word
    of it is known only at run time); None when it cannot tell what runs there."""
    if cmd.name in SSH_CLIENTS:
        remote = remote_command(cmd)
        if remote is None:
            return []
        script, fed = with_input(remote[0], cmd)
        out = [(script, remote[1] or fed or cmd.stdin_args)]
        if cmd.name == "mosh" and (words := _mosh_words(cmd)) is not None:
            out.append((with_input(words, cmd)[0], out[0][1]))  # (mosh runs its words as an argv, no shell)
        return out
    if cmd.name in REMOTE_RUNNERS:
        runs = remote_runs(cmd)
        if runs is None:
            return None
        fed_runs = [(with_input(text, cmd), dyn) for text, dyn in runs]
        return [(script, dyn or fed or cmd.stdin_args) for (script, fed), dyn in fed_runs]
    run = container_run(cmd)
    if run is None:
        return []
    if run.doubt is not None:
        return None
    out = []
    for text, guess in run.scripts():
        if not guess:
            script, fed = with_input(text, cmd)
            out.append((script, fed))
    return out


def _mosh_words(cmd: SimpleCommand) -> str | None:
    """``mosh host -- sh -c 'rm -rf /'``: the words after ``--`` quoted (None when none holds a blank)."""
    if "--" not in cmd.argv:
        return None
    words = cmd.argv[cmd.argv.index("--") + 1 :]
    return shlex.join(words) if any(any(c.isspace() for c in w) for w in words) else None


def commands_everywhere(line: str, depth: int = 0) -> tuple[list[SimpleCommand], bool]:
    """Every simple command ``line`` runs, here or elsewhere, and whether what it runs cannot all
    be told (the line or a script run elsewhere is unresolved, or a word of one is known only at
    run time)."""
    analysis = analyze(line)
    out = list(analysis.commands)
    unresolved = bool(analysis.unknown)
    for cmd in analysis.commands:
        if cmd.argv and cmd.name in CARRIERS:
            scripts = elsewhere(cmd) if depth < MAX_DEPTH else None
            if scripts is None:
                unresolved = True
            for script, dynamic in scripts or ():
                more, doubt = commands_everywhere(script, depth + 1)
                out += more
                unresolved = unresolved or doubt or dynamic
    return out, unresolved
