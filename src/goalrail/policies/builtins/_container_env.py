"""Commands that print a container's or a workload's whole environment (``_shell_env`` reads them
as ``env``): ``docker inspect CTR`` (``container inspect``, ``service inspect``; podman, nerdctl,
finch) shows ``Config.Env`` unless ``--format`` asks for something else; ``docker compose config``
(``docker-compose``, ``podman-compose``, ``docker stack config``) prints the project with every
variable resolved unless it only lists names (``--services``, ``--volumes``…) or does not
interpolate; ``kubectl set env RESOURCE --list`` (``oc``) lists a workload's variables.  ``docker
image inspect`` (an image's own settings), ``kubectl describe secret`` (sizes only) print none.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._shell_words import operands
from goalrail.policies.builtins._wrappers import names

__all__ = ["ENV_PRINTERS", "prints_environment"]

_DOCKERS = names("docker podman nerdctl finch")
_COMPOSES = names("docker-compose podman-compose")
_KUBES = names("kubectl oc")
ENV_PRINTERS = _DOCKERS | _COMPOSES | _KUBES
#: a ``--format`` template that shows the variables (or everything)
_SHOWS_ENV = re.compile(r"(?i)env|(config|spec|tasktemplate|containerspec)\s*\}\}|\{\{\s*(json\s+)?\.\s*\}\}")
#: ``compose config`` options after which it prints no variable's value
_NAMES_ONLY = names(
    "--services --volumes --profiles --images --hash --networks --variables --no-interpolate -q --quiet --environment"
)
#: options of docker's (and compose's) that take a value, before the subcommand
_VALUED = names(
    "-H -c -l -f -p --host --context --config --log-level --file --project-name --project-directory --profile "
    "--env-file --ansi --parallel --progress --connection --url --identity -n --namespace"
)


def _heads(args: tuple[str, ...]) -> list[str]:
    """The first three operands among the first twelve words (subcommands: ``compose config``)."""
    return operands(args[:12], _VALUED, 3)


def _formats(args: tuple[str, ...]) -> list[str]:
    out = []
    for i, a in enumerate(args):
        if a in ("-f", "--format") and i + 1 < len(args):
            out.append(args[i + 1])
        elif a.startswith("--format="):
            out.append(a[9:])
    return out


def prints_environment(cmd: SimpleCommand) -> bool:
    """Whether ``cmd`` prints a container's or workload's environment (see the module doc)."""
    args, name = cmd.args, cmd.name
    head = _heads(args)
    if name in _KUBES:
        return head[:2] == ["set", "env"] and any(a in ("--list", "--list=true") for a in args)
    if name in _DOCKERS and head[:1] == ["compose"]:
        head = ["compose-config"] if head[1:2] == ["config"] else []
    elif name in _COMPOSES:
        head = ["compose-config"] if head[:1] == ["config"] else []
    if head[:1] == ["compose-config"] or head[:2] == ["stack", "config"]:
        return not any(a.partition("=")[0] in _NAMES_ONLY for a in args)
    if head[:1] == ["inspect"] or head[:2] in (["container", "inspect"], ["service", "inspect"]):
        formats = _formats(args)
        return not formats or any(_SHOWS_ENV.search(f) for f in formats)
    return False
