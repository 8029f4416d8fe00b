"""Agent specs: the developer's YAML (``name``, ``prompt``, ``executor``, ``tools``, ``policies``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goalrail.config.policies import combine, parse_policies
from goalrail.config.tools import check_tool_mapping, check_tools, tool_catalog
from goalrail.config.yamlfile import fail, load_yaml_file, load_yaml_text
from goalrail.engine.spec import PolicySpec
from goalrail.engine.tools import ToolCatalog
from goalrail.errors import ConfigError, GoalrailError
from goalrail.policies.registry import Registry

_KEYS = {
    "name",
    "prompt",
    "description",
    "executor",
    "tools",
    "tool_mapping",
    "policies",
    "labels",
    "ask_timeout",
    "llm",
    "model",
}


@dataclass
class AgentSpec:
    name: str
    prompt: str | None = None
    executor: dict[str, Any] = field(default_factory=dict)
    tools: dict[str, Any] = field(default_factory=dict)
    tool_mapping: dict[str, str] = field(default_factory=dict)
    policies: list[PolicySpec] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    #: Read from a file on the server's disk (an operator file), not uploaded.
    on_disk: bool = False

    @property
    def tool_catalog(self) -> ToolCatalog:
        """Metadata the spec's ``tools:`` declares (``kind``, ``trust``, ``sinks``…)."""
        return tool_catalog(self.tools, f"agent {self.name}")

    @property
    def model(self) -> str | None:
        model = self.executor.get("model")
        return model if isinstance(model, str) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "prompt": self.prompt,
            "executor": self.executor,
            "tools": self.tools,
            "tool_mapping": self.tool_mapping,
            "labels": self.labels,
            "policies": [p.to_dict() for p in self.policies],
            "source": self.source,
        }


def parse_agent_spec(data: object, *, registry: Registry | None = None, require_registered: bool = False) -> AgentSpec:
    if not isinstance(data, Mapping):
        raise ConfigError("an agent spec must be a YAML mapping", [{"loc": "spec", "message": "expected a mapping"}])
    problems: list[GoalrailError] = [
        fail(data, key, f"unknown key `{key}` in agent spec") for key in sorted(set(data) - _KEYS)
    ]
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(fail(data, "name", "agent spec needs a `name`"))
    tools: dict[str, Any] = {}
    tool_mapping: dict[str, str] = {}
    try:
        tools = check_tools(data)
        tool_mapping = check_tool_mapping(data)
    except GoalrailError as exc:
        problems.append(exc)
    for key in ("executor", "labels"):
        if data.get(key) is not None and not isinstance(data[key], Mapping):
            problems.append(fail(data, key, f"`{key}` must be a mapping"))
    prompt = data.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        problems.append(fail(data, "prompt", "`prompt` must be a string"))
    policies: list[PolicySpec] = []
    try:
        policies = parse_policies(
            data.get("policies"), "agent", registry=registry, require_registered=require_registered, owner=data
        )
    except GoalrailError as exc:
        problems.append(exc)
    if problems:  # every problem at once, each at its line
        raise combine(problems, getattr(data, "source", "<agent spec>"))
    assert isinstance(name, str)
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}
    source = getattr(data, "source", None)
    return AgentSpec(
        name=name,
        prompt=prompt,
        executor=dict(data.get("executor") or {}),
        tools=tools,
        tool_mapping=tool_mapping,
        policies=policies,
        labels=labels,
        source=source,
        raw=dict(data),
    )


def load_agent_spec(path: str | Path, *, registry: Registry | None = None) -> AgentSpec:
    spec = parse_agent_spec(load_yaml_file(path), registry=registry)
    spec.on_disk = True
    return spec


def agent_spec_from_text(
    text: str, *, source: str = "<upload>", registry: Registry | None = None, require_registered: bool = False
) -> AgentSpec:
    return parse_agent_spec(load_yaml_text(text, source), registry=registry, require_registered=require_registered)
