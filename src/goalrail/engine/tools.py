"""Tool metadata: what a tool does with data, declared once and read by every policy.

Operators describe tools in the server config's ``tools:`` section and in agent
specs' ``tools:`` (keys are exact tool names or globs such as ``mcp__bank__*``):

- ``kind``: ``read`` or ``write`` (a write changes something outside the agent);
- ``trust``: how far its *output* can be believed — ``trusted`` (the user's own
  systems), ``untrusted`` (text anyone can write: mail, web pages, reviews,
  channel messages) or ``sensitive`` (trusted, but secret: it must not flow out);
- ``sinks``: argument paths that send data or choose a destination
  (``recipients[*]``, ``iban``, ``url``);
- ``content``: argument paths whose free text may carry links and addresses;
- ``category``: a free label (``email``, ``payments``…).

The metadata is exposed on the event's canonical action (``context.action``).
When both levels describe a tool, the stricter value wins field by field
(``write`` over ``read``; ``untrusted`` over ``sensitive`` over ``trusted``;
sink and content paths are united), so an agent spec cannot loosen the server's
description.  MCP tool annotations sent by the MCP proxy only ever add
strictness: ``destructiveHint``/``readOnlyHint: false`` make a tool a write and
``openWorldHint`` makes its output untrusted.  A tool nobody describes has no
kind and unknown trust, which provenance treats as untrusted.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goalrail.jsontypes import JsonObject
from goalrail.policies.arguments import is_argument_path

KINDS = ("read", "write")
TRUST_LEVELS = ("trusted", "sensitive", "untrusted")
_TRUST_RANK = {t: i for i, t in enumerate(TRUST_LEVELS)}
META_KEYS = ("kind", "trust", "sinks", "content", "category")
#: Keys an agent spec's ``tools:`` entry may carry besides metadata (an MCP server declaration).
SERVER_DECL_KEYS = ("type", "url", "command", "args", "env", "headers", "description")


@dataclass(frozen=True)
class ToolMeta:
    kind: str | None = None
    trust: str | None = None
    sinks: tuple[str, ...] = ()
    content: tuple[str, ...] = ()
    category: str | None = None
    source: str | None = None

    def to_dict(self) -> JsonObject:
        return {
            "kind": self.kind,
            "trust": self.trust,
            "sinks": list(self.sinks),
            "content": list(self.content),
            "category": self.category,
            "source": self.source,
        }

    def stricter(self, other: ToolMeta) -> ToolMeta:
        """The field-by-field stricter combination of two descriptions of one tool."""
        kinds = {self.kind, other.kind}
        kind = "write" if "write" in kinds else ("read" if "read" in kinds else None)
        trusts = [t for t in (self.trust, other.trust) if t]
        trust = max(trusts, key=_TRUST_RANK.__getitem__) if trusts else None
        sources = [s for s in (self.source, other.source) if s]
        return ToolMeta(
            kind=kind,
            trust=trust,
            sinks=_union(self.sinks, other.sinks),
            content=_union(self.content, other.content),
            category=other.category or self.category,
            source="+".join(sources) or None,
        )


NO_META = ToolMeta()


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def check_tool_entry(name: str, entry: object) -> list[tuple[str | None, str]]:
    """Problems with one ``tools:`` entry as ``(key, message)`` pairs (empty when valid)."""
    if not isinstance(entry, Mapping):
        return [(None, f"`tools.{name}` must be a mapping")]
    problems: list[tuple[str | None, str]] = []
    for key in entry:
        if key not in META_KEYS and key not in SERVER_DECL_KEYS:
            allowed = ", ".join((*META_KEYS, *SERVER_DECL_KEYS))
            problems.append((str(key), f"unknown key `{key}` in `tools.{name}` (expected one of {allowed})"))
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        problems.append(("kind", f"`tools.{name}.kind` must be `read` or `write`, not `{kind}`"))
    trust = entry.get("trust")
    if trust is not None and trust not in TRUST_LEVELS:
        problems.append(("trust", f"`tools.{name}.trust` must be one of {', '.join(TRUST_LEVELS)}, not `{trust}`"))
    for key in ("sinks", "content"):
        paths = entry.get(key)
        if paths is None:
            continue
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            problems.append((key, f"`tools.{name}.{key}` must be a list of argument paths"))
            continue
        for p in paths:
            if not is_argument_path(p):
                example = "e.g. `to`, `recipients[*]`, `payee.iban`"
                problems.append((key, f"`tools.{name}.{key}`: `{p}` is not an argument path ({example})"))
    category = entry.get("category")
    if category is not None and not isinstance(category, str):
        problems.append(("category", f"`tools.{name}.category` must be a string"))
    return problems


def meta_from_entry(entry: Mapping[str, Any], source: str) -> ToolMeta:
    return ToolMeta(
        kind=entry.get("kind"),
        trust=entry.get("trust"),
        sinks=tuple(entry.get("sinks") or ()),
        content=tuple(entry.get("content") or ()),
        category=entry.get("category"),
        source=source,
    )


def is_meta_entry(entry: object) -> bool:
    return isinstance(entry, Mapping) and any(k in entry for k in META_KEYS)


def meta_from_annotations(annotations: object) -> ToolMeta:
    """Defaults from MCP tool annotations: only ever stricter, never ``trusted``."""
    if not isinstance(annotations, Mapping):
        return NO_META
    kind = None
    if annotations.get("destructiveHint") is True or annotations.get("readOnlyHint") is False:
        kind = "write"
    elif annotations.get("readOnlyHint") is True:
        kind = "read"
    trust = "untrusted" if annotations.get("openWorldHint") is True else None
    if kind is None and trust is None:
        return NO_META
    return ToolMeta(kind=kind, trust=trust, source="mcp-annotations")


class ToolCatalog:
    """Tool name → metadata; exact names first, then globs in declaration order."""

    def __init__(self, entries: Mapping[str, ToolMeta] | None = None) -> None:
        self.entries = dict(entries or {})
        self._exact: dict[str, ToolMeta] = {}
        self._globs: list[tuple[re.Pattern[str], ToolMeta]] = []
        for pattern, meta in self.entries.items():
            if any(ch in pattern for ch in "*?["):
                self._globs.append((re.compile(fnmatch.translate(pattern)), meta))
            else:
                self._exact[pattern] = meta
        self._cache: dict[str, ToolMeta] = {}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def lookup(self, *names: str | None) -> ToolMeta:
        """The metadata for the first of ``names`` (original, canonical…) that is described."""
        for name in names:
            if not name:
                continue
            hit = self._cache.get(name)
            if hit is None:
                hit = self._find(name)
                if len(self._cache) < 10_000:
                    self._cache[name] = hit
            if hit is not NO_META:
                return hit
        return NO_META

    def _find(self, name: str) -> ToolMeta:
        if name in self._exact:
            return self._exact[name]
        for rx, meta in self._globs:
            if rx.match(name):
                return meta
        return NO_META

    def stricter(self, other: ToolCatalog) -> ToolCatalog:
        """A catalog where every tool described by either side gets the stricter description."""
        merged = dict(self.entries)
        for pattern, meta in other.entries.items():
            merged[pattern] = merged[pattern].stricter(meta) if pattern in merged else meta
        return ToolCatalog(merged)


def catalog_from_config(tools: Mapping[str, Any] | None, source: str) -> ToolCatalog:
    """A catalog from an already-validated ``tools:`` mapping.

    An entry that declares an MCP server (``type: mcp``) describes that server's
    tools: its metadata applies to ``mcp__<name>__*``.
    """
    entries: dict[str, ToolMeta] = {}
    for name, entry in (tools or {}).items():
        if not is_meta_entry(entry):
            continue
        key = f"mcp__{name}__*" if entry.get("type") == "mcp" else str(name)
        entries[key] = meta_from_entry(entry, f"{source}:{name}")
    return ToolCatalog(entries)
