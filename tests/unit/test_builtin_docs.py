"""docs/builtins.md is generated from the registry and must be up to date; its examples must load."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from goalrail.config.policies import parse_policies
from goalrail.engine.chain import compile_chain
from goalrail.policies.docs import render
from goalrail.policies.registry import Registry

DOC = Path(__file__).resolve().parents[2] / "docs" / "builtins.md"


def test_builtins_doc_is_up_to_date() -> None:
    expected = render(e for e in Registry.load().public() if e.builtin)
    assert DOC.read_text(encoding="utf-8") == expected, "run `goalrail docs builtins > docs/builtins.md`"


def test_every_builtin_is_documented_with_a_working_example() -> None:
    registry = Registry.load()
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    builtins = [e for e in registry.public() if e.builtin]
    assert len(blocks) == len(builtins) >= 15
    for block in blocks:
        specs = parse_policies(yaml.safe_load(block), "session", registry=registry, require_registered=True)
        assert len(compile_chain(specs, registry, require_registered=True)) == 1


def test_schema_defaults_are_listed() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "| `limit` | integer | 100 |" in text
