"""The PowerShell cmdlets the reader understands, and the POSIX command each one's effect is.

Each cmdlet has its parameters (valued, switches, positional order, aliases: ``SPECS``), bound as
PowerShell binds them (``bind``): by any unambiguous prefix, in any case, with ``-Name:value``,
arrays joined by ``,``; the common parameters (``-ErrorAction``, ``-WhatIf``…) are accepted.  A
parameter the cmdlet does not have, or a prefix of two, leaves the statement not understood.
``translate`` writes the bound call as the POSIX command with the same effect on files, the
network and the environment (``Remove-Item -Recurse -Force C:\\`` as ``rm -rf /``, ``Get-Content``
as ``cat``, ``Invoke-WebRequest URI -OutFile F`` as ``curl -o F URI``…): the shell rules judge that.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from goalrail.policies.builtins._powershell_names import (
    ALIASES,
    COMMON_ALIASES,
    COMMON_VALUED,
    DISKS,
    ECHOES,
    NAMES,
    PURE,
    SPECS,
)
from goalrail.policies.builtins._powershell_words import Token, Word

__all__ = ["ALIASES", "ECHOES", "NAMES", "PURE", "Bound", "Render", "Unread", "arguments", "bind", "translate"]


def _sh(text: str) -> str:
    return text if _SAFE.fullmatch(text) else "'" + text.replace("'", "'\\''") + "'"


_SAFE = re.compile(r"[\w@%+=:,./-]+")


class Unread(Exception):
    """A statement the reader does not understand (the message says why)."""


class Render(Protocol):
    def path(self, word: Word, glob: bool = True) -> str: ...

    def text(self, word: Word) -> str: ...

    def env_name(self, word: Word) -> str | None: ...


#: a parameter's values (a switch: True/False)
Bound = dict[str, "list[Word] | bool"]


def _table(spec: tuple[str, str, str, str]) -> tuple[dict[str, bool], tuple[str, ...], dict[str, str]]:
    valued, switches, positional, aliases = spec
    kinds = {**dict.fromkeys(valued.split(), True), **dict.fromkeys(COMMON_VALUED.split(), True)}
    kinds.update(dict.fromkeys((*switches.split(), "verbose", "debug", "whatif", "confirm"), False))
    names = dict(a.split("=") for a in f"{aliases} {COMMON_ALIASES}".split())
    return kinds, tuple(positional.split()), names


_TABLES = {name: _table(spec) for name, spec in SPECS.items()}


def _parameter(cmdlet: str, given: str) -> str:
    kinds, _, aliases = _TABLES[cmdlet]
    if given in kinds or given in aliases:
        return aliases.get(given, given)
    found = {aliases.get(n, n) for n in (*kinds, *aliases) if n.startswith(given)}
    if len(found) != 1:
        raise Unread(f"`-{given}` is {'no' if not found else 'an ambiguous'} parameter of `{cmdlet}`")
    return found.pop()


def _array(args: list[tuple[str, Word | None]], i: int, first: Word) -> tuple[list[Word], int]:
    """``first`` and the words ``,`` joins to it from ``args[i]`` on, and where they end."""
    values = [first]
    while i + 1 < len(args) and args[i][0] == "," and args[i + 1][0] == "" and (word := args[i + 1][1]) is not None:
        values.append(word)
        i += 2
    return values, i


def bind(cmdlet: str, args: list[tuple[str, Word | None]]) -> Bound:
    """``args`` bound to ``cmdlet``'s parameters: ("-name", the value attached or None) for a
    parameter, ("", word) for a value, (",", None) between an array's elements."""
    if cmdlet not in _TABLES:
        return {}
    kinds, positional, _ = _TABLES[cmdlet]
    bound: Bound = {}
    free: list[list[Word]] = []
    i = 0
    while i < len(args):
        kind, word = args[i]
        i += 1
        if kind.startswith("-"):
            name = _parameter(cmdlet, kind[1:])
            if not kinds[name]:
                bound[name] = word is None or word.pieces not in ((("$", "false"),), (("", "0"),))
                continue
            if word is None:
                if i >= len(args) or args[i][0] != "" or (word := args[i][1]) is None:
                    raise Unread(f"`-{name}` without a value")
                i += 1
            bound[name], i = _array(args, i, word)
        elif kind == "" and word is not None:
            values, i = _array(args, i, word)
            free.append(values)
        else:
            raise Unread("a `,` out of place")
    names = [p for p in positional if p not in bound]
    if len(free) > len(names):
        raise Unread(f"more positional arguments than `{cmdlet}` takes")
    for name, values in zip(names, free, strict=False):
        bound[name] = values
    return bound


def _words(bound: Bound, *names: str) -> list[Word]:
    out: list[Word] = []
    for name in names:
        value = bound.get(name)
        if isinstance(value, list):
            out += value
    return out


def _paths(r: Render, bound: Bound) -> list[str]:
    return [r.path(w) for w in _words(bound, "path")] + [r.path(w, False) for w in _words(bound, "literalpath")]


def _flag(bound: Bound, name: str, text: str) -> list[str]:
    return [text] if bound.get(name) is True else []


def _remove(r: Render, b: Bound) -> str:
    envs = [r.env_name(w) for w in _words(b, "path", "literalpath")]
    if envs and all(e for e in envs):
        return "unset " + " ".join(e for e in envs if e)
    letters = "".join(x for x, n in (("r", "recurse"), ("f", "force")) if b.get(n) is True)
    return " ".join(["rm", *(["-" + letters] if letters else []), *_paths(r, b)])


def _read(r: Render, b: Bound) -> str:
    envs = [r.env_name(w) for w in _words(b, "path", "literalpath")]
    if envs and all(e is not None for e in envs):
        return "printenv " + " ".join(e for e in envs if e) if all(envs) else "printenv"
    return " ".join(["cat", *_paths(r, b)])


def _write(op: str, target: str) -> Callable[[Render, Bound], str]:
    def write(r: Render, b: Bound) -> str:
        append = op == ">>" or b.get("append") is True
        values = [r.text(w) for w in _words(b, "value")]
        envs = [r.env_name(w) for w in _words(b, target, "literalpath")]
        if envs and all(envs) and values:
            return f"export {envs[0]}={values[0]}"
        targets = [r.path(w, target != "filepath") for w in _words(b, target)] + [
            r.path(w, False) for w in _words(b, "literalpath")
        ]
        source = "echo " + " ".join(values) if values else ("cat" if target == "filepath" else ":")
        return " ; ".join(f"{source} {'>>' if append else '>'} {t}" for t in targets) or source

    return write


def _new_item(r: Render, b: Bound) -> str:
    kind = next((w.literal or "?" for w in _words(b, "itemtype")), "file").lower()
    names = [r.text(w) for w in _words(b, "name")]
    paths = [r.path(w, False) for w in _words(b, "path")] or ["."]
    targets = [p.rstrip("/") + "/" + names[0] if names else p for p in paths]
    values = [r.text(w) for w in _words(b, "value")]
    if "directory".startswith(kind):
        return "mkdir -p " + " ".join(targets)
    if "file".startswith(kind):
        return " ; ".join(f"{'echo ' + values[0] if values else ':'} > {t}" for t in targets)
    if kind in ("symboliclink", "hardlink", "junction") and len(values) == 1:
        return " ; ".join(f"ln {'-s ' if kind != 'hardlink' else ''}{values[0]} {t}" for t in targets)
    raise Unread(f"`New-Item -ItemType {kind}`")


def _copy(program: str) -> Callable[[Render, Bound], str]:
    def copy(r: Render, b: Bound) -> str:
        destination = [r.path(w, False) for w in _words(b, "destination")] or ["."]
        recurse = ["-r"] if b.get("recurse") is True or (b.get("container") is True and program == "cp") else []
        return " ".join([program, *(recurse if program == "cp" else []), *_paths(r, b), destination[0]])

    return copy


def _rename(r: Render, b: Bound) -> str:
    path = (_paths(r, b) or ["?"])[0]
    new = (_words(b, "newname") or [Word((("", "?"),))])[0]
    parent = path.rstrip("/").rpartition("/")[0]
    return f"mv {path} {(parent + '/') if parent else ''}{r.path(new, False)}"


def _list(r: Render, b: Bound) -> str:
    envs = [r.env_name(w) for w in _words(b, "path", "literalpath")]
    if envs and all(e is not None for e in envs):
        return "printenv " + " ".join(e for e in envs if e) if all(envs) else "printenv"
    return " ".join(["ls", *_flag(b, "recurse", "-R"), *_flag(b, "force", "-a"), *_paths(r, b)])


def _web(r: Render, b: Bound) -> str:
    words = ["curl"]
    for name, option in (("method", "-X"), ("custommethod", "-X"), ("body", "-d")):
        words += [x for w in _words(b, name) for x in (option, r.text(w))]
    words += [x for w in _words(b, "infile") for x in ("-T", r.path(w, False))]
    words += [x for w in _words(b, "outfile") for x in ("-o", r.path(w, False))]
    uris = _words(b, "uri")
    if not uris:
        raise Unread("a web request without its URI")
    return " ".join(words + [r.text(w) for w in uris])


def _start(r: Render, b: Bound) -> str:
    program = _words(b, "filepath")
    if not program:
        raise Unread("`Start-Process` without its program")
    args = [
        r.text(w) if w.literal is None else " ".join(map(_sh, w.literal.split())) for w in _words(b, "argumentlist")
    ]
    verbs = [w.literal for w in _words(b, "verb")]
    if None in verbs:
        raise Unread("`Start-Process -Verb` known only at run time")
    sudo = ["sudo"] if any((v or "").lower() == "runas" for v in verbs) else []  # elevated: a privileged run
    chdir = [f"cd {r.path(w, False)} &&" for name in b if name.startswith("working") for w in _words(b, name)]
    return " ".join([*chdir, *sudo, r.path(program[0], False).removesuffix(".exe"), *args])


def _policy(r: Render, b: Bound) -> str:
    scope = next((w.literal or "?" for w in _words(b, "scope")), "localmachine").lower()
    if scope == "process":
        return ":"  # the policy of this process only
    if scope == "localmachine":
        return ": > /etc/registry/HKLM/SOFTWARE/Microsoft/PowerShell/ExecutionPolicy"
    raise Unread(f"`Set-ExecutionPolicy -Scope {scope}`")


_TRANSLATE: dict[str, Callable[[Render, Bound], str]] = {
    "remove-item": _remove,
    "get-content": _read,
    "set-content": _write(">", "path"),
    "add-content": _write(">>", "path"),
    "out-file": _write(">", "filepath"),
    "tee-object": lambda r, b: " ".join(
        ["tee", *_flag(b, "append", "-a"), *(r.path(w, False) for w in _words(b, "filepath"))]
    ),
    "new-item": _new_item,
    "copy-item": _copy("cp"),
    "move-item": _copy("mv"),
    "rename-item": _rename,
    "get-childitem": _list,
    "get-item": _list,
    "set-location": lambda r, b: "cd " + (_paths(r, b) or ["~"])[0],
    "push-location": lambda r, b: "cd " + (_paths(r, b) or ["."])[0],
    "invoke-webrequest": _web,
    "invoke-restmethod": _web,
    "start-process": _start,
    "get-itemproperty": _read,
    "set-itemproperty": _write(">>", "path"),
    "new-itemproperty": _write(">>", "path"),
    "remove-itemproperty": _write(">>", "path"),
    "set-item": _write(">", "path"),
    "clear-content": _write(">", "path"),
    "test-path": lambda r, b: " ".join(["test -e", *_paths(r, b)]),
    "resolve-path": lambda r, b: " ".join(["realpath", *_paths(r, b)]),
    "get-filehash": lambda r, b: " ".join(["sha256sum", *_paths(r, b)]),
    "select-string": lambda r, b: " ".join(
        ["grep", *(x for w in _words(b, "pattern") for x in ("-e", r.text(w))), *_paths(r, b)]
    ),
    "set-executionpolicy": _policy,
    "stop-computer": lambda r, b: "shutdown -h now",
    "restart-computer": lambda r, b: "shutdown -r now",
}


def translate(cmdlet: str, r: Render, bound: Bound) -> str:
    """The POSIX command ``cmdlet`` with ``bound`` parameters amounts to."""
    if cmdlet in DISKS:
        return "wipefs -a /dev/windows-disk"
    return _TRANSLATE[cmdlet](r, bound)


def arguments(rest: list[Token]) -> list[tuple[str, Word | None]]:
    out: list[tuple[str, Word | None]] = []
    for kind, value in rest:
        if kind == "comma":
            out.append((",", None))
        elif isinstance(value, Word):
            m = re.match(r"[-\u2013\u2014\u2015]([A-Za-z_?][\w?]*)(:?)(.*)$", value.bare, re.S)
            if m is None:
                out.append(("", value))
                continue
            attached = ((("", m.group(3)),) if m.group(3) else ()) + value.pieces[1:]
            out.append(("-" + m.group(1).lower(), Word(attached) if m.group(2) and attached else None))
    return out
