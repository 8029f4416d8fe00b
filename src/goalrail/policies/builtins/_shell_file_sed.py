"""The files a sed script names in its own text (GNU and BSD sed), for ``_shell_file_code``.

``w FILE``/``W FILE`` and the ``w FILE`` flag of ``s`` write FILE, ``r FILE``/``R FILE`` read it; the
name runs to the end of its line (``;`` and spaces included), after an address (``1``, ``$``,
``/re/``, ``\\cREc``, ``1,5``, ``1~2``, ``addr!``) and inside ``{…}``; ``s`` takes any delimiter.
A script read no further (a command sed does not have, a regex not closed) is searched for every
``w``/``r`` that may be one.  The script is walked once (no pattern over it backtracks).
"""

from __future__ import annotations

__all__ = ["READ", "WRITE", "regex_end", "sed_files"]

READ, WRITE = "file_read", "file_write"
#: sed commands taking no argument, or a number (``l 40``, ``q 5``)
_SED_PLAIN = frozenset("=dDgGhHlLnNpPqQxzF")
_SED_FLAGS = "gpiImMe0123456789"
#: the characters a sed ``w``/``r`` may follow, in a script read no further
_SED_BEFORE = frozenset(";{}!/0123456789$ \t")
#: at most this many files of a script read no further
_MAX_GUESSES = 16


def regex_end(code: str, i: int, delim: str) -> int:
    """Where the regular expression after ``code[i]`` ends (its closing ``delim``; ``[…]`` holds
    it as a character, ``\\`` escapes one); -1 when no line holds its end."""
    i += 1
    while i < len(code) and code[i] != "\n":
        c = code[i]
        if c == "\\":
            i += 2
            continue
        if c == delim:
            return i
        if c == "[":
            i = _bracket_end(code, i)
            if i < 0:
                return -1
        i += 1
    return -1


def _bracket_end(code: str, i: int) -> int:
    """Where the bracket expression opening at ``code[i]`` ends (``[]x]``, ``[^/]``, ``[[:alpha:]/]``)."""
    i += 1
    i += code[i : i + 1] == "^"
    i += code[i : i + 1] == "]"
    while i < len(code) and code[i] != "\n":
        if code[i] == "[" and code[i + 1 : i + 2] in (":", ".", "="):  # (`[:alpha:]`: to its `:]`)
            close = code[i + 1] + "]"
            i += 2
            while i < len(code) and code[i] != "\n" and code[i : i + 2] != close:
                i += 1
            if code[i : i + 2] != close:
                return -1
            i += 2
            continue
        if code[i] == "]":
            return i
        i += 1
    return -1


def _line_end(code: str, i: int) -> int:
    """Where the line going on at ``code[i]`` ends."""
    end = code.find("\n", i)
    return len(code) if end < 0 else end


def _text_end(code: str, i: int) -> int:
    """Where the sed text after ``code[i]`` ends: the end of its line, past each line that ends in
    ``\\`` (``a\\``, ``i\\``, ``c\\`` and their text)."""
    while True:
        end = code.find("\n", i)
        if end < 0:
            return len(code)
        if end == 0 or code[end - 1] != "\\":
            return end
        i = end + 1


def _address(code: str, i: int) -> int:
    """Where the sed address at ``code[i]`` ends (``1``, ``$``, ``/re/I``, ``\\cREc``, ``1~2``,
    ``+3``); -1 when its regex is not closed."""
    n = len(code)
    if i < n and code[i] in "/\\":
        delim = code[i + 1 : i + 2] if code[i] == "\\" else "/"
        end = regex_end(code, i + (code[i] == "\\"), delim) if delim else -1
        if end < 0:
            return -1
        i = end + 1
        while i < n and code[i] in "IM":
            i += 1
        return i
    while i < n and (code[i].isdigit() or code[i] in "$~+"):
        i += 1
    return i


def _skip(code: str, i: int, chars: str) -> int:
    while i < len(code) and code[i] in chars:
        i += 1
    return i


def _substitution(code: str, i: int, out: list[tuple[str, str]]) -> int:
    """The ``s`` command whose delimiter is ``code[i]``: where it ends, a ``w FILE`` flag's file
    written to ``out``; -1 when it is not closed or has a flag sed does not have."""
    delim = code[i : i + 1]
    if delim in ("", "\n", "\\"):
        return -1
    end = regex_end(code, i, delim)
    if end < 0:
        return -1
    i = end + 1  # (the replacement: escapes only, a `\` line end goes on)
    while i < len(code) and code[i] != delim:
        if code[i] == "\n":
            return -1
        i += 2 if code[i] == "\\" else 1
    i = _skip(code, i + 1, _SED_FLAGS)
    if code[i : i + 1] == "w":
        end = _line_end(code, i + 1)
        out.append((WRITE, code[i + 1 : end].lstrip(" \t")))
        return end
    return i


def _sed_command(code: str, i: int, out: list[tuple[str, str]]) -> int:
    """One sed command at ``code[i]`` (its address first): where it ends; -1 when sed has no such command."""
    n = len(code)
    i = _address(code, i)
    if 0 <= i < n and code[i] == ",":
        i = _address(code, _skip(code, i + 1, " \t"))
    if i < 0:
        return -1
    i = _skip(code, _skip(code, i, " \t!"), " \t")
    c = code[i : i + 1]
    if c in ("{", "}", ""):
        return i + 1
    if c in "wWrR":
        end = _line_end(code, i + 1)
        out.append((WRITE if c in "wW" else READ, code[i + 1 : end].lstrip(" \t")))
        return end
    if c == "s":
        return _substitution(code, i + 1, out)
    if c == "y":
        end = regex_end(code, i + 1, code[i + 1 : i + 2]) if code[i + 1 : i + 2] not in ("", "\n", "\\") else -1
        end = regex_end(code, end, code[i + 1]) if end >= 0 else -1
        return end + 1 if end >= 0 else -1
    if c in "aic#e":  # (text, a comment, a command run: to the line's end)
        return _text_end(code, i + 1)
    if c in ":btTv":  # (a label: to a `;` or the line's end)
        while i < n and code[i] not in ";\n":
            i += 1
        return i
    if c in _SED_PLAIN:
        return _skip(code, i + 1, " \t0123456789")
    return -1


def _guessed(code: str) -> list[tuple[str, str]]:
    """Each ``w``/``r`` of ``code`` after a character a command or the ``w`` flag may follow,
    with the rest of its line (at most :data:`_MAX_GUESSES`)."""
    out: list[tuple[str, str]] = []
    start = 0
    for k, c in enumerate(code):
        if c == "\n":
            start = k + 1
        elif c in "wWrR" and (k == start or code[k - 1] in _SED_BEFORE) and len(out) < _MAX_GUESSES:
            out.append((WRITE if c in "wW" else READ, code[k + 1 : _line_end(code, k)].lstrip(" \t")))
    return out


def sed_files(code: str) -> list[tuple[str, str]]:
    """The files the sed script ``code`` reads and writes (see the module doc)."""
    out: list[tuple[str, str]] = []
    i = 0
    while (i := _skip(code, i, " \t\n;")) < len(code):
        i = _sed_command(code, i, out)
        if i < 0:
            return _guessed(code)
    return out
