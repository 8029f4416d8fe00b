"""The shell corpora's lines (``tests/corpus/shell_benign.yaml`` and ``shell_bypass.yaml``), as
the tests that check a rule over every line read them (``@ROOT@`` written as ``/r``)."""

from __future__ import annotations

from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def corpus_lines() -> list[str]:
    out: list[str] = []
    benign = yaml.safe_load((CORPUS / "shell_benign.yaml").read_text())
    bypass = yaml.safe_load((CORPUS / "shell_bypass.yaml").read_text())
    for case in [*benign["commands"], *bypass["cases"]]:
        line = case if isinstance(case, str) else case.get("command") if isinstance(case, dict) else None
        if isinstance(line, str):
            out.append(line.replace("@ROOT@", "/r"))
    return out
