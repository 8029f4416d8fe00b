"""``json.dumps(value, indent=2, sort_keys=True, default=str)``, the same text, cheaper.

An approval's preview (``approvals.preview``) is encoded so: Python's C encoder
cannot indent, and the pure-Python one builds a generator per container and
tests every value's type through ``isinstance`` in turn.  :func:`indented_json`
writes the same characters (the same ASCII escapes, float spellings, key order
and conversions, the same errors for circular values and unsortable or unusable
keys) into one list, testing the exact types of the usual values first.
"""

from __future__ import annotations

from json.encoder import INFINITY, encode_basestring_ascii

_INDENT = "  "


def indented_json(value: object) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, default=str)``."""
    if isinstance(value, str):  # as JSONEncoder.encode: a string alone is escaped at once
        return encode_basestring_ascii(value)
    out: list[str] = []
    _value(value, out, "\n", {})
    return "".join(out)


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
