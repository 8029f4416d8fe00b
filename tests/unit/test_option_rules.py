"""A command's option spellings are made only when a ``shell_execute`` rule of the policy could
tell them from the command as written (``_option_rules``): a spelling left out is one no rule
matches.  Checked over the shell corpora and every option of every program the spellings know,
for the templates and for a user's RE2 rules that name programs in unusual ways or not at all;
then each part of a spelling the decision reads (clusters, a letter with its value, long names,
rewritten values, what stands beside a factor, RE2 syntax) on a line that needs it."""

from __future__ import annotations

import pytest

from goalrail.patterns.conditions import ActionFacts, no_rate
from goalrail.patterns.model import Pattern
from goalrail.patterns.policy import Policy
from goalrail.patterns.regex import linear_regexes
from goalrail.policies.builtins._option_rules import factors, option_rules
from goalrail.policies.builtins._option_table import TABLE
from goalrail.policies.builtins._pattern_commands import shell_commands
from goalrail.policies.builtins._pattern_files import FileKinds
from goalrail.policies.builtins._pattern_sources import named_policy
from goalrail.policies.builtins._shell_readings import line_readings, readings
from tests.unit.shell_corpus import corpus_lines

#: (``re`` warns of RE2's POSIX classes, which the index parses: `[[:space:]]`)
pytestmark = pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")

#: a user's rules (RE2) naming a program in unusual ways, or none at all
USER_RULES = [
    r".*\bgit\b.*push.*--force",
    r"(?i)RM\s+-RF\b",
    r".*--force.*",
    r".*-rf\b.*",
    r".*orm\s.*",
    r".*\s777\b.*",
    r".*\sroot:root\b.*",
    r".*\s007\s.*",
    r".*\s-9\b.*",
    r".*[[:space:]]-rf",
    r".*-uolder.*",
    r".*-xzf\b.*",
    r".*--no-preserve-root.*",
    r".*\bsu\b.*",
    r"(nc|ncat)\s",
]


def _user(patterns: list[str]) -> Policy:
    rules = "".join(
        f"  - {{id: r{i}, action_type: shell_execute, action: deny, pattern: '{p}'}}\n" for i, p in enumerate(patterns)
    )
    with linear_regexes():
        return Policy.from_yaml_string(f"name: u\ndefaults: {{action: allow}}\npatterns:\n{rules}")


def _every_option() -> list[str]:
    """Each program's options one at a time (short, long, a prefix of the long, with a value)
    and its short letters as one cluster."""
    out = []
    for name, (_flags, specs) in TABLE.items():
        shorts = ""
        for spec in specs.split():
            spec = spec.partition(">")[0].rstrip(":?")
            letters, _, longs = spec.partition("/")
            shorts += letters
            for c in letters:
                out.append(f"{name} -{c} v x")
            for long in filter(None, longs.split(",")):
                out += [f"{name} --{long} v x", f"{name} --{long}=v x", f"{name} x --{long[:3]}"]
        out.append(f"{name} -{shorts} x")
    return [*out, "chmod a=rwx f", "chmod 7 f", "chown 0:0 f", "kill -KILL 1", "git push origin +main", "dd of=a if=b"]


LINES = [*corpus_lines(), *_every_option()]


def _guards(policy: Policy) -> tuple[Pattern, ...]:
    return FileKinds().commands(policy)


@pytest.mark.parametrize("name", ["strict", "soc2_compliant", "permissive", "user"])
def test_a_spelling_left_out_meets_no_rule(name: str) -> None:
    # (not RE2's POSIX class: a rule this cannot read gives every command its spellings)
    policy = _user([p for p in USER_RULES if "[:" not in p]) if name == "user" else named_policy(name, {}, [])
    guards = _guards(policy)
    told = option_rules(tuple(g.pattern for g in guards))
    dropped = 0
    for line in LINES:
        kept = set(line_readings(line).told(told.wanted))
        for reading in readings(line)[0]:
            if reading not in kept:
                dropped += 1
                assert not [g.id for g in guards if g.matches(reading)], (line, reading)
    # (strict's rules on dangerous commands and on privilege tell few programs apart: the
    # spellings of many of the 3,000-odd lines' commands are not made; the remote-shell rule names
    # `nc` and `sh`, which a cluster of option letters can spell (`git … -n -c`), so git's and
    # tar's are made: 915 → 604 for strict; the rule on every process killed reads `kill -sKILL 1`
    # by its spellings, and a cluster of letters can spell a short program's name, `uv`, `sam`:
    # 604 → 569; the persistence, exposure, harness-settings and destroy rules name more programs,
    # each at a word's start (`\bat `: not the end of `cat` or `format`): 569 → 434 for strict, 529
    # for soc2, 536 for permissive)
    assert dropped > {"strict": 400, "soc2_compliant": 500, "permissive": 500}.get(name, 100)


def test_strict_makes_no_spelling_of_a_tar_line_and_every_one_of_an_rm_line() -> None:
    told = option_rules(tuple(g.pattern for g in _guards(named_policy("strict", {}, []))))
    tar = line_readings("tar -czf /tmp/src.tgz src/")
    assert tar.told(told.wanted) == ("tar -czf /tmp/src.tgz src/",) or tar.told(told.wanted) == ()
    assert len(tar.told()) >= 4  # (spellings exist: they are left out)
    rm = line_readings("rm -r --force build/")
    assert rm.told(told.wanted) == rm.told()


def _denied(pattern: str, line: str) -> bool:
    policy = _user([pattern])
    kinds = FileKinds()
    facts = ActionFacts()
    own = policy.decide("shell_execute", line, facts, no_rate)
    res = shell_commands(policy, kinds.commands(policy), own, [line], facts, no_rate, kinds.hits(policy))
    return not res.allowed


#: (rule, line): each rule meets only a spelling of the line, through the part of it named
NEEDS_SPELLING = {
    "cluster of the command's letters": (r".*-xzf\b.*", "tar --extract --gzip --file a.tgz"),
    "letter with its value": (r".*-uolder.*", "cp --update=older a b"),
    "long name a prefix spells out": (r".*--no-preserve-root.*", "rm -r --no-p /"),
    "chmod's mode as digits": (r".*\s777\b.*", "chmod a=rwx f"),
    "chmod's mode padded": (r".*\s007\s.*", "chmod 7 f"),
    "chown's uid 0": (r".*\sroot:root\b.*", "chown 0:0 f"),
    "kill's signal number": (r".*\s-9\b.*", "kill -KILL 1"),
    "a factor inside a long name": (r".*orm\s.*", "curl -F a=b http://x"),
    "RE2's POSIX class": (r".*[[:space:]]-rf", "rm -r -f x"),
    "a user's git rule": (r".*\bgit\b.*push.*--force", "git push origin +main"),
    "a rule in any case": (r"(?i)RM\s+-RF\b", "rm -r --force x"),
    "a rule with no program": (r".*--force.*", "rm -rf build"),
    "an optional part of a rule": (r".*\s(yyyyyy)*-xzf\b.*", "tar --extract --gzip --file a.tgz"),
    "an option standing for others": (r".*\s-f\s.*", "git branch -M a b"),
    "a forced refspec as -f": (r".*\s-f\s.*", "git push origin +main"),
    "a lease as force": (r"git\s+push\s+(.*\s)?(--force|-f)(\s|$)", "git push origin x --force-with-lease"),
}


@pytest.mark.parametrize("case", sorted(NEEDS_SPELLING))
def test_a_rule_meeting_only_a_spelling_still_meets_it(case: str) -> None:
    pattern, line = NEEDS_SPELLING[case]
    assert not _user([pattern]).decide("shell_execute", line, ActionFacts(), no_rate).matched  # not as written
    assert _denied(pattern, line)


#: controls: benign lines the same rules leave allowed
CONTROLS = [
    (r".*-xzf\b.*", "tar --list --file a.tgz"),
    (r".*\s777\b.*", "chmod 755 f"),
    (r".*\sroot:root\b.*", "chown 1000:1000 f"),
    (r".*orm\s.*", "curl -s http://x"),
    (r".*[[:space:]]-rf", "rm -i x"),
]


@pytest.mark.parametrize(("pattern", "line"), CONTROLS)
def test_a_benign_line_stays_allowed(pattern: str, line: str) -> None:
    assert not _denied(pattern, line)


def test_factors_read_what_stands_beside_a_run() -> None:
    assert factors(r".*\brm\s+-rf.*") == frozenset({("-rf", True, False)})  # (the longest run)
    assert factors(r".*\brm\s+.*") == frozenset({("rm", True, True)})
    assert factors(r"git\s+push\s+(.*\s)?(--force|-f)(\s|$)") == frozenset({("push", True, True)})
    assert factors(r"(?i)RM\s") == frozenset({("rm", False, True)})
    assert factors(r".*\b(sudo|doas)([^\w-]|$)") == frozenset({("sudo", True, True), ("doas", True, True)})
    assert factors(r".*orm.*") == frozenset({("orm", False, False)})
    for unread in (r".*", r"\S+\s+\S+", r".*[[:alpha:]]rm", r"rm{,2}", r".*\pLrm", r".*é.*"):
        assert factors(unread) is None, unread


def test_a_rule_this_cannot_read_gives_every_command_its_spellings() -> None:
    line = line_readings("tar -czf /tmp/src.tgz src/")
    assert line.told(option_rules((r".*\bsu\b.*",)).wanted) != line.told()
    for unread in (r".*[[:space:]]-rf", r".*\bsu\b.*|\S+\s+\S+"):
        assert line.told(option_rules((r".*\bsu\b.*", unread)).wanted) == line.told(), unread


def test_a_line_that_is_not_ascii_gets_every_spelling() -> None:
    told = option_rules((r".*\bsu\b.*",))
    line = line_readings("tar -czf /tmp/é.tgz src/")
    assert line.told(told.wanted) == line.told()
    ascii_line = line_readings("tar -czf /tmp/e.tgz src/")
    assert ascii_line.told(told.wanted) != ascii_line.told()


def test_a_class_opening_with_a_colon_is_no_posix_class_and_a_case_pair_is_a_letter() -> None:
    # `[:.]` (chown's `root:group` / `root.group`) once made every command spelled; `[Rr]un[Aa]s`
    # gave the factor `un`, which `tar --unlink-first` holds, so tar was spelled for strict.
    assert factors(r"\bchown\s+(root|0)([:.]\S*)?") == frozenset({("chown", True, True)})
    assert factors(r"(^|\s)[Rr]un[Aa]s\s") == frozenset({("runas", True, True)})
    assert factors(r"[[:alpha:]]+rm") is None
    assert factors(r"[[:^space:]]rm") is None
