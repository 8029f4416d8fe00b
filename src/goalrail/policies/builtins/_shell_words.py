"""Static evaluation of shell words, and a check that tree-sitter covered the whole source.

``word_of(node, src)`` gives a word's text as bash would see it after quote and
escape removal, and whether it is only known at run time (expansions,
substitutions, globs, brace expansion, ANSI-C strings with unusual escapes).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Container, Iterable, Iterator

import tree_sitter

from goalrail.policies.builtins._shell_types import Word

#: bytes >= 0x80 replaced by "a": tree-sitter-bash can crash on some non-ASCII input,
#: and bash treats every such byte as a word character anyway
ASCII_ONLY = bytes(range(128)) + b"a" * 128

_GLOB = frozenset("*?[")
_BRACE = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")
_DQ_ESC = re.compile(r"\\([$`\"\\\n])")
_ANSI_SIMPLE = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_ESC = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.S)


def _unescape_word(raw: str) -> tuple[str, bool]:
    """An unquoted word: drop backslashes, note globs and brace expansion."""
    if "\\" not in raw:
        dyn = bool(_GLOB.intersection(raw)) or ("{" in raw and bool(_BRACE.search(raw)))
        return raw, dyn
    out: list[str] = []
    dyn = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        if ch in _GLOB:
            dyn = True
        out.append(ch)
        i += 1
    if "{" in raw and _BRACE.search(raw):
        dyn = True
    return "".join(out), dyn


def _decode_ansi(raw: str) -> str | None:
    """``$'..'`` content when it only uses simple escapes; None otherwise."""
    body = raw[2:-1]

    def sub(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "x":
            return chr(int(esc[1:], 16))
        if esc[0] in "01234567":
            return chr(int(esc, 8) & 0xFF)
        if esc in _ANSI_SIMPLE:
            return _ANSI_SIMPLE[esc]
        raise ValueError(esc)

    try:
        return _ANSI_ESC.sub(sub, body)
    except ValueError:
        return None


def word_of(node: tree_sitter.Node, src: bytes) -> Word:
    t = node.type
    raw = src[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if t == "word":
        return _unescape_word(raw)
    if t == "number":
        return raw, False
    if t == "raw_string":
        return raw[1:-1], False
    if t == "translated_string" and node.named_child_count == 1 and node.named_children[0].type == "string":
        return word_of(node.named_children[0], src)  # $"…": translated only when a message catalog is set
    if t in ("string", "translated_string"):
        inner = raw[raw.index('"') + 1 : -1] if '"' in raw else raw
        dyn = any(c.type not in ('"', "string_content", "$") for c in node.children)
        return _DQ_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), inner), dyn
    if t == "ansi_c_string":
        decoded = _decode_ansi(raw)
        return (raw, True) if decoded is None else (decoded, False)
    if t == "concatenation":
        parts = [word_of(c, src) for c in node.children]
        text = "".join(p[0] for p in parts)
        dyn = any(p[1] for p in parts)
        if not dyn and any(c.type == "word" and src[c.start_byte : c.end_byte] in (b"{", b"}") for c in node.children):
            dyn = bool(_BRACE.search(text))  # brace expansion: {a,b} / {1..3}
        return text, dyn
    return raw, True


def has_ansi_escape(node: tree_sitter.Node, src: bytes) -> bool:
    """Whether ``node`` holds an ANSI-C string (``$'…'``) with a backslash in it.  Reads ``src``,
    never ``node.text`` (a copy made from the whole source: a word at a time, quadratic)."""
    if src.find(b"$'", node.start_byte, node.end_byte) < 0:
        return False
    if node.type == "ansi_c_string":
        return src.find(b"\\", node.start_byte, node.end_byte) >= 0
    return any(has_ansi_escape(c, src) for c in node.children)


def fd_number(node: tree_sitter.Node, src: bytes) -> bool:
    """A number glued to a redirect after it (``bash 0<<< …``): bash's descriptor, not a word."""
    return src[node.start_byte : node.end_byte].isdigit() and src[node.end_byte : node.end_byte + 1] in (b"<", b">")


_WORDISH = frozenset({"word", "number", "raw_string", '"', "ansi_c_string", "variable_name", "$"})
_GAP_OK = re.compile(rb"^(?:\s|\\\n|-)*$")
#: a newline inside an unquoted word that no backslash escapes: tree-sitter read the first line of
#: a heredoc body that starts with ``\`` (``sh <<'E'⏎\cd /etc⏎E``) as words of the heredoc's line
_RAW_NEWLINE = re.compile(rb"(?<!\\)\n")


def skipped_text(root: tree_sitter.Node, source: bytes) -> bool:
    """True when some source text is covered by no leaf, or a word was split.

    tree-sitter-bash occasionally drops a token (a lone ``-`` before a heredoc;
    tolerated, it only means stdin), splits a word at a line continuation
    (``c\\<newline>d`` is ``cd`` to bash but two words in the tree) and reads a
    heredoc body line that starts with a backslash as words of the heredoc's line.
    """
    cursor = root.walk()
    newlines = b"\n" in source
    last = 0
    prev = ""
    while True:
        node = cursor.node
        if node is not None and node.child_count == 0:
            start = node.start_byte
            if start > last:
                gap = source[last:start]
                if not _GAP_OK.match(gap) or (gap == b"\\\n" and prev in _WORDISH and node.type in _WORDISH):
                    return True
            if newlines and node.type == "word" and _RAW_NEWLINE.search(source, start, node.end_byte):
                return True
            last = max(last, node.end_byte)
            prev = node.type
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while True:
            if not cursor.goto_parent():
                return last < len(source) and not _GAP_OK.match(source[last:])
            if cursor.goto_next_sibling():
                break


_PLAIN_WORD = re.compile(r"^[-\w./=+:,@%]+$")


def dropped_words(src: bytes, start: int, end: int) -> list[Word]:
    """The words between a command's end and its heredoc that tree-sitter leaves out of both (a
    lone ``-``: ``make -f - <<EOF``); to bash they are the command's next arguments (one that is
    not a plain word is read as known only at run time)."""
    gap = src[start:end].decode("utf-8", "replace").replace("\\\n", " ")  # line continuations are blanks
    return [(w, not _PLAIN_WORD.match(w)) for w in gap.split()]


_ECHO_OPTIONS = re.compile(r"^-[neE]+$")
_ECHO_ESC = re.compile(r"\\(0[0-7]{0,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[abcefEnrtv\\])")


def shown_text(words: list[Word]) -> str | None:
    """The text an ``echo``/``printf`` with static words writes, if that simple."""
    name = words[0][0].rsplit("/", 1)[-1] if words else ""  # `/usr/bin/echo` too
    if name not in ("echo", "printf") or any(d for _, d in words):
        return None
    args = [w for w, _ in words[1:]]
    if name == "echo":
        return echo_output(args)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args or args[0].startswith("-"):
        return None
    fmt, rest = args[0], args[1:]
    specs = _PRINTF_SPEC.findall(fmt.replace("%%", ""))
    if len(specs) != fmt.replace("%%", "").count("%"):
        return None  # a conversion other than a plain `%s`/`%b`
    if not specs:
        return printf_format(fmt)
    out: list[str] = []
    while True:  # the format is reused while arguments remain (`printf '%s\n' a b`)
        for i, piece in enumerate(_PRINTF_PIECES.split(fmt)):
            if i % 2 == 0 or piece == "%%":
                out.append(printf_format(piece))
                continue
            value = rest.pop(0) if rest else ""
            out.append(echo_output(["-e", value]) if piece == "%b" else value)
        if not rest or len(out) > 64:
            return "".join(out)


#: the conversions read: a plain ``%s`` (the argument as it is) and ``%b`` (its escapes decoded)
_PRINTF_SPEC = re.compile(r"%[sb]")
_PRINTF_PIECES = re.compile(r"(%%|%[sb])")


#: the escapes of printf's format (bash 5.2): octal of one to three digits (``\101`` is ``A``),
#: ``\xHH``, ``\u``/``\U``, the letters, ``\"``, ``\'``, ``\?``; any other backslash stays as written
_PRINTF_ESC = re.compile(
    r"""\\([0-7]{1,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[abefnrtvE"'?\\])|%%"""
)


def printf_format(fmt: str) -> str:
    """The text bash's ``printf FMT`` writes for a format holding no conversion but ``%%``."""
    out: list[str] = []
    last = 0
    for m in _PRINTF_ESC.finditer(fmt):
        out.append(fmt[last : m.start()])
        last = m.end()
        esc = m.group(1)
        if esc is None:
            out.append("%")
        elif esc[0] in "01234567":
            out.append(chr(int(esc, 8) & 0xFF))
        elif esc[0] in "xuU":
            point = min(int(esc[1:], 16), 0x10FFFF)
            out.append("?" if 0xD800 <= point <= 0xDFFF else chr(point))
        else:
            out.append(_ANSI_SIMPLE.get(esc, esc))
    out.append(fmt[last:])
    return "".join(out)


def echo_output(args: list[str]) -> str:
    """The text bash's ``echo ARGS`` writes: ``-e`` (also in a bundle: ``-ne``) decodes backslash
    escapes (``\\x2f`` is ``/``, ``\\c`` ends the output), ``-E`` turns that off again."""
    escapes = False
    while args and _ECHO_OPTIONS.match(args[0]):
        for letter in args[0][1:]:
            escapes = True if letter == "e" else False if letter == "E" else escapes
        args = args[1:]
    text = " ".join(args)
    if not escapes or "\\" not in text:
        return text
    out: list[str] = []
    for i, part in enumerate(_ECHO_ESC.split(text)):
        if i % 2 == 0:
            out.append(part)
            continue
        if part == "c":  # `\\c`: nothing more is written
            break
        if part[0] in "0xuU":
            point = min(int(part[1:] or "0", 8 if part[0] == "0" else 16), 0x10FFFF)
            out.append("?" if 0xD800 <= point <= 0xDFFF else chr(point))
        else:
            out.append(_ANSI_SIMPLE.get(part, part))
    return "".join(out)


_BACKQUOTED = re.compile(r"`((?:[^`\\]|\\.)*)`", re.S)
_BACKQUOTE_ESC = re.compile(r"\\([`$\\])")


def backquoted(text: str) -> list[str]:
    """The commands of the `` `…` `` substitutions in an unquoted here-document's body, which
    tree-sitter leaves as plain text (``cat <<E⏎`cd /etc`⏎E`` runs the ``cd``)."""
    if "`" not in text:
        return []
    return [_BACKQUOTE_ESC.sub(r"\1", m.group(1)) for m in _BACKQUOTED.finditer(text)]


#: a quoted word directly under one of these is read by bash as arithmetic (``(( 'a[$(x)]' ))``)
_ARITH_PARENTS = frozenset(
    {"compound_statement", "arithmetic_expansion", "subscript", "c_style_for_statement"}
    | {"binary_expression", "unary_expression", "ternary_expression", "parenthesized_expression"}
    | {"postfix_expression"}
)
_ARITH_ROOTS = frozenset({"compound_statement", "arithmetic_expansion", "subscript", "c_style_for_statement"})
#: the ``[[ ]]`` operators whose operands are arithmetic (``-v`` evaluates a subscript)
_ARITH_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-v"})
#: an array subscript holding a command substitution: evaluating it runs the command
QUOTED_SUBSCRIPT = re.compile(rb"\[[^\]]*(?:\$\(|`)")


def quoted_arithmetic(node: tree_sitter.Node, src: bytes) -> str | None:
    """The text of a quoted word bash evaluates as arithmetic — ``(( 'a[$(cmd)]' ))``, ``$(( … ))``,
    ``${x['a[$(cmd)]']}``, ``[[ -v 'a[$(cmd)]' ]]``, ``[[ 'a[$(cmd)]' -eq 1 ]]`` — where quoting
    keeps the substitution from the parser but evaluating the subscript runs it; else None."""
    parent = node.parent
    if parent is not None and parent.type == "concatenation":  # `(( a'[$(cmd)]' ))`
        node, parent = parent, parent.parent
    if parent is None or parent.type not in _ARITH_PARENTS:
        return None
    if parent.type in ("binary_expression", "unary_expression") and _in_test(parent):
        op = next((c for c in parent.children if c.type == "test_operator"), None)
        if op is None or src[op.start_byte : op.end_byte].decode() not in _ARITH_TESTS:
            return None  # `[[ $x == 'a[$(x)]' ]]` compares strings
    text, dynamic = word_of(node, src)
    return None if dynamic else text  # (a dynamic word's substitutions are walked as they stand)


def _in_test(node: tree_sitter.Node) -> bool:
    """``node`` is an operand of ``[[ ]]``/``[ ]`` rather than of arithmetic."""
    parent = node.parent
    while parent is not None:
        if parent.type == "test_command":
            return True
        if parent.type in _ARITH_ROOTS:
            return False
        parent = parent.parent
    return False


_BASE64_DECODE = frozenset({"-d", "--decode", "-D", "-di", "-id", "--ignore-garbage"})


def decoded_text(words: list[Word], text: str) -> str | None:
    """What ``base64 -d`` (``--decode``, macOS ``-D``) or ``xxd -r -p`` writes for ``text`` on its
    stdin; None for another program, an operand file, or text that does not decode to UTF-8."""
    if not words or any(d for _, d in words):
        return None
    name, args = words[0][0].rsplit("/", 1)[-1], [w for w, _ in words[1:]]
    try:
        if name in ("base64", "gbase64") and {"-d", "--decode", "-D"} & _letters(args) and set(args) <= _BASE64_DECODE:
            data = base64.b64decode("".join(text.split()) + "==", validate=False)
        elif name == "xxd" and {"-r", "-p"} <= _letters(args) and all(a.startswith("-") for a in args):
            data = binascii.unhexlify("".join(text.split()))
        else:
            return None
        return data.decode("utf-8")
    except (ValueError, binascii.Error):
        return None


def _letters(args: list[str]) -> set[str]:
    """Short options one by one (``-rp`` is ``-r -p``), long ones whole."""
    out: set[str] = set()
    for a in args:
        if a.startswith("--"):
            out.add(a)
        elif a.startswith("-"):
            out.update("-" + ch for ch in a[1:])
    return out


def indexed_operands(words: Iterable[str], valued: Container[str]) -> Iterator[tuple[int, str]]:
    """(index, word) of each operand among ``words`` (a command's words after its name), in order.

    The one reading every "skip the options, take the operands" loop shares:

    * a word starting with ``-`` is an option (``-`` and ``--`` too: ``--`` does not end the
      options here, the words after it are read the same way);
    * an option in ``valued``, written as a word of its own, takes the next word as its value,
      whatever that word is (``-f -x``: ``-x`` is ``-f``'s value): neither option nor operand;
    * a glued form (``-fVALUE``, ``--file=VALUE``) is one option word, valued only when
      ``valued`` lists that very spelling: no next word is consumed for it;
    * every other word is an operand.

    Lazy: a caller that needs the first few reads no further (:func:`operands`)."""
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in valued
        else:
            yield i, word


def literal_texts(words: Iterable[Word]) -> Iterator[str]:
    """The texts of ``words`` up to the first known only at run time (lazy)."""
    for text, dyn in words:
        if dyn:
            return
        yield text


def operands(words: Iterable[str], valued: Container[str], limit: int | None = None) -> list[str]:
    """The operands of ``words`` as :func:`indexed_operands` reads them, the first ``limit`` of
    them when one is given (the words past the last one wanted are not read)."""
    return [word for _, word in itertools.islice(indexed_operands(words, valued), limit)]
