"""A policy YAML document with the line of every key, and its problems.

PyYAML composes the document, the node tree is walked once for the line of
every key and item, then constructed with the safe loader: every problem found
later is reported as ``line N: <location>: <message>`` without quoting the file.
"""

from __future__ import annotations

from collections.abc import Mapping

import yaml

from goalrail.errors import ConfigError

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

Path_ = tuple[str | int, ...]  # keys and list indices


class PolicyYamlError(ConfigError, ValueError):
    """A YAML policy is invalid; ``errors`` holds ``{loc, line, message}`` items."""

    code = "invalid_policy_yaml"

    @property
    def lines(self) -> list[str]:
        return [format_error(e) for e in self.errors]


def format_error(e: Mapping[str, object]) -> str:
    line = f"line {e['line']}: " if e.get("line") else ""
    loc = f"{e['loc']}: " if e.get("loc") else ""
    return f"{line}{loc}{e['message']}"


def _loc(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


#: libyaml's loader where PyYAML was built with it (the shipped policies' long regexes: ~5× faster)
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlDoc:
    """A parsed YAML document with the line of every key and item."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Path_, int] = {}
        self.errors: list[dict[str, object]] = []
        loader = _LOADER(text)
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
            seen: set[str] = set()
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


def parse_doc(text: str) -> YamlDoc:
    try:
        return YamlDoc(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PolicyYamlError(
            f"invalid YAML: {problem}",
            [{"loc": "", "line": line, "message": f"invalid YAML: {problem}"}],
        ) from None


def check_keys(doc: YamlDoc, value: Mapping[str, object], path: Path_, allowed: tuple[str, ...], what: str) -> None:
    for key in value:
        if key not in allowed:
            doc.error((*path, key), f"unknown {what} key `{key}` (allowed: {', '.join(allowed)})")
