"""Commands that print a container's or a workload's whole environment (``_shell_env`` reads them
as ``env``): ``docker inspect CTR`` (``container inspect``, ``service inspect``; podman, nerdctl,
finch) shows ``Config.Env`` unless ``--format`` asks for something else; ``docker compose config``
(``docker-compose``, ``podman-compose``, ``docker stack config``) prints the project with every
variable resolved unless it only lists names (``--services``, ``--volumes``…) or does not
interpolate; ``kubectl set env RESOURCE --list`` (``oc``) lists a workload's variables, and so do
``kubectl get KIND … -o yaml`` (``json``, a ``jsonpath``/``go-template``/``custom-columns`` that
names ``env``, the containers, the spec or the data, or the whole object) and ``kubectl describe
KIND`` of a workload or a ConfigMap (pods, deployments, statefulsets, daemonsets, replicasets,
jobs, cronjobs, configmaps, pod templates, OpenShift's deploymentconfigs and buildconfigs,
``all``): a pod's ``env`` holds literal values.  ``helm get values``/``all``/``manifest`` prints a
release's values.  ``docker image inspect`` (an image's own settings), ``kubectl describe secret``
(sizes only), ``kubectl get pods`` (a table), ``-o wide``/``-o name``, ``describe node`` print none.
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
ENV_PRINTERS = _DOCKERS | _COMPOSES | _KUBES | names("helm")
#: the kinds whose objects hold a container's environment or configuration data (``pod/web``,
#: ``deployments.apps``, ``pods,svc``)
_WORKLOAD = re.compile(
    r"(?i)(^|,)(po|pods?|deploy|deployments?|sts|statefulsets?|ds|daemonsets?|rs|replicasets?|rc"
    r"|replicationcontrollers?|jobs?|cj|cronjobs?|cm|configmaps?|podtemplates?|dc|deploymentconfigs?|bc"
    r"|buildconfigs?|all)(\.[\w.]+)?(/|,|$)"
)
#: a ``-o`` format that prints the whole object or its environment (not ``wide``, ``name``…)
_KUBE_WHOLE = re.compile(r"(?i)^(yaml|json)$")
_KUBE_TEMPLATE = re.compile(r"(?i)^(jsonpath|go-template|custom-columns|template)(-as-json)?(=|$)")
_NAMES_ENV = re.compile(r"(?i)env|containers|(^|\W)(spec|data|template)\b|\{\s*\.?\s*(items(\[[^\]]*\])?)?\s*\}")
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
#: kubectl's (and helm's) options that take a value
_KUBE_VALUED = _VALUED | names(
    "-o --output --kubeconfig --cluster --user -s --server --selector --field-selector -L --label-columns "
    "--sort-by --template --kube-context --as --as-group --token --request-timeout --revision"
)


def _heads(args: tuple[str, ...], valued: frozenset[str] = _VALUED) -> list[str]:
    """The first three operands among the first twelve words (subcommands: ``compose config``)."""
    return operands(args[:12], valued, 3)


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
    head = _heads(args, _KUBE_VALUED if name in _KUBES or name == "helm" else _VALUED)
    if name == "helm":
        return head[:1] == ["get"] and head[1:2] in (["values"], ["all"], ["manifest"])
    if name in _KUBES:
        if head[:2] == ["set", "env"]:
            return any(a in ("--list", "--list=true") for a in args)
        return _kube_object(head, args)
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


def _kube_object(head: list[str], args: tuple[str, ...]) -> bool:
    """``kubectl get pod web -o yaml``, ``kubectl describe deploy/web``: a workload's spec printed."""
    if len(head) < 2 or head[0] not in ("get", "describe") or _WORKLOAD.search(head[1]) is None:
        return False
    if head[0] == "describe":
        return True
    for i, a in enumerate(args):
        if a in ("-o", "--output") and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith(("-o", "--output=")) and a not in ("-o", "--output"):
            value = a.removeprefix("--output=").removeprefix("-o").removeprefix("=")
        else:
            continue
        if _KUBE_WHOLE.match(value):
            return True
        if _KUBE_TEMPLATE.match(value):
            template = value.partition("=")[2] or (args[i + 2] if i + 2 < len(args) else "")
            if not template or _NAMES_ENV.search(template):
                return True
    return False
