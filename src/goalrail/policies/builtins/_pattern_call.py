"""What a tool call names for the file rules, listed once: the lines a shell call runs
(:func:`call_lines`) and the paths a file tool's call names (:func:`call_paths`).

The full evaluation (``patterns._checker``) judges what these list; the lean path
(``_pattern_lean.touches``) passes over a call only when none of it may be a path its rules
reach.  One listing for both: a path one of them read and the other did not would let the lean
path answer where the full evaluation would not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple, cast

from goalrail.policies.builtins._pattern_transfers import transfer_effects
from goalrail.policies.builtins._powershell_cli import tool_line
from goalrail.policies.commands import command_lines

__all__ = ["CallPaths", "call_lines", "call_paths", "patch_effects", "shell_lines"]

#: argument keys that may hold an ``apply_patch`` body
_PATCH_KEYS = ("input", "patch", "patchText", "command", "arguments")
_PATCH_KEY_SET = frozenset(_PATCH_KEYS)
_NONE: list[tuple[str, str]] = []  # read only: no patch effects, no transfer's ends
_new = tuple.__new__


class CallPaths(NamedTuple):
    """The paths a file tool's call names: its ``targets`` (the first is its ``target``: the
    action's own, as ``engine.actions`` and ``engine.targets`` list them), else its target; a
    patch's deletes and moves (:func:`patch_effects`, a ``file_write``'s); a move's or copy's
    ends (``_pattern_transfers.transfer_effects``), each with the action it is judged as."""

    named: Sequence[str]
    patched: list[tuple[str, str]]
    moved: list[tuple[str, str]]


def call_paths(kind: str, action: Mapping[str, object], arguments: object) -> CallPaths:
    """The paths a file tool's call of action type ``kind`` names (:class:`CallPaths`)."""
    named = cast("Sequence[str]", action.get("targets") or (action.get("target") or "",))
    patched = patch_effects(arguments) if kind == "file_write" else _NONE
    transfer = action.get("transfer")  # (none, the usual call: no transfer's ends to list)
    moved = _NONE if transfer is None else transfer_effects(transfer, arguments)
    return _new(CallPaths, (named, patched, moved))  # (no generated ``__new__`` to run)


def call_lines(action: Mapping[str, object], arguments: object) -> Iterable[str]:
    """The command lines a shell call runs (:func:`shell_lines`), a PowerShell tool's read as
    PowerShell (``_powershell_cli.tool_line``)."""
    lines = shell_lines(arguments, cast(str, action.get("target") or ""), action.get("targets"))
    if action.get("language") == "powershell":  # the tool's command is PowerShell
        lines = tuple(tool_line(line) for line in lines if type(line) is str)
    return lines


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


def patch_effects(arguments: object) -> list[tuple[str, str]]:
    """The deletes and moves an ``apply_patch`` body makes (``*** Delete File: p``; ``*** Update
    File: p`` then ``*** Move to: q``: ``p`` and ``q`` moved, ``p`` deleted)."""
    texts = [arguments] if type(arguments) is str else []
    if type(arguments) is dict or isinstance(arguments, Mapping):
        if _PATCH_KEY_SET.isdisjoint(arguments):  # (a Write's `file_path` and `content`: no patch, one C call)
            return []
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
