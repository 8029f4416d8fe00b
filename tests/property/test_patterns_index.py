"""The combined first-match index agrees with the simple reference: try each
ordered pattern's own regex with re.match, first hit wins."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.patterns import Pattern
from goalrail.patterns.compile import CompiledPolicy, order_patterns

ATOMS = [
    "ab",
    "abc",
    "x",
    "/etc/",
    "sudo",
    "rm -rf",
    "a|b",
    "(ab|cd)e",
    "[a-c]+",
    "\\d+",
    "\\s",
    "\n",
    "table1",
    "table12",
    "SELECT",
    "Abc",
]
SHAPES = [
    "{a}",
    "^{a}",
    "{a}.*",
    ".*{a}",
    ".*{a}.*",
    ".*{a}$",
    ".*?{a}",
    "(?i).*{a}",
    "(?i){a}",
    "(?!{a}).*",
    "{a}$",
    "(?P<n>{a})",
    "({a})\\1",
    ".*({a}|{b}).*",
    "(?:{a})+{b}",
    "",
    ".*",
    ".*{a}.*{b}$",
    ".*x({a})+z.*",
    ".*(?:{a}|{b})q",
    ".*(?={a}){b}",
    ".*(?!{a}){b}.*",
    ".*{a}?{b}",
    ".*(?:{a})?{b}",
    ".*({a})*{b}.*",
    ".*[ab]{a}\\b.*",
]
PIECES = [
    "table1",
    "table12",
    "SELECT",
    "select",
    "sudo",
    "abc",
    "Abc",
    "/etc/",
    "rm -rf",
    "cde",
    "q",
    "z",
    "x",
    " ",
    "\n",
]
TEXT = st.lists(
    st.sampled_from(PIECES) | st.text(alphabet="abcdex/etsudorm -f\n0123ABCLSqz", max_size=4),
    max_size=8,
).map("".join)


@st.composite
def patterns(draw: st.DrawFn) -> list[Pattern]:
    out = []
    for i in range(draw(st.integers(1, 25))):
        shape = draw(st.sampled_from(SHAPES))
        rx = shape.format(a=draw(st.sampled_from(ATOMS)), b=draw(st.sampled_from(ATOMS)))
        action_type = draw(st.sampled_from(["shell_execute", "database_read"]))
        out.append(
            Pattern(
                id=f"p{i}",
                action_type=action_type,
                pattern=rx,
                action=draw(st.sampled_from(["allow", "deny", "warn"])),
                severity=draw(st.sampled_from(["low", "critical"])),
            )
        )
    return out


def reference(ordered: list[Pattern], action_type: str, target: str, after: int = -1) -> int | None:
    for i, p in enumerate(ordered):
        if i > after and p.action_type == action_type and p.matches(target):
            return i
    return None


@settings(max_examples=200, deadline=None)
@given(
    patterns(),
    st.lists(TEXT, min_size=1, max_size=5),
    st.sampled_from(["shell_execute", "database_read"]),
)
def test_index_agrees_with_reference(pats: list[Pattern], targets: list[str], action_type: str) -> None:
    compiled = CompiledPolicy(pats)
    ordered = order_patterns(pats)
    idx = compiled.index_for(action_type)
    for target in targets:
        # walk every match in order: the first, then resuming after each (as when a
        # pattern's conditions fail), so early catch-alls cannot hide a bug
        after = -1
        while True:
            want = reference(ordered, action_type, target, after)
            got = idx.first(target, after) if idx is not None else None
            assert (got.index if got else None) == want, (
                target,
                after,
                [p.pattern for p in ordered],
            )
            if want is None:
                break
            after = want


@st.composite
def linear_patterns(draw: st.DrawFn) -> list[Pattern]:
    """The same shapes built as a session's patterns are (RE2), minus what RE2 refuses."""
    from goalrail.patterns.regex import linear_regexes

    out = []
    drawn = draw(patterns())
    with linear_regexes():
        for p in drawn:
            try:
                out.append(Pattern(id=p.id, action_type=p.action_type, pattern=p.pattern, action=p.action))
            except ValueError:
                continue
    return out


@settings(max_examples=200, deadline=None)
@given(
    linear_patterns(),
    st.lists(TEXT, min_size=1, max_size=5),
    st.sampled_from(["shell_execute", "database_read"]),
)
def test_index_agrees_with_reference_on_re2(pats: list[Pattern], targets: list[str], action_type: str) -> None:
    """RE2 alternations find the same first match, and each RE2 pattern matches what re does."""
    from goalrail.patterns.regex import BACKTRACKING

    compiled = CompiledPolicy(pats)
    ordered = order_patterns(pats)
    idx = compiled.index_for(action_type)
    for target in targets:
        for p in pats:
            python = Pattern(action_type=p.action_type, pattern=p.pattern, engine=BACKTRACKING)
            assert p.matches(target) == python.matches(target), (p.pattern, target)
        after = -1
        while True:
            want = reference(ordered, action_type, target, after)
            got = idx.first(target, after) if idx is not None else None
            assert (got.index if got else None) == want, (target, after, [p.pattern for p in ordered])
            if want is None:
                break
            after = want
