"""The code of Windows' shells in a POSIX line: ``pwsh``/``powershell`` code (``_powershell_cli``
finds it, ``_powershell`` reads it) and ``cmd /c LINE`` or lines on ``cmd``'s stdin (``_cmd`` reads
them as PowerShell), each reported to the shell walker as the POSIX script with its effects."""

from __future__ import annotations

import re
from typing import Protocol

from goalrail.policies.builtins._cmd import EXTERNALS, batch, line_of
from goalrail.policies.builtins._cmd import powershell_code as cmd_powershell
from goalrail.policies.builtins._powershell import posix_script
from goalrail.policies.builtins._powershell_cli import command_code
from goalrail.policies.builtins._powershell_cmdlets import Unread
from goalrail.policies.builtins._shell_types import Word

__all__ = ["WINDOWS_NAMES", "cmd_args", "cmd_code", "powershell_code", "powershell_codes", "script_operand"]


#: the Windows shells (and programs read as cmd reads them), by their lower-case names without `.exe`
_SWITCH = re.compile(r"(?i)/[ckr]$")
WINDOWS_NAMES = frozenset(["pwsh", "powershell", "pwsh-preview", "pwsh-lts", "cmd", *EXTERNALS])


class Walker(Protocol):
    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str) -> None: ...


def powershell_code(walker: Walker, name: str, args: list[Word], stdin: Word | None) -> None:
    """PowerShell code read as the POSIX script with its effects (``_powershell``); what it does
    not read is flagged."""
    codes, reasons = command_code(name, args, stdin)
    for reason in reasons:
        walker.flag(reason)
    for code in codes:
        script, unread = posix_script(code)
        for reason in unread:
            walker.flag(f"PowerShell: {reason}")
        if script:
            walker.script(script, f"{name} -c")


def cmd_code(walker: Walker, args: list[Word], stdin: Word | None) -> None:
    """cmd.exe code (``cmd /c LINE``, or lines on its stdin: a batch file) read as PowerShell (``_cmd``);
    a line running a batch file (``cmd /c x.bat``) is left to the written-file reading (``script_operand``)."""
    if any(dynamic for _, dynamic in args) or (stdin is not None and stdin[1]):
        walker.flag("`cmd` runs code known only at run time")
        return
    try:
        lines = [line_of([w for w, _ in args])] if any(_SWITCH.match(w) for w, _ in args) else None
    except Unread as e:
        walker.flag(f"cmd: {e}")
        return
    for line in lines if lines is not None else (stdin[0].splitlines() if stdin else []):
        try:
            code = "" if batch(line) else cmd_powershell(line)
        except Unread as e:
            walker.flag(f"cmd: {e}")
            continue
        script, unread = posix_script(code) if code else ("", ())
        for reason in unread:
            walker.flag(f"cmd: {reason}")
        if script:
            walker.script(script, "cmd /c")


def script_operand(how: str, args: list[str], operand: str | None) -> str | None:
    """The script file ``pwsh``/``powershell`` (``-File F``, or its first operand with no ``-Command``)
    or ``cmd`` (``/c F.bat``, ``/c call F.cmd``) runs."""
    if how == "cmd":
        at = next((i for i, a in enumerate(args) if _SWITCH.match(a)), None)
        words = " ".join(args[at + 1 :]).split() if at is not None else []
        words = words[1:] if words[:1] and words[0].lower() == "call" else words
        return words[0].strip('"') if words and batch(words[0]) else None
    files = [args[i + 1] for i, a in enumerate(args[:-1]) if a.lower() in ("-file", "-f", "-fi", "-fil")]
    return files[0] if files else None if any(a.lower().startswith(("-c", "-e")) for a in args) else operand


def cmd_args(base: str, words: list[Word]) -> list[Word]:
    """The arguments of ``cmd`` a command named ``base`` (``cmd``, ``reg.exe``…) amounts to: ``reg.exe
    add K`` is ``cmd /c reg add K``."""
    name = base.lower().rsplit("\\", 1)[-1]
    return words[1:] if name in ("cmd", "cmd.exe") else [("/c", False), (name.removesuffix(".exe"), False), *words[1:]]


def powershell_codes(name: str, args: list[str], stdin: str | None) -> list[str]:
    """The PowerShell code ``name args`` (a name in ``WINDOWS_NAMES``) runs, as far as it is known."""
    if name.startswith(("pwsh", "powershell")):
        shell = "powershell" if name == "powershell" else "pwsh"
        return command_code(shell, [(a, False) for a in args], (stdin, False) if stdin is not None else None)[0]
    words = args if name == "cmd" else ["/c", name, *args]
    try:
        lines = [line_of(words)] if any(_SWITCH.match(w) for w in words) else []
        return [cmd_powershell(x) for x in lines or (stdin.splitlines() if stdin else [])]
    except Unread:
        return []
