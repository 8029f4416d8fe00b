"""What the secret readers cost grows linearly with what they read.

A text repeating a token's prefix (``sk-sk-sk-…``, ``ghp_ghp_…``, ``npm_npm_…``) started a match at
each repetition, and each read to the end of the run: a look-ahead for a digit or a capital
(``openai_key``, ``gitlab_token``, the random-looking part of a wrapped token) or the search for
the line break a wrapped token goes on after.  100,000 characters of ``ghp_`` in one LLM request
took two minutes of CPU to scan (holding the GIL: every session waits), 100,000 of ``npm_`` half
a minute to redact.  Each crafted text is timed against a text of the same size holding the same
prefixes, each followed by a space, measured in the same test.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest

from goalrail.policies.builtins import _pii, safety
from goalrail.policies.builtins._shell import parse_uncached
from goalrail.policies.redact import redact
from tests.unit.shell_support import STRICT, verdict

N = 20_000
_RUNS = itertools.count()
#: every kind whose prefix may run on into its body, and a prefix with a variant's part
PREFIXES = (
    "sk-",
    "sk-proj-",
    "ghp_",
    "gho_",
    "github_pat_",
    "npm_",
    "hf_",
    "glpat-",
    "glrt-",
    "xoxb-",
    "xapp-1-",
    "sk_live_",
    "rk_test_",
    "whsec_",
)


def _cpu(read: Callable[[str], object], text: str, bound: float = 0.0) -> float:
    """The least CPU time of three readings of ``text`` (each made new: readers cache), stopping
    at the first under ``bound`` or over four times it (no noise takes that long)."""
    best = float("inf")
    for _ in range(3):
        fresh = f"{text} {next(_RUNS)}"
        start = time.process_time()
        read(fresh)
        best = min(best, time.process_time() - start)
        if bound and not bound <= best <= 4 * bound:
            break
    return best


def _linear(read: Callable[[str], object], prefix: str) -> None:
    crafted = prefix * (N // len(prefix))
    control = (prefix + " ") * (N // (len(prefix) + 1))
    bound = 20 * _cpu(read, control) + 0.05
    assert _cpu(read, crafted, bound) < bound


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_run_of_a_prefix_scans_in_what_its_size_costs(prefix: str) -> None:
    _linear(_pii.scan, prefix)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_run_of_a_prefix_redacts_in_what_its_size_costs(prefix: str) -> None:
    _linear(redact, prefix)


def test_an_llm_request_of_a_prefix_run_is_judged_in_what_its_size_costs() -> None:
    policy = safety.deny_pii_in_llm_request()

    def judge(text: str) -> object:
        return policy({"type": "llm_request", "data": {"messages": [{"role": "user", "content": text}]}, "context": {}})

    _linear(judge, "ghp_")


GITHUB = "ghp_Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("key sk-proj-" + "A1b2" * 10, {"openai_key": 1}),
        ("sk-learn-utils-for-everyone-and-all-of-us", {}),  # no digit, no capital: a word
        ("sk-" + "a" * 200 + "1B", {"openai_key": 1}),
        ("ghp_ghp_ghp_" + GITHUB[4:], {}),  # `\b`: a prefix glued to a word is no token (as before)
        (GITHUB[:20] + "\n" + GITHUB[20:], {"github_token": 1}),  # cut at a line's end
        ("ghp_" + GITHUB[4:14] + " " + GITHUB[14:24] + " " + GITHUB[24:], {"github_token": 1}),  # spaced
        ("glpat-glpat-a1B2c3D4e5F6g7H8i9J0", {"gitlab_token": 1}),
        ("xoxb-xoxb-1234567890-abcdefghij", {"slack_token": 1}),
    ],
)
def test_tokens_are_found_as_before(text: str, found: dict[str, int]) -> None:
    assert _pii.scan(text) == found


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ghp_x_ghp_\n" + GITHUB[4:], "ghp_x_[redacted github_token …x2Yz]"),  # the needle ends its word
        ("npm_npm_npm_ Ab12Cd34 Ef56Gh78 Ij90Kl12 Mn34Op56Qr", "npm_npm_[redacted npm_token …56Qr]"),
        ("sk_live_sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_[redacted stripe_key …p7dc]"),
        ("sk-learn-utils-for-everyone-and-all-of-us", "sk-learn-utils-for-everyone-and-all-of-us"),
    ],
)
def test_tokens_are_redacted_as_before(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize("unit", ["true;", "echo a b c && ", "cat ./x | grep y; "])
def test_a_long_line_is_parsed_once_a_decision(unit: str) -> None:
    # each reader of a line (commands, files, network, environment, databases) asked for its
    # analysis, parsed anew for a line over the cache's limit: 99,000 characters took 3 s of CPU
    line = unit * (40_000 // len(unit)) + f"true {next(_RUNS)}"
    start = time.process_time()
    parse_uncached(line)
    once = time.process_time() - start
    start = time.process_time()
    verdict(STRICT, line)
    assert time.process_time() - start < 4 * once + 0.05
