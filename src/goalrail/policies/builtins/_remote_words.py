"""Reading a remote runner's words (``_remote_runs``): an option's values, the subcommand words,
the command after ssh's options, a script given inline, as ``@file`` or for PowerShell."""

from __future__ import annotations

import shlex

from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._shell_words import indexed_operands
from goalrail.policies.builtins._ssh import SSH_VALUED

__all__ = ["Run", "after_dashes", "heads", "joined", "shown", "ssh_args", "value", "values"]

#: (command line, whether a word of it is known only at run time)
Run = tuple[str, bool]


def value(words: list[Word], i: int, option: str) -> tuple[Word | None, int]:
    """The value of ``option`` if the word at ``i`` is it (``--opt V``, ``--opt=V``, ``-oV``), and the index after."""
    w, _d = words[i]
    if w == option:
        return (words[i + 1], i + 2) if i + 1 < len(words) else (None, i + 1)
    if option.startswith("--") and w.startswith(option + "="):
        return (w[len(option) + 1 :], words[i][1]), i + 1
    if len(option) == 2 and w.startswith(option) and not w.startswith("--"):
        return (w[2:], words[i][1]), i + 1
    return None, i + 1


def values(words: list[Word], options: frozenset[str]) -> list[Word]:
    """Every value given to one of ``options`` before ``--``."""
    out: list[Word] = []
    i = 0
    while i < len(words) and words[i][0] != "--":
        for option in options:
            found, nxt = value(words, i, option)
            if found is not None:
                out.append(found)
                i = nxt - 1
                break
        i += 1
    return out


def heads(words: list[Word], n: int = 5, valued: frozenset[str] = frozenset()) -> list[str]:
    """The first ``n`` words that are no option (subcommands, a target), skipping the value of
    each option in ``valued`` (``aws --region r ssm …``)."""
    window = words[:16]
    return [w for i, w in indexed_operands((w for w, _ in window), valued) if not window[i][1]][:n]


def ssh_args(words: list[Word]) -> list[Run]:
    """Words handed to ssh after a host (``gcloud compute ssh vm -- -t CMD``): its options, then the command."""
    i = 0
    while i < len(words) and words[i][0].startswith("-") and len(words[i][0]) > 1:
        letters = words[i][0][1:]
        i += 1
        for j, letter in enumerate(letters):
            if letter in SSH_VALUED:
                i += 1 if j + 1 == len(letters) else 0
                break
    return joined(words[i:])


def joined(words: list[Word]) -> list[Run]:
    """``words`` joined by blanks as one command line (as ssh hands them to the remote shell); none when empty."""
    return [(" ".join(w for w, _ in words), any(d for _, d in words))] if words else []


def after_dashes(words: list[Word]) -> list[Run]:
    """The command in the words after ``--``, handed to ssh (``gcloud compute ssh vm -- CMD``)."""
    return ssh_args(words[[w for w, _ in words].index("--") + 1 :]) if ("--", False) in words else []


def shown(given: list[Word], powershell: bool = False) -> list[Run]:
    """Each script as a command line: ``@f`` as ``sh f``, PowerShell as ``pwsh -Command``."""
    out: list[Run] = []
    for text, dyn in given:
        if text.startswith("@") and not dyn:  # a local file's text, run there
            out.append((f"sh {shlex.quote(text[1:])}", False))
        else:
            out.append((f"pwsh -Command {shlex.quote(text)}" if powershell else text, dyn))
    return out
