"""git configuration keys and environment variables that make git run programs.

git runs commands named in its configuration (``core.fsmonitor``,
``core.sshCommand``, ``diff.external``, ``alias.x=!cmd``, ``filter.*.clean``…)
and loads code from places it names (``core.hooksPath``, ``include.path``,
remote helpers).  ``config_risk(key, value)`` classifies one ``-c key=value``:

* ``"safe"`` — a key on the short list of keys that only change output or
  bookkeeping (``user.name``, ``color.*``…);
* ``"command"`` — the value is a shell command git will run: the walker parses
  it like ``bash -c`` so what it runs is checked, and callers still treat it
  as a doubt;
* ``"risky"`` — everything else, known dangerous or simply not on the safe list
  (an allowlist: keys git adds later are not trusted by default).

``ENV_COMMANDS`` are environment variables whose value git (or a tool it
starts) runs as a command.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._wrappers import names

#: keys (lower-case, exact or ``prefix.``) that never make git run or load anything
_SAFE_EXACT = names(
    "user.name user.email user.signingkey author.name author.email committer.name committer.email "
    "core.quotepath core.autocrlf core.safecrlf core.filemode core.ignorecase core.longpaths core.abbrev "
    "core.eol core.symlinks core.precomposeunicode core.compression core.bigfilethreshold core.untrackedcache "
    "core.preloadindex core.trustctime core.checkstat core.whitespace core.commentchar core.commentstring "
    "init.defaultbranch pull.rebase pull.ff merge.ff merge.conflictstyle merge.log merge.stat "
    "commit.gpgsign commit.verbose commit.status commit.cleanup tag.gpgsign tag.sort "
    "push.autosetupremote push.followtags fetch.prune fetch.prunetags fetch.parallel fetch.writecommitgraph "
    "rebase.autosquash rebase.autostash rebase.stat rebase.abbreviatecommands rebase.missingcommitscheck "
    "rerere.enabled rerere.autoupdate gc.auto gc.autodetach maintenance.auto protocol.version "
    "log.date log.decorate log.abbrevcommit log.follow log.mailmap log.graphcolors "
    "diff.noprefix diff.renames diff.renamelimit diff.algorithm diff.colormoved diff.colormovedws "
    "diff.context diff.interhunkcontext diff.mnemonicprefix diff.relative diff.statgraphwidth diff.submodule "
    "diff.suppressblankempty diff.indentheuristic diff.ignoresubmodules diff.wserrorhighlight "
    "format.pretty format.signoff blame.date branch.sort branch.autosetupmerge "
    "status.short status.branch status.showuntrackedfiles status.relativepaths status.submodulesummary "
    "grep.linenumber grep.patterntype grep.extendedregexp grep.fullname "
    "pack.threads index.version feature.manyfiles checkout.defaultremote checkout.workers "
    "submodule.recurse advice.detachedhead"
)
_SAFE_PREFIX = ("color.", "advice.", "i18n.", "column.", "help.", "pretty.", "trailer.", "versionsort.")

#: keys whose value is a shell command (``!cmd`` for aliases and credential helpers)
_COMMAND_EXACT = names(
    "core.fsmonitor core.sshcommand core.pager core.editor sequence.editor core.askpass core.gitproxy "
    "diff.external gpg.program uploadpack.packobjectshook core.alternaterefscommand web.browser "
    "merge.tool diff.tool interactive.difffilter sendemail.smtpserver sendemail.sendmailcmd sendemail.tocmd "
    "sendemail.cccmd sendemail.headercmd gpg.ssh.defaultkeycommand"
)
_COMMAND_SUFFIX = re.compile(
    r"^(?:filter\.[^=]*\.(?:clean|smudge|process)|diff\.[^=]*\.(?:command|textconv)|merge\.[^=]*\.driver"
    r"|(?:diff|merge)tool\.[^=]*\.cmd|gpg\.[^=]*\.program|pager\.[^=]*|man\.[^=]*\.cmd|browser\.[^=]*\.cmd"
    r"|remote\.[^=]*\.(?:receivepack|uploadpack|proxy)|trailer\.[^=]*\.(?:cmd|command))$"
)

#: environment variables git (or a pager/editor it starts) runs as a command
ENV_COMMANDS = names(
    "GIT_SSH_COMMAND GIT_SSH GIT_EDITOR GIT_SEQUENCE_EDITOR GIT_PAGER GIT_EXTERNAL_DIFF GIT_ASKPASS "
    "GIT_PROXY_COMMAND SSH_ASKPASS EDITOR VISUAL PAGER MANPAGER LESSOPEN LESSCLOSE BROWSER "
    "GH_EDITOR GH_PAGER GH_BROWSER SUDO_EDITOR SYSTEMD_PAGER RSYNC_RSH"
)

#: environment variables that change which configuration, hooks or programs git loads
ENV_RISKY_PREFIX = ("GIT_CONFIG", "GIT_DIR", "GIT_EXEC", "GIT_TEMPLATE", "GIT_WORK_TREE", "GIT_ALTERNATE")

_BOOL = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", ""})

#: editors, pagers and ssh clients that are the ordinary values of command keys
HARMLESS_COMMANDS = names("true false : cat less more most vi vim nvim nano emacs ed ssh code subl delta diff-so-fancy")
_PLAIN = re.compile(r"^[A-Za-z0-9_./:+=,~ -]*$")


def harmless_command(value: str) -> bool:
    """A value such as ``vim``, ``less -R`` or ``code --wait``: a known program, no shell syntax."""
    text = value.strip()
    if not text:
        return True
    if not _PLAIN.match(text):
        return False
    program = text.split()[0].rsplit("/", 1)[-1]
    return program in HARMLESS_COMMANDS and "ProxyCommand" not in text and " -o" not in text


def config_risk(key: str, value: str | None = None) -> str:
    """``"safe"``, ``"command"`` or ``"risky"`` for one configuration key (and its value)."""
    k = key.strip().lower()
    if (k in _SAFE_EXACT or k.startswith(_SAFE_PREFIX)) and not _COMMAND_SUFFIX.match(k):
        return "safe"  # (`trailer.<key>.cmd` is a command: `git commit --trailer` runs it)
    if k.startswith("alias."):
        return "command" if value is not None and value.lstrip().startswith("!") else "risky"
    if k == "credential.helper" or (k.startswith("credential.") and k.endswith(".helper")):
        return "command" if value is not None and value.lstrip().startswith("!") else "risky"
    if k.startswith("pager.") and value is not None and value.strip().lower() in _BOOL:
        return "safe"  # pager.<cmd>=false/true only switches the pager on or off
    if k in _COMMAND_EXACT or _COMMAND_SUFFIX.match(k):
        return "command"
    return "risky"


def config_doubt(key: str, value: str | None) -> bool:
    """True when ``-c key=value`` can make git run or load something not known to be harmless."""
    risk = config_risk(key, value)
    if risk == "command" and value is not None and not key.lower().startswith(("alias.", "credential")):
        return not harmless_command(value)
    return risk != "safe"


def env_doubt(name: str, value: str) -> bool:
    """True when a ``NAME=value`` on a git command can make git run or load something."""
    if name.startswith(ENV_RISKY_PREFIX):
        return True
    return name in ENV_COMMANDS and not harmless_command(value.strip("'\""))


def command_text(key: str, value: str) -> str:
    """The shell command a ``"command"`` key runs (``!`` of aliases and helpers removed)."""
    text = value.lstrip()
    return text[1:] if text.startswith("!") else value
