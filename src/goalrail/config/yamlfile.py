"""YAML loading that remembers where every key came from (file:line)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from goalrail.errors import ConfigError, GoalrailError
from goalrail.jsontext import unencodable


class LocatedDict(dict[str, Any]):
    """A mapping from YAML that knows the line of each key and of itself."""

    source: str = "<string>"
    line: int = 0
    key_lines: dict[str, int]

    def where(self, key: str | None = None) -> str:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return f"{self.source}:{line}"


class LocatedList(list[Any]):
    source: str = "<string>"
    line: int = 0
    item_lines: list[int]

    def where(self, index: int | None = None) -> str:
        if index is not None and index < len(self.item_lines):
            return f"{self.source}:{self.item_lines[index]}"
        return f"{self.source}:{self.line}"


def _loader(source: str) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LocatedDict:
        out = LocatedDict()
        out.source, out.line, out.key_lines = source, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise ConfigError(
                    f"{source}:{key_node.start_mark.line + 1}: mapping keys must be scalars",
                    [{"loc": f"{source}:{key_node.start_mark.line + 1}", "message": "non-scalar key"}],
                )
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                line = key_node.start_mark.line + 1
                raise ConfigError(
                    f"{source}:{line}: duplicate key `{key}`",
                    [{"loc": f"{source}:{line}", "message": f"duplicate key `{key}`"}],
                )
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_lines[key] = key_node.start_mark.line + 1
        return out

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LocatedList:
        out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
        out.source, out.line = source, node.start_mark.line + 1
        out.item_lines = [child.start_mark.line + 1 for child in node.value]
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    return Loader


#: how many nodes a document may hold once its aliases are expanded: anchors and aliases make a
#: 1 KB document ("billion laughs") a graph whose walk (schema checks, JSON for the store) never ends
MAX_YAML_NODES = 100_000
#: a YAML escape of half a surrogate pair (``"\ud800"``, ``"\U0000DFFF"``): a string UTF-8 cannot encode
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")


def _expanded_nodes(node: yaml.Node, source: str) -> int:
    """The nodes of ``node`` with every alias expanded, refused past :data:`MAX_YAML_NODES`
    (each distinct node is counted once, then its count reused: linear in the document)."""
    counts: dict[int, int] = {}
    open_: set[int] = set()

    def refuse(n: yaml.Node, message: str) -> ConfigError:
        line = n.start_mark.line + 1
        return ConfigError(
            f"{source}:{line}: malformed YAML: {message}", [{"loc": f"{source}:{line}", "message": message}]
        )

    def count(n: yaml.Node) -> int:
        known = counts.get(id(n))
        if known is not None:
            return known
        if id(n) in open_:
            raise refuse(n, "an alias refers to a node that holds it (a recursive value)")
        open_.add(id(n))
        total = 1
        if isinstance(n, yaml.SequenceNode):
            total += sum(count(child) for child in n.value)
        elif isinstance(n, yaml.MappingNode):
            total += sum(count(k) + count(v) for k, v in n.value)
        if total > MAX_YAML_NODES:
            raise refuse(n, f"aliases expand the document past {MAX_YAML_NODES:,} values")
        open_.discard(id(n))
        counts[id(n)] = total
        return total

    return count(node)


def _no_surrogates(value: object, text: str, source: str) -> None:
    """Refuse a string holding half a surrogate pair (only a ``\\u`` escape spells one)."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    found = unencodable(value)
    if found is not None:
        message = f"`{found[0]}`: {found[1]}"
        raise ConfigError(
            f"{source}: malformed YAML: {message}", [{"loc": f"{source} {found[0]}", "message": found[1]}]
        )


def load_yaml_text(text: str, source: str = "<string>") -> object:
    try:
        loader = _loader(source)(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_nodes(node, source)
            value = loader.construct_document(node)
        finally:
            loader.dispose()
        _no_surrogates(value, text, source)
        return value
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(
            f"{source}:{line}: malformed YAML: {problem}",
            [{"loc": f"{source}:{line}", "message": f"malformed YAML: {problem}"}],
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: malformed YAML: {exc}", [{"loc": source, "message": str(exc)}]) from None
    except RecursionError:
        raise ConfigError(
            f"{source}: malformed YAML: nested too deeply", [{"loc": source, "message": "nested too deeply"}]
        ) from None
    except ValueError as exc:  # a scalar no Python value holds: a 5000-digit integer, a 30 February
        if isinstance(exc, GoalrailError):
            raise
        message = f"a value cannot be read ({str(exc)[:80]})"
        raise ConfigError(f"{source}: malformed YAML: {message}", [{"loc": source, "message": message}]) from None


def load_yaml_file(path: str | Path) -> object:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file `{p}` does not exist", [{"loc": str(p), "message": "not found"}]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read `{p}`: {exc}", [{"loc": str(p), "message": str(exc)}]) from None
    return load_yaml_text(text, str(p))


def where(node: object, key: str | None = None, default: str = "<config>") -> str:
    if isinstance(node, (LocatedDict, LocatedList)):
        return node.where(key) if isinstance(node, LocatedDict) else node.where()
    return default


def fail(node: object, key: str | None, message: str) -> ConfigError:
    loc = where(node, key)
    path = f"{loc} {key}" if key else loc
    return ConfigError(f"{loc}: {message}", [{"loc": path, "message": message}])
