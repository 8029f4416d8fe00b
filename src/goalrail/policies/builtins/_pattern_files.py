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
* A path handed to a program Goalrail does not know (``mytool .env``, ``./upload.sh
  ~/.ssh/id_rsa``: ``_shell_file_senders``) is asked (SIGSTOP) where a ``file_read`` rule denies
  reading it, naming the program and the rule: what the program does with it cannot be told.
* A path not known before run time (a variable, ``$(…)``, a wide glob such as ``~/.ss?/id_*``,
  ``… | xargs cat``) is asked (SIGSTOP) when the policy has a ``deny`` pattern for that kind of
  action, since which file it names cannot be told.
* A glob also meets the ``deny`` rules about a place as the paths it may name
  (``_pattern_globs``: ``rm -rf /srv/goal*``, ``cat /*/shadow``), ``named_only`` ones included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern
from goalrail.patterns.outcome import pattern_outcome
from goalrail.patterns.policy import Policy
from goalrail.patterns.templates import PATH_SECRETS
from goalrail.policies.builtins._pattern_verdicts import matched_floor, raises, stricter
from goalrail.policies.builtins._shell_file_effects import FILE_ACTIONS, file_effects

__all__ = ["FILE_ACTIONS", "SHELL", "FileKinds", "effects_judged", "judges_files", "patch_files"]
from goalrail.policies.builtins._pattern_globs import asked, globbed, is_glob
from goalrail.policies.builtins._pattern_handed import handed, only_allowed
from goalrail.policies.builtins._pattern_trees import above_home, placed, tree_rules
from goalrail.policies.builtins._shell_file_words import (
    ALL,
    EXACT,
    GLOB,
    HANDED,
    LISTED,
    REMOTE,
    TREE,
    UNKNOWN,
    glob_spellings,
)
from goalrail.policies.path_spellings import canonical_path, start_dir

__all__ += ["asked", "shell_files", "tool_globs"]
SHELL = "shell_execute"
#: a file read on another host or in a container is judged where it names a secret (the templates' list)
_REMOTE_SECRET = re.compile(PATH_SECRETS)
#: (reading, ids of the rules it matches) for the readings of a line that some rule matches, by line
Hits = dict[str, tuple[tuple[str, frozenset[str | None]], ...]]
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

    __slots__ = ("_hits", "_ids", "_last")

    def __init__(self) -> None:
        self._last: tuple[object, tuple[str, ...], tuple[Pattern, ...]] = (None, (), ())
        self._hits: Hits = {}
        self._ids: tuple[object, dict[int, str | None]] = (None, {})

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

    def guard_ids(self, policy: Policy) -> dict[int, str | None]:
        """The index entries of :meth:`commands`, by entry index (to read one pass of the type's
        automaton: ``TypeIndex.matching``)."""
        last = self._facts(policy)
        if self._ids[0] is not last:
            index = policy.compiled().index_for(SHELL)
            entries = index.entries.values() if index is not None else ()
            self._ids = (last, {e.index: e.pattern.id for e in entries if e.pattern.action in ("deny", "warn")})
        return self._ids[1]


def _guards(policy: Policy, kind: str) -> tuple[Pattern, ...]:
    index = policy.compiled().index_for(kind)
    if index is None:
        return ()
    return tuple(e.pattern for e in index.entries.values() if e.pattern.action in ("deny", "warn"))


def _forbids(policy: Policy, kind: str) -> bool:
    """Whether a ``deny`` rule of ``kind`` may forbid a file named at run time (not a ``named_only`` one)."""
    index = policy.compiled().index_for(kind)
    return index is not None and any(
        e.pattern.action == "deny" and e.pattern.metadata.get("named_only") is not True for e in index.entries.values()
    )


def _deny_patterns(policy: Policy, kind: str) -> tuple[Pattern, ...]:
    index = policy.compiled().index_for(kind)
    if index is None:
        return ()
    return tuple(e.pattern for e in index.entries.values() if e.pattern.action == "deny")


def denials(policy: Policy, kind: str) -> tuple[str, ...]:
    return tuple(p.pattern for p in _deny_patterns(policy, kind))


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
    canonical = canonical_path(path, base) if patterns else None
    spellings, rest = (path,) if canonical is None else (path, canonical), tuple(p.pattern for p in patterns)
    outside = _outside(spellings, base) if rest else ()
    # every rule reaching the files is met, the strictest deciding (an ask must not hide a deny)
    while rest and (found := tree_rules(rest, spellings, suffix, outside)) is not None:
        rest = rest[rest.index(found) + 1 :]
        rule = next(p for p in patterns if p.pattern == found)
        if not every or rule.conditions:
            why = f"the command {_VERBS[kind]} every file under `{path[:120]}`, where its {kind} rules deny some"
            res = stricter(res, asked(policy, why))
            continue
        met = pattern_outcome(policy, rule, kind, path + suffix, facts, None)
        note = f"{met.reason} (the command {_VERBS[kind]} every file under `{path[:120]}`, some of them this rule's)"
        res = stricter(res, replace(met, reason=note))
    return res


def _outside(spellings: tuple[str, ...], base: object) -> tuple[str, ...]:
    """The spellings of a directory outside the workspace (``~/.mozilla``, ``/etc``, ``../../.config``
    joined to the call's directory ``base``), whose own words may name a place a rule is about
    (``_pattern_trees.placed``): not a relative one nor one at or under ``base`` (a project's ``etc/``
    or ``chromium/`` is its own), unless ``base`` is a home or above one (no project of its own)."""
    here = base.rstrip("/") if isinstance(base, str) and base[:1] == "/" else None
    if (here is not None and above_home(here or "/")) or (isinstance(base, str) and base[:1] == "~"):
        return spellings
    return tuple(
        s
        for s in spellings
        if (s[:1] in ("/", "~", "$") or _DRIVE.match(s) is not None)
        and (here is None or (s.rstrip("/") != here and not s.startswith(here + "/")))
    )


_DRIVE = re.compile(r"^[A-Za-z]:[/\\]")


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
    return effects_judged(policy, res, effects, facts, rate, start_dir(cwd, dir_args) if dir_args else cwd)


def effects_judged(
    policy: Policy,
    res: EvaluationResult,
    effects: Iterable[tuple[str, str, int, str]],
    facts: ActionFacts,
    rate: RateLookup,
    base: object,
) -> EvaluationResult:
    """``res`` made stricter by file actions (``file_effects``' kind, path, sureness, suffix) taken
    from the directory ``base``."""
    asked: set[str] = set()
    seen: set[str] = set()  # (kind and spelling: `.` and `./` are one directory)
    for kind, path, sure, suffix in effects:
        if sure == REMOTE:  # (`ssh h cat /etc/os-release`: that host's file, no rule here is about it)
            if path[-1:] == "/" and _remote_tree(path):
                sure = ALL  # (`ssh h tar -cf - ~/.mozilla`: a directory there holding secrets, read whole)
            elif _REMOTE_SECRET.match(path) is None:
                continue
            else:
                sure = EXACT
        if sure == LISTED:  # (a glob a listing may print: `find ~/.aws -name 'cred*' | xargs cat`)
            res = globbed(policy, res, kind, path, suffix, facts, base, True)
            continue
        if sure == HANDED:  # (`suffix`: the program it is handed to)
            res = handed(policy, res, path, suffix, facts, rate, base, seen)
            continue
        if sure != UNKNOWN or path != "*":
            res = _judged(policy, res, kind, path, suffix, facts, rate, base, seen)
        if sure in (GLOB, UNKNOWN) and is_glob(path):  # (`rm -rf /srv/goal*`: what it may name)
            res = globbed(policy, res, kind, path, suffix, facts, base)
        if sure == ALL or (sure == TREE and kind not in asked):  # (every file: a rule may deny it)
            res = _tree(policy, res, kind, path, base, facts, suffix, sure == ALL)
        if sure == UNKNOWN and kind not in asked and _forbids(policy, kind):
            asked.add(kind)
            res = stricter(res, _unknown(policy, kind))
    return res


def _remote_tree(path: str) -> bool:
    """A directory on another host or in a container that holds secrets the templates name: a home
    or above one, or one whose own words name their place (``~/.mozilla/``, ``/etc/``)."""
    return above_home(path.rstrip("/") or "/") or placed(PATH_SECRETS, path)


_WILD = re.compile(r"[*?\[{]")


def tool_globs(
    policy: Policy,
    kind: str,
    res: EvaluationResult,
    targets: Iterable[str],
    facts: ActionFacts,
    rate: RateLookup,
    search: object = None,
) -> EvaluationResult:
    """A file tool's targets that hold a glob (``Glob``, ``read_many_files``' ``include``, Grep's
    ``glob``): brace lists expanded and judged; a wide one (``**/.env*``, ``~/.ss?/id_*``) asked
    where a rule forbids some files of ``kind``; a search's (``Grep {path: ~}``, from ``search``) all under it."""
    for target in targets:
        if type(target) is not str or _WILD.search(target) is None:
            if search is not None and type(target) is str and target:
                res = _tree(policy, res, kind, target, search, facts, every=True)
            continue
        for spelled, sure in glob_spellings(target):
            if is_glob(spelled):  # (a search's glob names directories searched whole: `Grep {path: /var/lib/goal*}`)
                below = spelled if search is None or spelled.endswith("/") else f"{spelled}/"
                res = globbed(policy, res, kind, below, "", facts, search)
            if sure == UNKNOWN:
                if _forbids(policy, kind):  # (the other targets still judged: one may name a secret)
                    res = stricter(res, _unknown(policy, kind))
            elif spelled != target:
                res = stricter(res, policy.decide(kind, spelled, facts, rate))
    return res


def patch_files(
    policy: Policy,
    kinds: tuple[str, ...],
    res: EvaluationResult,
    effects: list[tuple[str, str]],
    facts: ActionFacts,
    rate: RateLookup,
    cwd: object,
) -> EvaluationResult:
    """``res`` made stricter by the deletes and moves of a patch, or a move's or copy's ends
    (``_pattern_call.call_paths``)."""
    for kind, path in effects:
        if kind in kinds:
            res = _judged(policy, res, kind, path, "", facts, rate, cwd)
    return res


def moved_trees(
    policy: Policy,
    kinds: tuple[str, ...],
    res: EvaluationResult,
    effects: list[tuple[str, str]],
    facts: ActionFacts,
    cwd: object,
) -> EvaluationResult:
    """``res`` made stricter by what a move tool's sources take with them: a directory moved leaves
    its place with every file beneath it (``move_file {source: /home/dev}`` as ``mv ~ /tmp/x``)."""
    if "file_delete" in kinds:
        for kind, path in effects:
            if kind == "file_delete":
                res = _tree(policy, res, kind, path, cwd, facts, "", True)
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
    floor = matched_floor(res)
    for spelled in (path, canonical) if canonical is not None else (path,):
        if seen is not None:
            key = f"{kind} {spelled}{suffix}"
            if key in seen:
                continue
            seen.add(key)
        if floor and only_allowed(policy, kind, spelled + suffix):
            continue  # (an allow rule's result is never stricter than a matched one)
        found = policy.decide(kind, spelled + suffix, facts, rate)
        if found.matched and raises(res, found):
            note = f"{found.reason} (the call {_VERBS[kind]} `{spelled[:120]}`)"
            res = replace(found, reason=note)
    return res


def _unknown(policy: Policy, kind: str) -> EvaluationResult:
    why = (
        f"the command {_VERBS[kind]} files named only at run time (a variable, a substitution or a "
        f"wide glob), which its {kind} rules cannot tell apart"
    )
    return asked(policy, why)
