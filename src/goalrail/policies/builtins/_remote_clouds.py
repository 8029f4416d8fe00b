"""The command lines the cloud CLIs run on a machine (``_remote_runs``): ``gcloud … ssh``, ``az vm
run-command``/``extension``/``container exec``/``aks command invoke``/``ssh``, ``aws ssm
send-command``/``start-session`` and ``aws ecs execute-command``."""

from __future__ import annotations

import json
import re
import shlex

from goalrail.policies.builtins._remote_words import Run, after_dashes, heads, shown, values
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["aws", "az", "gcloud"]

_SSM_SHELLS = names("AWS-RunShellScript AWS-RunPowerShellScript AWS-StartInteractiveCommand")
#: documents that run a script or document the line does not show
_SSM_UNSHOWN = names("AWS-RunRemoteScript AWS-RunDocument AWS-ApplyAnsiblePlaybooks AWS-RunAnsiblePlaybook")
#: aws's global options that take a value (``aws --region r ssm send-command``)
_AWS_VALUED = names(
    "--region --profile --output --endpoint-url --query --color --ca-bundle --cli-read-timeout "
    "--cli-connect-timeout --cli-binary-format"
)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')
_TO_EXECUTE = re.compile(r'"commandToExecute"\s*:\s*"((?:[^"\\]|\\.)*)"')


def gcloud(words: list[Word]) -> list[Run] | None:
    if "ssh" not in heads(words):
        return []
    return shown(values(words, names("--command"))) + after_dashes(words)


def az(words: list[Word]) -> list[Run] | None:
    head = heads(words, 3)
    if "run-command" in head:
        if values(words, names("--script-uri")):
            return None
        shells = [w for w, _ in values(words, names("--command-id"))]
        scripts = _scripts(words, names("--scripts --script"))
        return shown(scripts, powershell=any("powershell" in s.lower() for s in shells))
    if head[:2] in (["vm", "extension"], ["vmss", "extension"]):
        settings = values(words, names("--settings --protected-settings"))
        if any(d or t.startswith("@") for t, d in settings):
            return None
        return [(_unescape(m.group(1)), False) for t, _ in settings for m in _TO_EXECUTE.finditer(t)]
    if head[:2] == ["container", "exec"]:
        return shown(values(words, names("--exec-command")))
    if head[:3] == ["aks", "command", "invoke"]:
        return shown(values(words, names("--command -c")))
    if head[:1] == ["ssh"]:
        return after_dashes(words)
    return []


def _scripts(words: list[Word], options: frozenset[str]) -> list[Word]:
    """``--scripts A B …``: every word up to the next option."""
    out: list[Word] = []
    i = 0
    while i < len(words):
        w = words[i][0]
        if w in options:
            i += 1
            while i < len(words) and not words[i][0].startswith("--"):
                out.append(words[i])
                i += 1
            continue
        if w.partition("=")[0] in options and "=" in w:
            out.append((w.partition("=")[2], words[i][1]))
        i += 1
    return out


def _unescape(text: str) -> str:
    try:
        return str(json.loads(f'"{text}"'))
    except ValueError:
        return text


def aws(words: list[Word]) -> list[Run] | None:
    head = heads(words, 2, _AWS_VALUED)
    if head == ["ecs", "execute-command"]:
        return shown(values(words, names("--command")))
    if head not in (["ssm", "send-command"], ["ssm", "start-session"]):
        return []
    if values(words, names("--cli-input-json --cli-input-yaml")):
        return None
    documents = values(words, names("--document-name"))
    if any(d for _, d in documents) or any(t in _SSM_UNSHOWN for t, _ in documents):
        return None
    if not any(t in _SSM_SHELLS for t, _ in documents):
        return []
    powershell = any("powershell" in t.lower() for t, _ in documents)
    out: list[Run] = []
    for text, dyn in values(words, names("--parameters")):
        found = _ssm_commands(text)
        if found is None:
            return None
        out += [(f"pwsh -Command {shlex.quote(c)}" if powershell else c, dyn) for c in found]
    return out


def _ssm_commands(text: str) -> list[str] | None:
    """The commands in ``--parameters`` (JSON or shorthand ``commands=[…]``); None for a file's."""
    text = text.strip()
    if text.startswith(("file://", "fileb://")):
        return None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return [m.group(1) or m.group(2) or "" for m in _QUOTED.finditer(text)]
        found = data.get("commands", data.get("command", [])) if isinstance(data, dict) else []
        return [str(c) for c in (found if isinstance(found, list) else [found])]
    key, eq, rest = text.partition("=")
    if not eq or key.strip() not in ("commands", "command"):
        return []
    if rest.startswith("["):
        try:
            found = json.loads(rest)
            return [str(c) for c in found] if isinstance(found, list) else [rest]
        except ValueError:
            return [m.group(1) or m.group(2) or "" for m in _QUOTED.finditer(rest)] or [rest.strip("[]")]
    return [rest.strip("'\""), *(rest.split(",") if "," in rest else ())]
