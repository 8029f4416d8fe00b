"""JSON that every part of Goalrail can store and send back: the text checks of a request body.

Python's ``json`` reads more than JSON: ``NaN``, ``Infinity`` and ``-Infinity``, a number too
large for a double (read as infinity), and ``\\ud800``, half of a surrogate pair, read as a
string UTF-8 cannot encode.  A session, trace, agent spec or policy holding one answers 500 on
every later read (the lone surrogate), or compares false with every limit a policy sets (NaN).
orjson refuses all of these; the bodies the stdlib reads instead (numbers of 16 digits or more,
which orjson would round, and every route FastAPI parses) pass here first.

* :func:`loads` reads a body as the events route does: orjson, else :func:`strict_loads`.
* :func:`strict_loads` parses like ``json.loads`` and raises :class:`InvalidJSON` naming the
  problem and where it is (the value's path, e.g. ``data.arguments.x``).
* :func:`check_body` is the guard's check of a body a route will parse itself (each line of
  a JSON Lines body): orjson screens it, :func:`strict_loads` names what orjson refused.
* :func:`unencodable` finds a string UTF-8 cannot encode in any parsed value (a YAML document's).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import orjson

from goalrail.errors import InvalidRequest


class InvalidJSON(InvalidRequest):
    """A body that is not JSON, or holds a value no UTF-8 JSON holds (400)."""

    code = "invalid_json"


#: a surrogate's escape (``\\ud800``-``\\udfff``): searched for only in a body holding ``\\u``
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: a number's digits (and point) long enough that orjson and the stdlib could read it differently:
#: 16 of ``[0-9.]`` in a row, found as sixteen 1s in the body translated to 1 (those) and 0 (the rest)
_NUMBER_BYTES = bytes(0x31 if b in b"0123456789." else 0x30 for b in range(256))
_LONG_RUN = b"1" * 16
_NON_FINITE = "a JSON number must be finite (NaN, Infinity and numbers beyond a double's range are not JSON)"
_SURROGATE = (
    "a string holds half of a surrogate pair (`\\ud800`-`\\udfff` alone), which UTF-8 cannot encode"
    " (write the character itself)"
)


def _loc(path: list[str | int]) -> str:
    return ".".join(map(str, path)) or "body"


def _problems(value: object, path: list[str | int]) -> Iterator[tuple[str, str]]:
    """(location, problem) of each non-finite number or string UTF-8 cannot encode in ``value``."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield _loc(path), _SURROGATE
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield _loc(path), _NON_FINITE
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and not key.isascii():
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    yield _loc([*path, repr(key)[1:-1]]), _SURROGATE + " (in a key)"
            path.append(key)
            yield from _problems(item, path)
            path.pop()
    elif isinstance(value, list):
        for index, item in enumerate(value):
            path.append(index)
            yield from _problems(item, path)
            path.pop()


def unencodable(value: object) -> tuple[str, str] | None:
    """The first (location, problem) of a value Goalrail cannot store or send back, or ``None``."""
    return next(_problems(value, []), None)


def invalid_json(detail: str | None = None, where: str = "") -> InvalidJSON:
    """The 400 for a body that is not JSON; ``detail`` says what and where (``... at line 1 column 6``)."""
    message = f"the request body is not valid JSON{where}" + (f": {detail}" if detail else "")
    return InvalidJSON(message, [{"loc": "body", "message": detail or "invalid JSON"}])


def strict_loads(body: bytes, where: str = "") -> object:
    """``json.loads(body)``, refusing what is not JSON (:class:`InvalidJSON`, 400) and values no
    UTF-8 JSON holds (lone surrogates, non-finite numbers) naming where they are.  Hooks note a
    non-finite number as it is read; the value is walked for its place only when one was, or
    when the body holds a surrogate's escape."""
    seen: list[bool] = []

    def constant(name: str) -> float:
        seen.append(True)
        return math.nan

    def number(text: str) -> float:
        out = float(text)
        if math.isinf(out):
            seen.append(True)
        return out

    try:
        value = json.loads(body, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        raise invalid_json(f"{exc.msg} at line {exc.lineno} column {exc.colno}", where) from None
    except ValueError:  # UnicodeDecodeError: not UTF-8 (nor UTF-16 or -32)
        raise invalid_json("not UTF-8 text", where) from None
    except RecursionError:
        raise invalid_json("nested too deeply", where) from None
    if seen or (body.find(b"\\u") >= 0 and _SURROGATE_ESCAPE.search(body) is not None):
        found = unencodable(value)
        if found is not None:
            loc, problem = found
            message = f"the request body is not valid JSON{where}: `{loc}`: {problem}"
            raise InvalidJSON(message, [{"loc": loc, "message": problem}])
    return value


def loads(body: bytes) -> object:
    """A request body, parsed once: orjson, unless it holds a number of 16 digits or more
    (orjson reads an integer beyond 64 bits as a float; with fewer digits every correct parser
    agrees) or orjson refuses it (``NaN``, lone surrogates, UTF-16 bodies, or not JSON): then
    :func:`strict_loads`, which reads what the stdlib reads and refuses what orjson refuses for
    its values, naming where they are."""
    # (``find``, not ``in``: ``bytes in bytes`` first tries its operand as an integer, raising
    # TypeError inside and swallowing it)
    if body.translate(_NUMBER_BYTES).find(_LONG_RUN) < 0:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return strict_loads(body)


def _value_problem(body: bytes, where: str = "") -> InvalidJSON | None:
    """The error for a value in ``body`` no UTF-8 JSON holds; ``None`` for a body orjson reads
    (it refuses every such value), or that is not JSON at all (its route answers that itself)."""
    try:
        orjson.loads(body)
        return None
    except orjson.JSONDecodeError:
        pass
    try:
        strict_loads(body, where)
    except InvalidJSON as exc:
        return exc if exc.errors and exc.errors[0]["loc"] != "body" else None
    return None


def check_body(body: bytes, lines: bool = False) -> None:
    """Raise :class:`InvalidJSON` if ``body`` (JSON, or JSON Lines when ``lines``) holds a value
    :func:`strict_loads` refuses.  orjson is the screen (it refuses each such value, and reads
    a body in about half the stdlib's time); only a body it refuses is read again."""
    if not lines:
        problem = _value_problem(body)
        if problem is not None:
            raise problem
        return
    for number, line in enumerate(body.splitlines(), 1):
        if line.strip():
            problem = _value_problem(line, f" (line {number})")
            if problem is not None:
                raise problem
