"""Reading policies in seed 004's YAML format (writing: ``goalrail.patterns.yaml_write``).

``validate_*`` return every problem as ``line N: <location>: <message>``; the
loaders raise :class:`PolicyYamlError` carrying the same list.  Line numbers
come from PyYAML's node marks (see ``goalrail.patterns.yaml_doc``).  The names
of both neighbours are re-exported here, where ``Policy`` and the builtin look
for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

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
from goalrail.patterns.yaml_doc import (
    DEFAULTS_KEYS,
    DOC_KEYS,
    EXCEPTION_KEYS,
    PATTERN_KEYS,
    TOP_KEYS,
    Path_,
    PolicyYamlError,
    YamlDoc,
    check_keys,
    format_error,
    parse_doc,
)
from goalrail.patterns.yaml_write import dump_policy, exception_to_dict, pattern_to_dict, plain, policy_to_dict

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy

#: Builds the policy a document describes: the ``Policy`` class (this module never imports it).
Make = Callable[..., "Policy"]

__all__ = [
    "DEFAULTS_KEYS",
    "DOC_KEYS",
    "EXCEPTION_KEYS",
    "PATTERN_KEYS",
    "TOP_KEYS",
    "PolicyYamlError",
    "dump_policy",
    "exception_to_dict",
    "load_policy_file",
    "load_policy_string",
    "pattern_to_dict",
    "policy_from_dict",
    "policy_to_dict",
    "validate_file",
    "validate_string",
]


def _check_pattern(doc: YamlDoc, raw: object, path: Path_, ids: dict[str, Path_]) -> Pattern | None:
    if not isinstance(raw, Mapping):
        doc.error(path, "a pattern must be a mapping")
        return None
    before = len(doc.errors)
    check_keys(doc, raw, path, PATTERN_KEYS, "pattern")
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


def _check_exception(doc: YamlDoc, raw: object, path: Path_) -> PolicyException | None:
    if not isinstance(raw, Mapping):
        doc.error(path, "an exception must be a mapping")
        return None
    before = len(doc.errors)
    check_keys(doc, raw, path, EXCEPTION_KEYS, "exception")
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


def _defaults(
    doc: YamlDoc, data: Mapping[str, object]
) -> tuple[Mapping[str, object], str | None, ViolationMode | None]:
    """``defaults`` and the default action and violation mode, given at the top or in it (once)."""
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        doc.error(("defaults",), "defaults must be a mapping")
        defaults = {}
    check_keys(doc, defaults, ("defaults",), DEFAULTS_KEYS, "defaults")
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
    return defaults, action, mode


def _items(doc: YamlDoc, data: Mapping[str, object]) -> tuple[list[Pattern | None], list[PolicyException | None]]:
    """The checked patterns and exceptions (None where an item has problems)."""
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
    return patterns, [_check_exception(doc, e, ("exceptions", i)) for i, e in enumerate(raw_ex)]


def _parents(doc: YamlDoc, data: Mapping[str, object], base_dir: Path | None) -> list[tuple[str, Policy]]:
    """``extends`` resolved: each parent's name and policy."""
    extends = data.get("extends") or []
    if isinstance(extends, str):
        extends = [extends]
    if not isinstance(extends, list) or not all(isinstance(e, str) for e in extends):
        doc.error(("extends",), "extends must be a policy name or a list of names")
        return []
    out: list[tuple[str, Policy]] = []
    for i, parent in enumerate(extends):
        path = ("extends", i) if isinstance(data.get("extends"), list) else ("extends",)
        try:
            out.append((parent, names.resolve(parent, base_dir=base_dir)))
        except (ValueError, ConfigError) as exc:
            doc.error(path, str(exc).splitlines()[0])
    return out


def _build(doc: YamlDoc, base_dir: Path | None, make: Make) -> Policy | None:
    """The policy the document describes, or None with every problem in ``doc.errors``."""
    data = doc.data
    if not isinstance(data, Mapping):
        doc.error((), "a policy document must be a mapping with at least `name`")
        return None
    check_keys(doc, data, (), TOP_KEYS, "top-level")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        doc.error(("name",) if "name" in data else (), "`name` is required (a non-empty string)")
    defaults, action, mode = _defaults(doc, data)
    for key in ("settings", "metadata"):
        if key in data and not isinstance(data[key], Mapping):
            doc.error((key,), f"{key} must be a mapping")
    patterns, exceptions = _items(doc, data)
    parents = _parents(doc, data, base_dir)
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
    for parent_name, parent in parents:
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
    doc = parse_doc(text)
    policy = _build(doc, base_dir, make)
    if doc.errors or policy is None:
        first = format_error(doc.errors[0]) if doc.errors else "invalid policy"
        more = f" (and {len(doc.errors) - 1} more)" if len(doc.errors) > 1 else ""
        raise PolicyYamlError(f"{source}: {first}{more}", doc.errors)
    return policy


def load_policy_string(text: str, base_dir: str | Path | None = None, *, make: Make) -> Policy:
    return _validated(text, Path(base_dir) if base_dir is not None else None, "policy YAML", make)


def load_policy_file(path: str | Path, *, make: Make) -> Policy:
    p = Path(path)
    return _validated(_read(p), p.resolve().parent, str(path), make)


def policy_from_dict(data: Mapping[str, object], base_dir: str | Path | None = None, *, make: Make) -> Policy:
    """A policy from an already-parsed mapping (e.g. ``inline=`` parameters).

    Errors name locations (``patterns[0].action``), not lines: the mapping has none.
    """
    if not isinstance(data, Mapping):
        raise PolicyYamlError("inline policy: expected a mapping", [{"loc": "", "message": "expected a mapping"}])
    doc = parse_doc(yaml.safe_dump(plain(data), sort_keys=False))
    policy = _build(doc, Path(base_dir) if base_dir is not None else None, make)
    if doc.errors or policy is None:
        errors = [{"loc": e["loc"], "message": e["message"]} for e in doc.errors]
        first = format_error(errors[0]) if errors else "invalid policy"
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
