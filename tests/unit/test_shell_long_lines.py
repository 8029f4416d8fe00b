"""A command of thousands of words costs what its words cost (issue 13).

Four times the words must cost at most ``BOUND`` times the CPU (a linear reading measures 4–5×,
the quadratic paths these tests caught measured 7–16× at 1,000 against 4,000 words): tree-sitter's
``Node.text`` (a copy of the whole source, read once a word in ``_Walker.simple``), one regex scan
of the script for each variable the value flow follows, each ``find -exec`` copying every word after
it, a rule's regex parsed again for each path of the line.  Each reading is of a text made new (the
readers cache), the two sizes measured in turns in the same test (``cpu_support``), the collector
off while they run (its passes over a heap that other tests grew are not the reader's work; the
server runs it with its start-up heap frozen).

``operands`` is the one reading of a command's operands the container-environment, credential,
remote, privilege-config and git readers share; the controls keep their decisions.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from goalrail.policies.builtins._container_env import prints_environment
from goalrail.policies.builtins._privilege_configs import _destinations
from goalrail.policies.builtins._shell import analyze, parse_uncached
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_words import indexed_operands, literal_texts, operands
from tests.unit.cpu_support import FRESH, least_cpu
from tests.unit.shell_support import STRICT, verdict

N = 1000
BOUND = 6.0


def _files(n: int) -> str:
    return " ".join(f"dir{i}/file{i}.txt" for i in range(n))


#: one command (or one line of assignments and a command) of ``n`` words of a kind
SHAPES: dict[str, Callable[[int], str]] = {
    "find -o chain": lambda n: "find . " + " -o ".join(f"-name f{i}.txt" for i in range(n)),
    "find -exec chain": lambda n: "find . " + " ".join("-exec rm {} \\;" for _ in range(n)),
    "echo words": lambda n: "echo " + " ".join(f"word{i}" for i in range(n)),
    "variables written then used": lambda n: (
        "; ".join(f"a{i}=x{i}" for i in range(n)) + "; echo " + " ".join(f"$a{i}" for i in range(n))
    ),
    "sudo env assignments": lambda n: "sudo env " + " ".join(f"A{i}=1" for i in range(n)) + " ls",
    "brace words": lambda n: "echo " + " ".join(f"a{i}{{b" for i in range(n)),
    "rm files": lambda n: "rm " + _files(n),
    "cp files": lambda n: "cp " + _files(n) + " dest/",
}


def _ratio(read: Callable[[str], object], make: Callable[[int], str]) -> tuple[float, float]:
    def call(n: int) -> Callable[[], object]:
        return lambda: read(f"{make(n)} #{next(FRESH)}")

    gc.collect()
    gc.disable()
    try:
        small, large = least_cpu(call(N), call(4 * N), rounds=3)
    finally:
        gc.enable()
    return small, large / small


@pytest.mark.parametrize("shape", list(SHAPES))
def test_four_times_the_words_cost_about_four_times_to_parse(shape: str) -> None:
    small, ratio = _ratio(parse_uncached, SHAPES[shape])
    assert ratio <= BOUND, f"{shape}: 4x the words, {ratio:.1f}x the CPU ({small * 1e3:.1f} ms at {N})"


@pytest.mark.parametrize("shape", ["find -o chain", "find -exec chain", "variables written then used", "cp files"])
def test_four_times_the_words_cost_about_four_times_to_read_files(shape: str) -> None:
    small, ratio = _ratio(file_effects, SHAPES[shape])
    assert ratio <= BOUND, f"{shape}: 4x the words, {ratio:.1f}x the CPU ({small * 1e3:.1f} ms at {N})"


@pytest.mark.parametrize("shape", ["find -o chain", "variables written then used", "rm files"])
def test_four_times_the_words_cost_about_four_times_to_judge(shape: str) -> None:
    small, ratio = _ratio(lambda line: verdict(STRICT, line), SHAPES[shape])
    assert ratio <= BOUND, f"{shape}: 4x the words, {ratio:.1f}x the CPU ({small * 1e3:.1f} ms at {N})"


def test_a_long_line_is_still_read_word_by_word() -> None:
    # controls: the fixes read the same words (a fd glued to `<`, a brace word, an ANSI-C name)
    line = "find . " + " ".join("-exec rm {} \\;" for _ in range(50)) + " -exec chmod 600 {} +"
    assert {e[0] for e in file_effects(line)} >= {"file_delete", "file_chmod"}
    assert analyze("bash 0<<< 'rm -rf /tmp/x'").commands[-1].argv == ("rm", "-rf", "/tmp/x")
    assert analyze("echo a{b,c}").commands[0].dynamic == (False, True)
    assert analyze("echo a{b").commands[0].dynamic == (False, False)
    assert "ANSI-C quoted command name" in analyze("$'\\x72m' -rf /").unknown
    assert "ANSI-C quoted command name" not in analyze("$'rm' -rf /").unknown
    values = "; ".join(f"a{i}=x{i}" for i in range(300)) + "; echo $a299 ${a7}"
    assert analyze(values).commands[-1].argv == ("echo", "x299", "x7")
    assert analyze("a=1; f() { a=2; }; f; echo $a").commands[-1].argv == ("echo", "2")  # the call writes it
    assert analyze("a-b() { :; }; a-b; x=1; echo $x").commands[-1].argv == ("echo", "1")  # a name with `-`
    assert analyze("x=1; echo ${#x}").commands[-1].dynamic == (False, True)


# --- one reading of a command's operands ---------------------------------------------------------


def test_operands_skip_options_and_the_value_of_a_valued_one() -> None:
    assert operands(["-f", "x", "a", "-q", "b"], {"-f"}) == ["a", "b"]
    assert operands(["-f", "-x", "a"], {"-f"}) == ["a"]  # the value is taken whatever it is


def test_operands_read_dashdash_as_an_option_and_glued_values_as_one_word() -> None:
    assert operands(["a", "--", "-b", "c"], set()) == ["a", "c"]
    assert operands(["-fx", "a", "--file=y", "b"], {"-f", "--file"}) == ["a", "b"]
    assert operands(["-", "a"], set()) == ["a"]


def test_operands_stop_at_the_limit_without_reading_further() -> None:
    def words() -> Iterator[str]:
        yield from ("-n", "ns", "get", "secret")
        raise AssertionError("read past the limit")

    assert operands(words(), {"-n"}, 2) == ["get", "secret"]
    assert operands(["a", "b"], set(), 0) == []
    assert list(indexed_operands(["-n", "ns", "get", "-o", "x"], {"-n"})) == [(2, "get"), (4, "x")]
    assert list(literal_texts([("a", False), ("$X", True), ("b", False)])) == ["a"]


@pytest.mark.parametrize(
    ("command", "prints"),
    [
        ("docker --context c compose config", True),
        ("docker -H tcp://h compose -f x.yml config", True),
        ("docker compose config --services", False),
        ("docker -H compose config", False),  # `compose` is -H's value
    ],
)
def test_container_environment_reads_keep_their_decisions(command: str, prints: bool) -> None:
    assert prints_environment(analyze(command).commands[0]) is prints


@pytest.mark.parametrize(
    ("command", "hosts"),
    [
        ("ssh -i key host ls", ["host"]),
        ("ssh -p 22 -t host ls", ["host"]),
        ("scp -P 22 f host:/x", ["host"]),
        ("scp f u@host:/x", []),
        ("ssh -l u host", []),
    ],
)
def test_ssh_destinations_keep_their_decisions(command: str, hosts: list[str]) -> None:
    assert _destinations(analyze(command).commands[0]) == hosts


@pytest.mark.parametrize(
    ("command", "effect"),
    [
        ("git clone -b main https://x/r.git dir", ("file_write", "dir", 0, "")),
        ("git clone --depth 1 https://x/r.git", None),
        ("git restore -s HEAD f.txt", ("file_write", "f.txt", 0, "")),
        ("gh -R o/r release upload v1 ./secret.txt", ("file_read", "./secret.txt", 0, "")),
    ],
)
def test_file_reads_of_operands_keep_their_decisions(command: str, effect: tuple[str, str, int, str] | None) -> None:
    effects = file_effects(command)
    if effect is None:
        assert not any(e[1] in ("1", "https://x/r.git") and e[0] == "file_write" for e in effects)
    else:
        assert effect in effects
