"""The commands ssh's settings run on this machine: an ``-o`` setting (``ProxyCommand``,
``LocalCommand``, ``KnownHostsCommand``) and the lines of a ``-F`` file the line shows — a process
substitution's text or, for ``-F /dev/stdin``, the here-document, here-string or ``echo`` fed to
it (ssh reads its settings before it connects) — where ``Match … exec "cmd"`` runs a command too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from goalrail.policies.builtins._shell_types import Redirect, Word
from goalrail.policies.builtins._wrappers import names

SSH_KEYS = ("proxycommand", "localcommand", "knownhostscommand")
#: a file operand that is the command's stdin (``ssh -F /dev/stdin <<'E'``)
STDIN_PATHS = names("- /dev/stdin /dev/fd/0 /proc/self/fd/0")
_HEREDOC = frozenset({"<<", "<<-", "<<<"})
#: ``Match exec "cmd"`` in a config file (ssh refuses ``Match`` on the command line)
_MATCH_EXEC = re.compile(r"""(?i)^\s*match\b.*?\bexec\s*=?\s*(?:"([^"]*)"|(\S+))""")

Setting = Callable[[Word], None]


class Coder(Protocol):
    def flag(self, reason: str) -> None: ...

    def code(self, text: str, dynamic: bool, via: str) -> None: ...


def ssh_setting(walker: Coder, base: str, text: str, dynamic: bool) -> None:
    """One ``-o`` setting (``ProxyCommand=CMD``, ``'LocalCommand CMD'``): its command is parsed."""
    key, sep, rest = text.replace("=", " ", 1).strip().partition(" ")
    if dynamic and not sep:
        walker.flag(f"`{base} -o` setting known only at run time")
    elif key.lower() in SSH_KEYS:
        walker.code(rest.strip(), dynamic, f"`{base}` option")


def ssh_config(walker: Coder, base: str, text: str, setting: Setting) -> None:
    """Each line of a config file's ``text``: a setting, or a ``Match exec`` command."""
    for line in text.splitlines():
        m = _MATCH_EXEC.match(line)
        if m:
            walker.code(m.group(1) if m.group(1) is not None else m.group(2), False, f"`{base}` config")
        else:
            setting((line, False))


def ssh_stdin_config(walker: Coder, base: str, reds: tuple[Redirect, ...], stdin: str | None, setting: Setting) -> None:
    """``ssh -F /dev/stdin host <<'E'``: the settings a here-document, here-string or ``echo`` pipe
    holds (settings a program pipes in are unknown)."""
    texts = [(r.target, r.dynamic) for r in reds if r.op in _HEREDOC]
    if stdin is not None and not texts:  # a here-document or here-string is read, not the pipe
        texts.append((stdin, stdin == "\0pipe"))
    for text, dynamic in texts:
        if dynamic:
            walker.flag(f"`{base} -F` reads settings known only at run time")
        else:
            ssh_config(walker, base, text, setting)
