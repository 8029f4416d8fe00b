"""The command a cloud or fleet CLI runs on a machine it reaches, as ``ssh host CMD`` runs one.

``gcloud compute ssh vm --command 'CMD'`` (or ``-- CMD``), ``az vm run-command invoke --scripts
'CMD'`` (a custom-script extension's ``commandToExecute``, ``az container exec --exec-command``,
``az aks command invoke --command``, ``az ssh vm -- CMD``), ``aws ssm send-command`` with
``AWS-RunShellScript``'s ``commands`` (``start-session``'s ``AWS-StartInteractiveCommand``),
``aws ecs execute-command --command`` (``_remote_clouds``); ``doctl compute ssh --ssh-command``,
``hcloud server ssh NAME CMD``, ``eb ssh --command``, ``fly ssh console -C``/``fly machine exec``,
``heroku run``, ``gh codespace ssh -- CMD``, ``ansible PATTERN -m shell|command|raw|script -a
'CMD'`` (``-b``: as root, read as ``sudo CMD``), ``salt TARGET cmd.run 'CMD'`` (``salt-ssh``),
``pdsh``/``pssh``/``parallel-ssh``/``clush`` … ``CMD``.  Each is a command line read in turn
(``_shell_elsewhere``): the rules on programs meet it as they meet ``ssh host CMD``.

:func:`remote_runs` gives the command lines with whether a word of each is known only at run time;
[] when the call runs none (``gcloud compute instances list``); None when it runs one the line
does not show (a parameters file, a script fetched from a URL, a fleet tool's option it does not
know where the command may stand).  A PowerShell script (``RunPowerShellScript``, ``win_shell``,
``cmd.powershell``) is read as ``pwsh -Command SCRIPT``; a local script run there (``--scripts
@f``, ``-m script``) as ``sh f``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from goalrail.policies.builtins._remote_clouds import aws, az, gcloud
from goalrail.policies.builtins._remote_words import Run, after_dashes, heads, joined, shown, values
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["FLEET_RUNNERS", "REMOTE_RUNNERS", "remote_runs"]

#: the fleet tools that hand their command words, joined, to each host's shell: options with a value, without
_PSSH = (
    names("-h -H -l -p -o -e -t -O -x -X --hosts --host --user --par --outdir --errdir --timeout --option"),
    names("-i -v -A -I -P --inline --verbose --askpass --send-input --print --inline-stdout"),
)
_FLEETS = {
    "pdsh": (names("-w -x -g -X -R -l -t -u -f -F -M -e"), names("-N -S -b -d -s -L -q -V")),
    "pssh": _PSSH,
    "parallel-ssh": _PSSH,
    "clush": (
        names("-w -x -g -X -f -l -o -t -u -R -O --worker --options --fanout --user --topology --group --nodes"),
        names("-a -b -B -q -v -d -N -S -L -n -r --all --dshbak --quiet --verbose --debug --nostdin"),
    ),
}
_FLY_VALUED = names("-a --app -c --config -r --region -o --org --access-token -t")
_HEROKU_VALUED = names("-a --app -r --remote -s --size -e --env --type")
_HEROKU_FLAGS = names("-x --exit-code --no-tty --no-notify")
_ANSIBLE_SHELLS = names("shell command raw")
_ANSIBLE_PS = names("win_shell win_command")
_SALT_RUNS = names("cmd.run cmd.run_all cmd.run_stdout cmd.run_stderr cmd.shell cmd.run_bg cmd.run_chroot")


def _fly(words: list[Word]) -> list[Run] | None:
    head = heads(words, 3, _FLY_VALUED)
    if head[:2] == ["ssh", "console"]:
        return shown(values(words, names("-C --command")))
    if head[:2] in (["machine", "exec"], ["machines", "exec"], ["m", "exec"]):
        at = [w for w, _ in words].index("exec") + 1
        rest = [w for w in words[at:] if w[0] in heads(words[at:], 5, _FLY_VALUED)]
        return shown(rest[-1:])  # ([MACHINE_ID] COMMAND)
    return []


def _heroku(words: list[Word]) -> list[Run] | None:
    if not words or words[0][0] not in ("run", "run:detached", "run:inside"):
        return []
    out: list[Word] = []
    i = 1
    while i < len(words):
        w = words[i][0]
        if w == "--":
            out += words[i + 1 :]
            break
        if w in _HEROKU_VALUED:
            i += 2
            continue
        if w.partition("=")[0] in _HEROKU_VALUED or w in _HEROKU_FLAGS:
            i += 1
            continue
        out.append(words[i])
        i += 1
    if words[0][0] == "run:inside" and out:
        out = out[1:]  # (the dyno's name first)
    raw = [w for w in words[1:] if w != ("--", False)]
    return joined(out) + (joined(raw) if raw != out else [])  # (`curl -s URL`: `-s` may be heroku's or the command's)


def _ssh_cli(words: list[Word]) -> list[Run] | None:
    """``doctl compute ssh X --ssh-command C``, ``eb ssh --command C``, ``hcloud server ssh X C…``,
    ``gh codespace ssh -- C``."""
    head = heads(words, 3)
    if head[:2] == ["compute", "ssh"]:
        return shown(values(words, names("--ssh-command")))
    if head[:1] == ["ssh"]:
        return shown(values(words, names("-c --command")))
    if head[:2] == ["server", "ssh"] and len(head) > 2:
        at = [w for w, _ in words].index(head[2])
        return joined(words[at + 1 :])
    if head[:2] in (["codespace", "ssh"], ["cs", "ssh"]):
        return after_dashes(words)
    return []


def _ansible(words: list[Word]) -> list[Run] | None:
    modules = values(words, names("-m --module-name"))
    module, mdyn = modules[-1] if modules else ("command", False)
    module = module.rsplit(".", 1)[-1]
    if mdyn:
        return None
    if module not in _ANSIBLE_SHELLS | _ANSIBLE_PS | {"script"}:
        return []
    become = any(w in ("-b", "--become") or (w[:1] == "-" != w[1:2] and "b" in w and len(w) < 6) for w, _ in words)
    out: list[Run] = []
    for text, dyn in values(words, names("-a --args")):
        if text.startswith("cmd="):  # (`cmd="rm -rf /" chdir=/x`)
            text = _first(text)[4:]
        if module == "script":
            text = f"sh {text}"
        elif module in _ANSIBLE_PS:
            text = f"pwsh -Command {shlex.quote(text)}"
        out.append((f"sudo {text}" if become else text, dyn))
    return out


def _first(text: str) -> str:
    try:
        return (shlex.split(text) or [text])[0]
    except ValueError:
        return text


def _salt(words: list[Word]) -> list[Run] | None:
    for i, (w, d) in enumerate(words):
        if d and i < 3:
            return None
        if w in _SALT_RUNS or w == "cmd.powershell":
            rest = [x for x in words[i + 1 :] if not x[0].startswith("-")]
            if not rest:
                return []
            text, dyn = rest[0]
            text = text.removeprefix("cmd=")
            return [(f"pwsh -Command {shlex.quote(text)}" if w == "cmd.powershell" else text, dyn)]
        if w in ("cmd.script", "cmd.exec_code", "cmd.retcode", "cmd.exec_code_all"):
            return None
    return []


def _fleet(name: str, words: list[Word]) -> list[Run] | None:
    valued, flags = _FLEETS[name]
    i = 0
    while i < len(words):
        w, d = words[i]
        if d:
            return None
        if w == "--":
            i += 1
            break
        if not w.startswith("-"):
            break
        if w in valued:
            i += 2
        elif w.partition("=")[0] in valued or w in flags or (w[:2] in valued and w[:2] != w):
            i += 1
        else:
            return None  # an option not known here: where the command stands cannot be told
    return joined(words[i:])


_BY_NAME: dict[str, Callable[[list[Word]], list[Run] | None]] = {
    "gcloud": gcloud,
    "az": az,
    "aws": aws,
    "fly": _fly,
    "flyctl": _fly,
    "heroku": _heroku,
    "doctl": _ssh_cli,
    "eb": _ssh_cli,
    "hcloud": _ssh_cli,
    "gh": _ssh_cli,
    "ansible": _ansible,
    "salt": _salt,
    "salt-ssh": _salt,
}
REMOTE_RUNNERS = frozenset({*_BY_NAME, *_FLEETS})
#: the runners whose every command runs on other machines: their words name no program run here
FLEET_RUNNERS = frozenset({"ansible", "salt", "salt-ssh", *_FLEETS})


def remote_runs(cmd: SimpleCommand) -> list[Run] | None:
    """The command lines ``cmd`` runs on the machines it reaches (see the module doc)."""
    words = list(zip(cmd.args, cmd.dynamic[1:], strict=True))
    if cmd.name in _FLEETS:
        return _fleet(cmd.name, words)
    return _BY_NAME[cmd.name](words)
