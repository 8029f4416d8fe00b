"""A shell start-up file written by a file tool, judged by the text it puts there.

``echo 'export CLAUDE_CONFIG_DIR=/tmp/x' >> ~/.bashrc`` meets the policy's ``shell_execute`` rules:
the text is on the line, and a rule that matches anywhere on it (``<prefix>_guard_shell``,
``strict_shell_privilege``…) decides it.  The same text put there by ``Write``, ``Edit``,
``MultiEdit`` or an ``apply_patch`` is a ``file_write`` only, and a shell runs a start-up file by
itself in a later session, where no line names it (``_pattern_written`` meets a file the session
wrote only when a later line runs it).  So the text a file tool writes into one (:data:`STARTUP`:
``~/.bashrc``, ``~/.profile``, ``~/.zshrc``, ``.envrc``, fish's ``config.fish``, ``/etc/profile``…)
is decided as the shell form would be: each of its lines (a ``\\``-continued line joined) as
``echo LINE >> FILE``, by the ``shell_execute`` rules, and a rule that denies or warns makes the
call's result stricter.  A rule anchored at a command's start (a user's ``rm\\s+-rf``) meets the
``echo`` line no more than it meets ``echo 'rm -rf ~' >> ~/.bashrc``: the run that reads the file
later (``bash -i``, ``direnv allow``: ``_pattern_written``) meets it.  ``alias ll='ls -l'`` meets
none and keeps the write's own result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_files import SHELL
from goalrail.policies.builtins._pattern_verdicts import final, stricter

__all__ = ["STARTUP", "startup_texts", "startup_written"]

#: a file a shell (or ``direnv``, PAM) reads by itself when a session starts
STARTUP = re.compile(
    r"(^|/)(\.(ba|z|k|mk|tc|c)shrc|\.(bash_)?profile|\.bash_(login|logout|aliases)|\.z(shenv|profile|login|logout)"
    r"|\.envrc|config\.fish|fish/conf\.d/[^/]+\.fish|\.pam_environment)$"
    r"|^/etc/(environment|profile|bash\.bashrc|zsh/z\w+|profile\.d/[^/]+)$"
)
#: argument keys holding a whole file's new text, and one replacement's new text
_TEXT_KEYS = ("content", "file_text", "text", "contents")
_NEW_KEYS = ("new_string", "new_str", "newText")
_PATCH_KEYS = ("input", "patch", "patchText")


def startup_texts(targets: Sequence[object], arguments: object) -> list[str]:
    """The texts a file-writing call puts into a start-up file among ``targets``: a whole file's
    text, each replacement's new text, a patch's added lines (none when no target is one)."""
    if not isinstance(arguments, Mapping) or not any(type(t) is str and STARTUP.search(t) for t in targets):
        return []
    texts = [v for k in _TEXT_KEYS if type(v := arguments.get(k)) is str]
    edits = arguments.get("edits")
    for edit in [arguments, *(edits if isinstance(edits, list) else ())]:
        if isinstance(edit, Mapping):
            texts += [v for k in _NEW_KEYS if type(v := edit.get(k)) is str]
    for key in _PATCH_KEYS:
        if type(body := arguments.get(key)) is str:
            texts.append("\n".join(x[1:] for x in body.splitlines() if x.startswith("+") and not x.startswith("+++")))
    return texts


def _lines(text: str) -> Iterator[str]:
    for line in text.replace("\\\r\n", "").replace("\\\n", "").splitlines():
        if (line := line.strip()) and not line.startswith("#"):
            yield line


def startup_written(
    policy: Policy,
    res: EvaluationResult,
    target: str,
    texts: list[str],
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` made stricter by the ``shell_execute`` rules that deny or warn about a line of
    ``texts`` written into the start-up file ``target``, as ``echo LINE >> target``."""
    fired: set[str | None] = set()
    for text in texts:
        for line in _lines(text):
            found = policy.decide(SHELL, f"echo {line} >> {target}", facts, rate)
            if not found.matched or found.action == "allow" or found.pattern_id in fired:
                continue
            fired.add(found.pattern_id)
            note = f"{found.reason} (text written to the shell start-up file `{target}`, as `echo … >> {target}`)"
            res = stricter(res, replace(found, reason=note))
            if final(res):
                return res
    return res
