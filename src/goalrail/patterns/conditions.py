"""Pattern conditions: when a pattern applies, and the limits it enforces.

Every condition narrows where the pattern applies.  An action that does not
satisfy a pattern's conditions is not covered by it, and evaluation falls
through to the next pattern (or the default action):

* **windows** — ``time_range`` ``{start, end}`` (``HH:MM``, end exclusive, may
  wrap midnight) and ``days`` (``monday``… or ``mon``…), evaluated in
  ``timezone`` (default UTC) at the action's time.
* **limits** — ``max_size_bytes``, ``max_operations_per_minute`` (per session,
  counting the operations the pattern covered), ``allowed_methods``,
  ``max_affected_rows``.  A limit whose fact is unknown (no size, no method)
  counts as respected.
* **context** — ``when_label`` (a label name, a list of names, or
  ``{name: value_glob}``: the session carries one of them), ``arguments``
  (``{argument path: regex}``: a value at each path matches, searched), and
  ``grounded`` (``{argument path: false}``: some value at the path is *not*
  grounded in the user's requests or trusted tool output; ``true``: every value
  is).  Argument paths are ``to``, ``recipients[*]``, ``payee.iban``.
* **requirements** — any ``require_*`` flag (``require_mfa``,
  ``require_confirmation``…) is recorded on the result, not enforced.

So ``allow`` + ``max_operations_per_minute: 100`` allows 100 operations a
minute and leaves the rest to later patterns; ``warn`` + ``max_size_bytes``
flags writes up to the size, larger ones fall through.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from goalrail.patterns.regex import Matcher, compile_regex
from goalrail.policies.arguments import argument_values, is_argument_path, leaf_strings

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {**{d: i for i, d in enumerate(DAYS)}, **{d[:3]: i for i, d in enumerate(DAYS)}}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$|^24:00$")
WINDOW_KEYS = ("time_range", "days", "timezone")
LIMIT_KEYS = ("max_size_bytes", "max_operations_per_minute", "allowed_methods", "max_affected_rows")
CONTEXT_KEYS = ("when_label", "arguments", "grounded")
RATE_WINDOW_S = 60.0


def _texts(values: list[object]) -> list[str]:
    """The strings an ``arguments`` condition reads at a path: every string and number inside the
    values, and a boolean value itself as JSON writes it (``true``, ``false``: Claude Code's
    ``dangerouslyDisableSandbox: true``)."""
    out = leaf_strings(values)
    return out + ["true" if v else "false" for v in values if type(v) is bool]


class Grounding(Protocol):
    """Where a value was seen (``policies.provenance.Provenance``)."""

    def grounded(self, value: str) -> Sequence[str]:
        """The trusted sources ``value`` appears in; empty if none."""
        ...


@dataclass(slots=True)
class ActionFacts:
    """What is known about the action besides its type and target."""

    agent: str | None = None
    now: float = 0.0
    size: int | None = None
    method: str | None = None
    affected_rows: int | None = None
    arguments: object = None
    labels: Mapping[str, str] | None = None
    provenance: Grounding | None = None


#: ``rate(key, cutoff)``: how many operations recorded under ``key`` were after ``cutoff``
RateLookup = Callable[[str, float], int]


def count_after(stamps: Sequence[object], cutoff: float) -> int:
    """The recorded times (numbers; anything else never counts) after ``cutoff``."""
    return sum(1 for t in stamps if isinstance(t, (int, float)) and t > cutoff)


def no_rate(_key: str, _cutoff: float) -> int:
    """A lookup with nothing recorded."""
    return 0


def _minutes(text: str) -> int:
    if text == "24:00":
        return 24 * 60
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def validate_conditions(conds: Mapping[str, Any], engine: str | None = None) -> list[tuple[str, str]]:
    """Problems as ``(key, message)`` pairs; empty when the conditions are valid."""
    out: list[tuple[str, str]] = []
    if not isinstance(conds, Mapping):
        return [("conditions", "conditions must be a mapping")]
    for key, value in conds.items():
        if not isinstance(key, str):
            out.append((str(key), f"condition key `{key}` must be a string"))
        elif key == "time_range":
            if not isinstance(value, Mapping) or set(value) - {"start", "end"} or not {"start", "end"} <= set(value):
                out.append((key, "time_range needs exactly `start` and `end` (HH:MM)"))
            else:
                for part in ("start", "end"):
                    if not isinstance(value[part], str) or not _HHMM.match(value[part]):
                        out.append((key, f"time_range.{part} `{value[part]}` is not HH:MM"))
        elif key == "days":
            if not isinstance(value, list) or not value:
                out.append((key, "days must be a non-empty list of weekday names"))
            else:
                bad = [d for d in value if not isinstance(d, str) or d.strip().lower() not in _DAY_INDEX]
                if bad:
                    out.append((key, f"days: `{bad[0]}` is not a weekday name"))
        elif key == "timezone":
            try:
                _zone(str(value))
            except (ZoneInfoNotFoundError, ValueError):
                out.append((key, f"timezone `{value}` is unknown"))
        elif key in ("max_size_bytes", "max_affected_rows"):
            if not _is_int(value) or value < 0:
                out.append((key, f"{key} must be a non-negative integer"))
        elif key == "max_operations_per_minute":
            if not _is_int(value) or value < 1:
                out.append((key, "max_operations_per_minute must be a positive integer"))
        elif key == "allowed_methods":
            if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                out.append((key, "allowed_methods must be a list of HTTP method names"))
        elif key in CONTEXT_KEYS:
            out.extend(_validate_context(key, value, engine))
        elif key.startswith("require_"):
            continue
        else:
            known = ", ".join((*WINDOW_KEYS, *LIMIT_KEYS, *CONTEXT_KEYS, "require_*"))
            out.append((key, f"unknown condition `{key}` (known: {known})"))
    return out


def _validate_context(key: str, value: object, engine: str | None) -> list[tuple[str, str]]:
    if key == "when_label":
        ok = (
            isinstance(value, str)
            or (isinstance(value, list) and value and all(isinstance(v, str) for v in value))
            or (isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()))
        )
        return [] if ok else [(key, "when_label must be a label name, a list of names or {name: value_glob}")]
    if not isinstance(value, Mapping) or not value:
        return [(key, f"{key} must map argument paths (`to`, `recipients[*]`) to {_EXPECT[key]}")]
    out: list[tuple[str, str]] = []
    for path, want in value.items():
        if not isinstance(path, str) or not is_argument_path(path):
            out.append((key, f"{key}: `{path}` is not an argument path"))
        elif key == "grounded" and not isinstance(want, bool):
            out.append((key, f"grounded.{path} must be true or false"))
        elif key == "arguments":
            if not isinstance(want, str):
                out.append((key, f"arguments.{path} must be a regular expression"))
                continue
            try:
                compile_condition_regex(want, engine)
            except (re.error, ValueError) as exc:
                out.append((key, f"arguments.{path}: `{want[:60]}` is not a valid regular expression: {exc}"))
    return out


_EXPECT = {"arguments": "regular expressions", "grounded": "true or false"}


def compile_condition_regex(pattern: str, engine: str | None = None) -> Matcher:
    """A regex over argument values (searched, case-sensitive), by the pattern's engine
    (default: the one in force — RE2 for a session's policy, see ``patterns.regex``)."""
    return compile_regex(pattern, dotall=False, ignorecase=False, engine=engine)


class ContextConditions:
    """``when_label``, ``arguments`` and ``grounded`` of one pattern."""

    __slots__ = ("args", "grounded", "label_globs", "labels")

    def __init__(self, conds: Mapping[str, Any], engine: str | None = None) -> None:
        wl = conds.get("when_label")
        self.labels: frozenset[str] = frozenset([wl] if isinstance(wl, str) else wl if isinstance(wl, list) else ())
        self.label_globs = (
            {k: re.compile(fnmatch.translate(v)) for k, v in wl.items()} if isinstance(wl, Mapping) else {}
        )
        self.args = {p: compile_condition_regex(rx, engine) for p, rx in (conds.get("arguments") or {}).items()}
        self.grounded = dict(conds.get("grounded") or {})

    def holds(self, facts: ActionFacts) -> bool:
        labels = facts.labels or {}
        if self.labels and not any(name in labels for name in self.labels):
            return False
        if self.label_globs and not any(
            name in labels and rx.match(str(labels[name])) for name, rx in self.label_globs.items()
        ):
            return False
        for path, rx in self.args.items():
            if not any(rx.search(v) for v in _texts(argument_values(facts.arguments, path))):
                return False
        for path, want in self.grounded.items():
            values = [v for v in leaf_strings(argument_values(facts.arguments, path)) if v.strip()]
            grounded = [bool(facts.provenance is not None and facts.provenance.grounded(v)) for v in values]
            if want and not (grounded and all(grounded)):
                return False
            if not want and all(grounded):
                return False
        return True


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class CompiledConditions:
    """Conditions of one pattern, pre-parsed for evaluation."""

    __slots__ = (
        "context",
        "days",
        "has_limits",
        "max_affected",
        "max_rate",
        "max_size",
        "methods",
        "requirements",
        "tz",
        "window",
    )

    def __init__(self, conds: Mapping[str, Any], engine: str | None = None) -> None:
        tr = conds.get("time_range")
        self.window = (_minutes(tr["start"]), _minutes(tr["end"])) if tr else None
        days = conds.get("days")
        self.days = frozenset(_DAY_INDEX[d.strip().lower()] for d in days) if days else None
        self.tz = _zone(str(conds.get("timezone", "UTC")))
        self.max_size = conds.get("max_size_bytes")
        self.max_rate = conds.get("max_operations_per_minute")
        methods = conds.get("allowed_methods")
        self.methods = frozenset(m.upper() for m in methods) if methods is not None else None
        self.max_affected = conds.get("max_affected_rows")
        self.has_limits = any(k in conds for k in LIMIT_KEYS)
        self.requirements = {k: v for k, v in conds.items() if k.startswith("require_")}
        self.context = ContextConditions(conds, engine) if any(k in conds for k in CONTEXT_KEYS) else None

    def in_window(self, now: float) -> bool:
        if self.window is None and self.days is None:
            return True
        local = datetime.fromtimestamp(now, self.tz)
        if self.days is not None and local.weekday() not in self.days:
            return False
        if self.window is not None:
            start, end = self.window
            minute = local.hour * 60 + local.minute
            inside = start <= minute < end if start <= end else (minute >= start or minute < end)
            if not inside:
                return False
        return True

    def exceeded(self, facts: ActionFacts, key: str, rate: RateLookup) -> str | None:
        """The first limit the action exceeds, described; None if within all limits.
        ``rate`` counts the operations recorded under ``key`` in the last minute."""
        if self.max_size is not None and facts.size is not None and facts.size > self.max_size:
            return f"size exceeds max_size_bytes {self.max_size}"
        if self.methods is not None and facts.method is not None and facts.method.upper() not in self.methods:
            return f"method {facts.method.upper()} not in allowed_methods"
        if (
            self.max_affected is not None
            and facts.affected_rows is not None
            and facts.affected_rows > self.max_affected
        ):
            return f"affected rows exceed max_affected_rows {self.max_affected}"
        if self.max_rate and rate(key, facts.now - RATE_WINDOW_S) >= self.max_rate:
            return f"more than {self.max_rate} operations per minute"
        return None
