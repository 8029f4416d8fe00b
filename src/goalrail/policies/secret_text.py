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
- :func:`unquoted`: percent-encoding decoded (``ghp%5Fabc…``, ``%67%68%70_…``).
- :func:`encoded_runs`: the runs of base64 (standard or URL-safe) that decode to text.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
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


#: Quotes between two characters of a word (shell concatenation: ``"ab""cd"``, ``'ab'cd``), a
#: backslash-newline inside a word (a line continuation); the quotes that open and close the word.
_SPLIT = re.compile(r"[\"'\\](?:(?<=[\w-][\"'])[\"']*|(?<=[\w-]\\)\r?\n)(?=[\w-])")  # a quote first: a C-speed skip


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


def unquoted(text: str) -> str:
    """``text`` percent-decoded (``text`` itself when it holds no ``%XX``)."""
    if "%" in text and _PERCENT.search(text):
        return unquote(text)
    return text


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


def encoded_runs(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """``((start, end), decoded)`` for each run of base64 in ``text`` that decodes to printable text."""
    if len(text) < 20:
        return
    runs = text.encode("ascii", "replace").translate(_RUN_BYTES)  # (one byte a character)
    at = runs.find(_TWENTY)
    while at >= 0:  # each run found by C-speed searches (a regex would try every position)
        start, end = runs.rfind(b" ", 0, at) + 1, runs.find(b" ", at)
        end = len(runs) if end < 0 else end
        at = runs.find(_TWENTY, end)
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
        if not _text(binascii.a2b_base64(body[:8] + "=" * (-len(body[:8]) % 4), strict_mode=True)):
            return None  # the first six bytes tell most runs that are no text (an image, random bytes)
        raw = binascii.a2b_base64(body + "=" * (-len(body) % 4), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    return raw.decode("ascii") if _text(raw) else None


def _text(raw: bytes) -> bool:
    """Printable ASCII, line breaks and tabs allowed (``echo token=… | base64`` ends in one)."""
    return raw.isascii() and raw.decode("ascii").translate(_BREAKS).isprintable()


_BREAKS = str.maketrans("\r\n\t", "   ")
