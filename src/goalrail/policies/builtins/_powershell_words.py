"""PowerShell code cut into tokens: the words of its commands (quoting, escapes, variables), the
operators between them, and the constructs the reader does not follow.

``tokens(code)`` reads ``code`` once, left to right (linear time): ``;`` and newlines end a
statement, ``&&``/``||`` too (PowerShell 7), ``|`` joins a pipeline, ``&`` calls a command (or,
at a command's end, runs it in the background), ``,`` joins an array's elements, ``>``/``>>``/``2>``/
``*>``/``2>&1`` redirect.  A word is a list of pieces: literal text (bare, where ``*``/``?``/
``[`` are wildcards, or quoted: ``'…'`` with ``''``, ``"…"`` with backtick escapes and ``""``),
and variables (``$name``, ``${name}``, ``$scope:name``, ``$env:NAME``).  A bracketed expression,
a script block, a subexpression ``$(…)`` (also inside ``"…"``), an array ``@(…)``, a hash table
``@{…}``, a splat ``@args``, a here-string, a member access ``$x.y``/``$x[0]``, ``--%`` and ``<``
are not read: each is a ``bad`` token (the statement holding it is not understood), and the text
inside its brackets is kept (``inner``) to be read as code of its own, since it may run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Piece", "Token", "Word", "statements", "tokens"]

#: (kind, text): kind "" bare literal, "q" quoted literal, "$" a variable, "env" an environment variable
Piece = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Word:
    pieces: tuple[Piece, ...]

    @property
    def literal(self) -> str | None:
        """The word's text when it holds no variable."""
        if any(k in ("$", "env") for k, _ in self.pieces):
            return None
        return "".join(t for _, t in self.pieces)

    @property
    def bare(self) -> str:
        """The word's leading bare text (where a parameter name is written)."""
        return self.pieces[0][1] if self.pieces and self.pieces[0][0] == "" else ""


#: (kind, value): "sep" (`;`, newline, `&&`, `||`), "pipe", "amp", "comma", "redir" (its operator),
#: "word" (a Word), "bad" (why the statement is not understood)
Token = tuple[str, "str | Word"]

_SPACE = frozenset(" \t\f\v\r\u00a0")
_SINGLE = frozenset("'\u2018\u2019\u201a\u201b")
_DOUBLE = frozenset('"\u201c\u201d\u201e')
_OPENERS = {"(": ")", "{": "}", "[": "]"}
#: characters that end a bare word
_ENDS = frozenset(" \t\f\v\r\u00a0\n;|&,(){}<>")
_REDIRECT = re.compile(r"(?:[1-6*])?>>?(?:&[12])?")
_VAR = re.compile(r"\{([^}]*)\}|([A-Za-z_][\w]*(?::[A-Za-z_][\w]*)?|[$?^_])")
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COMMENT_END = re.compile(r"#>")


def _closing(text: str, i: int) -> int:
    """The index just past the bracket matching the one at ``text[i]`` (quotes skipped), or the end."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`":
            i += 2
            continue
        if c in _SINGLE:
            i += 1
            while i < n and text[i] not in _SINGLE:
                i += 1
        elif c in _DOUBLE:
            i += 1
            while i < n and text[i] not in _DOUBLE:
                i += 2 if text[i] == "`" else 1
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


class _Scanner:
    __slots__ = ("i", "inner", "n", "out", "text")

    def __init__(self, text: str) -> None:
        self.text, self.i, self.n = text, 0, len(text)
        self.out: list[Token] = []
        self.inner: list[str] = []

    def bracket(self, start: int, why: str) -> None:
        """A bracketed construct opening at ``start``: not read, its inside kept as code."""
        end = _closing(self.text, start)
        self.inner.append(self.text[start + 1 : end - 1])
        self.out.append(("bad", why))
        self.i = end

    def variable(self, pieces: list[Piece], quoted: bool) -> None:
        """``$…`` at ``self.i``: a variable piece added, or a construct not read flagged."""
        text, i = self.text, self.i
        if text.startswith("$(", i):
            self.bracket(i + 1, "a subexpression `$(…)`")
            return
        m = _VAR.match(text, i + 1)
        if m is None:
            pieces.append(("" if not quoted else "q", "$"))
            self.i = i + 1
            return
        name = m.group(1) if m.group(1) is not None else m.group(2)
        self.i = m.end()
        if not quoted and self.i < self.n and text[self.i] in ".[" and m.group(1) is None:
            nxt = text[self.i + 1 : self.i + 2]
            if text[self.i] == "[" or nxt.isalpha() or nxt == "_":
                self.out.append(("bad", "a member or element of a variable"))
                return
        scope, _, rest = name.rpartition(":")
        if scope.lower() == "env":
            pieces.append(("env", rest.upper()))
        else:
            pieces.append(("$", (rest if scope.lower() in ("", "global", "script", "local") else name).lower()))

    def double(self, pieces: list[Piece]) -> None:
        text, n = self.text, self.n
        self.i += 1
        buf: list[str] = []
        while self.i < n:
            c = text[self.i]
            if c in _DOUBLE:
                if self.i + 1 < n and text[self.i + 1] in _DOUBLE:
                    buf.append('"')
                    self.i += 2
                    continue
                self.i += 1
                break
            if c == "`" and self.i + 1 < n:
                buf.append(_ESCAPES.get(text[self.i + 1], text[self.i + 1]))
                self.i += 2
            elif c == "$":
                pieces.append(("q", "".join(buf)))
                buf = []
                self.variable(pieces, True)  # (a subexpression: flagged, the string read on)
            else:
                buf.append(c)
                self.i += 1
        pieces.append(("q", "".join(buf)))

    def single(self, pieces: list[Piece]) -> None:
        text, n = self.text, self.n
        self.i += 1
        buf: list[str] = []
        while self.i < n:
            c = text[self.i]
            self.i += 1
            if c in _SINGLE:
                if self.i < n and text[self.i] in _SINGLE:
                    buf.append("'")
                    self.i += 1
                    continue
                break
            buf.append(c)
        pieces.append(("q", "".join(buf)))

    def word(self) -> None:
        text, n, start = self.text, self.n, self.i
        pieces: list[Piece] = []
        if text[start] == "@" and start + 1 < self.n and text[start + 1] not in _ENDS:
            self.out.append(("bad", "an array, hash table, here-string or splat"))
            self.i = _closing(text, start + 1) if text[start + 1] in "({" else start + 1
            if text[start + 1] in "({":
                self.inner.append(text[start + 2 : self.i - 1])
            return
        if text.startswith("--%", start):
            self.out.append(("bad", "`--%` (text passed unparsed)"))
            self.i = n if (end := text.find("\n", start)) < 0 else end
            return
        while self.i < n:
            c = text[self.i]
            if c in _ENDS or (c == "#" and self.i == start):
                break
            if c == ">" or c == "<":
                break
            if c in _SINGLE:
                self.single(pieces)
            elif c in _DOUBLE:
                self.double(pieces)
            elif c == "`":
                if self.i + 1 < n and text[self.i + 1] == "\n":
                    self.i += 2
                    break
                nxt = text[self.i + 1 : self.i + 2]
                pieces.append(("q", _ESCAPES.get(nxt, nxt)))
                self.i += 2
            elif c == "$":
                self.variable(pieces, False)
            else:
                j = self.i
                while j < n and text[j] not in _ENDS and text[j] not in "'\"`$<>" and text[j] not in _SINGLE:
                    if text[j] in _DOUBLE:
                        break
                    j += 1
                pieces.append(("", text[self.i : j]))
                self.i = j
        self.out.append(("word", Word(tuple(p for p in pieces if p[1] or p[0] in ("$", "env")))))

    def operator(self, c: str) -> bool:
        """An operator at ``self.i``: True when read."""
        text, i = self.text, self.i
        two = text[i : i + 2]
        if two in ("&&", "||"):
            self.out.append(("sep", two))
            self.i += 2
        elif c in ";\n":
            self.out.append(("sep", c))
            self.i += 1
        elif c == "|":
            self.out.append(("pipe", c))
            self.i += 1
        elif c == "&":
            self.out.append(("amp", c))
            self.i += 1
        elif c == ",":
            self.out.append(("comma", c))
            self.i += 1
        elif c in "({[":
            self.bracket(i, "a bracketed expression or script block")
        elif c in ")}]" or c == "<":
            self.out.append(("bad", f"`{c}` out of place"))
            self.i += 1
        elif (m := _REDIRECT.match(text, i)) is not None and (c == ">" or m.end() > i + 1):
            self.out.append(("redir", m.group()))
            self.i = m.end()
        else:
            return False
        return True

    def run(self) -> None:
        text, n = self.text, self.n
        while self.i < n:
            c = text[self.i]
            if c in _SPACE:
                self.i += 1
            elif c == "`" and text.startswith("`\n", self.i):
                self.i += 2
            elif text.startswith("<#", self.i):
                m = _COMMENT_END.search(text, self.i + 2)
                self.i = n if m is None else m.end()
            elif c == "#":
                end = text.find("\n", self.i)
                self.i = n if end < 0 else end
            elif c == "[" and self.out and self.out[-1][0] == "word":
                self.word()  # `C:\x[1]`: a wildcard inside a word
            elif not self.operator(c):
                self.word()


def tokens(code: str) -> tuple[list[Token], list[str]]:
    """``code``'s tokens, and the texts inside the brackets it does not read."""
    scanner = _Scanner(code.replace("\r\n", "\n"))
    scanner.run()
    return scanner.out, scanner.inner


def statements(toks: list[Token]) -> list[list[list[Token]]]:
    """Statements of pipelines of commands (a leading ``&`` kept: the call operator)."""
    statements: list[list[list[Token]]] = [[[]]]
    for tok in toks:
        kind = tok[0]
        if kind == "sep" or (kind == "amp" and statements[-1][-1]):
            statements.append([[]])
        elif kind == "pipe":
            statements[-1].append([])
        else:
            statements[-1][-1].append(tok)
    return [[c for c in s if c] for s in statements if any(s)]
