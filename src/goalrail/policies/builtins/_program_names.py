"""Other spellings of a program the shell analysis models: ``bash.exe``, ``GIT``, ``bash5``.

A command name reaches the same program under several spellings the tables do not list:

* a Windows executable suffix (``git.exe``, ``npm.cmd``, ``C:\\Program Files\\Git\\bin\\bash.exe``):
  Git Bash, MSYS2, Cygwin and WSL run them as ``git``, ``npm`` and ``bash``;
* another case (``GIT``, ``Bash``, ``ſudo`` with U+017F, which Unicode's case folding makes ``s``):
  macOS's default file system ignores case, so ``GIT push`` finds ``/usr/bin/git`` there.  Look-alike
  letters no file system folds (fullwidth ``ｓｕｄｏ``, Cyrillic ``ѕ``, a zero-width space inside the
  name) are other names: bash looks up the bytes as written, so they run no modelled program;
* a version or build suffix (``bash5``, ``bash-5.2``, ``zsh-static``, ``python3.12t``);
* ``/proc/self/exe``: the program running the line, the shell itself.

``canonical(head)`` writes such a name as the program it reaches, keeping its directory, when
the program is one the analysis reads (shells, git, gh, interpreters, wrappers, launchers,
directory-option programs, container and ssh clients, terminals).  Any other name is left as
written, so the rewrite never turns an ordinary program into a modelled one by accident.
"""

from __future__ import annotations

import re
from functools import lru_cache

from goalrail.policies.builtins._containers import CONTAINER_CLIS
from goalrail.policies.builtins._dir_flags import PROGRAMS as DIR_PROGRAMS
from goalrail.policies.builtins._git import SUBCOMMANDS
from goalrail.policies.builtins._interpreters import program
from goalrail.policies.builtins._launchers import LAUNCHERS
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._ssh import SSH_CLIENTS
from goalrail.policies.builtins._terminals import TERMINALS
from goalrail.policies.builtins._wrappers import GIT_FRONTENDS, GIT_PUSHERS, SHELLS, WRAPPERS

#: names the analysis models besides interpreters (``program``)
_KNOWN = frozenset(
    {*SHELLS, *WRAPPERS, *LAUNCHERS, *DIR_PROGRAMS, *CONTAINER_CLIS, *SSH_CLIENTS, *TERMINALS}
    | {*GIT_FRONTENDS, *GIT_PUSHERS, "git", "gh", "busybox", "toybox", "find", "fd", "fdfind", "parallel"}
    | {"eval", "source", "cd", "pushd", "popd", "chdir", "tar", "rsync", "scp", "sftp", "crontab", "alias"}
)
_EXE = re.compile(r"\.(?:exe|cmd|bat|com)$", re.IGNORECASE)
_ENDS = (".exe", ".cmd", ".bat", ".com", "static")
#: ``bash5``, ``bash-5.2``, ``python3.12t``, ``zsh-static``, ``sh_5``
_SUFFIX = re.compile(r"(?:[-_]?\d[\d.]*[a-z]?|[-_]static)$")
#: the running program itself
_SELF = frozenset({"/proc/self/exe", "/proc/thread-self/exe"})


def _known(name: str, versioned: bool) -> bool:
    if versioned:  # a version suffix only on shells, interpreters and git (`at2`, `env2` are other programs)
        return name in SHELLS or name == "git" or program(name) is not None
    return name in _KNOWN or name.startswith("git-") or program(name) is not None


def _usual(base: str) -> bool:
    """A name with nothing to drop: lower-case ASCII, no digit at its end, no ``.exe`` or ``static``."""
    return (
        base.isascii()
        and base.islower()
        and not base[-1].isdigit()
        and not base[-2:-1].isdigit()
        and not base.endswith(_ENDS)
    )


@lru_cache(maxsize=2048)
def canonical(head: str) -> str:
    """``head`` with its program name written as the modelled program it reaches (see module doc).
    Cached: command names repeat across lines far more than lines do."""
    if head in _SELF:
        return "bash"
    cut = max(head.rfind("/"), head.rfind("\\")) + 1
    base = head[cut:]
    if base in _KNOWN or base.startswith("-") or _usual(base) or program(base) is not None:
        return head
    name = _EXE.sub("", base)
    for candidate in (name, name.casefold()):  # `ſudo`: Unicode's folding, as a case-insensitive volume compares
        for form, versioned in ((candidate, False), (_SUFFIX.sub("", candidate), True)):
            if form and form != base and _known(form, versioned):
                return head[:cut].replace("\\", "/") + form
    return head


def as_git(words: list[Word]) -> list[Word]:
    """``git-push …`` (a git helper run directly) and git supersets (``hub``, ``yadm``) as ``git …``."""
    base = words[0][0].rsplit("/", 1)[-1]
    if base.startswith("git-") and base[4:] in SUBCOMMANDS:
        return [("git", False), (base[4:], False), *words[1:]]
    if base in GIT_FRONTENDS:
        return [("git", False), *words[1:]]
    return words
