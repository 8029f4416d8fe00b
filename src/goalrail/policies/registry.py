"""The policy registry: which handlers exist, how to call them, what they accept.

Builtin modules and every ``policy_modules`` module export ``POLICY_REGISTRY``:
a list of ``{handler, kind, name, description, params_schema}``.  The registry
is the allowlist for handlers coming from REST or chat, and the single source
of the parameter schema used by the UI form, the REST validation and the docs.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict, TypeVar, cast

import jsonschema
from jsonschema import Draft202012Validator

from goalrail.errors import ConfigError, InvalidParams, UnknownHandler
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.redact import SECRET_KEY

_BUILTINS_PACKAGE = "goalrail.policies.builtins"


@functools.cache
def builtin_modules() -> tuple[str, ...]:
    """Every public module of ``goalrail.policies.builtins`` (``_*`` modules are shared helpers).

    Found once per process by listing the package, without importing anything.
    """
    package = importlib.import_module(_BUILTINS_PACKAGE)
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    return tuple(f"{_BUILTINS_PACKAGE}.{name}" for name in names)


KINDS = ("factory", "callable")

_EMPTY_SCHEMA: JsonObject = {"type": "object", "properties": {}, "additionalProperties": False}


class EntryDict(TypedDict):
    """One ``POLICY_REGISTRY`` item as ``declare.registry_entries`` writes it for a builtin
    (a custom module's items are read as plain mappings, see ``_entry_from_dict``)."""

    handler: str
    kind: str
    name: str
    description: str
    params_schema: JsonObject
    example: NotRequired[JsonObject]


@dataclass(frozen=True)
class RegistryEntry:
    handler: str
    kind: str
    name: str
    description: str = ""
    params_schema: JsonObject = field(default_factory=lambda: dict(_EMPTY_SCHEMA))
    module: str = ""
    builtin: bool = False
    internal_only: bool = False
    example: JsonObject | None = None

    def to_dict(self) -> JsonObject:
        return {
            "handler": self.handler,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "params_schema": self.params_schema,
            "builtin": self.builtin,
            "example": self.example,
        }

    def validate(self, params: Mapping[str, object] | None, *, root: str = "factory_params") -> None:
        """Parameters against the full ``params_schema`` (a callable takes none)."""
        if self.kind == "callable":
            if params:
                raise InvalidParams(
                    f"`{self.handler}` takes no parameters",
                    [{"loc": root, "message": f"unknown parameter(s) {', '.join(f'`{k}`' for k in params)}"}],
                )
            return
        validate_params(self.params_schema, params or {}, handler=self.handler, root=root)

    def defaults(self) -> JsonObject:
        props = self.params_schema.get("properties", {})
        if not isinstance(props, dict):
            return {}
        return {k: copy.deepcopy(v["default"]) for k, v in props.items() if isinstance(v, dict) and "default" in v}


def _closed(schema: Mapping[str, object]) -> dict[str, object]:
    """Unknown parameters are always an error: close top-level object schemas."""
    out = dict(schema)
    if out.get("type", "object") == "object":
        out.setdefault("type", "object")
        out.setdefault("properties", {})
        out.setdefault("additionalProperties", False)
    return out


#: Bounds every registry schema carries where it names none (DESIGN decision 10): any
#: parameter a session may give can be shown whole to an approver and costs bounded work.
MAX_ITEMS = 256
MAX_LENGTH = 4096
MAX_PROPERTIES = 256
_SUBSCHEMAS = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems")


def bounded(schema: Mapping[str, JsonValue]) -> JsonObject:
    """A copy of ``schema`` with ``maxItems``/``maxLength``/``maxProperties`` added to every
    array, string and object schema (at any depth) that has none."""
    out = dict(schema)
    typ = out.get("type")
    kinds = {typ} if isinstance(typ, str) else set(typ) if isinstance(typ, list) else set()
    if "array" in kinds:
        out.setdefault("maxItems", MAX_ITEMS)
    if "string" in kinds and "enum" not in out and "const" not in out:
        out.setdefault("maxLength", MAX_LENGTH)
    if "object" in kinds:
        out.setdefault("maxProperties", MAX_PROPERTIES)
    for key in _SUBSCHEMAS:
        sub = out.get(key)
        if isinstance(sub, Mapping):
            out[key] = bounded(sub)
    for key in _SCHEMA_LISTS:
        subs = out.get(key)
        if isinstance(subs, list):
            out[key] = [_bounded_value(s) for s in subs]
    for key in ("properties", "patternProperties", "$defs"):
        subs = out.get(key)
        if isinstance(subs, Mapping):
            out[key] = {k: _bounded_value(v) for k, v in subs.items()}
    return out


def _bounded_value(value: JsonValue) -> JsonValue:
    return bounded(value) if isinstance(value, Mapping) else value


def _format_error(err: jsonschema.ValidationError, root: str) -> dict[str, str]:
    path = ".".join([root, *(str(p) for p in err.absolute_path)]) if err.absolute_path else root
    if err.validator == "additionalProperties" and not err.absolute_path:
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        names = ", ".join(f"`{e}`" for e in extra)
        return {"loc": root, "message": f"unknown parameter {names}"}
    if err.validator == "required":
        return {"loc": path, "message": err.message.replace("'", "`")}
    if any(isinstance(p, str) and SECRET_KEY.search(p) for p in err.absolute_path):
        # the value given to a parameter naming a secret is never echoed (answers, logs)
        return {"loc": path, "message": f"the value fails `{err.validator}` (not shown: a secret)"}
    return {"loc": path, "message": err.message}


def validate_params(
    schema: Mapping[str, object], params: Mapping[str, object], *, handler: str, root: str = "factory_params"
) -> None:
    """Validate ``params`` against the full JSON Schema; raise InvalidParams naming each problem."""
    if not isinstance(params, Mapping):
        raise InvalidParams(
            f"parameters for `{handler}` must be a mapping",
            [{"loc": root, "message": f"expected an object, got {type(params).__name__}"}],
        )
    validator = Draft202012Validator(_closed(schema))
    errors = sorted(validator.iter_errors(dict(params)), key=lambda e: list(e.absolute_path))
    if errors:
        details = [_format_error(e, root) for e in errors]
        first = details[0]
        raise InvalidParams(f"invalid parameters for `{handler}`: {first['loc']}: {first['message']}", details)


_OFFLOAD_ATTR = "goalrail_offload"
F = TypeVar("F", bound=Callable[..., object])


def mark_offload(fn: F) -> F:
    """Mark a builtin's policy callable whose cost is not bounded by the event's size
    (file reads, I/O): the engine runs it off the event loop.

    Shipped builtins are otherwise called inline; every other handler runs off the loop.
    """
    setattr(fn, _OFFLOAD_ATTR, True)
    return fn


def needs_offload(fn: object) -> bool:
    return bool(getattr(fn, _OFFLOAD_ATTR, False))


_PER_BYTE_ATTR = "goalrail_per_byte"
#: A builtin's cost class when it declares none: it reads the event's text once.
READS_ONCE = 1


def reads_event(per_byte: int) -> Callable[[F], F]:
    """Declare a builtin's cost class: the work it does per character of the event's text, in
    units of one plain scan (0: it reads counters and names only; 1: one scan, the default; 2 or
    more: parsing, several passes).  The engine adds a session's, agent's and server's classes up
    to decide whether an event is light enough to be judged on the event loop (``engine.work``)."""

    def mark(fn: F) -> F:
        setattr(fn, _PER_BYTE_ATTR, per_byte)
        return fn

    return mark


def per_byte(fn: object) -> int | None:
    """The cost class ``fn`` (a builtin's factory or policy) declares, if any."""
    value = getattr(fn, _PER_BYTE_ATTR, None)
    return value if type(value) is int else None


def import_object(dotted: str) -> Callable[..., object]:
    """Import ``pkg.module.attr``; raise UnknownHandler with the reason if impossible."""
    if not isinstance(dotted, str) or "." not in dotted:
        raise UnknownHandler(f"handler `{dotted}` is not a dotted import path (module.function)")
    module_name, _, attr = dotted.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownHandler(f"cannot import module `{module_name}` for handler `{dotted}`: {exc}") from None
    try:
        obj: object = getattr(module, attr)
    except AttributeError:
        raise UnknownHandler(f"module `{module_name}` has no attribute `{attr}`") from None
    if not callable(obj):
        raise UnknownHandler(f"handler `{dotted}` is not callable")
    return obj


def check_origin(handler: str, obj: object) -> None:
    """A handler outside the registry (allowed only in files an operator controls)
    must still be a policy from someone's own code: never a standard-library or
    builtin callable such as ``os.system``, ``subprocess.run`` or ``eval``, however
    it is re-exported."""
    named = handler.rpartition(".")[0]
    defined = getattr(obj, "__module__", None) or named
    for module in (named, defined):
        if module.split(".")[0] in sys.stdlib_module_names:
            shown = f"`{handler}`" if module == named else f"`{handler}` (from `{module}`)"
            raise UnknownHandler(
                f"handler {shown} is a standard-library callable, not a policy: name a registered policy "
                "(`goalrail registry`) or a function from your own module",
                [{"loc": "handler", "message": "standard-library callables are never policies"}],
            )


def guess_kind(fn: Callable[..., object], params: Mapping[str, object] | None) -> str:
    """Tell a factory from a direct policy when no registry entry says which.

    Parameters given (even ``{}``) mean factory.  Otherwise a function with exactly
    one required positional parameter is a policy taking the event; one whose
    parameters all have defaults (or are keyword-only) is a factory.
    """
    if params is not None:
        return "factory"
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return "callable"
    positional = [
        p
        for p in sig.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    return "callable" if len(positional) >= 1 else "factory"


def _entry_from_dict(raw: object, module: str, builtin: bool, index: int) -> RegistryEntry:
    loc = f"{module}.POLICY_REGISTRY[{index}]"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{loc} must be a mapping", [{"loc": loc, "message": "expected a mapping"}])
    handler = raw.get("handler")
    if not isinstance(handler, str) or "." not in handler:
        raise ConfigError(f"{loc}: `handler` must be a dotted path", [{"loc": f"{loc}.handler", "message": "required"}])
    kind = raw.get("kind", "callable")
    if kind not in KINDS:
        raise ConfigError(
            f"{loc}: `kind` must be factory or callable, got `{kind}`",
            [{"loc": f"{loc}.kind", "message": "must be factory or callable"}],
        )
    schema = raw.get("params_schema") or dict(_EMPTY_SCHEMA)
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(
            f"{loc}: params_schema is not valid JSON Schema: {exc.message}",
            [{"loc": f"{loc}.params_schema", "message": exc.message}],
        ) from None
    name = raw.get("name") or handler.rpartition(".")[2].replace("_", " ").title()
    return RegistryEntry(
        handler=handler,
        kind=kind,
        name=str(name),
        description=str(raw.get("description", "")),
        params_schema=bounded(cast(JsonObject, _closed(schema))),  # a valid JSON Schema, checked above
        module=module,
        builtin=builtin,
        internal_only=bool(raw.get("internal_only", False)),
        example=dict(raw["example"]) if isinstance(raw.get("example"), Mapping) else None,
    )


class Registry:
    """Every discoverable policy handler, keyed by its dotted path."""

    def __init__(self, entries: Iterable[RegistryEntry] = ()) -> None:
        self._entries: dict[str, RegistryEntry] = {}
        for entry in entries:
            self._entries[entry.handler] = entry

    @classmethod
    def load(cls, policy_modules: Iterable[str] = (), *, builtins: bool = True) -> Registry:
        registry = cls()
        if builtins:
            for module in builtin_modules():
                registry.add_module(module, builtin=True)
        for module in policy_modules:
            registry.add_module(module)
        return registry

    def add_module(self, module_name: str, *, builtin: bool = False) -> None:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(
                f"cannot import policy module `{module_name}`: {exc}",
                [{"loc": "policy_modules", "message": f"cannot import `{module_name}`"}],
            ) from None
        raw = getattr(module, "POLICY_REGISTRY", None)
        if raw is None:
            raise ConfigError(
                f"policy module `{module_name}` has no POLICY_REGISTRY",
                [{"loc": "policy_modules", "message": f"`{module_name}` exports no POLICY_REGISTRY"}],
            )
        for i, item in enumerate(raw):
            entry = _entry_from_dict(item, module_name, builtin, i)
            self._entries[entry.handler] = entry

    def __contains__(self, handler: object) -> bool:
        return handler in self._entries

    def __iter__(self) -> Iterator[RegistryEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, handler: str) -> RegistryEntry | None:
        return self._entries.get(handler)

    def public(self) -> list[RegistryEntry]:
        return [e for e in self._entries.values() if not e.internal_only]

    def require(self, handler: str) -> RegistryEntry:
        """The allowlist check for REST and chat: only registered handlers."""
        entry = self._entries.get(handler)
        if entry is None:
            raise UnknownHandler(
                f"handler `{handler}` is not in the policy registry",
                [{"loc": "handler", "message": "not a registered policy handler; see GET /v1/policy-registry"}],
            )
        return entry

    def validate(self, handler: str, params: Mapping[str, object] | None, *, root: str = "factory_params") -> None:
        entry = self._entries.get(handler)
        if entry is not None:
            entry.validate(params, root=root)
