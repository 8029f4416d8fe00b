"""Which engine compiles a pattern's regex: Python ``re`` or RE2 (linear time).

Seed 004 writes patterns as Python regular expressions, and the shipped
templates use lookaheads (``DELETE`` without ``WHERE``).  A backtracking engine
is fine for regexes the operator wrote, but a regex from a session (a user's
``inline`` policy) must not be able to pin a CPU: ``(a+)+$`` on 27 characters
took seconds.  So a policy built inside :func:`linear_regexes` compiles every
pattern with RE2, which matches in time linear in the text and refuses what it
cannot do in linear time (lookarounds, backreferences) with an error naming the
pattern.  The engine is decided when a pattern is built and kept by copies and
merges, so a session pattern never reaches ``re`` later.

RE2 is made to read patterns the way ``re`` does where the two differ in syntax:
``\\Z`` means end of text and ``$`` also matches before a final newline.  What
remains different: ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only in RE2.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import re2

LINEAR = "re2"
BACKTRACKING = "python"
#: in force while the shipped templates are built: each pattern RE2 can run gets RE2, the
#: others (lookarounds) Python ``re`` — see :func:`pick_engine`
SHIPPED = "shipped"
_ENGINE: ContextVar[str] = ContextVar("goalrail_regex_engine", default=BACKTRACKING)


class Match(Protocol):
    """What is read from a match (``re.Match`` and RE2's alike)."""

    def groupdict(self) -> Mapping[str, object]: ...

    @property
    def lastgroup(self) -> str | None: ...


class Matcher(Protocol):
    """What the pattern index needs from a compiled regex (``re`` and RE2 alike)."""

    def match(self, text: str) -> Match | None: ...

    def search(self, text: str) -> Match | None: ...

    def fullmatch(self, text: str) -> Match | None: ...


@contextmanager
def regex_engine(engine: str) -> Iterator[None]:
    """Patterns built inside compile with ``engine`` (:data:`LINEAR` or :data:`BACKTRACKING`)."""
    token = _ENGINE.set(engine)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def linear_regexes() -> AbstractContextManager[None]:
    """Patterns built inside compile with RE2 (for anything a session supplied)."""
    return regex_engine(LINEAR)


def current_engine() -> str:
    return _ENGINE.get()


def pick_engine(explicit: str | None, pattern: str | None = None) -> str:
    """The engine for a new pattern: RE2 inside :func:`linear_regexes` whatever was asked.

    While the shipped templates are built (:data:`SHIPPED`), a ``pattern`` RE2 can run gets
    RE2: an agent writes the text they are matched against, and a backtracking engine on a
    rule such as "a container run with ``--privileged`` anywhere on the line" costs time
    quadratic in the line (20 KB of ``docker `` took seconds, holding every session).  RE2's
    ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only, which the shell's own splitting
    (ASCII blanks) and the case folding of command names make moot for the templates' rules.
    The rest (lookarounds) stay with Python ``re``.
    """
    engine = _ENGINE.get()
    if engine == SHIPPED and explicit is None:
        return LINEAR if pattern is not None and runs_linear(pattern) else BACKTRACKING
    if engine == LINEAR or explicit is None:
        return engine
    if explicit not in (LINEAR, BACKTRACKING):
        raise ValueError(f"regex engine `{explicit}` is not one of {LINEAR}, {BACKTRACKING}")
    return explicit


@functools.lru_cache(maxsize=4096)
def runs_linear(pattern: str) -> bool:
    """Whether RE2 compiles ``pattern`` (no lookaround, no backreference) and ``re`` does too."""
    try:
        re.compile(pattern)
        re2.compile(to_re2_syntax(pattern), _options(False, False))
    except (re.error, re2.error):
        return False
    return True


def _options(dotall: bool, ignorecase: bool) -> Any:
    opts = re2.Options()
    opts.log_errors = False
    opts.dot_nl = dotall
    opts.case_sensitive = not ignorecase
    opts.max_mem = 4 << 20
    return opts


_MULTILINE = re.compile(r"\(\?[a-zA-Z]*m[a-zA-Z]*[:)]")


@functools.lru_cache(maxsize=4096)
def to_re2_syntax(pattern: str) -> str:
    """``re`` spellings RE2 reads otherwise: ``\\Z`` → ``\\z``, a bare ``$`` → ``\\n?\\z``."""
    dollar = "$" if _MULTILINE.search(pattern) else "(?:\\n?\\z)"
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            out.append("\\z" if nxt == "Z" and not in_class else ch + nxt)
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is a literal
                out.append("]")
                i += 1
            continue
        elif ch == "$":
            out.append(dollar)
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


#: An inline flag group, ``(?a)`` or ``(?ai:…)``: RE2 reads only i, m, s and U.
_FLAG_GROUP = re.compile(r"\(\?([a-zA-Z]+)(?:-[a-zA-Z]*)?[:)]")
_RE2_FLAGS = frozenset("imsU")


def _re2_hint(pattern: str) -> str:
    """Why ``re`` compiles what RE2 refuses, as the end of the refusal's message."""
    try:
        re.compile(pattern)
    except re.error:
        return ""
    for m in _FLAG_GROUP.finditer(pattern):
        other = [c for c in m.group(1) if c not in _RE2_FLAGS]
        if other:
            return f"; the inline flag `{other[0]}` (in `{m.group()}`) is not available: RE2 reads i, m, s and U"
    return "; lookarounds and backreferences are not available to session policies"


class RegexRefused(ValueError):
    """A pattern the linear-time engine cannot compile."""


def _why(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return text.split(":")[0] if len(text) > 80 else text


def compile_regex(pattern: str, *, dotall: bool, ignorecase: bool, engine: str | None = None) -> Matcher:
    """``pattern`` compiled by ``engine`` (default: the one in force); ValueError if invalid."""
    engine = engine or _ENGINE.get()
    if engine == SHIPPED:
        engine = LINEAR if runs_linear(pattern) else BACKTRACKING
    return _compiled(pattern, dotall, ignorecase, engine)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str, dotall: bool, ignorecase: bool, engine: str) -> Matcher:
    """One compiled matcher per text, flags and engine, shared by every policy that holds it (a
    template's rules are built again with each policy made of it; the matchers are read-only)."""
    if engine == LINEAR:
        try:
            compiled: Matcher = re2.compile(to_re2_syntax(pattern), _options(dotall, ignorecase))
            return compiled
        except re2.error as exc:
            raise RegexRefused(
                f"pattern `{pattern[:60]}` cannot be compiled by the linear-time regex engine (RE2): "
                f"{_why(exc)}{_re2_hint(pattern)}"
            ) from None
    flags = (re.DOTALL if dotall else 0) | (re.IGNORECASE if ignorecase else 0)
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"pattern `{pattern[:60]}` is not a valid regular expression: {exc}") from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encodable(value: object) -> object:
    """``value`` with each half of a surrogate pair in its strings read as U+FFFD.

    RE2 reads UTF-8, which cannot hold a lone surrogate (``"\\ud800"``; Python spells a file
    name's undecodable byte as one, ``"\\udcff"``), so a search of such a text raises.  An event
    from HTTP never holds one (``jsontext`` refuses it); an event handed to the runtime in
    process may.  The text is then judged as a UTF-8 reader would show it.  Containers are
    copied (mappings as dicts, sequences as lists); anything else is returned as it is.
    """
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {encodable(k): encodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable(v) for v in value]
    return value
