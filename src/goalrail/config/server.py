"""The server config file (``goalrail server -c FILE``).

Default location: ``~/.goalrail/config.yaml`` on a laptop, ``/data/config.yaml``
in a container.  No file at all is a valid, empty config.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from goalrail.config.agent import AgentSpec, load_agent_spec
from goalrail.config.policies import combine, parse_policies
from goalrail.config.service import LIMIT_DEFAULTS, check_auth, check_limits, check_llm_proxy, check_server
from goalrail.config.tools import action_mapper, check_tool_mapping, check_tools
from goalrail.config.yamlfile import LocatedDict, fail, load_yaml_file, load_yaml_text
from goalrail.defaults import APPROVAL_TIMEOUT_S, goalrail_home
from goalrail.engine.actions import ActionMapper
from goalrail.engine.spec import PolicySpec
from goalrail.errors import ConfigError, GoalrailError
from goalrail.policies.files import FileAccess
from goalrail.policies.pricing import PriceTable, default_price_table
from goalrail.policies.registry import Registry

SECTIONS = {
    "policies",
    "policy_modules",
    "policy_dirs",
    "agents_dir",
    "database_url",
    "llm",
    "pricing",
    "approvals",
    "auth",
    "tool_mapping",
    "tools",
    "server",
    "limits",
    "llm_proxy",
}


def default_config_path() -> Path:
    """``/data/config.yaml`` inside a container, else ``~/.goalrail/config.yaml``."""
    container = Path("/data/config.yaml")
    if os.environ.get("GOALRAIL_IN_CONTAINER") or (Path("/.dockerenv").exists() and container.exists()):
        return container
    return Path(goalrail_home()) / "config.yaml"


@dataclass
class ServerConfig:
    policies: list[PolicySpec] = field(default_factory=list)
    policy_modules: list[str] = field(default_factory=list)
    policy_dirs: list[Path] = field(default_factory=list)
    policy_dirs_spelled: list[Path] = field(default_factory=list)  # as the config names them (links kept)
    agents_dir: Path | None = None
    agents: dict[str, AgentSpec] = field(default_factory=dict)
    database_url: str | None = None
    llm: dict[str, Any] = field(default_factory=dict)
    pricing: dict[str, Any] = field(default_factory=dict)
    approvals: dict[str, Any] = field(default_factory=dict)
    auth: dict[str, Any] = field(default_factory=dict)
    tool_mapping: dict[str, str] = field(default_factory=dict)
    tools: dict[str, Any] = field(default_factory=dict)
    server: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)
    llm_proxy: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    registry: Registry | None = None

    @property
    def approval_timeout_s(self) -> float:
        return float(self.approvals.get("timeout_s", APPROVAL_TIMEOUT_S))

    @property
    def policy_timeout_ms(self) -> float:
        """A policy's deadline when it sets no ``timeout_ms`` of its own (``limits.policy_timeout_ms``)."""
        return float(self.limits.get("policy_timeout_ms", LIMIT_DEFAULTS["policy_timeout_ms"]))

    def price_table(self) -> PriceTable:
        """This config's prices (``pricing:`` aliases and overrides), built anew: never shared
        with another app in the process; the built-in table when there is no ``pricing:``."""
        return PriceTable.from_config(self.pricing) if self.pricing else default_price_table()

    def action_mapper(self) -> ActionMapper:
        """Canonical tool mapping plus tool metadata, as every entry point should build it."""
        return action_mapper(self.tool_mapping, self.tools)

    @property
    def file_access(self) -> FileAccess:
        """What this config's own policies (and agent YAML on disk) may read: ``policy_dirs``."""
        return FileAccess.under(self.policy_dirs)


def _dirs(node: Mapping[str, object], key: str, base_dir: Path | None, spelled: list[Path] | None = None) -> list[Path]:
    """The directories ``key`` lists, resolved; ``spelled`` gets them as written (made absolute)."""
    out: list[Path] = []
    for raw in _str_list(node, key):
        path = Path(raw).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_dir():
            raise fail(node, key, f"`{key}` entry `{raw}` is not a directory")
        out.append(path.resolve())
        if spelled is not None:
            spelled.append(path.absolute())
    return out


def _str_list(node: Mapping[str, object], key: str) -> list[str]:
    value = node.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(node, key, f"`{key}` must be a list of strings")
    return list(value)


def _mapping(node: Mapping[str, object], key: str) -> dict[str, object]:
    value = node.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(node, key, f"`{key}` must be a mapping")
    return dict(value)


def _check_llm(node: Mapping[str, object], llm: Mapping[str, object]) -> None:
    allowed = {"base_url", "model", "api_key_env", "timeout_s", "api_key"}
    bad = sorted(set(llm) - allowed)
    if bad:
        raise fail(node.get("llm"), bad[0], f"unknown key `llm.{bad[0]}`")
    if llm and not isinstance(llm.get("model"), str):
        raise fail(node, "llm", "`llm.model` is required when `llm` is set")


def _check_pricing(node: Mapping[str, object], pricing: Mapping[str, object]) -> None:
    bad = sorted(set(pricing) - {"aliases", "overrides"})
    if bad:
        raise fail(node.get("pricing"), bad[0], f"unknown key `pricing.{bad[0]}`")
    aliases = pricing.get("aliases") or {}
    if not isinstance(aliases, Mapping) or not all(isinstance(v, str) for v in aliases.values()):
        raise fail(node.get("pricing"), "aliases", "`pricing.aliases` must map model names to model names")
    overrides = pricing.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        raise fail(node.get("pricing"), "overrides", "`pricing.overrides` must be a mapping")
    for model, price in overrides.items():
        if not isinstance(price, Mapping) or not {"input", "output"} <= set(price):
            raise fail(overrides, model, f"override for `{model}` needs `input` and `output` (USD per million tokens)")
        for k, v in price.items():
            if (
                k not in ("input", "output", "cache_read", "cache_write")
                or isinstance(v, bool)
                or not isinstance(v, (int, float))
                or v < 0
            ):
                raise fail(price, k, f"override `{model}.{k}` must be input/output/cache_read/cache_write ≥ 0")


AGENT_KEYS = {"name", "prompt", "description", "executor", "labels", "ask_timeout", "llm", "model"}


def looks_like_agent_spec(data: object) -> bool:
    """An agent spec has a `name` and no server-only section (`policies`, `llm`, `tools` and
    `tool_mapping` exist in both)."""
    shared = {"policies", "llm", "tools", "tool_mapping"}
    return isinstance(data, Mapping) and "name" in data and not (set(data) & (SECTIONS - shared))


def parse_server_config(raw: object, *, base_dir: Path | None = None, load_registry: bool = True) -> ServerConfig:
    """Validate the whole file; every problem found is reported at once, each at its file:line."""
    if raw is None:
        raw = LocatedDict()
    if not isinstance(raw, Mapping):
        raise ConfigError("server config must be a YAML mapping", [{"loc": "config", "message": "expected a mapping"}])
    data: Mapping[str, object] = raw
    problems: list[GoalrailError] = []
    unknown = sorted(set(data) - SECTIONS)
    if unknown:
        hint = (
            " (this looks like an agent spec: check it with `goalrail config check --agent FILE`)"
            if looks_like_agent_spec(data) or set(unknown) <= AGENT_KEYS
            else f" (expected one of {', '.join(sorted(SECTIONS))})"
        )
        problems += [fail(data, key, f"unknown section `{key}`{hint}") for key in unknown]
    modules = _str_list(data, "policy_modules")
    spelled: list[Path] = []
    policy_dirs = _dirs(data, "policy_dirs", base_dir, spelled)
    registry = Registry.load(modules) if load_registry else None
    policies: list[PolicySpec] = []
    try:
        policies = parse_policies(data.get("policies"), "server", registry=registry, owner=data)
    except GoalrailError as exc:
        problems.append(exc)
    cfg = ServerConfig(
        policies=policies,
        policy_modules=modules,
        policy_dirs=policy_dirs,
        policy_dirs_spelled=spelled,
        database_url=cast("str | None", data.get("database_url")),  # checked below (_check_database_url)
        registry=registry,
        source=getattr(data, "source", None),
    )
    checks: list[Callable[[], object]] = [
        lambda: setattr(cfg, "llm", _mapping(data, "llm")),
        lambda: setattr(cfg, "pricing", _mapping(data, "pricing")),
        lambda: setattr(cfg, "approvals", _mapping(data, "approvals")),
        lambda: setattr(cfg, "auth", _mapping(data, "auth")),
        lambda: setattr(cfg, "server", _mapping(data, "server")),
        lambda: setattr(cfg, "limits", _mapping(data, "limits")),
        lambda: check_server(data.get("server")),
        lambda: check_auth(data.get("auth")),
        lambda: check_limits(data.get("limits")),
        lambda: check_llm_proxy(data.get("llm_proxy")),
        lambda: setattr(cfg, "llm_proxy", _mapping(data, "llm_proxy")),
        lambda: _check_database_url(data),
        lambda: _check_llm(data, cfg.llm),
        lambda: _check_pricing(data, cfg.pricing),
        lambda: setattr(cfg, "tool_mapping", check_tool_mapping(data)),
        lambda: setattr(cfg, "tools", check_tools(data)),
        lambda: _check_approvals(data, cfg.approvals),
    ]
    for check in checks:
        try:
            check()
        except GoalrailError as exc:
            problems.append(exc)
    try:
        _load_agents(data, cfg, base_dir, registry)
    except GoalrailError as exc:
        problems.append(exc)
    if problems:
        raise combine(problems, getattr(data, "source", "<config>"))
    return cfg


def _check_database_url(data: Mapping[str, object]) -> None:
    url = data.get("database_url")
    if url is not None and not isinstance(url, str):
        raise fail(data, "database_url", "`database_url` must be a string")


def _check_approvals(data: Mapping[str, object], approvals: Mapping[str, object]) -> None:
    timeout = approvals.get("timeout_s", APPROVAL_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise fail(data.get("approvals"), "timeout_s", "`approvals.timeout_s` must be a positive number")


def _load_agents(
    data: Mapping[str, object], cfg: ServerConfig, base_dir: Path | None, registry: Registry | None
) -> None:
    agents_dir = data.get("agents_dir")
    if agents_dir is None:
        return
    if not isinstance(agents_dir, str):
        raise fail(data, "agents_dir", "`agents_dir` must be a path")
    path = Path(agents_dir).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    if not path.is_dir():
        raise fail(data, "agents_dir", f"agents_dir `{agents_dir}` is not a directory")
    cfg.agents_dir = path
    problems: list[GoalrailError] = []
    for f in sorted([*path.glob("*.yaml"), *path.glob("*.yml")]):
        try:
            spec = load_agent_spec(f, registry=registry)
        except GoalrailError as exc:
            problems.append(exc)
            continue
        if spec.name in cfg.agents:
            problems.append(ConfigError(f"{f}: agent `{spec.name}` is defined twice in {path}"))
        cfg.agents[spec.name] = spec
    if problems:
        raise combine(problems, str(path))


def load_server_config(path: str | Path | None, *, load_registry: bool = True) -> ServerConfig:
    """Load and fully validate a server config; a missing default file is an empty config."""
    if path is None:
        default = default_config_path()
        if not default.exists():
            return parse_server_config(None, load_registry=load_registry)
        path = default
    p = Path(path).expanduser()
    data = load_yaml_file(p)
    return parse_server_config(data, base_dir=p.parent, load_registry=load_registry)


def server_config_from_text(text: str, source: str = "<string>") -> ServerConfig:
    return parse_server_config(load_yaml_text(text, source))
