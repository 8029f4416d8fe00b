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

from functools import lru_cache

from goalrail.policies.builtins._containers import CONTAINER_CLIS
from goalrail.policies.builtins._git import parse_git
from goalrail.policies.builtins._option_spellings import DEEP, NESTED, spellings
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_elsewhere import MAX_DEPTH, elsewhere
from goalrail.policies.builtins._shell_functions import FORK_BOMB, FORK_BOMB_SPELLING
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._ssh import SSH_CLIENTS

__all__ = ["Holes", "readings"]

#: here-documents are text a program reads (parsed as a script when a shell reads it)
_TEXT_OPS = frozenset({"<<", "<<-"})


def _word(text: str) -> str:
    if text and not any(c.isspace() for c in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _spelled(cmd: SimpleCommand) -> tuple[str, ...]:
    args = [_word(a) for a in cmd.args]
    for r in cmd.redirects:
        if r.op not in _TEXT_OPS:
            args += [r.op, _word(r.target)]
    plain = " ".join([_word(cmd.name), *args])
    git = _git_subcommand(cmd)
    options = _options(cmd, args[len(cmd.args) :])
    if not cmd.wrappers and not cmd.assignments and cmd.name == cmd.argv[0]:
        return (plain, *options) if git is None else (plain, git, *options)
    front = [*cmd.assignments, *(w for wr in cmd.wrappers for w in (wr.name, *wr.args))]
    full = " ".join([*(_word(w) for w in front), _word(cmd.argv[0]), *args])
    return (plain, *((full,) if full != plain else ()), *((git,) if git is not None else ()), *options)


def _options(cmd: SimpleCommand, redirects: list[str]) -> tuple[str, ...]:
    """``cmd`` with its options in their canonical spellings (``_option_spellings``): ``rm -r
    --force ~`` also as ``rm -rf ~``, ``git push origin +main`` as ``git push --force …``."""
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
    return tuple(" ".join([*(_word(w) for w in s), *redirects]) for s in spellings(name, words))


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


def _collect(line: str, out: dict[str, None], opened: dict[Holes, None], depth: int) -> bool:
    """``line``'s readings added to ``out`` (commands with holes to ``opened``); True when what
    it runs cannot all be told."""
    analysis = analyze(line)
    unresolved = bool(analysis.unknown)
    for cmd in analysis.commands:
        if not cmd.argv:
            continue
        out.update(dict.fromkeys(_spelled(cmd)))
        if (holes := _holes(cmd)) is not None:
            opened[holes] = None
        if cmd.name in SSH_CLIENTS or cmd.name in CONTAINER_CLIS:
            scripts = elsewhere(cmd) if depth < MAX_DEPTH else None
            if scripts is None:
                unresolved = True
            for script, dynamic in scripts or ():
                unresolved = _collect(script, out, opened, depth + 1) or dynamic or unresolved
    for r in analysis.bare:
        if r.op not in _TEXT_OPS:
            out[f"{r.op} {_word(r.target)}"] = None
    if FORK_BOMB in analysis.unknown:  # read in the spelling rules on fork bombs are written for
        out[FORK_BOMB_SPELLING] = None
    return unresolved


@lru_cache(maxsize=1024)
def readings(line: str) -> tuple[tuple[str, ...], tuple[Holes, ...], bool]:
    """The readings of ``line``'s commands other than the line itself, its commands with words
    known only at run time (:func:`_holes`), and whether the line is unresolved."""
    out: dict[str, None] = {}
    opened: dict[Holes, None] = {}
    unresolved = _collect(line, out, opened, 0)
    out.pop(line.strip(), None)
    return tuple(out), tuple(opened), unresolved
