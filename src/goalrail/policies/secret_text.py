"""The text the secret and PII scanners read: a value disguised by its spelling read as what it spells.

Shared by the PII scan (``builtins/_pii.py``, which counts) and the redactor (``redact.py``,
which replaces); the stored event is never changed, only the text they read.

- :func:`fold`: NFKC (full-width ``ｇｈｐ_`` is ``ghp_``), format characters dropped (zero-width
  spaces and joiners, soft hyphens, bidi controls), combining marks dropped, every Unicode
  space a space, every dash ``-``, middle dots ``.``, every decimal digit its ASCII digit, and
  the Cyrillic and Greek letters that look like Latin ones read as those (``ghр_`` with a
  Cyrillic ``р``).  An ASCII text is returned as it is (one C-speed check).
- :func:`joined`: a word split by shell quoting (``"ghp_""abc…"``, ``'ghp_'abc…``,
  ``gh''p_abc…``) or by a line continuation (``ghp_abc\\`` + newline + ``def…``) read whole.
- :func:`joined` also joins literals put together by a concatenation operator (``"ghp_" + "abc…"``).
- :func:`unquoted`: percent-encoding decoded (``ghp%5Fabc…``, ``%67%68%70_…``), and escapes
  (``\\x67\\x68\\x70_…``, octal, ``\\u0067``).
- :func:`encoded_runs`: the runs of base64 (standard or URL-safe) that decode to text, or to a gzip
  or zlib stream that inflates to text; :func:`hex_runs`: the runs of hexadecimal that decode to text.
- :func:`rot13` and :func:`may_be_reversed`: the views of the same length a token may hide in.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
import zlib
from collections.abc import Iterator
from urllib.parse import unquote

_DOTS = frozenset("\u00b7\u2022\u2027\u2219\u30fb\u0387")
#: Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables for letters a token uses)
_LOOKALIKES = dict(
    zip(
        "аеорсхуіјѕһԁԛԝкптмвнАВЕКМНОРСТХУІЈЅԚԜαοκνρτυιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeopcxyijshdqwknTMBHABEKMHOPCTXYIJSQWaokvptuiABEZHIKMNOPTYX",
        strict=True,
    )
)


def _fold_char(ch: str) -> str:
    if ch.isascii():
        return ch
    latin = _LOOKALIKES.get(ch)
    if latin is not None:
        return latin
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me"):
        return ""
    if cat in ("Zs", "Zl", "Zp"):
        return " "
    if cat == "Pd" or ch == "\u2212":
        return "-"
    if cat == "Nd":
        return str(unicodedata.decimal(ch))
    if ch in _DOTS:
        return "."
    return ch


class _FoldTable(dict[int, str]):
    """``str.translate`` table filled on first use of each code point (bounded)."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 65_536:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """``text`` with its look-alike characters folded to ASCII (``text`` itself when ASCII)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


#: Quotes between two characters of a word (shell concatenation: ``"ab""cd"``, ``'ab'cd``), two
#: literals joined by a concatenation operator or put side by side (``"ab" + "cd"``, ``'ab' . 'cd'``,
#: ``"ab" .. "cd"``, ``'ab' || 'cd'``, ``"ab" & "cd"``, ``"ab"\n "cd"``, a list ``["ab", "cd"]``
#: joined), a backslash-newline inside a word (a line continuation).
_SPLIT = re.compile(
    r"[\"'\\](?:(?<=[\w+/=-][\"'])(?:[\"']*"
    r"|[ \t]*(?:\r?\n[ \t]*)?(?:(?:\+|\.\.?|\|\||&|,)[ \t]*(?:\r?\n[ \t]*)?)?[\"'])"
    r"|(?<=[\w-]\\)\r?\n)(?=[\w+/-])"
)  # a quote first: a C-speed skip


def may_be_split(text: str) -> bool:
    """Whether :func:`joined` can change ``text`` (substring checks first)."""
    return ('"' in text or "'" in text or "\\\n" in text or "\\\r\n" in text) and _SPLIT.search(text) is not None


def unsplit(text: str) -> str:
    """``text`` with every quote and line continuation taken out: a cheap over-reading of
    :func:`joined` (a needle it does not show, :func:`joined` does not show either)."""
    if '"' in text:
        text = text.replace('"', "")
    if "'" in text:
        text = text.replace("'", "")
    if "\\\n" in text:
        text = text.replace("\\\n", "")
    return text


def joined(text: str) -> str:
    """``text`` with the quotes and line continuations inside its words removed."""
    return _SPLIT.sub("", text)


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
#: a character written as an escape: ``\\x67``, ``\\147`` (octal), ``\\u0067``
_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|([0-3][0-7]{2})|u([0-9A-Fa-f]{4}))")


def _unescaped(m: re.Match[str]) -> str:
    hexa, octal, uni = m.groups()
    return chr(int(hexa, 16) if hexa else int(octal, 8) if octal else int(uni, 16))


def unquoted(text: str) -> str:
    """``text`` percent-decoded and its ``\\x``, octal and ``\\u`` escapes decoded (``printf``,
    ``echo -e``, ``$'…'``, a string literal): ``text`` itself when it holds neither."""
    if "%" in text and _PERCENT.search(text):
        text = unquote(text)
    if "\\" in text and _ESCAPE.search(text):
        text = _ESCAPE.sub(_unescaped, text)
    return text


#: ROT13 (``tr 'A-Za-z' 'N-ZA-Mn-za-m'``) as a table of bytes (``bytes.translate``: C speed)
_ROT13 = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", b"NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"
)


def rot13(text: str) -> str:
    """``text`` in ROT13, of the same length (a character that is not ASCII read as ``?``): a
    token so spelled is found at the same place."""
    return text.encode("ascii", "replace").translate(_ROT13).decode("ascii")


def may_be_mirrored(run: str) -> bool:
    """Whether a run may be a token in ROT13 or reversed: not all in small letters (a path, an
    identifier) nor all digits (every token mixes them)."""
    return not (run.islower() or run.isdigit())


def may_be_reversed(text: str) -> bool:
    """Whether ``text`` reverses something (``rev``, ``[::-1]``, ``reverse``, ``strrev``)."""
    return "rev" in text or "::-1" in text


#: A run of base64 long enough to hold a secret of 15 characters or more (20 base64 characters).
_RUN_MAX = 16_384


#: base64's characters read as ``x``, every other byte as a space: a run of twenty ``x`` is found
#: by a substring search at C speed (a regex would try every position of the text)
_RUN_BYTES = bytes(
    ord("x") if chr(b) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-" else ord(" ")
    for b in range(256)
)
_TWENTY = b"x" * 20


def may_hold_run(text: str) -> bool:
    """Whether ``text`` holds twenty base64 characters in a row (C-speed: no regex)."""
    return len(text) >= 20 and text.encode("ascii", "replace").translate(_RUN_BYTES).find(_TWENTY) >= 0


def runs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of twenty base64 characters or more in ``text``, found by
    C-speed searches (a regex would try every position): where an encoded secret stands (every
    token spelled in ROT13 or reversed is one such run but a JWT or a SendGrid key)."""
    return _spans(text, _RUN_BYTES, _TWENTY)


def _spans(text: str, table: bytes, least: bytes) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of ``text`` that ``table`` reads as ``x`` and holds ``least``
    (a run of ``x`` of the least length) or more, found by C-speed searches."""
    if len(text) < len(least):
        return
    found = text.encode("ascii", "replace").translate(table)
    at = found.find(least)
    while at >= 0:
        start, end = found.rfind(b" ", 0, at) + 1, found.find(b" ", at)
        end = len(found) if end < 0 else end
        yield start, end
        at = found.find(least, end)


def encoded_runs(text: str, spans: list[tuple[int, int]] | None = None) -> Iterator[tuple[tuple[int, int], str]]:
    """``((start, end), decoded)`` for each run of base64 in ``text`` that decodes to printable text
    (``spans``: the runs of :func:`runs`, when already listed)."""
    for start, end in runs(text) if spans is None else spans:
        run = text[start:end]
        if (start and text[start - 1] == ".") or run.islower() or run.isdigit():
            continue  # a part of a dotted name or of a JWT; an identifier, hex (a SHA, a UUID), a number
        while end < len(text) and text[end] == "=" and end - start < _RUN_MAX:
            end += 1  # (its padding)
        plain = _decoded(text[start:end])
        if plain is None and "/" in run:  # a path's last part (``/api/v1/<base64>``)
            start += run.rfind("/") + 1
            plain = _decoded(text[start:end]) if end - start >= 20 else None
        if plain is not None:
            yield (start, end), plain


def _decoded(run: str) -> str | None:
    body = run.rstrip("=")
    if len(body) % 4 == 1 or len(body) > _RUN_MAX:
        return None  # (no base64 is 4n+1 long)
    if "-" in body or "_" in body:
        body = body.replace("-", "+").replace("_", "/")
    try:
        head = binascii.a2b_base64(body[:8] + "=" * (-len(body[:8]) % 4), strict_mode=True)
        if not _text(head):  # the first six bytes tell most runs that are no text (an image, random bytes)
            return _inflated(body) if head[:2] == b"\x1f\x8b" or head[:2] in _ZLIB else None
        raw = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("ascii") if _text(raw) else None


#: zlib's two-byte headers (deflate, each compression level)
_ZLIB = frozenset((b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda"))
_INFLATED_MAX = 65_536


def _inflated(body: str) -> str | None:
    """The text a gzip or zlib stream in base64 inflates to (at most 64 KiB read), else None."""
    try:
        raw = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
        plain = zlib.decompressobj(wbits=47).decompress(raw, _INFLATED_MAX)  # (47: gzip or zlib)
    except (binascii.Error, ValueError, zlib.error):
        return None
    return plain.decode("ascii") if plain and _text(plain) else None


#: hexadecimal digits read as ``x``, every other byte as a space (as :data:`_RUN_BYTES`)
_HEX_BYTES = bytes(ord("x") if chr(b) in "0123456789abcdefABCDEF" else ord(" ") for b in range(256))
_FORTY = b"x" * 40


def hex_runs(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """``((start, end), decoded)`` for each run of 40 hexadecimal digits or more (``xxd -p``,
    ``bytes.hex()``) that decodes to printable text (a SHA or a digest decodes to random bytes)."""
    for start, end in _spans(text, _HEX_BYTES, _FORTY):
        run = text[start : start + (end - start) // 2 * 2]
        if len(run) > _RUN_MAX or not _text(bytes.fromhex(run[:12])):
            continue
        raw = bytes.fromhex(run)
        if _text(raw):
            yield (start, end), raw.decode("ascii")


def _text(raw: bytes) -> bool:
    """Printable ASCII, line breaks and tabs allowed (``echo token=… | base64`` ends in one)."""
    return raw.isascii() and raw.decode("ascii").translate(_BREAKS).isprintable()


_BREAKS = str.maketrans("\r\n\t", "   ")
