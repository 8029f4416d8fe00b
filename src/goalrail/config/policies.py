"""Parsing a ``policies:`` block into PolicySpecs.

Both forms pass their parameters (the reference engine silently dropped
``factory_params`` in server configs):

    name: {type: function, handler: a.b.c, factory_params: {...}}
    name: {type: function, function: {path: a.b.c, arguments: {...}}}

``callable:`` is accepted as an alias of ``handler:``; ``function: a.b.c`` (a
string) too.  Options: ``mode`` (enforce | shadow), ``enabled``, ``on_error``
(deny | allow | ask), ``timeout_ms``, ``ask_timeout``, ``description``.
"""

from __future__ import annotations

from collections.abc import Mapping

from goalrail.config.yamlfile import fail, where
from goalrail.engine.spec import MODES, ON_ERROR, Level, PolicySpec
from goalrail.errors import GoalrailError, InvalidParams
from goalrail.policies.registry import Registry, check_origin, import_object

_TYPES = ("function", "python")
_KEYS = {
    "type",
    "handler",
    "callable",
    "function",
    "factory_params",
    "mode",
    "enabled",
    "on_error",
    "timeout_ms",
    "ask_timeout",
    "description",
    "kind",
}


def _parse_one(name: str, entry: object, level: Level, block: object) -> PolicySpec:
    if not isinstance(entry, Mapping):
        raise fail(block, name, f"policy `{name}` must be a mapping with `type` and `handler`")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise fail(entry, unknown[0], f"policy `{name}`: unknown key `{unknown[0]}`")
    ptype = entry.get("type", "function")
    if ptype not in _TYPES:
        raise fail(entry, "type", f"policy `{name}`: type must be `function`, got `{ptype}`")
    handler = entry.get("handler", entry.get("callable"))
    params: object = entry.get("factory_params")
    fn = entry.get("function")
    if fn is not None:
        if handler is not None:
            raise fail(entry, "function", f"policy `{name}`: give either `handler` or `function`, not both")
        if isinstance(fn, str):
            handler = fn
        elif isinstance(fn, Mapping):
            bad = sorted(set(fn) - {"path", "arguments"})
            if bad:
                raise fail(fn, bad[0], f"policy `{name}`: unknown key `function.{bad[0]}`")
            handler = fn.get("path")
            if "arguments" in fn:
                if params is not None:
                    raise fail(
                        entry,
                        "factory_params",
                        f"policy `{name}`: give `factory_params` or `function.arguments`, not both",
                    )
                params = fn.get("arguments") if fn.get("arguments") is not None else {}
        else:
            raise fail(entry, "function", f"policy `{name}`: `function` must be a dotted path or {{path, arguments}}")
    if not isinstance(handler, str) or "." not in handler:
        key = "function" if fn is not None else "handler"
        raise fail(
            entry,
            key,
            f"policy `{name}`: `{key}` must be a dotted import path "
            "such as goalrail.policies.builtins.safety.ask_on_os_tools",
        )
    if params is not None and not isinstance(params, Mapping):
        raise fail(entry, "factory_params", f"policy `{name}`: parameters must be a mapping")
    mode = entry.get("mode", "enforce")
    if mode not in MODES:
        raise fail(entry, "mode", f"policy `{name}`: mode must be enforce or shadow, got `{mode}`")
    on_error = entry.get("on_error", "deny")
    if on_error not in ON_ERROR:
        raise fail(entry, "on_error", f"policy `{name}`: on_error must be deny, allow or ask")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail(entry, "enabled", f"policy `{name}`: enabled must be true or false")
    timeout = entry.get("timeout_ms")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise fail(entry, "timeout_ms", f"policy `{name}`: timeout_ms must be a positive number")
    ask_timeout = entry.get("ask_timeout")
    if ask_timeout is not None and (
        isinstance(ask_timeout, bool) or not isinstance(ask_timeout, (int, float)) or ask_timeout <= 0
    ):
        raise fail(entry, "ask_timeout", f"policy `{name}`: ask_timeout must be a positive number of seconds")
    kind = entry.get("kind")
    if kind is not None and kind not in ("factory", "callable"):
        raise fail(entry, "kind", f"policy `{name}`: kind must be factory or callable")
    return PolicySpec(
        name=str(name),
        handler=handler,
        level=level,
        params=dict(params) if params is not None else None,
        kind=kind,
        mode=mode,
        enabled=enabled,
        on_error=on_error,
        timeout_ms=float(timeout) if timeout is not None else None,
        ask_timeout_s=float(ask_timeout) if ask_timeout is not None else None,
        source=where(entry),
        extra={"description": entry["description"]} if "description" in entry else {},
    )


def _handler_node(entry: Mapping[str, object]) -> tuple[Mapping[str, object], str]:
    """The mapping and key where the handler is written (``handler``, ``callable`` or ``function[.path]``)."""
    fn = entry.get("function")
    if isinstance(fn, Mapping) and "path" in fn:
        return fn, "path"
    for key in ("handler", "callable", "function"):
        if key in entry:
            return entry, key
    return entry, "handler"


def _params_node(entry: Mapping[str, object]) -> object:
    fn = entry.get("function")
    if isinstance(fn, Mapping) and "arguments" in fn:
        return fn.get("arguments")
    return entry.get("factory_params")


def _param_where(entry: Mapping[str, object], loc: str, message: str) -> str:
    """file:line of the parameter an error is about (the deepest key of ``loc`` that exists)."""
    node = _params_node(entry)
    best = where(node) if node is not None else where(entry)
    parts = loc.split(".")[1:]  # drop the root (factory_params)
    if not parts and message.startswith("unknown parameter"):
        parts = [message.split("`")[1]] if "`" in message else []
    for part in parts:
        if isinstance(node, Mapping) and part in node:
            best = where(node, part)
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            best = node.where(int(part)) if hasattr(node, "where") else best
            node = node[int(part)]
        else:
            break
    return best


def _check_registered(
    spec: PolicySpec, entry: Mapping[str, object], registry: Registry, require_registered: bool
) -> list[GoalrailError]:
    """Allowlist and parameter checks, each error located at its own line."""
    name = spec.name
    node, key = _handler_node(entry)
    try:
        if require_registered:
            registry.require(spec.handler)
        elif spec.handler not in registry:
            check_origin(spec.handler, import_object(spec.handler))
        registry.validate(spec.handler, spec.params)
    except InvalidParams as exc:
        out: list[GoalrailError] = []
        for e in exc.errors or [{"loc": "factory_params", "message": exc.message}]:
            loc, message = str(e.get("loc", "factory_params")), str(e.get("message", ""))
            at = _param_where(entry, loc, message)
            text = f"policy `{name}`: `{loc}`: {message}"
            out.append(InvalidParams(f"{at}: {text}", [{"loc": f"{at} {name}.{loc}", "message": text}]))
        return out
    except GoalrailError as exc:
        at = where(node, key)
        text = f"policy `{name}`: {exc.message}"
        return [type(exc)(f"{at}: {text}", [{"loc": f"{at} {name}.handler", "message": text}])]
    return []


def combine(problems: list[GoalrailError], source: str) -> GoalrailError:
    """One error for several: the first one's type, every detail once."""
    if len(problems) == 1:
        return problems[0]
    details = [e for p in problems for e in (p.errors or [{"loc": "", "message": p.message}])]
    return type(problems[0])(f"{source}: {len(details)} problems", details)


def parse_policies(
    block: object,
    level: Level,
    *,
    registry: Registry | None = None,
    require_registered: bool = False,
    owner: object = None,
    key: str = "policies",
) -> list[PolicySpec]:
    """Parse and validate a ``policies:`` mapping (or None) into specs, in order.

    With a registry, parameters of registered handlers are validated against the
    full schema now; ``require_registered`` rejects handlers outside the registry
    (uploaded specs, REST, chat), and otherwise a handler outside the registry
    must not be a standard-library callable.  Every broken policy is reported,
    each error at the line of the key or parameter it is about.
    """
    if block is None:
        return []
    if not isinstance(block, Mapping):
        raise fail(owner, key, "`policies` must be a mapping of name → policy")
    specs: list[PolicySpec] = []
    problems: list[GoalrailError] = []
    for name, entry in block.items():
        try:
            spec = _parse_one(str(name), entry, level, block)
        except GoalrailError as exc:
            problems.append(exc)
            continue
        if registry is not None:
            found = _check_registered(spec, entry, registry, require_registered)
            if found:
                problems.extend(found)
                continue
        specs.append(spec)
    if problems:
        raise combine(problems, getattr(block, "source", "<config>"))
    return specs
