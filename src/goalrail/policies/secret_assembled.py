"""Secrets assembled at run time from pieces that each look like nothing: :func:`view` and :func:`pieces`.

A shell that runs ``K=ghp_Zq7R; K2=k2Wm…; curl -H "Authorization: Bearer $K$K2"`` sends the
whole token, and so does ``printf '%s%s' ghp_Zq7R k2Wm…``, ``a = "ghp_Zq7R"; b = "k2Wm…";
t = a + b`` or ``"ghp_" + "Zq7R…"``.  The scanners read such a text once more as it would run:
each variable given a quoted or bare value in the text (``NAME=value``, ``name = "value"``,
``const name = 'value'``) put where it is used (``$NAME``, ``${NAME}``; in code, a name joined to
another by ``+``, ``.`` or ``..``), a ``printf`` of ``%s`` only given its arguments joined, and
literals joined by a concatenation operator read as one (``secret_text.joined``).  A token that
reading shows is counted; the redactor replaces each piece it was built from, where it was
written (a piece of four characters or more that the token holds), so that no piece is shown.

Only values written in the text are known: a piece read from a file, a command's output or the
environment is not; and in code (``a + b``) a token's prefix must stand whole in one piece.
"""

from __future__ import annotations

import re
import shlex

from goalrail.policies import secret_text
from goalrail.policies.secret_patterns import CUT_SHORT, may_hold_token

#: ``NAME=value`` (shell: no space around ``=``) or ``name = "value"`` (code: a quoted value)
_ASSIGN = re.compile(
    r"(?<![\w$.-])([A-Za-z_]\w{0,63})(?:=(?:\"(?P<d>[^\"\n$`\\]{1,512})\"|'(?P<s>[^'\n]{1,512})'"
    r"|(?P<b>[^\s;&|'\"$`()<>\\]{1,512}))"
    r"|[ \t]*:?=[ \t]*(?:\"(?P<cd>[^\"\n\\]{1,512})\"|'(?P<cs>[^'\n\\]{1,512})'))"
)
#: a shell reference (``$NAME``, ``${NAME}``) or a name in code joined to another by an operator
_REF = re.compile(
    r"\$\{([A-Za-z_]\w{0,63})\}|\$([A-Za-z_]\w{0,63})"
    r"|(?<![\w$.\"'])([A-Za-z_]\w{0,63})(?=[ \t]*(?:\+|\.\.?)[ \t]*[\w\"'])"
    r"|(?<=[+.])[ \t]*([A-Za-z_]\w{0,63})(?![\w(\"'])"
)
#: ``printf`` of a format made of ``%s`` only, and its arguments
_PRINTF = re.compile(
    r"printf[ \t]+(?:-v[ \t]+\w+[ \t]+)?(['\"])((?:%s)+)\1((?:[ \t]+(?:'[^'\n]*'|\"[^\"\n]*\"|[^\s;&|'\"<>()]+)){1,16})"
)
_PIECE_MIN = 4
#: a quoted literal (a piece of a concatenation)
_LITERAL = re.compile(r"\"([^\"\n]{4,512})\"|'([^'\n]{4,512})'")


#: two shell references side by side (``$A$B``, ``${A}x${B}``)
_ADJACENT = re.compile(r"\$\{?[A-Za-z_]\w*\}?[\w-]*\$")


def may_be_assembled(text: str, tokens: bool | None = None) -> bool:
    """Whether :func:`view` can show a token ``text`` does not: it holds a token's prefix once its
    quotes are taken out (whole in one piece: ``K=ghp_Zq7R…``, ``"ghp_" + …``), two shell references
    side by side, or a ``printf`` of ``%s%s`` (``tokens``: whether the text with its quotes taken
    out holds a token's prefix, when known)."""
    if "=" in text and (may_hold_token(secret_text.unsplit(text)) if tokens is None else tokens):
        return True
    return ("$" in text and _ADJACENT.search(text) is not None) or ("printf" in text and "%s%s" in text)


def _values(text: str) -> dict[str, list[tuple[str, tuple[int, int]]]]:
    found: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    for m in _ASSIGN.finditer(text):
        for group in ("d", "s", "b", "cd", "cs"):
            if m.group(group) is not None:
                found.setdefault(m.group(1), []).append((m.group(group), m.span(group)))
                break
    return found


def _expanded(text: str, values: dict[str, list[tuple[str, tuple[int, int]]]]) -> str:
    def put(m: re.Match[str]) -> str:
        shell = m.group(1) or m.group(2)
        name = shell or m.group(3) or m.group(4)
        known = values.get(name)
        if known is None:
            return m.group(0)
        value = known[-1][0]
        return value if shell else m.group(0)[: m.start(3 if m.group(3) else 4) - m.start(0)] + f'"{value}"'

    return _REF.sub(put, text) if values else text


def _printed(m: re.Match[str]) -> str:
    try:
        args = shlex.split(m.group(3))
    except ValueError:
        return m.group(0)
    return "printf " + "".join(args[: len(m.group(2)) // 2])


def view(text: str) -> str:
    """``text`` read as it would run: variables put where used, ``printf '%s%s' a b`` as ``ab``,
    concatenated literals joined (``text`` itself when nothing changes)."""
    if not may_be_assembled(text):
        return text
    out = _expanded(text, _values(text)) if "=" in text else text
    if "printf" in out:
        out = _PRINTF.sub(_printed, out)
    out = secret_text.joined(out) if secret_text.may_be_split(out) else out
    return text if out == text else out


def _tokens(text: str) -> list[str]:
    if not may_hold_token(text):
        return []
    return [m.group(0) for rx in CUT_SHORT.values() for m in rx.finditer(text)]


def pieces(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that are pieces of a token only :func:`view` shows: the values given
    to variables, the quoted literals and the arguments of a ``printf`` that the token holds,
    four characters or more."""
    whole = view(text)
    if whole is text:
        return []
    tokens = [t for t in _tokens(whole) if t not in text]
    if not tokens:
        return []
    spans = [span for known in _values(text).values() for _, span in known]
    spans += [m.span(m.lastindex or 0) for m in _LITERAL.finditer(text)]
    for m in _PRINTF.finditer(text):
        at = m.start(3)
        for arg in re.finditer(r"'([^'\n]*)'|\"([^\"\n]*)\"|([^\s'\"]+)", m.group(3)):
            index = 1 if arg.group(1) is not None else 2 if arg.group(2) is not None else 3
            spans.append((at + arg.start(index), at + arg.end(index)))
    held = [
        (start, end)
        for start, end in spans
        if end - start >= _PIECE_MIN and any(text[start:end] in token for token in tokens)
    ]
    return sorted(set(held))
