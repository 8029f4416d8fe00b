"""Reading interpreter code's file calls takes time linear in the code.

The method-call pattern of ``_code_files`` (``p.unlink()``, ``Path.home().rmdir()``) began with
its receiver, ``[\\w)\\]]+``, so every position of a long run of word characters started a scan
to the run's end: ``python3 -c`` given an unclosed triple quote and 50,000 letters took 20 s of CPU under
``strict`` (holding the GIL: every session waits).  Each line is timed against ``echo`` of the
same text, measured in the same test (best of three fresh lines).
"""

from __future__ import annotations

import itertools
import time

import pytest

from goalrail.policies.builtins._code_files import code_files
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import verdict

STRICT = pattern_policy(policy="strict")
N = 40_000
_RUNS = itertools.count()


def _cpu(program: str, body: str) -> float:
    """The least CPU time of three readings of ``program 'CODE'``, each code made new (what a code
    text holds is cached)."""
    best = float("inf")
    for _ in range(3):
        fresh = f"{program} 'import os{next(_RUNS)}\n{body}'"
        start = time.process_time()
        verdict(STRICT, fresh)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize(
    ("program", "body"),
    [("perl -e", "open(" * (N // 5)), ("python3 -c", "open(" * (N // 5)), ("ruby -e", "File.open(" * (N // 10))],
)
def test_many_unclosed_calls_cost_what_reading_the_line_costs(program: str, body: str) -> None:
    # each call's arguments were read up to 4,096 characters on: 8,000 `open(` took 16 s under perl
    assert _cpu(program, body) < 20 * _cpu("echo", body) + 0.05


def test_short_calls_are_all_read() -> None:
    code = "import os\n" + "os.remove('a')\n" * 2000 + "os.remove('/etc/passwd')\n"
    found = code_files.__wrapped__("python", code)
    assert found == (("file_delete", "a", False), ("file_delete", "/etc/passwd", False))


@pytest.mark.parametrize("body", ['"""' + "a" * N, ")" * N, "x_1" * (N // 3)])  # the last: a control
def test_a_long_run_costs_what_reading_the_line_costs(body: str) -> None:
    code = _cpu("python3 -c", body)
    control = _cpu("echo", body)
    assert code < 20 * control + 0.05


def test_receivers_are_read_as_before() -> None:
    code = "import os\np.unlink()\nos.unlink(x)\nPath.home().rmdir()\nq  .  write_text('x')\n(a).touch()"
    found = code_files.__wrapped__("python", code)
    assert found == (("file_delete", None, False), ("file_write", None, False))
    assert code_files.__wrapped__("python", "os . unlink ('/x')") == (("file_delete", "/x", False),)
