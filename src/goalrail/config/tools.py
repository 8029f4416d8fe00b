"""The ``tools:`` and ``tool_mapping:`` sections, shared by the server config and agent specs."""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.config.yamlfile import fail
from goalrail.engine.actions import CANONICAL_TOOLS, ActionMapper
from goalrail.engine.tools import ToolCatalog, catalog_from_config, check_tool_entry, is_meta_entry
from goalrail.jsontypes import JsonObject
from goalrail.policies.schema import ACTION_TYPES


def check_tools(owner: Mapping[str, object], key: str = "tools") -> JsonObject:
    """Validate a ``tools:`` mapping (file:line errors); entries without metadata are kept as they are."""
    node = owner.get(key)
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise fail(owner, key, f"`{key}` must be a mapping of tool names (or globs) to descriptions")
    for name, entry in node.items():
        if entry is not None and not isinstance(entry, Mapping):
            raise fail(node, name, f"`{key}.{name}` must be a mapping")
        if entry is None or not is_meta_entry(entry):
            continue
        problems = check_tool_entry(str(name), entry)
        if problems:
            where_key, message = problems[0]
            raise fail(entry if where_key in entry else node, where_key if where_key in entry else name, message)
    return dict(node)


def check_tool_mapping(owner: Mapping[str, object], key: str = "tool_mapping") -> dict[str, str]:
    node = owner.get(key)
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise fail(owner, key, f"`{key}` must be a mapping")
    valid = set(CANONICAL_TOOLS) | set(ACTION_TYPES)
    out: dict[str, str] = {}
    for tool, target in node.items():
        if not isinstance(target, str) or target not in valid:
            raise fail(
                node,
                tool,
                f"`{key}.{tool}` must be a canonical tool ({', '.join(CANONICAL_TOOLS)}) or an action type",
            )
        out[str(tool)] = target
    return out


def tool_catalog(tools: Mapping[str, object] | None, source: str) -> ToolCatalog:
    return catalog_from_config(tools, source)


def action_mapper(tool_mapping: Mapping[str, str] | None, tools: Mapping[str, object] | None) -> ActionMapper:
    """The server's canonical mapping with its tool metadata."""
    return ActionMapper(tool_mapping, tools=catalog_from_config(tools, "config"))
