"""A shell command judged by the file rules too: the file actions it performs
(``_shell_file_effects``) meet the same ``file_read``/``file_write``/``file_delete``/``file_move``/
``file_chmod`` patterns a Read, Write or delete tool meets, and the strictest result wins.

* Each derived action is matched in the spelling the line gives (``~/.ssh/id_rsa``, ``.env``,
  ``~/.ssh/`` for a recursive command) and in its canonical spelling
  (``policies.path_spellings``: relative paths joined to the call's directory, ``~root``,
  ``..``); a ``chmod``'s target is ``path:mode``.
* Only patterns decide a derived action: a policy's ``default_action`` covers the command
  itself (``default_action: deny`` does not deny every ``cat`` the allowed commands run), and an
  ``allow`` pattern never lifts the command's own verdict (strictest wins).
* A directory a recursive command acts on meets the ``deny`` rules that reach the files under
  it (``_pattern_trees``): a delete or mode change of every one of them (``rm -rf /``) meets
  such a rule as it stands, an act on some of them is asked.
* A path not known before run time (a variable, ``$(…)``, a wide glob such as ``~/.ss?/id_*``,
  ``… | xargs cat``) is asked (SIGSTOP) when the policy has a ``deny`` pattern for that kind of
  action, since which file it names cannot be told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern, ViolationMode
from goalrail.patterns.outcome import pattern_outcome
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_verdicts import final, stricter
from goalrail.policies.builtins._shell import CACHE_MAX_CHARS
from goalrail.policies.builtins._shell_file_effects import FILE_ACTIONS, file_effects

__all__ = [
    "FILE_ACTIONS",
    "SHELL",
    "FileKinds",
    "judges_files",
    "patch_effects",
    "patch_files",
    "shell_commands",
    "shell_files",
    "shell_lines",
    "tool_globs",
]
from goalrail.policies.builtins._pattern_trees import continues, literal_words, tree_rules
from goalrail.policies.builtins._shell_file_words import ALL, TREE, UNKNOWN, glob_spellings
from goalrail.policies.builtins._shell_readings import Holes, readings
from goalrail.policies.commands import command_lines
from goalrail.policies.path_spellings import canonical_path

SHELL = "shell_execute"
#: lines whose matching readings a checker keeps (:meth:`FileKinds.hits`)
_MEMO_LINES = 1024
#: (reading, ids of the rules it matches) for the readings of a line that some rule matches, by line
Hits = dict[str, tuple[tuple[str, frozenset[str | None]], ...]]
#: a command no rule names: a rule matching after it finds its words anywhere on the line
_NO_PROGRAM = "\x01nowhere\x01 "
#: the literal words of a rule tried in a command's run-time words, at most
_MAX_VALUES = 32
_VERBS = {
    "file_read": "reads",
    "file_write": "writes",
    "file_delete": "deletes",
    "file_move": "moves",
    "file_chmod": "changes the mode of",
}


def judges_files(policy: Policy) -> tuple[str, ...]:
    """The file action types ``policy`` has patterns for (none: a shell command's files are not read)."""
    return tuple(kind for kind in FILE_ACTIONS if policy.has_type(kind))


class FileKinds:
    """:func:`judges_files` of the policy last asked about, and its ``shell_execute`` patterns that
    deny or warn (:meth:`commands`), kept per checker (the builtin's policies are never changed in
    place: a reloaded file is a new one)."""

    __slots__ = ("_hits", "_last")

    def __init__(self) -> None:
        self._last: tuple[object, tuple[str, ...], tuple[Pattern, ...]] = (None, (), ())
        self._hits: Hits = {}

    def _facts(self, policy: Policy) -> tuple[object, tuple[str, ...], tuple[Pattern, ...]]:
        last = self._last  # (read once: another thread may replace it)
        if last[0] is not policy:
            last = (policy, judges_files(policy), _guards(policy, SHELL))
            self._hits = {}
            self._last = last
        return last

    def __call__(self, policy: Policy) -> tuple[str, ...]:
        return self._facts(policy)[1]

    def commands(self, policy: Policy) -> tuple[Pattern, ...]:
        """``policy``'s ``shell_execute`` patterns that deny or warn (none: no reading is judged)."""
        return self._facts(policy)[2]

    def hits(self, policy: Policy) -> Hits:
        """The readings of the lines last judged that ``policy``'s :meth:`commands` match (a match
        depends on the text alone), by line; emptied when the policy changes."""
        self._facts(policy)
        return self._hits


def _guards(policy: Policy, kind: str) -> tuple[Pattern, ...]:
    index = policy.compiled().index_for(kind)
    if index is None:
        return ()
    return tuple(e.pattern for e in index.entries.values() if e.pattern.action in ("deny", "warn"))


def shell_lines(arguments: object, target: str, more: object) -> Iterable[str]:
    """The command lines a shell call runs: its one ``command`` string (the usual call), else the
    lines ``policies.commands`` reads (an argv quoted as the shell reads it, several keys)."""
    if type(arguments) is dict or isinstance(arguments, Mapping):
        if type(arguments.get("command")) is str and len(arguments) <= 3 and not more:
            return (target,)  # (Claude Code's `Bash`: `command`, `description`, `timeout`)
        found = command_lines(arguments)
        if found:
            return found
    return more if isinstance(more, list) and more else (target,)


def _forbids(policy: Policy, kind: str) -> bool:
    index = policy.compiled().index_for(kind)
    return index is not None and any(e.pattern.action == "deny" for e in index.entries.values())


def shell_commands(
    policy: Policy,
    guards: tuple[Pattern, ...],
    res: EvaluationResult,
    lines: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
    memo: Hits | None = None,
) -> EvaluationResult:
    """``res`` made stricter by the ``shell_execute`` patterns that deny or warn about a command
    the line runs, as the shell reads it (``_shell_readings``), and asked when what the line runs
    cannot be told (only for a policy with such a pattern, ``guards``: :meth:`FileKinds.commands`;
    a reading none of them matches is not decided, since only they can make it stricter)."""
    # The rules that decided the line or a reading: a reading only they meet would tie (a rule's
    # verdict does not depend on the text it met), so it is not matched again (a command's
    # spellings of its options, `_option_spellings`, are met by the same rule).
    fired = {res.pattern_id} if res.matched and res.action != "allow" else set()
    for line in lines:
        if type(line) is not str:
            continue
        spelled, opened, unresolved = readings(line)
        hits = memo.get(line) if memo is not None else None
        if hits is None:
            hits = tuple((r, ids) for r in spelled if (ids := frozenset(g.id for g in guards if g.matches(r))))
            if memo is not None and len(line) <= CACHE_MAX_CHARS:
                if len(memo) >= _MEMO_LINES:
                    memo.clear()
                memo[line] = hits
        for reading, ids in hits:
            if ids <= fired:
                continue
            found = policy.decide(SHELL, reading, facts, rate)
            if found.matched and found.action != "allow":
                fired.add(found.pattern_id)
                note = f"{found.reason} (a command the line runs, as the shell reads it)"
                res = stricter(res, replace(found, reason=note))
                if final(res):
                    return res
        if opened and _open_ended(policy, opened, facts, rate):
            why = "a command the line runs has a word known only at run time where its shell_execute rules deny some"
            res = stricter(res, _asked(policy, why))
        if unresolved and any(g.action == "deny" for g in guards):
            why = (
                "the line runs commands its analysis cannot resolve (a program named at run time, "
                "code built from strings), which its shell_execute rules cannot tell apart"
            )
            res = stricter(res, _asked(policy, why))
    return res


def _deny_patterns(policy: Policy, kind: str) -> tuple[Pattern, ...]:
    index = policy.compiled().index_for(kind)
    if index is None:
        return ()
    return tuple(e.pattern for e in index.entries.values() if e.pattern.action == "deny")


def _denials(policy: Policy, kind: str) -> tuple[str, ...]:
    return tuple(p.pattern for p in _deny_patterns(policy, kind))


def _open_ended(policy: Policy, holes: tuple[Holes, ...], facts: ActionFacts, rate: RateLookup) -> bool:
    """Whether a ``deny`` rule that names the program (one that cannot match after any other:
    not ``.*rm -rf.*``, which the reading as written already met) denies a command with words
    known only at run time for some value of them: each literal word of the rule written in
    their place (``git $p --force`` read as ``git push --force``)."""
    for pattern in _denials(policy, SHELL):
        if continues(pattern, _NO_PROGRAM):
            continue
        for words, places in holes:
            if not continues(pattern, " ".join(words[: places[0]]) + " "):
                continue
            for value in literal_words(pattern)[:_MAX_VALUES]:
                filled = [value if i in places else w for i, w in enumerate(words)]
                found = policy.decide(SHELL, " ".join(filled), facts, rate)
                if found.matched and not found.allowed:
                    return True
    return False


def _tree(
    policy: Policy,
    res: EvaluationResult,
    kind: str,
    path: str,
    base: object,
    facts: ActionFacts,
    suffix: str = "",
    every: bool = False,
) -> EvaluationResult:
    """``res`` made stricter when a ``deny`` rule reaches the files under the directory ``path``
    (``_pattern_trees``).  A command that acts on *every* file beneath it (``rm -r``, ``chmod -R``,
    ``find D -delete``, ``shutil.rmtree``: ``every``) meets that rule as it stands (denied, or
    asked where the rule asks); one that acts on *some* of them, which are known only at run time
    (a read, a copy or an extraction into it, ``find D -name x -delete``), is asked."""
    patterns = _deny_patterns(policy, kind)
    if not patterns:
        return res
    canonical = canonical_path(path, base)
    found = tree_rules(tuple(p.pattern for p in patterns), (path,) if canonical is None else (path, canonical), suffix)
    if found is None:
        return res
    rule = next(p for p in patterns if p.pattern == found)
    if every and not rule.conditions:
        met = pattern_outcome(policy, rule, kind, path + suffix, facts, None)
        note = f"{met.reason} (the command {_VERBS[kind]} every file under `{path[:120]}`, some of them this rule's)"
        return stricter(res, replace(met, reason=note))
    why = f"the command {_VERBS[kind]} every file under `{path[:120]}`, where its {kind} rules deny some"
    return stricter(res, _asked(policy, why))


def _base(cwd: object, dir_args: object) -> object:
    """The directory the command starts in: an absolute directory the call names, else ``cwd``."""
    if isinstance(dir_args, Mapping):
        for value in dir_args.values():
            if isinstance(value, str) and value:
                spelled = canonical_path(value, cwd) or value
                return spelled if spelled[:1] in ("/", "~") else None
    return cwd


def shell_files(
    policy: Policy,
    kinds: tuple[str, ...],
    res: EvaluationResult,
    lines: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
    cwd: object,
    dir_args: object = None,
) -> EvaluationResult:
    """``res`` (the command's own result) made stricter by the file actions of ``lines``."""
    effects = [e for line in lines if type(line) is str for e in file_effects(line) if e[0] in kinds]
    if not effects:  # (the usual line: `git status`, `ls`, `pytest`)
        return res
    base = _base(cwd, dir_args) if dir_args else cwd
    asked: set[str] = set()
    seen: set[str] = set()  # (kind and spelling: `.` and `./` are one directory)
    for kind, path, sure, suffix in effects:
        if sure != UNKNOWN or path != "*":
            res = _judged(policy, res, kind, path, suffix, facts, rate, base, seen)
        if sure in (TREE, ALL) and kind not in asked:
            res = _tree(policy, res, kind, path, base, facts, suffix, sure == ALL)
        if sure == UNKNOWN and kind not in asked and _forbids(policy, kind):
            asked.add(kind)
            res = stricter(res, _unknown(policy, kind))
    return res


_WILD = re.compile(r"[*?\[{]")
_PATCH_KEYS = ("input", "patch", "patchText", "command", "arguments")


def tool_globs(
    policy: Policy,
    kind: str,
    res: EvaluationResult,
    targets: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """A file tool's targets that hold a glob (``Glob``, ``read_many_files``' ``include``, Grep's
    ``glob``): brace lists expanded and judged; a wide one (``**/.env*``, ``~/.ss?/id_*``) asked
    where a rule forbids some files of ``kind``."""
    for target in targets:
        if type(target) is not str or _WILD.search(target) is None:
            continue
        for spelled, sure in glob_spellings(target):
            if sure == UNKNOWN:
                if _forbids(policy, kind):
                    return stricter(res, _unknown(policy, kind))
            elif spelled != target:
                res = stricter(res, policy.decide(kind, spelled, facts, rate))
    return res


def patch_effects(arguments: object) -> list[tuple[str, str]]:
    """The deletes and moves an ``apply_patch`` body makes (``*** Delete File: p``; ``*** Update
    File: p`` then ``*** Move to: q``: ``p`` and ``q`` moved, ``p`` deleted)."""
    texts = [arguments] if type(arguments) is str else []
    if type(arguments) is dict or isinstance(arguments, Mapping):
        texts = [v for k in _PATCH_KEYS if type(v := arguments.get(k)) is str]
    out: list[tuple[str, str]] = []
    for text in texts:
        if "*** Delete File: " not in text and "*** Move to: " not in text:
            continue
        updated = ""
        for line in text.splitlines():
            if line.startswith("*** Delete File: "):
                out.append(("file_delete", line[17:].strip()))
            elif line.startswith("*** Update File: "):
                updated = line[17:].strip()
            elif line.startswith("*** Move to: "):
                dest = line[13:].strip()
                out += [("file_move", updated), ("file_delete", updated), ("file_move", dest)]
    return [(k, p) for k, p in out if p]


def patch_files(
    policy: Policy,
    kinds: tuple[str, ...],
    res: EvaluationResult,
    effects: list[tuple[str, str]],
    facts: ActionFacts,
    rate: RateLookup,
    cwd: object,
) -> EvaluationResult:
    """``res`` made stricter by the deletes and moves of a patch (``patch_effects``)."""
    for kind, path in effects:
        if kind in kinds:
            res = _judged(policy, res, kind, path, "", facts, rate, cwd)
    return res


def _judged(
    policy: Policy,
    res: EvaluationResult,
    kind: str,
    path: str,
    suffix: str,
    facts: ActionFacts,
    rate: RateLookup,
    base: object,
    seen: set[str] | None = None,
) -> EvaluationResult:
    """``res`` made stricter by the patterns matching ``kind`` of ``path`` as spelled and canonically
    (each spelling once per call when ``seen`` keeps them)."""
    if isinstance(base, str) and base[:1] == "~" and path[:1] not in ("/", "~"):
        path = f"{base.rstrip('/')}/{path}"  # under a home not known here (`dir_path: ~/.ssh`)
    canonical = canonical_path(path, base)
    for spelled in (path, canonical) if canonical is not None else (path,):
        if seen is not None:
            key = f"{kind} {spelled}{suffix}"
            if key in seen:
                continue
            seen.add(key)
        found = policy.decide(kind, spelled + suffix, facts, rate)
        if found.matched:
            note = f"{found.reason} (the call {_VERBS[kind]} `{spelled[:120]}`)"
            res = stricter(res, replace(found, reason=note))
    return res


def _unknown(policy: Policy, kind: str) -> EvaluationResult:
    why = (
        f"the command {_VERBS[kind]} files named only at run time (a variable, a substitution or a "
        f"wide glob), which its {kind} rules cannot tell apart"
    )
    return _asked(policy, why)


def _asked(policy: Policy, why: str) -> EvaluationResult:
    """A derived file action the policy's rules cannot clear: asked (SIGSTOP), naming the policy."""
    return EvaluationResult(
        allowed=False,
        action="deny",
        reason=f"policy `{policy.name}`: {why}",
        violation_mode=ViolationMode.SIGSTOP,
        policy=policy.name,
        matched=True,
    )
