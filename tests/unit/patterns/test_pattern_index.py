"""The combined pattern index (one RE2 set per action type) against the per-pattern search.

Random policies of Python ``re`` and RE2 patterns, random targets (newlines,
non-ASCII letters that case-fold oddly, Unicode digits and spaces): the index
must name exactly the pattern the naive loop names — the first, in evaluation
order, whose own regex matches — and so must the search it sits in front of,
also when resuming after a match (a pattern whose conditions did not hold).
Glob patterns (``*``, ``data*``) are matched with the flags of the type
searched, like the typed ones (``database_*`` ignores case); the naive loop then
compiles each pattern with that type's flags.
"""

from __future__ import annotations

import random
import re

import pytest
import re2

from goalrail.patterns.compile import CompiledPolicy, order_patterns
from goalrail.patterns.model import Pattern, compile_target_regex
from goalrail.patterns.regex import BACKTRACKING, LINEAR, RegexRefused, regex_engine
from goalrail.patterns.set_index import widened

TYPES = ("shell_execute", "database_read")  # DOTALL; DOTALL and IGNORECASE
ATOMS = [
    "a", "b", "ab", "/", r"\.", "-", "i", "I", "x1", "é", " ", r"\d", r"\s", r"\w", r"\W", r"\D", r"\S",
    ".", "[a-c]", "[^a]", "[^\\s]", "[A-Z0-9_]", "[éa]", r"\b", "(?=a)", "(?!b)", "[^\\d-]",
]  # fmt: skip
TEXT = ["a", "b", "A", "B", "/", ".", "-", "i", "I", "x", "1", "é", "É", " ", "\n", "\x1c", "\u0130", "\u0131",
        "\u212a", "\u017f", "\u0663", "\u2003", "_", "k"]  # fmt: skip


def _piece(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 2 and roll < 0.15:
        return "(?:" + "|".join(_regex(rng, depth + 1) for _ in range(rng.randint(2, 3))) + ")"
    atom = rng.choice(ATOMS)
    quant = rng.choice(["", "", "", "*", "+", "?", "{1,2}", "*?"])
    return f"(?:{atom}){quant}" if quant and len(atom) > 1 else atom + quant


def _regex(rng: random.Random, depth: int = 0) -> str:
    return "".join(_piece(rng, depth) for _ in range(rng.randint(1, 4)))


def _pattern_text(rng: random.Random, flags: tuple[str, ...] = ("(?i)",)) -> str:
    body = _regex(rng)
    shape = rng.random()
    if shape < 0.3:
        body = f".*{body}.*"  # a "contains" rule
    elif shape < 0.45:
        body = f"^{body}$"
    elif shape < 0.55:
        body = f"(a)?{body}(?(1)b|)" if rng.random() < 0.5 else f"(a|b){body}\\1"
    return rng.choice(["", "", "", "", "", "", "", "", *flags]) + body


def _policy(rng: random.Random, engine: str, n: int) -> list[Pattern]:
    out: list[Pattern] = []
    with regex_engine(engine):
        while len(out) < n:
            try:
                out.append(
                    Pattern(
                        action_type=rng.choice(TYPES),
                        pattern=_pattern_text(rng),
                        action=rng.choice(["allow", "deny", "warn"]),
                        severity=rng.choice(["low", "high", "critical"]),
                    )
                )
            except (RegexRefused, ValueError):
                continue  # RE2 refuses lookarounds and backreferences
    return out


def _target(rng: random.Random) -> str:
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(0, 9)))


@pytest.mark.parametrize("engine", [BACKTRACKING, LINEAR])
@pytest.mark.parametrize("seed", range(12))
def test_the_index_names_the_same_first_match_as_the_per_pattern_loop(engine: str, seed: int) -> None:
    rng = random.Random(seed * 7919 + (engine == LINEAR))
    patterns = _policy(rng, engine, rng.choice([3, 12, 40]))
    compiled = CompiledPolicy(patterns)
    ordered = order_patterns(patterns)
    with_set = 0
    for action_type in TYPES:
        idx = compiled.index_for(action_type)
        if idx is None:
            continue
        with_set += idx._set is not None
        for _ in range(150):
            target = _target(rng)
            after = -1
            while True:
                mine = (i for i, p in enumerate(ordered) if i > after and p.action_type == action_type)
                expected = next((i for i in mine if ordered[i].matches(target)), None)
                entry = idx.first(target, after)
                got = entry.index if entry is not None else None
                assert got == expected, (action_type, target, after, [p.pattern for p in ordered])
                if got is None:
                    break
                after = got
    assert with_set, "the set was built for none of the types"


@pytest.mark.parametrize("engine", [BACKTRACKING, LINEAR])
@pytest.mark.parametrize("seed", range(6))
def test_glob_patterns_match_with_the_searched_types_flags(engine: str, seed: int) -> None:
    rng = random.Random(seed * 104729 + (engine == LINEAR))
    patterns = _policy(rng, engine, rng.choice([6, 20]))
    with regex_engine(engine):
        globs = ["*", "data*", "database_*", "shell*"]
        patterns = [p.copy(action_type=rng.choice(globs)) if rng.random() < 0.5 else p for p in patterns]
    compiled, ordered = CompiledPolicy(patterns), order_patterns(patterns)
    for action_type in TYPES:
        idx = compiled.index_for(action_type)
        own = [
            (i, compile_target_regex(p.pattern, action_type, p.engine))
            for i, p in enumerate(ordered)
            if p.action_type == action_type
            or (p.action_type.endswith("*") and action_type.startswith(p.action_type[:-1]))
        ]
        for with_set in (True, False):
            if idx is not None and not with_set:
                idx._set = None
            for _ in range(100):
                target = _target(rng)
                expected = next((i for i, rx in own if rx.match(target)), None)
                entry = idx.first(target) if idx is not None else None
                assert (entry.index if entry else None) == expected, (action_type, target)


def test_the_index_without_its_set_agrees_too() -> None:
    """The alternation and keys (the fallback when the set fails) give the same answers."""
    rng = random.Random(99)
    for engine in (BACKTRACKING, LINEAR):
        patterns = _policy(rng, engine, 30)
        with_set, without = CompiledPolicy(patterns), CompiledPolicy(patterns)
        for action_type in TYPES:
            a, b = with_set.index_for(action_type), without.index_for(action_type)
            if a is None or b is None:
                continue
            b._set = None
            for _ in range(300):
                target = _target(rng)
                ea, eb = a.first(target), b.first(target)
                assert (ea and ea.index) == (eb and eb.index), (engine, target)


def test_a_target_rE2_cannot_encode_falls_back_to_the_search() -> None:
    patterns = [Pattern(action_type="shell_execute", pattern=r"^a.b", action="deny")]
    idx = CompiledPolicy(patterns).index_for("shell_execute")
    assert idx is not None and idx._set is not None
    entry = idx.first("a\ud800b")  # a lone surrogate: RE2 cannot take it, Python's re can
    assert entry is not None and entry.pattern is patterns[0]


@pytest.mark.parametrize("seed", range(6))
def test_a_widened_pattern_matches_everything_the_pattern_matches(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        text = _pattern_text(rng, ("(?i)", "(?a)", "(?ai)"))
        flags = re.DOTALL | (re.IGNORECASE if rng.random() < 0.5 else 0)
        try:
            rx = re.compile(text, flags)
        except re.error:
            continue
        wide = re2.compile(widened(text, flags))
        for _ in range(40):
            target = _target(rng)
            if rx.match(target):
                assert wide.match(target), (text, target)


@pytest.mark.parametrize(
    ("pattern", "target"),
    [
        (r"(?a)[^\s]", "\x1c"),  # a space in Unicode mode only
        (r"[^\S]", "\x1c"),
        (r"\s", "\u2003"),
        (r"\d", "\u0663"),
        (r"(?i)i", "\u0130"),  # Python folds i to İ and ı, RE2 does not
        (r"(?i)[a-k]", "\u212a"),  # the Kelvin sign folds to k
        (r"(?i)é", "É"),
        (r"a\b", "a"),
        (r"(?=b)b", "b"),
        (r"(a)\1", "aa"),
        (r"a$", "a\n"),
        (r"a\Z", "a"),
        (r"(?m)^a$\n^b", "a\nb"),
        (r"x{2000}", "x" * 2000),
        (r"(?>a+)b", "aab"),
    ],
)
def test_widened_forms_of_what_re2_reads_otherwise(pattern: str, target: str) -> None:
    assert re.match(pattern, target, re.DOTALL)
    assert re2.compile(widened(pattern, re.DOTALL)).match(target)
