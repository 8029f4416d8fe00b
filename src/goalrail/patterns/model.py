"""The value types of the declarative model: severities, violation modes,
patterns, exceptions, violations, change events and evaluation results."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

from goalrail.patterns.conditions import validate_conditions
from goalrail.patterns.regex import Matcher, compile_regex, pick_engine

if TYPE_CHECKING:  # signals.py imports this module
    from goalrail.patterns.signals import AgentSignal

ACTIONS = ("allow", "deny", "warn")
#: How restrictive a pattern action is (higher is stricter).
RESTRICTIVENESS = {"allow": 0, "warn": 1, "deny": 2}
_ACTION_TYPE_RX = re.compile(r"^[a-z][a-z_]*\*?$|^\*$")


class Severity(IntEnum):
    """LOW < MEDIUM < HIGH < CRITICAL; compares with its lowercase name too."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def _missing_(cls, value: object) -> Severity | None:
        if isinstance(value, str) and value.strip().upper() in cls.__members__:
            return cls[value.strip().upper()]
        return None

    @classmethod
    def coerce(cls, value: Any) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"severity `{value}` is not one of low, medium, high, critical") from None

    def _other(self, other: object) -> int | None:
        if isinstance(other, (str, int)) and not isinstance(other, bool):
            try:
                return int(Severity.coerce(other))  # a name or a number
            except ValueError:
                return None
        return None

    def __eq__(self, other: object) -> bool:
        o = self._other(other)
        return o is not None and int(self) == o

    def __hash__(self) -> int:
        return int.__hash__(self)

    def __lt__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return int(self) < o

    def __le__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return int(self) <= o

    def __gt__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return int(self) > o

    def __ge__(self, other: object) -> bool:
        o = self._other(other)
        if o is None:
            return NotImplemented
        return int(self) >= o

    def __str__(self) -> str:
        return self.name.lower()


class ViolationMode(StrEnum):
    """What a violation (a matched ``deny``) does.

    ``BLOCK`` is Goalrail's addition: deny the action and keep the agent running
    (seed 004's four modes either terminate, pause or let the action through).
    """

    SIGKILL = "sigkill"
    SIGSTOP = "sigstop"
    SIGWARN = "sigwarn"
    LOG_ONLY = "log_only"
    BLOCK = "block"

    @classmethod
    def _missing_(cls, value: object) -> ViolationMode | None:
        if isinstance(value, str):
            v = value.strip().lower().replace("-", "_")
            for m in cls:
                if m.value == v:
                    return m
        return None

    @classmethod
    def coerce(cls, value: Any) -> ViolationMode:
        if isinstance(value, ViolationMode):
            return value
        sig = getattr(value, "violation_mode", None)  # an AgentSignal
        if isinstance(sig, ViolationMode):
            return sig
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ValueError(f"violation mode `{value}` is not one of {names}") from None

    def __str__(self) -> str:
        return self.value


#: How severe a violation mode is (for strict/permissive merges).
MODE_RANK = {
    ViolationMode.LOG_ONLY: 0,
    ViolationMode.SIGWARN: 1,
    ViolationMode.SIGSTOP: 2,
    ViolationMode.BLOCK: 3,
    ViolationMode.SIGKILL: 4,
}


def check_action(value: object, what: str = "action") -> str:
    if not isinstance(value, str) or value.strip().lower() not in ACTIONS:
        raise ValueError(f"{what} `{value}` is not one of allow, deny, warn")
    return value.strip().lower()


def compile_target_regex(pattern: str, action_type: str, engine: str | None = None) -> Matcher:
    """A target regex with the action type's flags, by ``engine`` (default: the one in force)."""
    flags = regex_flags(action_type)
    return compile_regex(pattern, dotall=bool(flags & re.DOTALL), ignorecase=bool(flags & re.IGNORECASE), engine=engine)


def regex_flags(action_type: str) -> int:
    """DOTALL everywhere (a newline must not hide a command); SQL ignores case."""
    flags = re.DOTALL
    if action_type.startswith("database_"):
        flags |= re.IGNORECASE
    return flags


def _auto_id(action_type: str, pattern: str, action: str) -> str:
    digest = hashlib.sha1(f"{action_type}\0{pattern}\0{action}".encode()).hexdigest()[:8]
    return f"{action_type.rstrip('*').rstrip('_') or 'any'}_{action}_{digest}"


@dataclass(eq=False)
class Pattern:
    """One rule: an action type, a regex on the target, and what to do on match.

    The regex is applied with ``re.match`` semantics (anchored at the start of
    the target, not at the end) and DOTALL; ``database_*`` patterns ignore case.
    """

    action_type: str
    pattern: str
    action: str = "deny"
    id: str | None = None
    severity: Severity | str = Severity.MEDIUM
    message: str | None = None
    description: str | None = None
    conditions: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    violation_mode: ViolationMode | str | None = None
    enabled: bool = True
    #: ``"re2"`` or ``"python"``; None: the engine in force when built (see patterns.regex).
    engine: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.action_type, str) or not _ACTION_TYPE_RX.match(self.action_type):
            raise ValueError(f"action_type `{self.action_type}` must be a lowercase action type (or a `prefix_*` glob)")
        if not isinstance(self.pattern, str):
            raise ValueError("pattern must be a string (a Python regular expression)")
        self.action = check_action(self.action)
        self.engine = pick_engine(self.engine, None if self.conditions else self.pattern)
        self._rx = compile_target_regex(self.pattern, self.action_type, self.engine)
        self.severity = Severity.coerce(self.severity)
        if self.violation_mode is not None:
            self.violation_mode = ViolationMode.coerce(self.violation_mode)
        if self.id is None:
            self.id = _auto_id(self.action_type, self.pattern, self.action)
        elif not isinstance(self.id, str) or not self.id:
            raise ValueError("pattern id must be a non-empty string")
        self.conditions = dict(self.conditions or {})
        self.metadata = dict(self.metadata or {})
        problems = validate_conditions(self.conditions, self.engine)
        if problems:
            raise ValueError(f"pattern `{self.id}`: {problems[0][1]}")

    @property
    def pid(self) -> str:
        assert self.id is not None
        return self.id

    @property
    def sev(self) -> Severity:
        assert isinstance(self.severity, Severity)
        return self.severity

    @property
    def mode(self) -> ViolationMode | None:
        return self.violation_mode if isinstance(self.violation_mode, ViolationMode) else None

    def matches(self, target: str) -> bool:
        return self._rx.match(target) is not None

    def copy(self, **changes: Any) -> Pattern:
        values: dict[str, Any] = {
            "action_type": self.action_type,
            "pattern": self.pattern,
            "action": self.action,
            "id": self.id,
            "severity": self.severity,
            "message": self.message,
            "description": self.description,
            "conditions": dict(self.conditions),
            "metadata": dict(self.metadata),
            "violation_mode": self.violation_mode,
            "enabled": self.enabled,
            "engine": self.engine,
        }
        values.update(changes)
        return Pattern(**values)

    def __repr__(self) -> str:
        return (
            f"Pattern(id={self.id!r}, action_type={self.action_type!r}, "
            f"action={self.action!r}, severity={self.severity!s})"
        )


def parse_expiry(value: object) -> datetime | None:
    """``2024-12-31`` means valid through the end of that day (UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 23, 59, 59, 999999, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                d = date.fromisoformat(text)
                return datetime(d.year, d.month, d.day, 23, 59, 59, 999999, tzinfo=UTC)
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ValueError(f"expires `{value}` is not a date (YYYY-MM-DD) or ISO datetime")


@dataclass(eq=False)
class PolicyException:
    """Lets agents whose id matches ``agent_pattern`` pass the listed patterns.

    An excepted pattern's match becomes an ALLOW naming the exception.  An empty
    ``patterns`` list covers every pattern.  After ``expires`` it stops applying.
    """

    agent_pattern: str
    patterns: list[str] = field(default_factory=list)
    reason: str = ""
    expires: object = None  # a date, datetime or ISO string (see parse_expiry)
    approved_by: str | None = None
    engine: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.agent_pattern, str) or not self.agent_pattern:
            raise ValueError("exception agent_pattern must be a non-empty regular expression")
        self.engine = pick_engine(self.engine)
        try:
            self._rx = compile_regex(self.agent_pattern, dotall=False, ignorecase=False, engine=self.engine)
        except ValueError as exc:
            raise ValueError(f"exception agent_pattern: {exc}") from None
        if not isinstance(self.patterns, list) or not all(isinstance(p, str) for p in self.patterns):
            raise ValueError("exception patterns must be a list of pattern ids")
        self._expires_at = parse_expiry(self.expires)
        self._expires_ts = self._expires_at.timestamp() if self._expires_at else None

    def applies(self, agent: str | None, pattern_id: str, now: float) -> bool:
        if agent is None or (self.patterns and pattern_id not in self.patterns):
            return False
        if self._expires_ts is not None and now > self._expires_ts:
            return False
        return self._rx.fullmatch(agent) is not None


@dataclass(slots=True)
class Violation:
    """What a custom ``violation_handler`` receives."""

    pattern_id: str | None
    action_type: str
    target: str
    severity: Severity
    policy: str
    message: str | None
    agent_id: str | None
    context: dict[str, object]


@dataclass(slots=True)
class PolicyChange:
    """A change notification (``on_change``)."""

    change_type: str
    pattern_id: str | None
    policy: str
    detail: str | None = None


@dataclass(slots=True)
class EvaluationResult:
    """The explained outcome of evaluating one action.

    ``action`` is what the policy said (allow / deny / warn); ``violation_mode``
    and ``signal`` are set for violations; ``allowed`` is the net effect (a
    violation in SIGWARN or LOG_ONLY mode still lets the action through).
    """

    allowed: bool
    action: str
    reason: str
    pattern_id: str | None = None
    severity: Severity | None = None
    violation_mode: ViolationMode | None = None
    signal: AgentSignal | None = None
    policy: str = ""
    message: str | None = None
    matched: bool = False
    exception: str | None = None
    requirements: dict[str, Any] = field(default_factory=dict)
    rate_keys: list[tuple[str, int]] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """The Goalrail verdict: ALLOW, DENY or ASK."""
        if self.violation_mode is ViolationMode.SIGSTOP:
            return "ASK"
        return "ALLOW" if self.allowed else "DENY"

    @property
    def violation(self) -> bool:
        return self.violation_mode is not None
