"""A command's options in the spellings a rule may be written in.

``rm -r --force ~``, ``rm --rec --for ~``, ``rm ~ -fr`` and ``rm -Rf ~`` are one command; a
``shell_execute`` rule written ``rm\\s+-rf`` or ``git\\s+push\\s+--force`` meets only its own
spelling.  :func:`spellings` reads a command's words with its program's options
(``_option_table``) and gives them again in canonical spellings: options before operands
(GNU programs and git take them after), unique long-option prefixes spelled out, aliases by
their first name (``-R`` as ``-r``), then in the table's order as one cluster of short letters
(``rm -rf ~``, ``tar -xzf f``; in reverse too: ``rm -fr ~``), as separate short options (``rm
-r -f ~``), as long options (``rm --recursive --force ~``) and with ``--opt=value``.  A forced refspec
(``git push origin +main``) and ``--force-with-lease`` are read as ``--force``; ``chmod`` modes
by their octal digits (``0777``, ``a=rwx`` as ``777``), ``chown``'s uid 0 as ``root``, ``kill``'s
signal names as numbers (``-KILL`` as ``-9``), ``dd``'s ``if=`` before ``of=``.  Words after
``--`` stay operands (``rm -r -- -f`` deletes a file named ``-f``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from goalrail.policies.builtins._option_table import SIGNALS, TABLE

__all__ = ["DEEP", "KNOWN", "NESTED", "NUMBERED", "letters", "spellings", "vocabulary"]

#: at most this many readings a command gets from its options (each is matched against every
#: `deny`/`warn` rule: a long `.*(…|…)` alternation costs about as much as the shell parse)
MAX_SPELLINGS = 6


@dataclass(frozen=True, slots=True)
class _Opt:
    rank: int
    shorts: str
    longs: tuple[str, ...]
    value: int  # 0 none, 1 required, 2 optional (attached or after `=`)
    means: tuple[str, ...]  # the canonical long names it stands for (`-D`: delete, force)


@dataclass(frozen=True, slots=True)
class _Program:
    short: dict[str, _Opt]
    long: dict[str, _Opt]
    prefixes: bool
    modes: bool
    oldstyle: bool
    signal: bool
    combos: tuple[_Opt, ...]


def _program(flags: str, specs: str) -> _Program:
    short: dict[str, _Opt] = {}
    long: dict[str, _Opt] = {}
    combos = []
    for rank, spec in enumerate(specs.split()):
        spec, _, means = spec.partition(">")
        value = 1 if spec.endswith(":") else 2 if spec.endswith("?") else 0
        shorts, _, longs = spec.rstrip(":?").partition("/")
        names = tuple(n for n in longs.split(",") if n)
        opt = _Opt(rank, shorts, names, value, tuple(means.split("+")) if means else ())
        short.update(dict.fromkeys(shorts, opt))
        long.update(dict.fromkeys(names, opt))
        if len(opt.means) > 1 and shorts:
            combos.append(opt)
    words = flags.split()
    return _Program(
        short, long, "prefixes" in words, "modes" in words, "oldstyle" in words, "signal" in words, tuple(combos)
    )


_PROGRAMS = {name: _program(*entry) for name, entry in TABLE.items()}
#: programs whose options follow a subcommand (``git push``), and those two words deep
NESTED = frozenset(k.split()[0] for k in TABLE if " " in k)
DEEP = frozenset(k for k in TABLE if k.count(" ") == 2)
#: the programs (and subcommands) given spellings (``dd``: its operands only), and those whose spellings
#: write numbers their words do not (``chmod 7 f`` as ``chmod 007 f``)
KNOWN = frozenset({*TABLE, "dd"})
NUMBERED = frozenset({"chmod", "kill"})
_OCTAL = re.compile(r"0*([0-7]{1,4})")
_ALL_RWX = re.compile(r"(a|ugo|[ugo]{3})?[=+]rwx")
#: what a program's spellings may write that its command's words do not (`vocabulary`)
_REWRITTEN = {"chmod": "777", "chown": "root", "kill": " ".join(SIGNALS.values())}
#: a parsed option: the option and its value (None: none)
_Given = tuple[_Opt, str | None]


def _long(prog: _Program, name: str) -> _Opt | None:
    if name in prog.long:
        return prog.long[name]
    if not prog.prefixes or not name:
        return None
    found = {o for n, o in prog.long.items() if n.startswith(name)}
    return found.pop() if len(found) == 1 else None  # (an ambiguous prefix is an error)


class _Parsed:
    __slots__ = ("ended", "given", "moved", "operands", "unknown")

    def __init__(self) -> None:
        self.given: list[_Given] = []
        self.moved: list[str] = []  # the option words as given, long names spelled out
        self.operands: list[str] = []
        self.ended: list[str] | None = None  # the words after `--`
        self.unknown: list[str] = []


def _cluster(prog: _Program, word: str, words: Sequence[str], i: int, out: _Parsed) -> int | None:
    """Read the short-option cluster ``word`` (``-xzf f``); the index of its last word, None when
    it is not all options (an operand then, for a program with ``modes``)."""
    if prog.signal and (word[1:].isdigit() or word[1:].upper().removeprefix("SIG") in SIGNALS):
        out.given.append((prog.short["s"], word[1:]))
        out.moved.append(word)
        return i
    found: list[_Given] = []
    j = 1
    while j < len(word):
        opt = prog.short.get(word[j])
        if opt is None:
            return None
        if opt.value and (j + 1 < len(word) or opt.value == 2):
            found.append((opt, word[j + 1 :] or None))
            break
        if opt.value == 1:
            if i + 1 >= len(words):
                return None
            i += 1
            found.append((opt, words[i]))
            out.moved.append(word)
            out.moved.append(words[i])
            out.given += found
            return i
        found.append((opt, None))
        j += 1
    out.given += found
    out.moved.append(word)
    return i


def _parse(prog: _Program, words: Sequence[str]) -> _Parsed:
    out = _Parsed()
    i, n = 0, len(words)
    while i < n:
        w = words[i]
        if out.ended is not None:
            out.ended.append(w)
        elif w == "--":
            out.ended = []
        elif w.startswith("--"):
            name, eq, value = w[2:].partition("=")
            opt = _long(prog, name)
            if opt is None or (opt.value == 0 and eq):
                out.unknown.append(w)
            elif opt.value == 1 and not eq and i + 1 < n:
                i += 1
                out.given.append((opt, words[i]))
                out.moved += [f"--{opt.longs[0] if name not in opt.longs else name}", words[i]]
            else:
                out.given.append((opt, value if eq else None))
                spelled = name if name in opt.longs else opt.longs[0]
                out.moved.append(f"--{spelled}{eq}{value}")
        elif w.startswith("-") and len(w) > 1:
            last = _cluster(prog, w, words, i, out)
            if last is None:
                (out.operands if prog.modes else out.unknown).append(w)
            else:
                i = last
        elif i == 0 and prog.oldstyle and (last := _cluster(prog, "-" + w, words, i, out)) is not None:
            i = last
        else:
            out.operands.append(w)
        i += 1
    return out


def _canonical(prog: _Program, given: list[_Given]) -> list[_Given]:
    """The options by their canonical names, each once, in the table's order."""
    out: dict[tuple[int, str | None], _Given] = {}
    for opt, value in given:
        for name in opt.means or (opt.longs[0] if opt.longs else opt.shorts[0],):
            target = prog.long.get(name, opt)
            out.setdefault((target.rank, None if opt.means else value), (target, None if opt.means else value))
    return [out[k] for k in sorted(out, key=lambda k: (k[0], k[1] is not None, k[1] or ""))]


def _short(opt: _Opt, value: str | None, signal: bool) -> list[str]:
    if signal and opt.shorts == "s" and value is not None:
        return [f"-{value}"]
    if not opt.shorts:
        return _long_words(opt, value, False)
    if value is None:
        return [f"-{opt.shorts[0]}"]
    return [f"-{opt.shorts[0]}", value] if opt.value == 1 else [f"-{opt.shorts[0]}{value}"]


def _long_words(opt: _Opt, value: str | None, eq: bool) -> list[str]:
    if not opt.longs:
        return _short(opt, value, False)
    if value is None:
        return [f"--{opt.longs[0]}"]
    return [f"--{opt.longs[0]}={value}"] if eq or opt.value == 2 else [f"--{opt.longs[0]}", value]


def _merged(prog: _Program, opts: Sequence[_Given]) -> list[str]:
    """One cluster of the options' short letters (a combo letter for the options it stands for),
    the last that takes a value at its end, followed by its value (``tar -xzf f``); the others
    after it."""
    keys = {o.rank for o, _ in opts}
    for combo in prog.combos:
        ranks = {prog.long[m].rank for m in combo.means}
        if ranks <= keys:
            opts = [(combo, None), *((o, v) for o, v in opts if o.rank not in ranks)]
            keys -= ranks
    letters = "".join(o.shorts[0] for o, v in opts if o.shorts and v is None)
    valued = [(o, v) for o, v in opts if not (o.shorts and v is None)]
    last = next((k for k in range(len(valued) - 1, -1, -1) if valued[k][0].shorts and valued[k][0].value == 1), None)
    if prog.signal or not letters or last is None:
        return ([f"-{letters}"] if letters else []) + [w for o, v in valued for w in _short(o, v, prog.signal)]
    o, v = valued.pop(last)
    return [f"-{letters}{o.shorts[0]}", v or "", *(w for o, v in valued for w in _short(o, v, False))]


def _operands(name: str, parsed: _Parsed, forced: list[_Given]) -> list[str]:
    """The operands in their canonical spelling (chmod's mode, chown's owner, dd's order, a
    forced refspec without its ``+``), the unknown options, then ``--`` and the words after it."""
    ops = list(parsed.operands)
    if name == "chmod" and ops:
        mode = ops[0]
        if _ALL_RWX.fullmatch(mode):
            ops[0] = "777"
        elif m := _OCTAL.fullmatch(mode):
            ops[0] = m.group(1).rjust(3, "0")
    elif name == "chown" and ops:
        owner, sep, group = ops[0].partition(":")
        ops[0] = ("root" if owner == "0" else owner) + sep + ("root" if group == "0" else group)
    elif name == "git push":
        for k, w in enumerate(ops):
            if k and w.startswith("+") and len(w) > 1:
                ops[k] = w[1:]
                forced.append((_PROGRAMS[name].long["force"], None))
    return parsed.unknown + ops + ([] if parsed.ended is None else ["--", *parsed.ended])


def _signal(given: list[_Given]) -> list[_Given]:
    return [(o, SIGNALS.get((v or "").upper().removeprefix("SIG"), v) if o.shorts == "s" else v) for o, v in given]


def spellings(name: str, words: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """``words`` (the arguments of the program or subcommand ``name``: ``rm``, ``git push``) in
    the canonical spellings of their options, ``name``'s words in front; none for a program
    whose options are not known or a command without options."""
    if name == "dd":  # (operands only: `if=` and `of=` first)
        ops = sorted(words, key=lambda w: {"if": 0, "of": 1}.get(w.partition("=")[0], 2))
        return (("dd", *ops),) if ops != list(words) else ()
    prog = _PROGRAMS.get(name)
    if prog is None:
        return ()
    parsed = _parse(prog, words)
    forced: list[_Given] = []
    operands = _operands(name, parsed, forced)
    opts = _canonical(prog, (_signal(parsed.given) if prog.signal else parsed.given) + forced)
    if not opts:
        return ((*name.split(), *operands),) if operands != [*parsed.operands, *parsed.unknown] else ()
    head = tuple(name.split())
    ended = [] if parsed.ended is None else ["--", *parsed.ended]
    rev: list[_Given] = [(o, v) for o, v in opts if v is None][::-1] + [(o, v) for o, v in opts if v is not None]
    sig = prog.signal
    found = [
        (*head, *parsed.moved, *parsed.unknown, *parsed.operands, *ended),
        (*head, *_merged(prog, opts), *operands),
        (*head, *_merged(prog, rev), *operands),
        (*head, *(w for o, v in opts for w in _short(o, v, sig)), *operands),
        (*head, *(w for o, v in opts for w in _long_words(o, v, False)), *operands),
        (*head, *(w for o, v in opts for w in _long_words(o, v, True)), *operands),
    ]
    return tuple(dict.fromkeys(found))[:MAX_SPELLINGS]


def vocabulary(name: str) -> tuple[str, ...]:
    """What the spellings of ``name``'s commands may hold beyond their words (lower case): its
    words, its long option names, the values it rewrites (``777``, ``root``, signal numbers);
    each a whole word or stood between separators (``--``, ``=``, ``:``, a space).  The letters
    of its options are :func:`letters`; ``chmod`` writes other numbers too (:data:`NUMBERED`)."""
    prog = _PROGRAMS.get(name)
    longs = [] if prog is None else list(prog.long)
    return tuple(w.lower() for w in [*name.split(), *longs, *_REWRITTEN.get(name, "").split()])


def letters(name: str, words: Sequence[str]) -> str:
    """The option letters :func:`spellings` may cluster for ``words`` (more, never fewer): the
    canonical letter of every option a word could give (each letter of a word starting with
    ``-``, every long name a ``--`` word is a prefix of, a dashless first cluster), of the
    options those mean, and the program's combined letters (``git branch -D``)."""
    prog = _PROGRAMS.get(name)
    if prog is None:
        return ""
    opts: list[_Opt] = []
    for i, w in enumerate(words):
        if w == "--":  # (operands after it)
            break
        if w.startswith("--"):
            given = w[2:].partition("=")[0]
            opts += (o for n, o in prog.long.items() if n.startswith(given))
        elif w.startswith("-") or (i == 0 and prog.oldstyle):
            opts += (o for c in w if (o := prog.short.get(c)) is not None)
        elif name == "git push" and w.startswith("+"):  # (a forced refspec: `--force`)
            opts.append(prog.long["force"])
    if not opts:
        return ""
    found = {o.shorts[:1] for o in opts} | {prog.long[m].shorts[:1] for o in opts for m in o.means}
    return "".join(found | {c.shorts[:1] for c in prog.combos})
