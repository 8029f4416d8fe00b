"""``json.dumps(value, indent=2, sort_keys=True, default=str)``, the same text, cheaper.

An approval's preview (``approvals.preview``) is encoded so: Python's C encoder
cannot indent, and the pure-Python one builds a generator per container and
tests every value's type through ``isinstance`` in turn.  :func:`indented_json`
writes the same characters (the same ASCII escapes, float spellings, key order
and conversions, the same errors for circular values and unsortable or unusable
keys) into one list, testing the exact types of the usual values first.

Most values are written by orjson instead (:func:`_by_orjson`): when orjson's compact
text of the value is the stdlib C encoder's (``sort_keys``, ``default=str``, ASCII
escapes), the two read the value as the same tokens -- the same escapes, float
spellings, key order and conversions -- and both lay tokens out alike when indenting
(``": "`` after a key, ``","`` then a new line between items, ``[]`` and ``{}`` when
empty), so orjson's indented text is ``json.dumps``'s.  Anything else -- non-ASCII text,
a float orjson spells otherwise (``1e-05``), NaN, an integer past 64 bits, a key that
is not a string, what ``default=str`` converts -- differs or is refused, and is written
here.  A plain value (``engine.plain_json``: no float, no subclass, nothing to convert)
needs no comparison: orjson's text of it is json's when it is all ASCII without DEL.
"""

from __future__ import annotations

from _json import make_encoder
from json.encoder import INFINITY, encode_basestring_ascii

import orjson

from goalrail.engine.plain_json import plain_text

_INDENT = "  "


def indented_json(value: object) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, default=str)``."""
    if isinstance(value, str):  # as JSONEncoder.encode: a string alone is escaped at once
        return encode_basestring_ascii(value)
    fast = _by_orjson(value)
    if fast is not None:
        return fast
    out: list[str] = []
    _value(value, out, "\n", {})
    return "".join(out)


_SORTED = orjson.OPT_SORT_KEYS
_INDENTED = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2


def _by_orjson(value: object) -> str | None:
    """orjson's indented text of ``value`` when it is ``json.dumps``'s (see the module), else None.

    A plain value (``engine.plain_json``) is not encoded by the stdlib to compare: its indented
    text holds the same string tokens as its compact one, and is taken when they are ASCII
    without DEL."""
    indented = plain_text(value, _INDENTED)
    if indented is not None:
        return indented.decode()
    try:
        compact = orjson.dumps(value, option=_SORTED)
        # json.dumps(value, sort_keys=True, separators=(",", ":"), default=str), by the C encoder
        # (made per call: its circular-reference markers could keep entries after an error).
        stdlib = "".join(make_encoder({}, str, encode_basestring_ascii, None, ":", ",", True, False, True)(value, 0))
    except (TypeError, ValueError, RecursionError):  # refused by either: written (or refused) below
        return None
    if compact != stdlib.encode():
        return None
    return orjson.dumps(value, option=_INDENTED).decode()


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == INFINITY:
        return "Infinity"
    if value == -INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: object) -> str | None:
    """The text of a JSON scalar other than a string, None for anything else."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _value(value: object, out: list[str], newline: str, markers: dict[int, object]) -> None:
    if isinstance(value, str):
        out.append(encode_basestring_ascii(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        _nested(value, markers)
        inner, first = newline + _INDENT, True
        out.append("{")
        for key, item in sorted(value.items()):
            out.append(inner if first else "," + inner)
            first = False
            out.append(encode_basestring_ascii(_key(key)))
            out.append(": ")
            _value(item, out, inner, markers)
        out.append(newline + "}")
        del markers[id(value)]
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        _nested(value, markers)
        inner, first = newline + _INDENT, True
        out.append("[")
        for item in value:
            out.append(inner if first else "," + inner)
            first = False
            _value(item, out, inner, markers)
        out.append(newline + "]")
        del markers[id(value)]
    else:
        text = _scalar(value)
        if text is not None:
            out.append(text)
            return
        _nested(value, markers)  # as ``default=str``: its text, encoded
        _value(str(value), out, newline, markers)
        del markers[id(value)]


def _nested(value: object, markers: dict[int, object]) -> None:
    if id(value) in markers:
        raise ValueError("Circular reference detected")
    markers[id(value)] = value
