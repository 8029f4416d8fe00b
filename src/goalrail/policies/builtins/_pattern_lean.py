"""A pattern policy whose every rule is a named-paths rule (``policies.own_paths``: the server's
own-files guard) passes over an event naming no path its rules could match, without the full
evaluation (facts, windows, each spelling's match, the default outcome).

A policy qualifies (:func:`named_reach`) when its default is ``allow`` and every rule is a ``deny``
of one file action type with no conditions, ``metadata.named_only``, and a regex equal to
``own_paths.under`` or ``own_paths.above_or_under`` rebuilt from its ``metadata.paths``: such a
rule matches only a target that, lower-cased, starts with one of the paths, or is a directory
above one or the root (``own_paths.reach``).  Then its answer is the full one's (``None``: no
opinion) wherever :func:`touches` finds no such path:

* an event other than a tool call, a tool call of another action type (the policy has no rule
  for it, and its default is ``allow``);
* a file tool whose targets, a patch's deletes and moves, a move's or copy's two ends, are
  none of them, as written nor joined to the call's directory;
* a shell line whose file effects (``file_effects``, cached: the session's own pattern policies
  read the same) name none of them, and that runs no file the session wrote.

A path that could be anything at run time is taken to touch them: a glob (``*?[{``), ``$``, a
backtick, a path not ASCII, an effect known only at run time (``UNKNOWN``), any path of a line
holding a command substitution (`` `…` ``, ``$(…)``) or text not ASCII; so is any error.
``tests/unit/test_pattern_lean.py`` compares the two answers over the shell corpora.

Since an event of another type or a tool call of another action type is ``None`` whatever it
names, the checker of a policy that extends none (whose rules only the factory holding it could
change: ``patterns.pattern_policy``'s ``fixed``) declares so (``Listens.actions``:
:data:`REACHED`): the chain does not call it for a web fetch, an MCP call mapped to no file
action, or anything else a named path cannot be in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_call import call_lines, call_paths
from goalrail.policies.builtins._pattern_files import FILE_ACTIONS, SHELL
from goalrail.policies.builtins._pattern_written import line_record, written_runs
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_file_words import UNKNOWN
from goalrail.policies.listens import ATTRIBUTE, Listens
from goalrail.policies.own_paths import END, TAIL, above_or_under, reach, under
from goalrail.policies.path_spellings import canonical_path, start_dir
from goalrail.policies.schema import PolicyEvent, PolicyResponse

__all__ = ["REACHED", "lean_checker", "named_reach", "touches"]

Check = Callable[[PolicyEvent], PolicyResponse | None]
#: (lower-cased paths a target may start with, directories above them and the root as ``""``)
Reach = tuple[tuple[str, ...], frozenset[str]]
#: what makes a path's spelling unknown until run time (or its canonical spelling differ)
_OPEN = re.compile(r"[*?\[{$`\\\x00]")
#: how many answers a checker keeps before it forgets them all
_MEMO_MAX = 4096
#: what makes an absolute path's canonical spelling differ from it beyond a trailing ``/``
_ODD = re.compile(r"//|/\.\.?(?:/|$)|proc")
_NO_ACTION: Mapping[str, object] = {}  # read only: an event without an action
#: what a qualifying policy's checker hears: tool calls of a shell or a file action (see the module doc)
REACHED = Listens(types=frozenset({"tool_call"}), actions=frozenset({SHELL, *FILE_ACTIONS}))


def named_reach(policy: Policy) -> Reach | None:
    """What an event must name for ``policy``'s rules to match (see the module doc); None when
    ``policy`` does not qualify."""
    if policy.default_action != "allow":
        return None
    paths: list[str] = []
    for p in policy.all_patterns():  # (a disabled rule too: more paths, never fewer)
        named = p.metadata.get("paths")
        if (
            p.action != "deny"
            or p.action_type not in FILE_ACTIONS
            or p.conditions
            or p.metadata.get("named_only") is not True
            or not isinstance(named, list)
            or not named
            or not all(isinstance(x, str) for x in named)
            or p.pattern not in {f(named, t) for f in (under, above_or_under) for t in (TAIL, END)}
        ):
            return None
        paths += named
    return reach(paths) if paths else None


def lean_checker(policy: Policy, check: Check) -> Check:
    """``check`` (``policy``'s full evaluation), answering ``None`` without it where ``policy``'s
    rules cannot match (``check`` itself when ``policy`` does not qualify)."""
    found = named_reach(policy)
    if found is None:
        return check
    compiled = policy.compiled()
    # Whether the policy is still the one ``found`` was read from: its own revision (one integer
    # compared: ``Policy._rev``) while it extends no other, else its compiled rules.
    parents, revision = policy.parents, policy._revision
    memo: dict[object, bool] = {}  # a line's or a path's answer, by what it depends on

    def lean(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        try:
            if (policy.compiled() is compiled if parents else policy._revision == revision) and not touches(
                event, found, memo
            ):
                return None
        except Exception:  # (whatever it cannot read, the full evaluation reads)
            pass
        return check(event)

    if not parents:  # (rules only the factory holding ``policy`` could change: none does)
        setattr(lean, ATTRIBUTE, REACHED)
    return lean


def touches(event: PolicyEvent, found: Reach, memo: dict[object, bool] | None = None) -> bool:
    """Whether the tool call ``event`` may name a path ``found`` reaches (see the module doc);
    ``memo`` keeps the answers for lines and paths met again.  What a call names is listed as
    the full evaluation lists it (``_pattern_call``)."""
    memo = {} if memo is None else memo
    ctx = event["context"]
    action = ctx.get("action") or _NO_ACTION
    kind = action.get("type")
    if kind != SHELL and kind not in FILE_ACTIONS:
        return False
    data = event.get("data")
    arguments = data.get("arguments") if type(data) is dict or isinstance(data, Mapping) else None
    cwd = ctx.get("cwd")
    if len(memo) > _MEMO_MAX:  # (forgotten all at once)
        memo.clear()
    if kind == SHELL:
        dir_args = action.get("dir_args")
        base = start_dir(cwd, dir_args) if dir_args else cwd
        return _line_touches(call_lines(action, arguments), ctx, cwd, base, found, memo)
    named: Sequence[object]
    named, patched, moved = call_paths(kind, action, arguments)
    target = action.get("target") or ""
    if len(named) == 1 and not patched and not moved:  # (the usual call: its one target)
        if (near := memo.get(key := (target, cwd))) is None:
            memo[key] = near = _near(target, cwd, found)
        return near or (named[0] != target and _named_near(named, cwd, found, memo))
    if named[0] != target:  # (the action's own target, judged apart by the full evaluation)
        named = (target, *named)
    if patched or moved:
        named = [*named, *(p for _k, p in patched), *(p for _k, p in moved)]
    return _named_near(named, cwd, found, memo)


def _named_near(named: Iterable[object], cwd: object, found: Reach, memo: dict[object, bool]) -> bool:
    for path in named:
        if (near := memo.get(key := (path, cwd))) is None:
            memo[key] = near = _near(path, cwd, found)
        if near:
            return True
    return False


def _line_touches(
    lines: Iterable[str], ctx: Mapping[str, object], cwd: object, base: object, found: Reach, memo: dict[object, bool]
) -> bool:
    if type(lines) is tuple and len(lines) == 1 and type(lines[0]) is str:
        texts: tuple[str, ...] = lines  # (the usual call: its one command)
    else:
        texts = tuple(line for line in lines if type(line) is str)
    written = ctx.get("written")
    key = (texts, cwd, base)
    if not written and (known := memo.get(key)) is not None:  # (the same line from the same place)
        return known
    if not all(map(str.isascii, texts)) or any("`" in t or "$(" in t for t in texts):
        return True  # (a substitution's word: whatever the effects make of it, the full reading)
    record = written if isinstance(written, Mapping) else {}
    if (own := line_record(texts, cwd)) or record:  # a file the session wrote, run: the full reading
        runs = written_runs(texts, record, cwd, own)
        if runs and runs[0]:
            return True
    found_one = any(
        sure == UNKNOWN or _near(path, base, found)
        for line in texts
        for _kind, path, sure, _suffix in file_effects(line)
    )
    if not own:  # (what holds for the line itself, whatever the session wrote before)
        memo[key] = found_one
    return found_one


def _near(path: object, base: object, found: Reach) -> bool:
    """Whether ``path`` may be one of ``found``'s paths, under one, above one or the root, in each
    spelling ``_pattern_files`` matches: as written, joined to a home ``base``, canonically."""
    if type(path) is not str or not path.isascii() or _OPEN.search(path) is not None:
        return True
    if path[:1] == "/" and _ODD.search(path) is None:
        return _hit(path, found)
    spelled = [path]
    if isinstance(base, str):
        if not base.isascii() or _OPEN.search(base) is not None:
            return True
        if base[:1] == "~" and path[:1] not in ("/", "~"):
            spelled.append(f"{base.rstrip('/')}/{path}")
    spelled += [c for s in tuple(spelled) if (c := canonical_path(s, base)) is not None]
    return any(_hit(s, found) for s in spelled)


def _hit(spelled: str, found: Reach) -> bool:
    low = spelled.lower()
    if low.startswith(found[0]):
        return True
    cut = low.rfind(":")
    core = low[:cut] if cut > low.rfind("/") else low  # (a mode change's `path:MODE`)
    return core.rstrip("/") in found[1] or low.rstrip("/") in found[1]
