"""Writing a policy as a mapping in seed 004's YAML format (and as YAML text).

An unnamed parent (a ``Policy`` object rather than a name) cannot be written as
``extends``: its patterns and exceptions are flattened into the document, and
the defaults it supplied are written out explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import yaml

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.patterns.model import Pattern, PolicyException, Severity, ViolationMode
from goalrail.patterns.yaml_doc import DOC_KEYS

if TYPE_CHECKING:
    from goalrail.patterns.policy import Policy


def plain(value: object) -> JsonValue:
    if isinstance(value, Severity):
        return str(value)
    if isinstance(value, ViolationMode):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return cast(JsonValue, value)  # a scalar; a YAML date or timestamp is kept as given


def pattern_to_dict(p: Pattern, enabled: bool = True) -> JsonObject:
    out: JsonObject = {
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
        out["conditions"] = plain(p.conditions)
    if p.metadata:
        out["metadata"] = plain(p.metadata)
    if not (enabled and p.enabled):
        out["enabled"] = False
    return out


def exception_to_dict(e: PolicyException) -> JsonObject:
    out: JsonObject = {"agent_pattern": e.agent_pattern, "patterns": list(e.patterns)}
    if e.reason:
        out["reason"] = e.reason
    if e.expires is not None:
        out["expires"] = str(e.expires)
    if e.approved_by:
        out["approved_by"] = e.approved_by
    return out


def policy_to_dict(policy: Policy) -> JsonObject:
    out: JsonObject = {"name": policy.name}
    if policy.description:
        out["description"] = policy.description
    out["version"] = policy.version
    meta = dict(policy.metadata)
    for key in DOC_KEYS:
        if key in meta:
            out[key] = meta.pop(key)
    defaults: JsonObject = {}
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
        out["settings"] = plain(settings)
    patterns: list[JsonValue] = [pattern_to_dict(p, policy.is_enabled(p.pid)) for p in policy.patterns]
    exceptions: list[JsonValue] = [exception_to_dict(e) for e in policy.exceptions]
    names: list[JsonValue] = []
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
        out["metadata"] = plain(meta)
    return out


def dump_policy(policy: Policy) -> str:
    return str(yaml.safe_dump(policy_to_dict(policy), sort_keys=False, allow_unicode=True, default_flow_style=False))
