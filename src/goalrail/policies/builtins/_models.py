"""Model-name matching shared by the cost and routing builtins.

Patterns are case-insensitive globs (``*opus*``, ``gpt-5*``).  A pattern that
starts with ``!`` excludes: a model matches when it matches at least one
positive pattern and no exclusion, so ``["gpt-5*", "!*mini*"]`` covers
``gpt-5`` but not ``gpt-5-mini``.

A gateway spells the same model several ways: ``openai/gpt-5`` (litellm, OpenRouter),
``openrouter/openai/gpt-5:online``, ``azure/gpt-5``, Bedrock's ``us.openai.gpt-5-v1:0``.
Each id is matched in all its forms (:func:`model_forms`: the whole id, the part after the
last ``/``, without a ``:tag`` or ``@version``, without a Bedrock region and vendor); it
matches when one form matches a positive pattern and no exclusion.  A form can only add a
match, so ``openai/*`` still selects every model behind that prefix.
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


_REGION = re.compile(r"^(?:us|eu|apac|ap|global|jp|au|ca|us-gov)\.")
_VENDOR = re.compile(r"^[a-z][a-z0-9-]*\.(?=[a-z])")
_TAG = re.compile(r"[:@]")
_VERSION = re.compile(r"-v\d+$")


def model_forms(model: str) -> tuple[str, ...]:
    """The spellings of one model id a pattern is matched against (lower case, trimmed)."""
    whole = model.strip().lower()
    last = whole.rsplit("/", 1)[-1]
    if last is whole and ":" not in whole and "@" not in whole and "." not in whole:
        return (whole,)  # the usual plain id: one form
    forms = [whole]
    for form in (last, _TAG.split(last, maxsplit=1)[0]):
        if form not in forms:
            forms.append(form)
        unregioned = _REGION.sub("", form)
        bare = _VENDOR.sub("", unregioned)
        for more in (unregioned, bare, _VERSION.sub("", bare)):
            if more and more not in forms:
                forms.append(more)
    return tuple(forms)


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
        include, exclude = self._include, self._exclude
        if include is None:
            return False
        for form in model_forms(model):
            if include.match(form) is not None and (exclude is None or exclude.match(form) is None):
                return True
        return False
