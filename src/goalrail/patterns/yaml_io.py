"""Reading and writing policies in seed 004's YAML format.

``validate_*`` return every problem as ``line N: <location>: <message>``; the
loaders raise :class:`PolicyYamlError` carrying the same list.  Line numbers
come from PyYAML's node marks (the document is composed, walked for marks, then
constructed with the safe loader).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from goalrail.errors import ConfigError
from goalrail.patterns import names
from goalrail.patterns.conditions import validate_conditions
from goalrail.patterns.model import (
    ACTIONS,
    Pattern,
    PolicyException,
    Severity,
    ViolationMode,
    compile_target_regex,
    parse_expiry,
)

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy

#: Builds the policy a document describes: the ``Policy`` class (this module never imports it).
Make = Callable[..., Any]

TOP_KEYS = (
    "name",
    "description",
    "version",
    "author",
    "created",
    "updated",
    "default_action",
    "violation_mode",
    "defaults",
    "settings",
    "patterns",
    "extends",
    "exceptions",
    "metadata",
)
DOC_KEYS = ("author", "created", "updated")
DEFAULTS_KEYS = ("action", "violation_mode", "log_level")
PATTERN_KEYS = (
    "id",
    "action_type",
    "pattern",
    "action",
    "severity",
    "description",
    "message",
    "conditions",
    "metadata",
    "violation_mode",
    "enabled",
)
EXCEPTION_KEYS = ("agent_pattern", "patterns", "reason", "expires", "approved_by")

Path_ = tuple[Any, ...]


class PolicyYamlError(ConfigError, ValueError):
    """A YAML policy is invalid; ``errors`` holds ``{loc, line, message}`` items."""

    code = "invalid_policy_yaml"

    @property
    def lines(self) -> list[str]:
        return [_fmt(e) for e in self.errors]


def _fmt(e: Mapping[str, Any]) -> str:
    line = f"line {e['line']}: " if e.get("line") else ""
    loc = f"{e['loc']}: " if e.get("loc") else ""
    return f"{line}{loc}{e['message']}"


def _loc(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Doc:
    """A parsed YAML document with the line of every key and item."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path_, int] = {}
        self.errors: list[dict[str, Any]] = []
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        if node is not None:
            self.lines[()] = node.start_mark.line + 1
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for k, v in node.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k.value)
                here = (*path, key)
                if key in seen:
                    self.error(here, f"duplicate key `{key}`", k.start_mark.line + 1)
                seen.add(key)
                self.lines[here] = k.start_mark.line + 1
                self._walk(v, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self.lines[(*path, i)] = v.start_mark.line + 1
                self._walk(v, (*path, i))

    def line(self, path: Path_) -> int | None:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path)

    def error(self, path: Path_, message: str, line: int | None = None) -> None:
        self.errors.append({"loc": _loc(path), "line": line or self.line(path), "message": message})


def _parse(text: str) -> _Doc:
    try:
        return _Doc(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyYamlError(
            f"invalid YAML: {problem}",
            [{"loc": "", "line": line, "message": f"invalid YAML: {problem}"}],
        ) from None


def _check_keys(doc: _Doc, value: Mapping[str, Any], path: Path_, allowed: tuple[str, ...], what: str) -> None:
    for key in value:
        if key not in allowed:
            doc.error((*path, key), f"unknown {what} key `{key}` (allowed: {', '.join(allowed)})")


def _check_pattern(doc: _Doc, raw: Any, path: Path_, ids: dict[str, Path_]) -> Pattern | None:
    if not isinstance(raw, Mapping):
        doc.error(path, "a pattern must be a mapping")
        return None
    before = len(doc.errors)
    _check_keys(doc, raw, path, PATTERN_KEYS, "pattern")
    for key in ("action_type", "pattern", "action"):
        if key not in raw:
            doc.error(path, f"`{key}` is required")
    at = raw.get("action_type")
    if "action_type" in raw and (not isinstance(at, str) or not at):
        doc.error(
            (*path, "action_type"),
            "action_type must be a string such as file_read or shell_execute",
        )
    rx = raw.get("pattern")
    if "pattern" in raw:
        if not isinstance(rx, str):
            doc.error((*path, "pattern"), "pattern must be a string (quote it)")
        else:
            try:
                compile_target_regex(rx, at if isinstance(at, str) else "")
            except Exception as exc:
                doc.error((*path, "pattern"), f"invalid regular expression: {exc}")
    act = raw.get("action")
    if "action" in raw and (not isinstance(act, str) or act.lower() not in ACTIONS):
        doc.error((*path, "action"), f"`{act}` is not one of {', '.join(ACTIONS)}")
    if "severity" in raw:
        try:
            Severity.coerce(raw["severity"])
        except ValueError as exc:
            doc.error((*path, "severity"), str(exc))
    if raw.get("violation_mode") is not None:
        try:
            ViolationMode.coerce(raw["violation_mode"])
        except ValueError as exc:
            doc.error((*path, "violation_mode"), str(exc))
    for key in ("conditions", "metadata"):
        if key in raw and not isinstance(raw[key], Mapping):
            doc.error((*path, key), f"{key} must be a mapping")
    if isinstance(raw.get("conditions"), Mapping):
        for key, message in validate_conditions(raw["conditions"]):
            doc.error((*path, "conditions", key), message)
    if "enabled" in raw and not isinstance(raw["enabled"], bool):
        doc.error((*path, "enabled"), "enabled must be true or false")
    if len(doc.errors) > before:
        return None
    try:
        p = Pattern(**{k: v for k, v in raw.items()})
    except (ValueError, TypeError) as exc:
        doc.error(path, str(exc))
        return None
    if p.pid in ids:
        doc.error(
            (*path, "id") if "id" in raw else path,
            f"duplicate pattern id `{p.pid}` (first at line {doc.line(ids[p.pid])})",
        )
        return None
    ids[p.pid] = path
    return p


def _check_exception(doc: _Doc, raw: Any, path: Path_) -> PolicyException | None:
    if not isinstance(raw, Mapping):
        doc.error(path, "an exception must be a mapping")
        return None
    before = len(doc.errors)
    _check_keys(doc, raw, path, EXCEPTION_KEYS, "exception")
    if "agent_pattern" not in raw:
        doc.error(path, "`agent_pattern` is required")
    if "expires" in raw:
        try:
            parse_expiry(raw["expires"])
        except ValueError as exc:
            doc.error((*path, "expires"), str(exc))
    if len(doc.errors) > before:
        return None
    try:
        values = dict(raw)
        if values.get("patterns") is None:
            values["patterns"] = []
        if values.get("expires") is not None and not isinstance(values["expires"], str):
            values["expires"] = str(values["expires"])
        return PolicyException(**values)
    except (ValueError, TypeError) as exc:
        doc.error(path, str(exc))
        return None


def _build(doc: _Doc, base_dir: Path | None, make: Make) -> Policy | None:
    data = doc.data
    if not isinstance(data, Mapping):
        doc.error((), "a policy document must be a mapping with at least `name`")
        return None
    _check_keys(doc, data, (), TOP_KEYS, "top-level")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        doc.error(("name",) if "name" in data else (), "`name` is required (a non-empty string)")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        doc.error(("defaults",), "defaults must be a mapping")
        defaults = {}
    _check_keys(doc, defaults, ("defaults",), DEFAULTS_KEYS, "defaults")
    if "default_action" in data and "action" in defaults:
        doc.error(
            ("default_action",),
            "give the default action once: `default_action` or `defaults.action`",
        )
    action = data.get("default_action", defaults.get("action"))
    action_path = ("default_action",) if "default_action" in data else ("defaults", "action")
    if action is not None and (not isinstance(action, str) or action.lower() not in ACTIONS):
        doc.error(action_path, f"`{action}` is not one of {', '.join(ACTIONS)}")
        action = None
    mode = data.get("violation_mode", defaults.get("violation_mode"))
    mode_path = ("violation_mode",) if "violation_mode" in data else ("defaults", "violation_mode")
    if mode is not None:
        try:
            mode = ViolationMode.coerce(mode)
        except ValueError as exc:
            doc.error(mode_path, str(exc))
            mode = None
    for key in ("settings", "metadata"):
        if key in data and not isinstance(data[key], Mapping):
            doc.error((key,), f"{key} must be a mapping")
    raw_patterns = data.get("patterns") or []
    if not isinstance(raw_patterns, list):
        doc.error(("patterns",), "patterns must be a list")
        raw_patterns = []
    ids: dict[str, Path_] = {}
    patterns = [_check_pattern(doc, p, ("patterns", i), ids) for i, p in enumerate(raw_patterns)]
    raw_ex = data.get("exceptions") or []
    if not isinstance(raw_ex, list):
        doc.error(("exceptions",), "exceptions must be a list")
        raw_ex = []
    exceptions = [_check_exception(doc, e, ("exceptions", i)) for i, e in enumerate(raw_ex)]
    extends = data.get("extends") or []
    if isinstance(extends, str):
        extends = [extends]
    parents: list[Policy] = []
    if not isinstance(extends, list) or not all(isinstance(e, str) for e in extends):
        doc.error(("extends",), "extends must be a policy name or a list of names")
        extends = []
    else:
        for i, parent in enumerate(extends):
            path = ("extends", i) if isinstance(data.get("extends"), list) else ("extends",)
            try:
                parents.append(names.resolve(parent, base_dir=base_dir))
            except (ValueError, ConfigError) as exc:
                doc.error(path, str(exc).splitlines()[0])
    if doc.errors:
        return None
    meta = dict(data.get("metadata") or {})
    for key in DOC_KEYS:
        if key in data:
            meta[key] = str(data[key])
    settings = dict(data.get("settings") or {})
    if "log_level" in defaults:
        settings.setdefault("log_level", defaults["log_level"])
    policy: Policy = make(
        name=str(name),
        description=str(data.get("description") or ""),
        version=str(data.get("version", "1.0.0")),
        default_action=action,
        violation_mode=mode,
        patterns=[p for p in patterns if p is not None],
        exceptions=[e for e in exceptions if e is not None],
        settings=settings,
        metadata=meta,
        base_dir=base_dir,
    )
    for parent_name, parent in zip(extends, parents, strict=True):
        policy.parents.append(parent)
        policy.parent_names.append(parent_name)
    return policy


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyYamlError(
            f"cannot read policy file `{path}`: {exc.strerror or exc}",
            [{"loc": str(path), "line": None, "message": f"cannot read: {exc.strerror or exc}"}],
        ) from None


def _validated(text: str, base_dir: Path | None, source: str, make: Make) -> Policy:
    doc = _parse(text)
    policy = _build(doc, base_dir, make)
    if doc.errors or policy is None:
        first = _fmt(doc.errors[0]) if doc.errors else "invalid policy"
        more = f" (and {len(doc.errors) - 1} more)" if len(doc.errors) > 1 else ""
        raise PolicyYamlError(f"{source}: {first}{more}", doc.errors)
    return policy


def load_policy_string(text: str, base_dir: str | Path | None = None, *, make: Make) -> Policy:
    return _validated(text, Path(base_dir) if base_dir is not None else None, "policy YAML", make)


def load_policy_file(path: str | Path, *, make: Make) -> Policy:
    p = Path(path)
    return _validated(_read(p), p.resolve().parent, str(path), make)


def policy_from_dict(data: Mapping[str, Any], base_dir: str | Path | None = None, *, make: Make) -> Policy:
    """A policy from an already-parsed mapping (e.g. ``inline=`` parameters).

    Errors name locations (``patterns[0].action``), not lines: the mapping has none.
    """
    if not isinstance(data, Mapping):
        raise PolicyYamlError("inline policy: expected a mapping", [{"loc": "", "message": "expected a mapping"}])
    doc = _parse(yaml.safe_dump(_plain(data), sort_keys=False))
    policy = _build(doc, Path(base_dir) if base_dir is not None else None, make)
    if doc.errors or policy is None:
        errors = [{"loc": e["loc"], "message": e["message"]} for e in doc.errors]
        first = _fmt(errors[0]) if errors else "invalid policy"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise PolicyYamlError(f"inline policy: {first}{more}", errors)
    return policy


def validate_string(text: str, base_dir: str | Path | None = None, *, make: Make) -> list[str]:
    try:
        load_policy_string(text, base_dir=base_dir, make=make)
    except PolicyYamlError as exc:
        return exc.lines
    return []


def validate_file(path: str | Path, *, make: Make) -> list[str]:
    try:
        load_policy_file(path, make=make)
    except PolicyYamlError as exc:
        return exc.lines
    return []


# -- writing -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Severity):
        return str(value)
    if isinstance(value, ViolationMode):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def pattern_to_dict(p: Pattern, enabled: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.pid,
        "action_type": p.action_type,
        "pattern": p.pattern,
        "action": p.action,
        "severity": str(p.severity),
    }
    for key in ("description", "message"):
        if getattr(p, key):
            out[key] = getattr(p, key)
    if p.violation_mode is not None:
        out["violation_mode"] = ViolationMode.coerce(p.violation_mode).value
    if p.conditions:
        out["conditions"] = _plain(p.conditions)
    if p.metadata:
        out["metadata"] = _plain(p.metadata)
    if not (enabled and p.enabled):
        out["enabled"] = False
    return out


def exception_to_dict(e: PolicyException) -> dict[str, Any]:
    out: dict[str, Any] = {"agent_pattern": e.agent_pattern, "patterns": list(e.patterns)}
    if e.reason:
        out["reason"] = e.reason
    if e.expires is not None:
        out["expires"] = str(e.expires)
    if e.approved_by:
        out["approved_by"] = e.approved_by
    return out


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    out: dict[str, Any] = {"name": policy.name}
    if policy.description:
        out["description"] = policy.description
    out["version"] = policy.version
    meta = dict(policy.metadata)
    for key in DOC_KEYS:
        if key in meta:
            out[key] = meta.pop(key)
    defaults: dict[str, Any] = {}
    flattened = any(name is None for name in policy.parent_names)  # unnamed parents lose their defaults
    if policy.explicit_default_action is not None or flattened:
        defaults["action"] = policy.default_action
    if policy.explicit_violation_mode is not None or flattened:
        defaults["violation_mode"] = policy.violation_mode.value
    settings = dict(policy.settings)
    if "log_level" in settings:
        defaults["log_level"] = settings.pop("log_level")
    if defaults:
        out["defaults"] = defaults
    if settings:
        out["settings"] = _plain(settings)
    patterns = [pattern_to_dict(p, policy.is_enabled(p.pid)) for p in policy.patterns]
    exceptions = [exception_to_dict(e) for e in policy.exceptions]
    names: list[str] = []
    seen = {p.pid for p in policy.patterns}
    for parent, name in zip(policy.parents, policy.parent_names, strict=True):
        if name is not None:
            names.append(name)
            continue
        for p in parent.all_patterns():  # an unnamed parent object is flattened in
            if p.pid not in seen:
                seen.add(p.pid)
                patterns.append(pattern_to_dict(p, parent.is_enabled(p.pid) and policy.is_enabled(p.pid)))
        exceptions.extend(exception_to_dict(e) for e in parent.all_exceptions())
    out["patterns"] = patterns
    if names:
        out["extends"] = names
    if exceptions:
        out["exceptions"] = exceptions
    if meta:
        out["metadata"] = _plain(meta)
    return out


def dump_policy(policy: Policy) -> str:
    return str(yaml.safe_dump(policy_to_dict(policy), sort_keys=False, allow_unicode=True, default_flow_style=False))
