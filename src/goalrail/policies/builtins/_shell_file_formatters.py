"""Code formatters and fixers that rewrite the files they are given in place, for
``_shell_file_effects`` (through ``_shell_file_filters.FILTER_HANDLERS``).

Each file operand is read and written — ``black F``, ``ruff format F``, ``isort F``, ``pyupgrade
F``, ``rustfmt F``, ``stylua F``, ``swiftformat F`` — unless the call only checks or
prints (``--check``, ``--diff``, ``--stdout``, ``-n``…); the others write only when told to
(``gofmt -w``, ``shfmt -w``, ``prettier --write``, ``eslint --fix``, ``autopep8
-i``, ``yapf -i``, ``rubocop -a``, ``ktlint -F``, ``ruff check --fix``, ``biome format --write``).
So ``shfmt -w ~/.bashrc`` writes ``~/.bashrc`` as ``sed -i`` would, and ``black --check
src`` writes nothing.  A directory operand is judged as named, not file by file: a formatter changes
a file's layout, not what it says, so ``prettier --write .`` is no write of a settings file it may
reformat; the file it is handed by name is.  Another subcommand of a program here (``ruff rule``,
``biome ci``) is judged by what it is handed, as an unknown program's call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["FORMAT_HANDLERS"]


class _Rewrites(NamedTuple):
    """How a formatter rewrites: ``always`` (unless one of ``checks``), else only with one of
    ``writes``; ``valued``: its options that take the next word."""

    always: bool
    writes: frozenset[str]
    checks: frozenset[str]
    valued: frozenset[str]


_PY_VALUED = names("-l --line-length -t --target-version --config --include --exclude --extend-exclude")
_PY_VALUED |= names("--force-exclude --stdin-filename -W --workers --settings-path --sp --profile --line-width")
#: (program, its subcommand or "") → how it rewrites
_TABLE: dict[tuple[str, str], _Rewrites] = {
    ("black", ""): _Rewrites(True, frozenset(), names("--check --diff"), _PY_VALUED),
    ("blue", ""): _Rewrites(True, frozenset(), names("--check --diff"), _PY_VALUED),
    ("isort", ""): _Rewrites(True, frozenset(), names("--check-only -c --check --diff --stdout -d"), _PY_VALUED),
    ("pyupgrade", ""): _Rewrites(True, frozenset(), frozenset(), frozenset()),
    ("ruff", "format"): _Rewrites(True, frozenset(), names("--check --diff"), _PY_VALUED),
    ("ruff", "check"): _Rewrites(False, names("--fix --unsafe-fixes"), names("--no-fix --diff"), _PY_VALUED),
    ("autopep8", ""): _Rewrites(False, names("-i --in-place"), names("--diff"), _PY_VALUED),
    ("autoflake", ""): _Rewrites(False, names("-i --in-place"), names("--check --stdout"), _PY_VALUED),
    ("yapf", ""): _Rewrites(False, names("-i --in-place"), names("--diff -d"), names("--style -p")),
    ("docformatter", ""): _Rewrites(False, names("-i --in-place"), names("--check -c"), _PY_VALUED),
    ("rustfmt", ""): _Rewrites(True, frozenset(), names("--check --emit"), names("--edition --config-path --config")),
    ("stylua", ""): _Rewrites(True, frozenset(), names("--check -c --verify"), names("--config-path -f --indent-type")),
    ("swiftformat", ""): _Rewrites(True, frozenset(), names("--lint --dryrun"), names("--config --swiftversion")),
    ("gofmt", ""): _Rewrites(False, names("-w"), names("-l -d"), frozenset()),
    ("goimports", ""): _Rewrites(False, names("-w"), names("-l -d"), names("-local")),
    ("gofumpt", ""): _Rewrites(False, names("-w"), names("-l -d"), names("-lang -modpath")),
    ("shfmt", ""): _Rewrites(
        False, names("-w --write"), names("-l -d --diff"), names("-i --indent -ln --language-dialect")
    ),
    ("prettier", ""): _Rewrites(
        False, names("-w --write"), names("-c --check -l --list-different"), names("--config --parser")
    ),
    ("eslint", ""): _Rewrites(
        False, names("--fix"), names("--fix-dry-run"), names("-c --config --ext --rule -f --format -o")
    ),
    ("stylelint", ""): _Rewrites(False, names("--fix"), frozenset(), names("--config -f --formatter -o")),
    ("rubocop", ""): _Rewrites(
        False, names("-a -A --autocorrect --autocorrect-all --fix-layout -x"), frozenset(), names("-c --config")
    ),
    ("standardrb", ""): _Rewrites(False, names("--fix"), frozenset(), frozenset()),
    ("ktlint", ""): _Rewrites(False, names("-F --format"), frozenset(), frozenset()),
    ("biome", "format"): _Rewrites(False, names("--write --apply --fix"), frozenset(), names("--config-path")),
    ("biome", "check"): _Rewrites(
        False, names("--write --apply --apply-unsafe --fix"), frozenset(), names("--config-path")
    ),
    ("biome", "lint"): _Rewrites(
        False, names("--write --apply --apply-unsafe --fix"), frozenset(), names("--config-path")
    ),
    ("markdownlint", ""): _Rewrites(False, names("--fix"), frozenset(), names("-c --config")),
    ("taplo", "fmt"): _Rewrites(True, frozenset(), names("--check --diff"), names("--config -c -o --option")),
    ("php-cs-fixer", "fix"): _Rewrites(True, frozenset(), names("--dry-run --diff"), names("--config --rules")),
}


def _operands(words: list[Word], valued: frozenset[str]) -> list[Word]:
    out: list[Word] = []
    skip = False
    for text, dyn in words:
        if skip:
            skip = False
        elif text in valued:
            skip = True
        elif dyn or not text.startswith("-") or text == "-":
            out.append((text, dyn))
    return [w for w in out if w[0] != "-"]  # (`-`: the standard input)


def _handler(program: str, how: dict[str, _Rewrites]) -> Callable[[Adds, list[Word], str | None], None]:
    def rewrites(line: Adds, words: list[Word], base: str | None) -> None:
        sub = words[0][0] if words and not words[0][1] else ""
        rule, words = (how[sub], words[1:]) if sub in how and sub else (how.get(""), words)
        if rule is None:  # (another subcommand: what it is handed, as an unknown program's)
            line.hand(program, words, base)
            return
        flags = {t.partition("=")[0] for t, d in words if not d and t.startswith("-")} | {t for t, d in words if not d}
        writes = (rule.always or bool(flags & rule.writes)) and not flags & rule.checks
        for w in _operands(words, rule.valued):
            line.add(READ, w, base=base)
            if writes:
                line.add(WRITE, w, base=base)

    return rewrites


def _handlers() -> dict[str, Callable[[Adds, list[Word], str | None], None]]:
    by_program: dict[str, dict[str, _Rewrites]] = {}
    for (program, sub), rule in _TABLE.items():
        by_program.setdefault(program, {})[sub] = rule
    return {program: _handler(program, how) for program, how in by_program.items()}


#: each formatter's handler: (line, its words after the name, the directory it runs in)
FORMAT_HANDLERS = _handlers()
