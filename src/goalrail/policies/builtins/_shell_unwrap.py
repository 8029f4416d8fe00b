"""Peeling one wrapper (``sudo``, ``env``, ``timeout``, ``xargs``…) off a command.

Each wrapper is read with its own option table (``_wrappers.WrapperSpec``):
options that take a value, switch directory (``env -C``), re-split a string
into words (``env -S``) or carry a shell script (``su -c``), ``NAME=VALUE``
words (``env``), and the positionals before the command (``timeout 5``).  An
option that is dynamic or not in the table stops the peel with a reason —
never a guess at where the command starts.  A mixin of the tree walker, like
``_shell_evals``: ``flag``, ``script`` and ``assigned`` come from it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from goalrail.policies.builtins._shell_evals import Evals
from goalrail.policies.builtins._shell_types import Word, Wrapper
from goalrail.policies.builtins._wrappers import WrapperSpec


@dataclass(slots=True)
class _Peeled:
    """What a wrapper's options say: recorded options, directory switch, assignments, re-split words."""

    opts: list[str] = field(default_factory=list)
    chdir: str | None = None
    assignments: list[str] = field(default_factory=list)
    prepend: list[Word] = field(default_factory=list)


#: the short options of ``su``/``runuser``/``flock``/``script`` that take a value (before ``-c``)
_SU_VALUED = {"su": "sgGw", "runuser": "usgGw", "flock": "wE", "script": "BEIOTm"}


def attached_c(name: str, word: str) -> str | None:
    """The script attached to ``-c`` in a bundle of short options (``""`` when it is the next
    word), or None when ``word`` holds no ``-c``: getopt reads ``-lccd /etc`` as ``-l -c 'cd /etc'``."""
    if word[:1] != "-" or word[1:2] in ("-", ""):
        return None
    for j in range(1, len(word)):
        letter = word[j]
        if letter == "c":
            return word[j + 1 :]
        if letter in _SU_VALUED.get(name, "") or not letter.isalnum():
            return None
    return None


class Unwraps(Evals):
    __slots__ = ()

    def unwrap(
        self, spec: WrapperSpec, base: str, words: list[Word]
    ) -> tuple[list[Word], Wrapper, tuple[str, ...]] | None:
        """Peel one wrapper; None when no command follows (or it is not understood)."""
        got = _Peeled()
        i = self.wrapper_options(spec, base, words, got)
        if i is None:
            return None
        if spec.chdir_positional and i < len(words):
            got.chdir = words[i][0]
        if any(d for _, d in words[1 : 1 + spec.lead] + words[i : i + spec.positionals]):
            # `timeout $X`: the duration may split into the duration and a command
            self.flag(f"`{base}` argument known only at run time")
        i += spec.positionals
        rest, k = got.prepend + words[i:], 0
        while spec.assignments and k < len(rest) and "=" in rest[k][0] and not rest[k][0].startswith(("=", "-")):
            w, d = rest[k]  # `env -S 'NAME=value cmd'`: assignments inside the split string
            got.assignments.append(w)
            self.assigned(w.partition("=")[0], w.partition("=")[2], d)
            k += 1
        rest = rest[k:]  # (one copy, not one a name: `env A1=1 … A4000=1 cmd`)
        if not rest:
            return None
        return rest, Wrapper(base, tuple(got.opts), got.chdir), tuple(got.assignments)

    def wrapper_options(self, spec: WrapperSpec, base: str, words: list[Word], got: _Peeled) -> int | None:
        """Read the options and ``NAME=VALUE`` words after the wrapper's name.

        Returns the index of the first word after them, None when the peel stops.
        """
        i, n = 1 + spec.lead, len(words)
        while i < n:
            w, d = words[i]
            if d and w.startswith("-"):
                self.flag(f"`{base}` option is not static")
                return None
            if w == "--" and spec.double_dash:
                return i + 1
            if w.startswith("--") and len(w) > 2:
                nxt = self.long_option(spec, base, words, i, got)
            elif w.startswith("-") and len(w) > 1:
                nxt = self.short_options(spec, base, words, i, got)
            elif spec.assignments and "=" in w and not w.startswith("="):  # env: NAME=VALUE, any NAME
                got.assignments.append(w)
                name, _, value = w.partition("=")
                self.assigned(name, value, d)
                nxt = i + 1
            else:
                return i
            if nxt is None:
                return None
            i = nxt
        return i

    def long_option(self, spec: WrapperSpec, base: str, words: list[Word], i: int, got: _Peeled) -> int | None:
        """``--name[=value]`` at ``words[i]``; the index of the next word, None when the peel stops."""
        name, eq, val = words[i][0].partition("=")
        if name in spec.stop:
            return None
        if name in spec.long_val:
            if not eq:
                if i + 1 >= len(words):
                    return None
                val = words[i + 1][0]
                i += 1
            if not self.option_value(spec, base, name, f"{name}={val}", val, got):
                return None
        elif name in spec.long_flag:
            got.opts.append(words[i][0])
            if eq and name in spec.chdir:  # an optional value, given attached (`nsenter --wd=dir`)
                got.chdir = val
        else:
            self.flag(f"`{base}` option `{name}` is not understood")
            return None
        return i + 1

    def short_options(self, spec: WrapperSpec, base: str, words: list[Word], i: int, got: _Peeled) -> int | None:
        """A bundle of short options (``-nE``, ``-uroot``) at ``words[i]``; as ``long_option``."""
        w = words[i][0]
        if spec.numeric and w[1:].isdigit():
            got.opts.append(w)
            return i + 1
        for j in range(1, len(w)):
            flag = "-" + w[j]
            if flag in spec.stop:
                return None
            if flag in spec.short_val:  # its value is the rest of the word, or the next word
                val = w[j + 1 :]
                if not val:
                    if i + 1 >= len(words):
                        return None
                    val = words[i + 1][0]
                    i += 1
                if not self.option_value(spec, base, flag, f"{flag} {val}", val, got):
                    return None
                break
            if flag in spec.short_flag:
                got.opts.append(flag)
                continue
            self.flag(f"`{base}` option `{flag}` is not understood")
            return None
        return i + 1

    def option_value(self, spec: WrapperSpec, base: str, name: str, opt: str, val: str, got: _Peeled) -> bool:
        """Record an option with its value; False when the value is a script (parsed, nothing to peel)."""
        got.opts.append(opt)
        if name in spec.chdir:
            got.chdir = val
        elif name in spec.split:
            got.prepend = self.split_string(val, base)
        elif name in spec.shell_string:
            self.script(val, f"{base} {name}")
            return False
        return True

    def split_string(self, text: str, base: str) -> list[Word]:
        try:
            return [(w, False) for w in shlex.split(text)]
        except ValueError:
            self.flag(f"`{base} -S` string is not understood")
            return []
