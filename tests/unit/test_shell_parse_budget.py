"""A line's parse runs under a CPU budget (``_shell_parse``): crafted texts on which tree-sitter's
error recovery is quadratic (runs of ``)``, ``|``, ``<<``) are asked as too complex to analyse
instead of holding the interpreter for seconds, and a line that ran out is never allowed."""

from __future__ import annotations

import threading
import time

import pytest

from goalrail.policies.builtins import _shell_parse
from goalrail.policies.builtins._shell import analyze, parse_uncached
from goalrail.policies.builtins._shell_parse import TOO_COMPLEX, Budget, parse
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, verdict

#: each of these took 1.5-15 s of CPU to parse before the budget (quadratic in their length)
CRAFTED = {
    "parens": "bash -c " + ")" * 40_000,
    "pipes": "echo " + "|" * 40_000,
    "heredocs": "cat " + "<<" * 20_000,
    "in a heredoc fed to bash": "bash <<'EOF'\n" + "<<" * 20_000 + "\nEOF",
}
#: crafted texts parsed in pieces each too short to be watched: their cost is linear, and bounded
BOUNDED = {
    "many nested scripts": "; ".join(["bash -c '" + ")" * 1000 + "'"] * 90),
    "many heredocs fed to shells": "\n".join(["bash <<'E'\n" + "|" * 1000 + "\nE"] * 90),
}


def _cpu(fn: object, *args: object) -> float:
    start = time.thread_time()
    fn(*args)  # type: ignore[operator]
    return time.thread_time() - start


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_line_is_too_complex_and_takes_about_the_budget(name: str) -> None:
    line = CRAFTED[name]
    spent = _cpu(parse_uncached, line)
    found = parse_uncached(line)
    assert TOO_COMPLEX in found.unknown, found.unknown
    allowed = Budget(len(line.encode())).error_deadline - time.thread_time()
    assert spent < 4 * allowed, f"{name}: {spent:.2f} s of CPU, {allowed:.2f} s allowed"
    for policy in (STRICT, SOC2, PERMISSIVE):
        assert verdict(policy, line) == "ASK"


@pytest.mark.parametrize("name", list(BOUNDED))
def test_crafted_pieces_take_at_most_the_budget(name: str) -> None:
    line = BOUNDED[name]
    spent = _cpu(parse_uncached, line)
    allowed = Budget(len(line.encode())).error_deadline - time.thread_time()
    assert spent < 4 * allowed, f"{name}: {spent:.2f} s of CPU, {allowed:.2f} s allowed"
    for policy in (STRICT, SOC2, PERMISSIVE):
        assert verdict(policy, line) == "ASK"


def test_an_ordinary_long_line_parses_whole_within_the_budget() -> None:
    script = "set -e\n" + "".join(f"echo step {i} && ls -la /tmp/d{i} | grep -c x > out{i}.txt\n" for i in range(1500))
    found = parse_uncached(script)
    assert len(script) > 60_000
    assert found.unknown == ()
    assert len(found.commands) == 1 + 3 * 1500


def test_what_was_read_before_the_budget_ran_out_still_denies() -> None:
    """The outer line parses; a nested script runs out: `rm -rf /` is still read (and denied)."""
    line = "rm -rf / ; bash -c '" + ")" * 60_000 + "'"
    assert TOO_COMPLEX in parse_uncached(line).unknown
    for policy in (STRICT, SOC2, PERMISSIVE):
        assert verdict(policy, line) == "DENY"


def test_a_spent_budget_parses_nothing_and_the_parser_is_reset() -> None:
    assert parse(b"echo hi", Budget(seconds=-1.0)) is None
    spent = Budget(seconds=0.001)
    assert parse(b"bash -c " + b")" * 40_000, spent) is None
    assert spent.spent
    tree = parse(b"echo hi", Budget())  # not the rest of the abandoned text
    assert tree is not None
    assert str(tree.root_node) == "(program (command name: (command_name (word)) argument: (word)))"
    assert analyze("echo hi").commands[0].argv == ("echo", "hi")


def test_a_long_line_is_parsed_once_however_many_rules_read_it() -> None:
    line = "echo " + "x " * 10_000
    assert analyze(line) is analyze(line)


def test_each_thread_parses_with_its_own_parser() -> None:
    """The progress callback runs Python code: another thread parsing meanwhile must not share
    (and corrupt) the parser's state."""
    results: dict[int, list[tuple[str, ...]]] = {}

    def work(i: int) -> None:
        out = results.setdefault(i, [])
        for j in range(30):
            text = f"git commit -m 'n{i} {j}' && {'echo ' + 'y' * 2000} && ls d{i}"
            out.append(parse_uncached(text).commands[0].argv)
            parse_uncached("bash -c " + ")" * 3000)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, argvs in results.items():
        assert argvs == [("git", "commit", "-m", f"n{i} {j}") for j in range(30)]
    assert len({id(p) for p in _parsers_of(3)}) == 3


def _parsers_of(n: int) -> list[object]:
    seen: list[object] = []

    def grab() -> None:
        seen.append(_shell_parse._parser())

    threads = [threading.Thread(target=grab) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen
