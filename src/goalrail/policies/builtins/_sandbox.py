"""Sandbox configurations combined so that a policy can only make them stricter.

``merge_sandbox(existing, forced)``: the type is the forced one (the factory
only accepts real sandbox types, so an existing ``none`` is replaced and a
sandbox is never switched off); network is allowed only if both allow it; path and
environment lists are intersected (a forced path is kept only if it lies inside
an existing one, and vice versa), ``None`` meaning "no restriction from this
side".  Unknown keys of the existing config are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SANDBOX_TYPES = ("linux_bwrap", "macos_seatbelt", "docker")


def _inside(path: str, base: str) -> bool:
    base = base.rstrip("/") or "/"
    return base == "/" or path == base or path.startswith(base + "/")


def _narrow_paths(old: Any, new: list[str] | None) -> list[str] | None:
    if new is None:
        return list(old) if isinstance(old, list) else None
    if not isinstance(old, list):
        return list(new)
    out = [p for p in new if any(_inside(p, o) for o in old if isinstance(o, str))]
    out += [o for o in old if isinstance(o, str) and o not in out and any(_inside(o, p) for p in new)]
    return out


def _narrow_env(old: Any, new: list[str] | None) -> list[str] | None:
    if new is None:
        return list(old) if isinstance(old, list) else None
    if not isinstance(old, list):
        return list(new)
    return [v for v in new if v in old]


def merge_sandbox(existing: Any, forced: Mapping[str, Any]) -> dict[str, Any]:
    old: Mapping[str, Any] = existing if isinstance(existing, Mapping) else {}
    out: dict[str, Any] = dict(old)
    out["type"] = forced["type"]  # always a real sandbox (validated), so never weaker
    old_net = old.get("allow_network", True)
    out["allow_network"] = bool(forced["allow_network"]) and old_net is not False
    for key in ("write_paths", "read_paths"):
        merged = _narrow_paths(old.get(key), forced.get(key))
        if merged is None:
            out.pop(key, None)
        else:
            out[key] = merged
    env = _narrow_env(old.get("env_passthrough"), forced.get("env_passthrough"))
    if env is None:
        out.pop("env_passthrough", None)
    else:
        out["env_passthrough"] = env
    return out
