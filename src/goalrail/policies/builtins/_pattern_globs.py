"""A file path spelled with a glob (``rm -rf /srv/goal*``, ``cat /*/shadow``, ``echo x >
/srv/goal*/policies/a.yaml``, a ``Glob`` tool's pattern) meets the ``deny`` rules *about a
place* as the path it may name would (:func:`globbed`).

A rule is about a place when it cannot match under an unrelated directory (``^/etc/shadow$``,
``~/\\.ssh(/|$)``, the server's own-files guard); a rule about a name found anywhere
(``(.*/)?\\.env$``) is left to what the glob's sureness already says (a narrow glob judged as
written, a wide one asked where such a rule denies), since almost any glob could name such a
file somewhere.  When the glob may name a path the rule matches (``_glob_rules.glob_meets``:
``*`` does not cross ``/`` but may match a leading ``.``), the line is decided as for that path:
the rule's own outcome (a ``deny`` is a deny, also for a ``named_only`` rule, which a run-time
name never meets).  A directory glob ending in ``/`` (``cp x /srv/goalrail/polic*/``, ``rm -r
/srv/go*/``) may also name the files beneath: a rule met only there is met as stated for a
delete or a mode change (every file), and asked for a read or a write (some of them), as a
spelled-out directory is (``_pattern_trees``).  A rule with conditions is asked.
"""

from __future__ import annotations

from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts
from goalrail.patterns.model import EvaluationResult, Pattern, ViolationMode
from goalrail.patterns.outcome import pattern_outcome, stricter
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._glob_names import name_meets
from goalrail.policies.builtins._glob_rules import WILD, glob_meets, is_glob
from goalrail.policies.builtins._pattern_trees import catch_all, reaches
from goalrail.policies.path_spellings import canonical_path

__all__ = ["asked", "globbed", "is_glob"]

#: a path no rule about a place names: a rule matching under it is about a name
_NOWHERE = "/\x01nowhere\x01/"
_EVERY = ("file_delete", "file_chmod")


def _deny_rules(policy: Policy, kind: str, suffix: str) -> list[tuple[Pattern, bool]]:
    """The ``deny`` rules of ``kind``, each with whether it is about a name found anywhere; not a
    rule matching any path (``.*``, a fallback), which said of the glob's spelling all it says."""
    index = policy.compiled().index_for(kind)
    if index is None:
        return []
    rules = (e.pattern for e in index.entries.values() if e.pattern.action == "deny")
    named = ((p, reaches(p.pattern, _NOWHERE, suffix)) for p in rules)
    return [(p, n) for p, n in named if not (n and catch_all(p.pattern))]


def _meets(rule: Pattern, named: bool, glob: str, suffix: str, under: bool) -> bool:
    """Whether ``glob`` may name a path ``rule`` matches: any for a rule about a place, a pinned
    one for a rule about a name (``named``: ``_glob_names``)."""
    if not named:
        return glob_meets(rule.pattern, glob, suffix, under)
    if WILD.search(suffix) is not None:
        return glob_meets(rule.pattern, glob, suffix, under)
    return name_meets(rule.pattern, (glob.rstrip("/") + "/**" if under else glob) + suffix)


def globbed(
    policy: Policy,
    res: EvaluationResult,
    kind: str,
    path: str,
    suffix: str,
    facts: ActionFacts,
    base: object,
    pinned: bool = False,
) -> EvaluationResult:
    """``res`` made stricter by the ``deny`` rules that the glob ``path`` (as written and
    canonically, from the directory ``base``) may name a path of (see the module doc); with
    ``pinned`` (a listing's glob: ``find / -name '*.py'``), a rule about a place too only where
    the glob's own text pins it."""
    rules = [(r, named or pinned) for r, named in _deny_rules(policy, kind, suffix)]
    if not rules:
        return res
    canonical = canonical_path(path, base)
    if path[:1] in ("/", "~"):
        spelled: tuple[str, ...] = (path,) if canonical is None else (path, canonical)
    elif canonical is not None:  # (a relative glob from its directory: `*` there names no home `~`)
        spelled = (canonical,)
    else:
        return res  # (a relative glob, the directory unknown: as a relative path, judged as written)
    below = path.endswith("/")
    for rule, named in rules:
        hit = next((s for s in spelled if _meets(rule, named, s, suffix, False)), None)
        some = False
        if hit is None and below:
            hit = next((s for s in spelled if _meets(rule, named, s, suffix, True)), None)
            some = kind not in _EVERY
        if hit is None:
            continue
        if some or rule.conditions:
            why = f"the glob `{hit[:120]}` may name files its {kind} rules deny (rule `{rule.pid}`)"
            res = stricter(res, asked(policy, why))
            continue
        met = pattern_outcome(policy, rule, kind, hit + suffix, facts, None)
        res = stricter(res, replace(met, reason=f"{met.reason} (the glob `{hit[:120]}` may name such a path)"))
    return res


def asked(policy: Policy, why: str) -> EvaluationResult:
    """A derived file action the policy's rules cannot clear: asked (SIGSTOP), naming the policy."""
    return EvaluationResult(
        allowed=False,
        action="deny",
        reason=f"policy `{policy.name}`: {why}",
        violation_mode=ViolationMode.SIGSTOP,
        policy=policy.name,
        matched=True,
    )
