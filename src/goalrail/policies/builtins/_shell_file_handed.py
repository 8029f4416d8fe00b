"""The commands a listing hands its paths to, one per path the line shows it lists, for
``_shell_file_effects``: ``find ~/.claude -name settings.json -exec cp /tmp/x {} \\;`` writes
``~/.claude/settings.json`` (and ``~/.claude/**/settings.json``), and ``find . -name '.en' |
xargs -I{} cat {}v`` reads ``./.env``.

A word holding the mark — ``find -exec``'s and ``fd -x``'s ``{}`` (fd's ``{.}``, ``{/}``, ``{//}``
and ``{/.}`` too), ``xargs -I R``'s ``R`` — is the path handed, in place.  The command is judged
once per glob the listing may print (``_shell_listers.listed``; for ``xargs``, the globs of a
listing piped in, or the lines an ``echo`` writes), its marked words made of that glob; ``fd -x
PROG`` and ``xargs PROG`` without a mark hand the path as PROG's last word (``… -print0 | xargs -0
sed -i s/a/b/`` writes each path).  A listing no test narrows (``find
~/.claude -exec …``: its start and every path under it) hands the start, and ``START/**`` where
the mark is part of a word (where it is the whole word, the start as a directory, ``START/``: the
command meets the rules on it as a recursive one does).

Where what is handed is not shown (``cat list | xargs -I F cp x F``, ``xargs -a F``) or is more
than :data:`MAX_HANDED` globs, the command is left as it was: its marked words known only at run
time, and ``xargs`` reading names only at run time.

Archivers read the names of the files they archive from stdin as ``xargs`` does
(:func:`names_on_stdin`): ``cpio -o``/``-p``, ``tar -T -``/``--files-from=-``/``/dev/stdin``, ``zip
-@``, ``pax -w`` without operands; so ``find ~/.ssh | cpio -o`` reads what the listing may print, and
``cpio -o <<< ~/.ssh/id_rsa`` the file named.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace

from goalrail.policies.builtins._glob_rules import is_glob
from goalrail.policies.builtins._shell_file_words import GLOB, LISTED, UNKNOWN
from goalrail.policies.builtins._shell_listers import replace_marks
from goalrail.policies.builtins._shell_stages import Listed, nul_fed
from goalrail.policies.builtins._shell_types import SimpleCommand

__all__ = ["MAX_HANDED", "Handed", "as_listed", "fed_here", "handed_commands", "handed_via", "names_on_stdin"]

#: globs beyond which a command is not judged once per glob
MAX_HANDED = 16
#: fd's placeholders, longest first: the parent directory, the base name without and with its
#: extension, the path without its extension, the path
_FD_MARKS = ("{//}", "{/.}", "{/}", "{.}", "{}")
_FIND_MARKS = ("{}",)


class Handed(str):
    """A command's ``via`` (equal to ``"find -exec"``) carrying the globs of the paths ``find`` or
    ``fd`` lists and hands it, and whether ``fd`` hands them (its placeholders, its appended path)."""

    globs: tuple[str, ...]
    fd: bool


def handed_via(via: str, globs: tuple[str, ...], fd: bool) -> str:
    """``via`` carrying what a ``find``/``fd`` listing hands the command it runs."""
    out = Handed(via)
    out.globs, out.fd = globs, fd
    return out


def handed_commands(cmd: SimpleCommand) -> tuple[list[SimpleCommand], bool, bool]:
    """``cmd`` once per path it is handed, its marked words made of that path (module doc), or
    ``[cmd]`` where nothing handed is shown or no word is marked; whether the paths are a
    listing's (globs of paths that exist, judged as ``_pattern_files`` judges a listing's); and
    whether they are all it is handed (False: ``xargs`` splits a listing's output at line ends,
    which a crafted name holds: ``find . -name '*.py' | xargs -I F cat F`` reads ``.env`` when a
    file is named ``x<newline>.env<newline>y.py``)."""
    marks, globs, listing, appends = _handed(cmd)
    if not globs or len(globs) > MAX_HANDED:
        return [cmd], False, True
    globs = tuple(dict.fromkeys(p for g in globs for p in ((g[:-3] or "/", g) if _unnarrowed(g) else (g,))))
    held = [i for i in range(1, len(cmd.argv)) if any(m in cmd.argv[i] for m in marks)]
    append = not held and appends
    if not held and not append:
        return [cmd], False, True
    out = []
    for glob in globs:
        argv, dynamic = list(cmd.argv), list(cmd.dynamic)
        for i in held:
            argv[i], dynamic[i] = _put(argv[i], marks, glob), True
        if append:
            argv.append(_whole(glob))
            dynamic.append(True)
        out.append(replace(cmd, argv=tuple(argv), dynamic=tuple(dynamic), stdin_args=False))
    exact = isinstance(cmd.via, Handed) or not listing or nul_fed(cmd)
    return out, listing, exact


def as_listed(effects: list[tuple[str, str, int, str]]) -> list[tuple[str, str, int, str]]:
    """A listing's globs among a command's file ``effects`` (``_shell_file_effects.Effect``) marked as
    such, as ``_shell_file_effects._Line.add`` marks them: judged as the paths a listing may print
    (``find / -name '*.py' -exec cat {} +``, ``locate foo.py | xargs cat``)."""
    return [(k, p, LISTED if sure in (GLOB, UNKNOWN) and is_glob(p) else sure, x) for k, p, sure, x in effects]


def _handed(cmd: SimpleCommand) -> tuple[tuple[str, ...], tuple[str, ...] | None, bool, bool]:
    """The marks a command's words may hold, the globs of what it is handed (None: not shown),
    whether a listing printed them, and whether a path no word marks is appended (``fd -x PROG``,
    ``xargs PROG`` without ``-I``: ``… -print0 | xargs -0 sed -i s/a/b/`` writes each path)."""
    if isinstance(cmd.via, Handed):
        return (_FD_MARKS if cmd.via.fd else _FIND_MARKS), cmd.via.globs, True, cmd.via.fd
    if not cmd.stdin_args:
        return (), None, False, False
    xargs = [w for w in cmd.wrappers if w.name == "xargs"]
    if len(xargs) != 1 or any(a.startswith(("-a", "--arg-file")) for a in xargs[0].args):
        return (), None, False, False
    marks = tuple(m for m in replace_marks(cmd) if m)
    fed = cmd.stdin
    if not fed or (fed[:1] == "\0" and not isinstance(fed, Listed)):
        return (), None, False, False
    if isinstance(fed, Listed):
        return marks, fed.globs, not fed.own, not marks
    words = fed.splitlines() if marks else fed.split()  # (`-I`: a line each; else blank-separated words)
    return marks, tuple(w.strip() for w in words if w.strip()), False, not marks


def _unnarrowed(glob: str) -> bool:
    """``START/**``: every path under a start no test narrowed to."""
    return glob.endswith("/**") and not any(c in glob[:-3] for c in "*?[")


def _whole(glob: str) -> str:
    """The word a path handed whole is: the start itself for a listing no test narrows."""
    return glob[:-2] if _unnarrowed(glob) else glob


def _put(text: str, marks: tuple[str, ...], glob: str) -> str:
    """``text`` with each mark standing for ``glob`` (fd's placeholders: its parts)."""
    if text in marks and (text == "{}" or text not in _FD_MARKS):
        return _whole(glob)
    stem = posixpath.splitext(glob)[0] if not _unnarrowed(glob) else glob
    parts = {
        "{//}": posixpath.dirname(glob) or ".",
        "{/.}": posixpath.basename(stem),
        "{/}": posixpath.basename(glob),
        "{.}": stem,
        "{}": glob,
    }
    for mark in marks:
        text = text.replace(mark, parts.get(mark, glob))
    return text


_STDIN_FILES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def names_on_stdin(name: str, args: tuple[str, ...]) -> bool:
    """Whether ``name args`` archives the files whose names it reads from stdin."""
    if name == "cpio":
        return any(
            a in ("--create", "--pass-through") or (a[:1] == "-" and a[1:2] != "-" and ("o" in a or "p" in a))
            for a in args
        )
    if name in ("tar", "bsdtar", "gtar"):
        for k, a in enumerate(args):
            value = (
                args[k + 1]
                if a in ("-T", "--files-from") and k + 1 < len(args)
                else a.partition("=")[2]
                if a.startswith("--files-from=")
                else a[2:]
                if a.startswith("-T")
                else None
            )
            if value in _STDIN_FILES:
                return True
        return False
    if name == "zip":
        return "-@" in args or "--names-stdin" in args
    return name == "pax" and "-w" in args and all(a.startswith("-") for a in args)


def fed_here(cmd: SimpleCommand) -> str | None:
    """The text a here-string or here-document feeds ``cmd`` (``cpio -o <<< F``), not an output
    redirect's target."""
    return next((r.target for r in cmd.redirects if r.op in ("<<<", "<<", "<<-")), None)
