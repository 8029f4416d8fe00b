"""A line run through hosts or containers one inside another (``ssh a ssh b … cat f``) is read
hop by hop up to ``REMOTE_DEPTH`` hops, each hop's rest of the line parsed once: a crafted
``ssh ssh ssh … host`` of a few thousand characters no longer parses the line once per word
(it took 1.9 s of CPU at 4,000 characters under ``soc2_compliant``).  The count of lines parsed
is the measure (load-independent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from goalrail.policies.builtins import _shell
from goalrail.policies.builtins._shell_elsewhere import MAX_DEPTH
from goalrail.policies.builtins._shell_file_effects import REMOTE_DEPTH, file_effects
from goalrail.policies.builtins._shell_file_words import REMOTE, UNKNOWN
from tests.unit.cpu_support import FRESH
from tests.unit.shell_support import PERMISSIVE, SOC2, STRICT, verdict


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    parse = _shell._Walker.parse

    def counted(self: object, text: str, *args: object) -> object:
        seen.append(text)
        return parse(self, text, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(_shell._Walker, "parse", counted)
    yield seen


def _hops(k: int, command: str) -> str:
    return " ".join(f"ssh h{i}" for i in range(k)) + f" {command}"


@pytest.mark.parametrize("words", [200, 1000])
@pytest.mark.parametrize("policy", [STRICT, SOC2, PERMISSIVE], ids=["strict", "soc2", "permissive"])
def test_a_line_of_ssh_words_is_parsed_a_bounded_number_of_times(parses: list[str], policy: object, words: int) -> None:
    line = "ssh " * words + f"root@host # {next(FRESH)}"
    assert verdict(policy, line) != "ALLOW"
    assert len(parses) <= 2 * REMOTE_DEPTH, len(parses)  # (on main: one per ssh word or two, 100s)


def test_file_effects_of_many_hops_parse_each_hop_once(parses: list[str]) -> None:
    file_effects(_hops(40, f"cat ~/.ssh/id_rsa # {next(FRESH)}"))
    # each hop up to REMOTE_DEPTH, and the next MAX_DEPTH the printed-store reader looks into
    assert len(parses) <= REMOTE_DEPTH + 1 + MAX_DEPTH, len(parses)


@pytest.mark.parametrize("k", range(1, REMOTE_DEPTH + 1))
def test_a_read_within_the_hops_is_read_as_before(k: int) -> None:
    line = _hops(k, "cat ~/.ssh/id_rsa")
    assert ("file_read", "~/.ssh/id_rsa", REMOTE, "") in file_effects(line)
    assert verdict(STRICT, line) == verdict(SOC2, line) == "DENY"


@pytest.mark.parametrize("k", [REMOTE_DEPTH + 1, REMOTE_DEPTH + 5])
def test_a_read_past_the_hops_is_unknown_and_never_allowed(k: int) -> None:
    line = _hops(k, "cat ~/.ssh/id_rsa")
    assert ("file_read", "*", UNKNOWN, "") in file_effects(line)
    for policy in (STRICT, SOC2, PERMISSIVE):
        assert verdict(policy, line) != "ALLOW"


@pytest.mark.parametrize(
    "line",
    ["ssh h ls", "ssh h0 ssh h1 ls -la", "docker exec c ls /app", "kubectl exec pod -- cat /app/README.md"],
)
def test_controls_a_few_hops_of_harmless_commands_stay_allowed(line: str) -> None:
    assert verdict(STRICT, line) == verdict(SOC2, line) == "ALLOW"
    assert all(sure != UNKNOWN for _kind, _path, sure, _suffix in file_effects(line))


@pytest.mark.parametrize(
    "line",
    ["docker exec c ssh h cat ~/.aws/credentials", "ssh a kubectl exec pod -- cat ~/.ssh/id_ed25519"],
)
def test_mixed_hops_still_read_the_credential(line: str) -> None:
    assert verdict(STRICT, line) == verdict(SOC2, line) == "DENY"
