"""Scripts a shell reads through a file descriptor the line opened on text it shows.

``bash /dev/fd/3 3<<'E'``, ``sh /proc/self/fd/3 3<<<'…'``, ``exec 3<<'E' … E; bash <&3``,
``exec <<<'…'; sh``: the shell reads the here-document, here-string or echoed process
substitution through a descriptor.  The analysis does not keep descriptor numbers (tree-sitter
gives them, bash moves them with ``N<&M``), so it over-approximates: a shell that reads a
descriptor path parses every such text its command carries and every one an ``exec`` opened
earlier in the script; a shell reading stdin with none of its own parses those an ``exec``
opened.  Which file an ``exec 3<file`` opened is followed by ``_shell_files`` (a file the line
writes is asked).
"""

from __future__ import annotations

import posixpath
import re
from typing import Protocol

from goalrail.policies.builtins._shell_types import Redirect

#: ``/dev/fd/3``, ``/proc/self/fd/3``, ``/proc/thread-self/fd/3``, ``/proc/1234/fd/3``
_DESCRIPTOR = re.compile(r"^/(?:dev/fd|proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd)/\d+$")
_TEXTS = frozenset({"<<", "<<-", "<<<"})


class InputFiles(frozenset[str]):
    """File names that are the input the command line hands a program: the listed ones (stdin:
    ``/dev/stdin``, ``-``) and any descriptor path (``/dev/fd/3``, ``/proc/self/fd/3``)."""

    __slots__ = ()

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (frozenset.__contains__(self, path) or descriptor_path(path))


class FdWalker(Protocol):
    held: list[Redirect]
    psubs: dict[str, str]

    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str) -> None: ...


def descriptor_path(path: str) -> bool:
    """Whether ``path`` names an open descriptor (any spelling: ``//dev/./fd/3``)."""
    if "fd" not in path:
        return False
    return bool(_DESCRIPTOR.match("/" + posixpath.normpath(path).lstrip("/")))


def hold(walker: FdWalker, reds: tuple[Redirect, ...]) -> None:
    """``exec 3<<'E'``, ``exec <<<'…'``, ``exec 3< <(echo …)``: texts later commands may read."""
    walker.held.extend(r for r in reds if r.op in _TEXTS or (r.op == "<" and r.target in walker.psubs))


def feed(walker: FdWalker, reds: tuple[Redirect, ...] | list[Redirect], via: str) -> bool:
    """Parse every text ``reds`` show as a script a shell reads; True when there was one."""
    found = False
    for r in reds:
        if r.op in _TEXTS:
            if r.dynamic:
                walker.flag("expansions in a script fed to a shell")
            walker.script(r.target, via)
            found = True
        elif r.op == "<" and r.target in walker.psubs:
            walker.script(walker.psubs[r.target], via)
            found = True
    return found


def held_text(walker: FdWalker, reds: tuple[Redirect, ...]) -> tuple[str, bool] | None:
    """What an ``exec`` opened earlier that a program reading stdin with none of its own may read
    (every such text, one after the other), or None."""
    if not walker.held or any(r.op in ("<", *_TEXTS) for r in reds):
        return None
    texts = [walker.psubs[r.target] if r.op == "<" else r.target for r in walker.held]
    return "\n".join(texts), any(r.dynamic for r in walker.held)
