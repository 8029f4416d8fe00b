"""The files an awk program names in its own text, for ``_shell_file_code``.

``print``/``printf`` redirected with ``> TARGET`` or ``>> TARGET`` writes it (a ``>`` inside
parentheses compares: ``print ($1 > 5)``, as a pattern's ``$1 > 5`` does); ``getline < TARGET`` and
``getline var < TARGET`` read it.  A target is a concatenation: its string literals as awk reads
them (``"\\x72"`` is ``r``), ``ENVIRON["HOME"]`` as ``$HOME``, a variable given literals (``-v
f=PATH``, an ``f=PATH`` operand, ``f = "PATH"`` in the program) as each of them; anything else in it
(``$1``, a call, a variable also set otherwise) makes it a file named at run time (``$_`` in its
place).  ``print | "cmd"``, ``"cmd" | getline`` and ``system()`` run code (``_interpreter_code``).
The program is walked once, token by token (no pattern over it backtracks).
"""

from __future__ import annotations

import itertools
import re

from goalrail.policies.builtins._shell_file_sed import READ, WRITE, regex_end

__all__ = ["awk_assignment", "awk_files", "awk_text"]

#: (kind, path, whether it is known only at run time)
Named = tuple[str, str, bool]
#: one awk token: its kind (``str``, ``name``, ``num``, ``re``, ``end``, ``op``) and its text
_Token = tuple[str, str]

UNRESOLVED = "$_"
#: at most this many spellings of one target (each variable's values multiplied)
_MAX_SPELLINGS = 16
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")
_OPS2 = frozenset({">>", ">=", "<=", "==", "!=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "^="})
#: tokens after which a ``/`` divides (else it opens a regular expression)
_OPERANDS = frozenset({"name", "num", "str", "re"})
#: the words after which a ``/`` opens a regular expression (``print /x/``)
_REGEX_AFTER = frozenset({"print", "printf", "return", "case", "in"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
#: an awk escape: octal (``\162``), hexadecimal (``\x72``), a letter's, any other character as itself
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
#: the operators that set the variable before them
_SETTING = frozenset({"++", "--", "+=", "-=", "*=", "/=", "%=", "^="})
#: at most this many tokens of a target (a longer one is known only at run time)
_MAX_TARGET = 32
#: at most this many assignments and targets spelled (a program holding more: at run time)
_MAX_SPELLED = 256
#: calls that set their arguments, and ``function NAME(PARAMS)``
_SETTERS = frozenset({"sub", "gsub", "split", "patsplit", "match", "function", "func"})


def _escaped(m: re.Match[str]) -> str:
    if m.group(1):
        return chr(int(m.group(1), 8))
    if m.group(2):
        return chr(int(m.group(2), 16))
    return _ESCAPES.get(m.group(3), m.group(3))


def awk_text(raw: str) -> str:
    """An awk string's text as awk reads it (``"\\x72c"`` is ``rc``), a ``-v`` value's too."""
    return _ESCAPE.sub(_escaped, raw) if "\\" in raw else raw


def _string(code: str, i: int) -> tuple[int, str]:
    """The awk string literal opening at ``code[i]``: where it ends, and its text."""
    start = i = i + 1
    while i < len(code) and code[i] not in '"\n':
        i += 2 if code[i] == "\\" else 1
    return i + 1, awk_text(code[start : min(i, len(code))])


def _opens_regex(before: list[_Token]) -> bool:
    """Whether a ``/`` after the tokens ``before`` opens a regular expression (else it divides)."""
    if not before:
        return True
    kind, text = before[-1]
    return text in _REGEX_AFTER if kind == "name" else kind not in _OPERANDS and text not in (")", "]", "$")


def _tokens(code: str) -> list[_Token]:
    """awk's tokens of ``code`` (comments and a line's continuation dropped; a regex's text too)."""
    out: list[_Token] = []
    i, n = 0, len(code)
    unclosed = -1  # (a regex not closed on its line: no other `/` of the line opens one)
    while i < n:
        c = code[i]
        if c in " \t\r":
            i += 1
        elif c == "\\" and code[i + 1 : i + 2] == "\n":
            i += 2
        elif c == "#":
            end = code.find("\n", i)
            i = n if end < 0 else end
        elif c == '"':
            i, text = _string(code, i)
            out.append(("str", text))
        elif c == "/" and i > unclosed and _opens_regex(out) and (end := regex_end(code, i, "/")) >= 0:
            out.append(("re", ""))
            i = end + 1
        elif (m := _NAME.match(code, i)) is not None:
            out.append(("name", m.group()))
            i = m.end()
        elif (m := _NUMBER.match(code, i)) is not None:
            out.append(("num", m.group()))
            i = m.end()
        elif c in ";\n":
            out.append(("end", c))
            i += 1
        else:
            if c == "/" and i > unclosed and _opens_regex(out):
                unclosed = n if (end := code.find("\n", i)) < 0 else end
            width = 2 if code[i : i + 2] in _OPS2 else 1
            out.append(("op", code[i : i + width]))
            i += width
    return out


def awk_assignment(text: str) -> tuple[str, str] | None:
    """``NAME=VALUE`` (``-v f=PATH``, an ``f=PATH`` operand): the name and the value; None else."""
    name, eq, value = text.partition("=")
    return (name, value) if eq and _NAME.fullmatch(name) else None


def _closings(tokens: list[_Token]) -> list[int]:
    """For each ``(``/``[`` of ``tokens``, where it closes (the last token when it does not)."""
    out = [0] * len(tokens)
    open_at: list[int] = []
    for k, (_, text) in enumerate(tokens):
        if text in ("(", "["):
            open_at.append(k)
        elif text in (")", "]") and open_at:
            out[open_at.pop()] = k
    for k in open_at:
        out[k] = len(tokens) - 1
    return out


class _Program:
    """An awk program's tokens, and the literals each of its variables is given (``-v``, operands,
    ``NAME = …`` in the program; a variable set otherwise is also known only at run time)."""

    __slots__ = ("closes", "given", "tokens", "unsettled")

    def __init__(self, tokens: list[_Token], given: dict[str, list[tuple[str, bool]]]) -> None:
        self.tokens = tokens
        self.closes = _closings(tokens)
        self.given = {k: list(v) for k, v in given.items()}
        self.unsettled = self._unsettled()
        assignments = (k for k in range(1, len(tokens) - 1) if tokens[k] == ("op", "=") and tokens[k - 1][0] == "name")
        for k in itertools.islice(assignments, _MAX_SPELLED):
            values = self.given.setdefault(tokens[k - 1][1], [])
            if len(values) <= _MAX_SPELLINGS:  # (more: some not spelled, see `spell`)
                values.extend(self.spell(k + 1, self.statement_end(k + 1), 0))

    def _unsettled(self) -> set[str]:
        """The variables set other than by ``NAME = …`` (``getline f``, ``for (f in a)``, ``f++``,
        ``f += 1``, ``sub(/x/, "y", f)``, a function's parameter), and past :data:`_MAX_SPELLED`
        assignments every one assigned."""
        tokens = self.tokens
        out: set[str] = set()
        setting: list[bool] = []  # for each group open: whether it holds a setter's arguments
        assigned = 0
        for k, (kind, text) in enumerate(tokens):
            before = tokens[k - 1][1] if k else ""
            after = tokens[k + 1][1] if k + 1 < len(tokens) else ""
            if text in ("(", "["):
                setting.append(before in _SETTERS or (k > 1 and tokens[k - 2][1] in ("function", "func")))
            elif text in (")", "]") and setting:
                setting.pop()
            elif kind == "name":
                assigned += after == "="
                set_so = before in ("getline", "++", "--") or after == "in" or after in _SETTING
                if set_so or (setting and setting[-1]) or (after == "=" and assigned > _MAX_SPELLED):
                    out.add(text)
        return out

    def primary(self, i: int) -> int:
        """Where the primary expression at ``tokens[i]`` ends (exclusive): a string, a number, a
        parenthesized expression, a variable or an array element, a call, a field (``$1``, ``$(i+1)``)."""
        tokens = self.tokens
        while i < len(tokens) and tokens[i][1] == "$":
            i += 1
        if i >= len(tokens):
            return i
        kind, text = tokens[i]
        if text == "(":
            return self.closes[i] + 1
        if kind == "name" and i + 1 < len(tokens) and tokens[i + 1][1] in ("[", "("):
            return self.closes[i + 1] + 1
        return i + 1 if kind in ("name", "num", "str") else i

    def statement_end(self, i: int) -> int:
        """Where the statement going on at ``tokens[i]`` ends (``;``, a line's end, a brace, at its
        depth), at most :data:`_MAX_TARGET` tokens on."""
        k = i
        while k < min(len(self.tokens), i + _MAX_TARGET):
            kind, text = self.tokens[k]
            if kind == "end" or text in ("{", "}"):
                return k
            k = self.closes[k] + 1 if text in ("(", "[") else k + 1
        return k

    def spell(self, start: int, end: int, depth: int) -> list[tuple[str, bool]]:
        """The spellings of the concatenation ``tokens[start:end]``, each with whether it is known only
        at run time (past :data:`_MAX_TARGET` tokens, it is)."""
        tokens = self.tokens
        parts: list[list[tuple[str, bool]]] = [[(UNRESOLVED, True)]] if end - start >= _MAX_TARGET else []
        i = start
        while i < min(end, start + _MAX_TARGET):
            kind, text = tokens[i]
            nxt = tokens[i + 1][1] if i + 1 < end else ""
            if kind in ("str", "num"):
                parts.append([(text, False)])
            elif (
                text == "ENVIRON"
                and nxt == "["
                and i + 3 < end
                and tokens[i + 3][1] == "]"
                and tokens[i + 2][0] == "str"
            ):
                parts.append([("$" + tokens[i + 2][1], True)])
                i += 3
            elif text == "(" and depth < 4:
                close = min(self.closes[i], end)
                parts.append(self.spell(i + 1, close, depth + 1))
                i = close
            elif kind == "name" and nxt not in ("(", "[") and (values := self.given.get(text)) and depth < 4:
                more = text in self.unsettled or len(values) > _MAX_SPELLINGS
                parts.append(values[:_MAX_SPELLINGS] + [(UNRESOLVED, True)] * more)
            else:
                parts.append([(UNRESOLVED, True)])
                i = max(self.primary(i), i + 1) - 1
            i += 1
        combos = itertools.islice(itertools.product(*parts), _MAX_SPELLINGS + 1)
        out = [("".join(t for t, _ in combo), any(d for _, d in combo)) for combo in combos]
        return out if len(out) <= _MAX_SPELLINGS else [*out[:_MAX_SPELLINGS], (UNRESOLVED, True)]


def awk_files(code: str, given: dict[str, list[tuple[str, bool]]]) -> list[Named]:
    """The files the awk program ``code`` names (see the module doc); ``given`` the values its
    variables are given on the command line."""
    tokens = _tokens(code)
    prog = _Program(tokens, given)
    out: list[Named] = []
    printing = -1  # the depth of the print statement going on (-1: none)
    depth = 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "end" or text in ("{", "}"):
            printing = -1
        elif text in ("(", "["):
            depth += 1
        elif text in (")", "]"):
            depth = max(depth - 1, 0)
        elif kind == "name" and text in ("print", "printf"):
            printing = depth
        elif text in (">", ">>") and printing == depth:
            out += [(WRITE, p, d) for p, d in prog.spell(i + 1, prog.statement_end(i + 1), 0)]
            printing = -1
            if len(out) > _MAX_SPELLED:  # (more: a file named at run time stands for them)
                return [*out, (WRITE, UNRESOLVED, True)]
        elif kind == "name" and text == "getline":
            k = i + 1
            if k < len(tokens) and tokens[k][1] != "<":
                k = prog.primary(k)  # `getline line < F`, `getline a[i] < F`, `getline $0 < F`
            if k < len(tokens) and tokens[k][1] == "<":
                out += [(READ, p, d) for p, d in prog.spell(k + 1, prog.primary(k + 1), 0)]
            if len(out) > _MAX_SPELLED:
                return [*out, (READ, UNRESOLVED, True)]
    return out
