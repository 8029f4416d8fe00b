"""Where ``pattern_policy``'s declarative policy comes from: a shipped name or
template, an inline mapping, a merge of several, or a hot-reloaded YAML file.

Regexes from a session (``inline``, ``merge[].inline``) are compiled by RE2
(linear time); the operator's and the shipped templates' by Python ``re``
(``goalrail.patterns.regex``).  No parameter ever names code to import.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from goalrail.errors import InvalidParams
from goalrail.patterns.builtin_policies import BUILTIN_NAMES, resolve_policy, sibling_reader
from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import SHIPPED, linear_regexes, regex_engine
from goalrail.patterns.templates import TEMPLATES, Soc2Compliant, TemplatePolicy
from goalrail.patterns.yaml_io import (
    DEFAULTS_KEYS,
    EXCEPTION_KEYS,
    PATTERN_KEYS,
    TOP_KEYS,
    PolicyYamlError,
)
from goalrail.policies.files import FileAccess, FileRefused, read_file, refused

log = logging.getLogger("goalrail.policies.patterns")

POLICY_NAMES = (*BUILTIN_NAMES, *TEMPLATES)


class PolicyFile:
    """A YAML policy file under the server's ``policy_dirs``, re-read when it changes.

    Every read goes through :func:`goalrail.policies.files.read_file` (containment
    in ``policy_dirs``, regular files only, size cap), so a file replaced by a
    link, a FIFO or a device later is refused as the first one would have been.
    Problems are reported by line number only: never a line of the file.
    """

    def __init__(self, path: str, interval_s: float, access: FileAccess) -> None:
        self.path = path
        self.access = access
        self.interval_s = interval_s
        self._lock = threading.Lock()
        sig = self._signature()
        if sig is None:
            raise refused("path", f"policy file `{path}` does not exist or cannot be read")
        self.policy = self._load()
        self._sig = sig
        self._rejected: tuple[int, int] | None = None
        self._checked_at: float | None = None

    def _read(self, candidate: Path) -> str:
        return read_file(str(candidate), "path", self.access)[1]

    def _load(self) -> Policy:
        resolved, text = read_file(self.path, "path", self.access)
        try:
            with sibling_reader(self._read):
                return Policy.from_yaml_string(text, base_dir=resolved.parent)
        except PolicyYamlError as exc:
            problems = "; ".join(_where(e) for e in exc.errors[:3]) or "not a policy"
            raise refused("path", f"policy file `{self.path}` is not a valid policy: {problems}") from None

    def _signature(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def current(self, now: float) -> Policy:
        last = self._checked_at
        if last is not None and abs(now - last) < self.interval_s:
            return self.policy
        if not self._lock.acquire(blocking=False):
            return self.policy  # another thread is checking right now
        try:
            self._checked_at = now
            sig = self._signature()
            if sig is None or sig == self._sig or sig == self._rejected:
                return self.policy
            try:
                new = self._load()
            except (FileRefused, ValueError) as exc:
                log.warning("pattern_policy: keeping the previous version of %s: %s", self.path, exc)
                self._rejected = sig
                return self.policy
            self.policy, self._sig, self._rejected = new, sig, None
            log.info("pattern_policy: reloaded %s (%d patterns)", self.path, len(new.patterns))
            return new
        finally:
            self._lock.release()


_KNOWN_KEYS = frozenset((*TOP_KEYS, *PATTERN_KEYS, *EXCEPTION_KEYS, *DEFAULTS_KEYS))


def _where(error: Mapping[str, object]) -> str:
    """Where a problem is, by line and (when made of format keys only) location: no file content."""
    line = error.get("line")
    loc = str(error.get("loc") or "")
    words = re.findall(r"[A-Za-z_]+", loc)
    at = f"line {line}" if isinstance(line, int) else "a problem"
    return f"{at} ({loc})" if loc and all(w in _KNOWN_KEYS for w in words) else at


def named_policy(policy: str, options: Mapping[str, object], criteria: list[str]) -> Policy:
    if policy not in POLICY_NAMES:
        raise ValueError(f"policy `{policy}` is not one of {', '.join(POLICY_NAMES)}")
    with regex_engine(SHIPPED):  # shipped regexes; options are escaped into them as literals
        p = resolve_policy(policy)
        if options:
            if not isinstance(p, TemplatePolicy):
                raise ValueError(f"`options` apply to templates ({', '.join(TEMPLATES)}), not to `{policy}`")
            p.configure(**options)
        if criteria:
            if not isinstance(p, Soc2Compliant):
                raise ValueError("`criteria` apply to `soc2_compliant` only")
            p.enable_criteria(criteria)
    return p


def inline_policy(data: Mapping[str, object], operator: bool, param: str = "inline") -> Policy:
    """An inline policy: RE2 for a session's regexes, ``re`` for an operator's (see module doc).

    Problems are an ``invalid_params`` error whose locations start at the parameter.
    """
    try:
        if operator:
            return Policy.from_dict(data)
        with linear_regexes():
            return Policy.from_dict(data)
    except PolicyYamlError as exc:
        errors = [
            {
                "loc": ".".join(x for x in ("factory_params", param, str(e.get("loc") or "")) if x),
                "message": e["message"],
            }
            for e in exc.errors
        ]
        first = errors[0] if errors else {"loc": f"factory_params.{param}", "message": exc.message}
        where = first["loc"].removeprefix(f"factory_params.{param}").lstrip(".")
        raise InvalidInline(f"{param} policy: {where}: {first['message']}", errors) from None


class InvalidInline(InvalidParams, ValueError):
    """An inline policy (a factory parameter) that does not load."""


RESOLVERS: dict[str, Callable[[Pattern, Pattern], Pattern]] = {
    "higher_severity": lambda a, b: a if a.severity > b.severity else b,
    "first": lambda a, b: a,
    "second": lambda a, b: b,
}


def named_resolver(name: str) -> Callable[[Pattern, Pattern], Pattern]:
    """A named resolver from the closed list: no parameter ever names code to import
    (a custom resolver is Python: ``Policy.merge(conflict_resolver=...)`` in a policy module)."""
    if name in RESOLVERS:
        return RESOLVERS[name]
    raise ValueError(f"resolver `{name[:80]}` is not one of {', '.join(RESOLVERS)}")


def merged_policy(base: Policy, merges: list[Mapping[str, Any]], operator: bool) -> Policy:
    for i, item in enumerate(merges):
        if not isinstance(item, Mapping):
            raise ValueError(f"merge[{i}] must be a mapping with `policy` or `inline` and `strategy`")
        sources = [k for k in ("policy", "inline") if item.get(k) is not None]
        if len(sources) != 1:
            raise ValueError(f"merge[{i}]: give exactly one of `policy` or `inline`")
        other = (
            named_policy(item["policy"], {}, [])
            if sources[0] == "policy"
            else inline_policy(item["inline"], operator, f"merge[{i}].inline")
        )
        strategy = str(item.get("strategy", "strict"))
        resolver = named_resolver(str(item["resolver"])) if item.get("resolver") else None
        base = base.merge(other, strategy=strategy, conflict_resolver=resolver)
    return base
