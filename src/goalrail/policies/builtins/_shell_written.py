"""The files a shell command line writes, with their text where the line shows it.

``_shell_files`` follows, within one line, which files the line writes and what it puts in
them (``echo '…' > f``, ``cat > f <<EOF``, ``… | tee f``, a download, a copy); the runtime keeps
the same for later lines (``goalrail.policies.written``).  Every other file the line's file
effects write (``sed -i``, ``cp`` from a file the line did not write, ``python -c 'open(…,"w")'``,
``touch``…) is written with its text unknown.  A write under a directory (``cp -r``, ``tar -x``,
``rsync``) makes the text of every remembered file beneath it unknown; a write to a path named
only at run time (``> "$F"``), ``patch``, and ``git`` commands that rewrite the work tree
(``checkout``, ``apply``, ``stash``, ``pull``…) make every remembered text unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from goalrail.jsontypes import JsonValue
from goalrail.policies.builtins._pattern_written import written_lines
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS, CACHE_SIZE, analyze
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_file_words import EXACT, TREE, UNKNOWN
from goalrail.policies.builtins._shell_files import CHDIRS, WRITERS, Files, writes
from goalrail.policies.written import read_shell_with

__all__ = ["EVERYWHERE", "line_writes", "session_writes"]

_WRITE = "file_write"
#: a directory every remembered file is under (what a line rewrites cannot be told)
EVERYWHERE = "\0everywhere"
_GIT_TREE = frozenset(
    {"checkout", "switch", "restore", "reset", "stash", "apply", "am", "merge", "pull", "rebase", "cherry-pick"}
    | {"revert", "mv", "rm", "clone"}
)


def _rewrites(line: str) -> bool:
    """Whether ``line`` runs a program that rewrites files it does not name (``patch``, ``git checkout``)."""
    for cmd in analyze(line).commands:
        if cmd.name == "patch" or (cmd.name == "git" and any(a in _GIT_TREE for a in cmd.args[:3])):
            return True
    return False


def line_writes(line: str) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """The files ``line`` writes (paths as the line spells them, relative to where it starts) and
    their text, None where the line does not show it; and the directories it writes under
    (``EVERYWHERE`` when it cannot be told).  Read once per line (a line's writes depend on it alone):
    kept for lines up to ``CACHE_MAX_CHARS``, as ``analyze`` keeps their analysis."""
    if type(line) is not str:
        return (), ()
    return _kept(line) if len(line) <= CACHE_MAX_CHARS else _read(line)


@lru_cache(maxsize=CACHE_SIZE)
def _kept(line: str) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    return _read(line)


def _read(line: str) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    found = [(path, sure) for kind, path, sure, _ in file_effects(line) if kind == _WRITE]
    trees = [path for path, sure in found if sure == TREE]
    if any(sure == UNKNOWN for _, sure in found) or _rewrites(line):
        trees.append(EVERYWHERE)
    effects = [path for path, sure in found if sure == EXACT]
    if not effects:
        return (), tuple(trees)
    analysis = analyze(line)
    files = Files()
    if any(c.redirects or c.name in WRITERS for c in analysis.commands):
        for cmd in analysis.commands:
            if cmd.name in CHDIRS:
                files.chdir(cmd)
            writes(cmd, files)
    out = {path: text for path, text in files.texts.items() if path and not path.startswith("\0")}
    for path in effects:
        if path and not path.endswith("/") and path not in out and not path.startswith("/dev/"):
            out[path] = None
    return tuple(out.items()), tuple(trees)


@read_shell_with
def session_writes(
    lines: list[str], state: Mapping[str, JsonValue], cwd: object
) -> tuple[list[tuple[str, str | None]], list[str]]:
    """What ``lines`` write, a copy of a remembered file carrying its text (each line read with the
    remembered files it names written first, ``_pattern_written``), and the directories written under."""
    if state:
        fronted = {line: front for front, line in written_lines(lines, state, cwd, deep=False)[0] if front}
        lines = [fronted.get(line, "") + line for line in lines]
    out: list[tuple[str, str | None]] = []
    trees: list[str] = []
    for line in lines:
        more, under = line_writes(line)
        out += more
        trees += under
    return out, trees
