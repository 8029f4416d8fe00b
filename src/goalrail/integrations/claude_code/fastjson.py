"""JSON for the hook's hot path straight from the C accelerator ``_json``.

``import json`` pulls in ``re``, ``enum`` and friends — a large share of the
hook's start-up on a busy machine.  The C scanner and encoder that ``json``
itself uses need none of that.  Same output as ``json.dumps(obj,
separators=(",", ":"))`` (ASCII-escaped); falls back to ``json`` where
``_json`` is missing (non-CPython).
"""

from __future__ import annotations

TYPE_CHECKING = False  # no typing import on the hook's hot path
if TYPE_CHECKING:
    from goalrail.jsontypes import JsonValue

try:
    import _json

    _C = True
except ImportError:  # pragma: no cover - every CPython has it
    _C = False


class _Context:
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict[str, str] = {}  # noqa: RUF012 - read by the C scanner

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.replace("Infinity", "inf"))


def _default(obj: object) -> object:
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


if _C:
    # typeshed wants a make_scanner as the context; the C scanner only reads the attributes above
    _scan = _json.make_scanner(_Context())  # type: ignore[arg-type]
    _encode = _json.make_encoder({}, _default, _json.encode_basestring_ascii, None, ":", ",", False, False, True)


def loads(text: str) -> JsonValue:
    if not _C:  # pragma: no cover
        import json

        decoded: JsonValue = json.loads(text)
        return decoded
    value: JsonValue
    start = len(text) - len(text.lstrip())
    try:
        value, end = _scan(text, start)
    except StopIteration as exc:
        raise ValueError(f"invalid JSON at character {exc.value}") from None
    except SystemError:  # the C scanner reports some errors without json.decoder loaded
        raise ValueError("invalid JSON") from None
    if text[end:].strip():
        raise ValueError(f"extra data after JSON at character {end}")
    return value


def dumps(obj: object) -> str:
    if not _C:  # pragma: no cover
        import json

        return json.dumps(obj, separators=(",", ":"), default=_default)
    return "".join(_encode(obj, 0))
