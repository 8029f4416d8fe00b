"""Formatters and fixers rewrite the files they are handed in place: ``clang-format -i ~/.bashrc``
writes ``~/.bashrc`` as ``sed -i`` does, ``prettier --write ~/.claude/settings.json`` writes the
agent's guard.  They were allowed (or, unknown, only asked about the guard).  A check or a diff
writes nothing; the project's own files stay allowed."""

from __future__ import annotations

import pytest

from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}
TARGETS = ["~/.claude/settings.json", "~/.bashrc", "/home/dev/.codex/config.toml", ".vscode/settings.json"]
REWRITES = [
    "black {}",
    "blue {}",
    "isort {}",
    "pyupgrade --py311-plus {}",
    "ruff format {}",
    "ruff check --fix {}",
    "autopep8 -i {}",
    "autopep8 --in-place --aggressive {}",
    "autoflake --in-place {}",
    "yapf -i {}",
    "rustfmt {}",
    "stylua {}",
    "dos2unix {}",
    "unix2dos {}",
    "gofmt -w {}",
    "goimports -w {}",
    "clang-format -i {}",
    "clang-format -i --style=Google {}",
    "shfmt -w {}",
    "shfmt -i 2 -w {}",
    "prettier --write {}",
    "prettier -w {}",
    "npx prettier --write {}",
    "eslint --fix {}",
    "rubocop -A {}",
    "ktlint -F {}",
    "biome format --write {}",
    "taplo fmt {}",
]
CHECKS = [
    "black --check {}",
    "black --diff {}",
    "isort --check-only {}",
    "ruff format --check {}",
    "ruff check {}",
    "autopep8 --diff {}",
    "gofmt -l {}",
    "clang-format {}",
    "clang-format --dry-run -i {}",
    "shfmt -d {}",
    "prettier --check {}",
    "eslint {}",
    "dos2unix -i {}",
]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("form", REWRITES)
@pytest.mark.parametrize("name", POLICIES)
def test_a_formatter_rewriting_a_file_is_judged_as_a_write_of_it(name: str, form: str, target: str) -> None:
    assert verdict(POLICIES[name], form.format(target)) == verdict(POLICIES[name], f"echo x > {target}")


@pytest.mark.parametrize("target", TARGETS[:2])
@pytest.mark.parametrize("form", CHECKS)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_a_check_or_a_diff_writes_nothing(name: str, form: str, target: str) -> None:
    assert verdict(POLICIES[name], form.format(target)) == verdict(POLICIES[name], f"cat {target}")


@pytest.mark.parametrize(
    "line",
    [
        "black .",
        "black src/ tests/",
        "ruff format .",
        "ruff check --fix src",
        "isort --profile black src",
        "prettier --write 'src/**/*.ts'",
        "gofmt -w ./cmd",
        "clang-format -i src/*.cc",
        "eslint --fix --ext .ts,.tsx src",
        "shfmt -w scripts/",
        "dos2unix scripts/run.sh",
        "npx prettier --write .",
        "bun x prettier --write .",
    ],
)
@pytest.mark.parametrize("name", ["soc2", "hipaa", "permissive"])
def test_formatting_the_project_stays_allowed(name: str, line: str) -> None:
    """(``strict`` asks about these as it asks about ``echo x > src/x``: a write outside the
    workspace it was given, none here)"""
    assert verdict(POLICIES[name], line) == "ALLOW"
