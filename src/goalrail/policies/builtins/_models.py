"""Model-name matching shared by the cost and routing builtins.

Patterns are case-insensitive globs (``*opus*``, ``gpt-5*``).  A pattern that
starts with ``!`` excludes: a model matches when it matches at least one
positive pattern and no exclusion, so ``["gpt-5*", "!*mini*"]`` covers
``gpt-5`` but not ``gpt-5-mini``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p.lower())})" for p in patterns))


def shown(name: object, limit: int = 80) -> str:
    """A name taken from an event (model, tool), cut to a length fit for a reason."""
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ModelMatcher:
    """A compiled include/exclude glob list over model ids."""

    __slots__ = ("_exclude", "_include", "patterns")

    def __init__(self, patterns: Sequence[str], *, param: str = "expensive_models") -> None:
        if isinstance(patterns, str) or not all(isinstance(p, str) and p.strip("! ") for p in patterns):
            raise ValueError(f"`{param}` must be a list of non-empty glob strings")
        self.patterns = tuple(patterns)
        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        if exclude and not include:
            raise ValueError(f"`{param}` has only exclusions (`!…`); add at least one model pattern")
        self._include = _compile(include)
        self._exclude = _compile(exclude)

    def __bool__(self) -> bool:
        return self._include is not None

    def matches(self, model: str) -> bool:
        m = model.strip().lower()
        if self._include is None or self._include.match(m) is None:
            return False
        return self._exclude is None or self._exclude.match(m) is None
