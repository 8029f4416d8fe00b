"""The commands a line runs here and elsewhere: ``ssh host CMD`` on a host, ``docker exec``/
``kubectl exec``/``docker run IMAGE CMD`` in a container, each script read as a line in turn."""

from __future__ import annotations

from goalrail.policies.builtins._containers import CONTAINER_CLIS, container_run
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._ssh import SSH_CLIENTS, remote_command, with_input

__all__ = ["MAX_DEPTH", "commands_everywhere", "elsewhere"]

#: scripts run elsewhere (a host, a container) read in turn, this deep
MAX_DEPTH = 3


def elsewhere(cmd: SimpleCommand) -> list[tuple[str, bool]] | None:
    """The scripts ``cmd`` has run on another host or in a container (each with whether a word
    of it is known only at run time); None when it cannot tell what runs there."""
    if cmd.name in SSH_CLIENTS:
        remote = remote_command(cmd)
        if remote is None:
            return []
        script, fed = with_input(remote[0], cmd)
        return [(script, remote[1] or fed or cmd.stdin_args)]
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


def commands_everywhere(line: str, depth: int = 0) -> tuple[list[SimpleCommand], bool]:
    """Every simple command ``line`` runs, here or elsewhere, and whether what it runs cannot all
    be told (the line or a script run elsewhere is unresolved, or a word of one is known only at
    run time)."""
    analysis = analyze(line)
    out = list(analysis.commands)
    unresolved = bool(analysis.unknown)
    for cmd in analysis.commands:
        if cmd.argv and (cmd.name in SSH_CLIENTS or cmd.name in CONTAINER_CLIS):
            scripts = elsewhere(cmd) if depth < MAX_DEPTH else None
            if scripts is None:
                unresolved = True
            for script, dynamic in scripts or ():
                more, doubt = commands_everywhere(script, depth + 1)
                out += more
                unresolved = unresolved or doubt or dynamic
    return out, unresolved
