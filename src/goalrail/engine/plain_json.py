"""orjson's text of a *plain* value, where it is the stdlib encoder's text byte for byte.

An action's digest hashes ``json.dumps(value, sort_keys=True, separators=(",", ":"),
default=str)`` (``approvals.action_digest``) and an approval's preview is
``json.dumps(value, indent=2, sort_keys=True, default=str)`` (``indented.indented_json``).
Python's C encoder takes about five times orjson's instructions for the small values
events hold, so both ask here first.

A value is plain (:func:`is_plain`) when it is made only of exact ``dict`` (``str``
keys), ``list``, ``tuple``, ``str``, ``int``, ``bool``, ``None`` and finite ``float``
that is zero or at least ``1e-4`` in magnitude, at most :data:`MAX_DEPTH` containers
deep: no smaller float (orjson writes ``0.00001`` where ``repr`` writes ``1e-05``), no
NaN or infinity (orjson writes ``null``), no subclass, no value ``default=str`` would
convert, no circular value.  (Floats: orjson's text equals ``float.__repr__`` for every
one of 3.5 million checked from that range — random bit patterns over every exponent,
each power of ten's neighbours, rounded decimals; ``tests/unit/test_plain_json.py``
keeps a sample.)  For
those, orjson with ``OPT_SORT_KEYS`` reads the same tokens as the stdlib: keys sorted by
code point, tuples as lists, integers in decimal, the same escapes for quotes,
backslashes and ASCII control characters.  The two differ only where orjson writes a
character as it is and ``ensure_ascii`` escapes it (DEL and anything past ASCII),
which shows in orjson's text, and on what orjson refuses (an integer past 64 bits, a
lone surrogate).  Anything else is written by the stdlib, as before.
"""

from __future__ import annotations

import orjson

#: Containers deeper than this are left to the stdlib (which reports a circular value).
MAX_DEPTH = 32

_SCALARS = frozenset({str, int, bool, type(None)})
_SMALLEST, _INFINITY = 1e-4, float("inf")
_DEL = 0x7F  # a byte, not b"\x7f": ``in`` then searches at once (a bytes operand costs a raised error first)


def is_plain(value: object, depth: int = 0) -> bool:
    """Whether ``value`` holds only the exact types orjson and the stdlib write alike."""
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            kind = type(item)
            if kind in _SCALARS:
                continue
            if kind is float:  # inline: a float in a record (a duration) is common, a call is not free
                if not (_SMALLEST <= abs(item) < _INFINITY or item == 0.0):
                    return False
            elif not (depth < MAX_DEPTH and is_plain(item, depth + 1)):
                return False
        return True
    if type(value) is list or type(value) is tuple:
        if len(value) > 8 and _SCALARS.issuperset(map(type, value)):
            return True  # a long list of scalars: checked in C
        for item in value:
            if type(item) not in _SCALARS and not (depth < MAX_DEPTH and is_plain(item, depth + 1)):
                return False
        return True
    if type(value) is float:  # (repr's spelling: finite, and zero or not below 1e-4 in magnitude)
        return _SMALLEST <= abs(value) < _INFINITY or value == 0.0
    return type(value) in _SCALARS


def plain_text(value: object, option: int) -> bytes | None:
    """orjson's text of ``value`` (``OPT_SORT_KEYS`` in ``option``) when ``value`` is plain and the
    text is all ASCII without DEL: then the stdlib writes the same tokens.  None otherwise."""
    if not is_plain(value):
        return None
    try:
        text = orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:  # an integer past 64 bits, a lone surrogate
        return None
    return text if text.isascii() and _DEL not in text else None


def known_plain_text(value: object, option: int) -> bytes | None:
    """:func:`plain_text` of a value its caller found plain (``is_plain``, or a check at least as
    strict as it): orjson's text when it is all ASCII without DEL, else None."""
    try:
        text = orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:  # an integer past 64 bits, a lone surrogate
        return None
    return text if text.isascii() and _DEL not in text else None
