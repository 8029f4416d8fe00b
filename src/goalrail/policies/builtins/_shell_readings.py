"""The commands a shell line runs, spelled as a ``shell_execute`` rule reads them.

A rule on ``shell_execute`` is a regex matched at the start of the command line, so on the
line as written it meets only the first program and only the spelling the line gives:
``git "push" --force``, ``cd x && git reset --hard``, ``bash -c 'git push -f'``, ``x=rm; $x
-rf ~``, ``nice rm -rf ~``, ``/usr/bin/curl …`` and ``python -c 'os.system("curl …")'`` all
escape ``git\\s+push\\s+.*--force``, ``rm\\s+-rf`` or ``curl``.  ``readings(line)`` gives, for every
simple command ``_shell.analyze`` finds (chains, pipelines, substitutions, nested shells,
``eval``, here-documents fed to a shell, interpreter code that runs programs, the command ``ssh
host CMD`` runs on the host and ``docker exec``/``kubectl exec``/``docker run IMAGE CMD`` in a
container, each read as a script in turn), its words after
quote removal and the line's literal variables, the program by its base name, its redirects;
and once more with its ``VAR=value`` prefixes and wrappers (``sudo``, ``env``, ``timeout``…) in
front when it has any, so a rule on ``sudo`` meets ``'su'do ls``; and with its options in their
canonical spellings (``_option_spellings``: ``rm -r --force ~`` as ``rm -rf ~``, ``rm --recursive
--force ~``…), so a rule written in one spelling meets the others.  A word holding whitespace is
single-quoted, so a message stays one word.  Readings equal to the line are left out.

A command with a word known only at run time (``git $p --force`` where ``p`` is set in a function
body or a loop) is also given as its plain words with those words' places (``holes``): a rule
that names the program may deny it for some value of them (``_pattern_files``).

``unresolved`` says the analysis could not tell what the line runs (a program named at run
time, ``eval`` of a built string, a syntax error): a rule that denies some reading of it
cannot be cleared, and the line is asked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import cast

from goalrail.policies.builtins._git import parse_git
from goalrail.policies.builtins._option_spellings import DEEP, KNOWN, NESTED, spellings
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_elsewhere import CARRIERS, MAX_DEPTH, elsewhere
from goalrail.policies.builtins._shell_functions import FORK_BOMB, FORK_BOMB_SPELLING
from goalrail.policies.builtins._shell_types import SimpleCommand

__all__ = ["Holes", "Options", "Readings", "line_readings", "readings"]

#: here-documents are text a program reads (parsed as a script when a shell reads it)
_TEXT_OPS = frozenset({"<<", "<<-"})


def _word(text: str) -> str:
    if text.split(None, 1) == [text]:  # (one word, no whitespace: as `str.isspace` reads it)
        return text
    return "'" + text.replace("'", "'\\''") + "'"


class Options:
    """A command's options in their canonical spellings (``_option_spellings``), spelled when
    first asked (:meth:`texts`): ``rm -r --force ~`` also as ``rm -rf ~``, ``git push origin
    +main`` as ``git push --force …``; ``name`` is the program or ``git push``, ``plain`` the
    command as written."""

    __slots__ = ("_texts", "name", "plain", "redirects", "words")

    def __init__(self, name: str, words: tuple[str, ...], redirects: list[str], plain: str) -> None:
        self.name, self.words, self.redirects, self.plain = name, words, redirects, plain
        self._texts: tuple[str, ...] | None = None

    def texts(self) -> tuple[str, ...]:
        if self._texts is None:
            spelled = spellings(self.name, self.words)
            self._texts = tuple(" ".join([*(_word(w) for w in s), *self.redirects]) for s in spelled)
        return self._texts


#: a reading, or a command's option spellings to be made
Item = str | Options


def _spelled(cmd: SimpleCommand) -> tuple[Item, ...]:
    args = [_word(a) for a in cmd.args]
    for r in cmd.redirects:
        if r.op not in _TEXT_OPS:
            args += [r.op, _word(r.target)]
    plain = " ".join([_word(cmd.name), *args])
    git = _git_subcommand(cmd)
    options = _options(cmd, args[len(cmd.args) :], plain)
    if not cmd.wrappers and not cmd.assignments and cmd.name == cmd.argv[0]:
        return (plain, *options) if git is None else (plain, git, *options)
    front = [*cmd.assignments, *(w for wr in cmd.wrappers for w in (wr.name, *wr.args))]
    full = " ".join([*(_word(w) for w in front), _word(cmd.argv[0]), *args])
    return (plain, *((full,) if full != plain else ()), *((git,) if git is not None else ()), *options)


def _options(cmd: SimpleCommand, redirects: list[str], plain: str) -> tuple[Options, ...]:
    """``cmd``'s option spellings to be made (none for a program without known options)."""
    name, words = cmd.name, cmd.args
    if name in NESTED:
        if name == "git" and words and words[0].startswith("-"):
            call = parse_git(cmd)
            if call.sub is None:
                return ()
            words = (call.sub, *call.args)
        depth = 2 if len(words) > 1 and f"{name} {words[0]} {words[1]}" in DEEP else 1
        if len(words) < depth:
            return ()
        name, words = " ".join((name, *words[:depth])), words[depth:]
    if name not in KNOWN:
        return ()
    return (Options(name, tuple(words), redirects, plain),)


def _git_subcommand(cmd: SimpleCommand) -> str | None:
    """``git -C . push --force`` (``-c k=v``, ``--git-dir=…``, ``--no-pager`` first) as ``git push
    --force``: a rule on a subcommand meets it whatever global options stand before it."""
    if cmd.name != "git" or len(cmd.argv) < 2 or not cmd.argv[1].startswith("-"):
        return None
    call = parse_git(cmd)
    if call.sub is None:
        return None
    return " ".join(["git", call.sub, *(_word(a) for a in call.args)])


#: a command's plain words, and the places of those known only at run time
Holes = tuple[tuple[str, ...], tuple[int, ...]]


def _holes(cmd: SimpleCommand) -> Holes | None:
    """``cmd``'s plain words with the places of its arguments known only at run time (None when
    it has none, or its name is one: the line is unresolved then)."""
    if not any(cmd.dynamic) or cmd.dynamic[0]:
        return None
    return (_word(cmd.name), *(_word(a) for a in cmd.args)), tuple(i for i, d in enumerate(cmd.dynamic) if d)


def _collect(line: str, out: list[Item], opened: dict[Holes, None], depth: int) -> bool:
    """``line``'s readings added to ``out`` (commands with holes to ``opened``); True when what
    it runs cannot all be told."""
    analysis = analyze(line)
    unresolved = bool(analysis.unknown)
    for cmd in analysis.commands:
        if not cmd.argv:
            continue
        out += _spelled(cmd)
        if (holes := _holes(cmd)) is not None:
            opened[holes] = None
        if cmd.name in CARRIERS:
            scripts = elsewhere(cmd) if depth < MAX_DEPTH else None
            if scripts is None:
                unresolved = True
            for script, dynamic in scripts or ():
                unresolved = _collect(script, out, opened, depth + 1) or dynamic or unresolved
    out += (f"{r.op} {_word(r.target)}" for r in analysis.bare if r.op not in _TEXT_OPS)
    if FORK_BOMB in analysis.unknown:  # read in the spelling rules on fork bombs are written for
        out.append(FORK_BOMB_SPELLING)
    return unresolved


class Readings:
    """A line's readings (:meth:`told`), its commands with words known only at run time
    (``holes``: :func:`_holes`) and whether it is unresolved."""

    __slots__ = ("_every", "_items", "_line", "holes", "unresolved")

    def __init__(self, line: str, items: tuple[Item, ...], holes: tuple[Holes, ...], unresolved: bool) -> None:
        self._line, self._items, self.holes, self.unresolved = line, items, holes, unresolved
        self._every: tuple[str, ...] | None = None

    def told(self, wanted: Callable[[Options], bool] | None = None) -> tuple[str, ...]:
        """The readings other than the line itself, each once, with the option spellings of the
        commands ``wanted`` accepts (of every command when None)."""
        if wanted is None and self._every is not None:
            return self._every
        out: dict[str, None] = {}
        for item in self._items:
            if type(item) is str:
                out[item] = None
            elif wanted is None or wanted(cast(Options, item)):
                out.update(dict.fromkeys(cast(Options, item).texts()))
        out.pop(self._line.strip(), None)
        found = tuple(out)
        if wanted is None:
            self._every = found
        return found


@lru_cache(maxsize=1024)
def line_readings(line: str) -> Readings:
    """``line``'s :class:`Readings` (option spellings made when first asked)."""
    items: list[Item] = []
    opened: dict[Holes, None] = {}
    unresolved = _collect(line, items, opened, 0)
    return Readings(line, tuple(items), tuple(opened), unresolved)


def readings(line: str) -> tuple[tuple[str, ...], tuple[Holes, ...], bool]:
    """The readings of ``line``'s commands other than the line itself (every option spelling
    among them), its commands with words known only at run time (:func:`_holes`), and whether
    the line is unresolved."""
    found = line_readings(line)
    return found.told(), found.holes, found.unresolved
