"""PowerShell's own command line: the code ``pwsh``/``powershell`` runs (``-Command`` and the
words after it, ``-EncodedCommand`` base64 of UTF-16LE text, ``-CommandWithArgs``, ``-File -``,
``-`` and a bare ``powershell`` reading stdin; any prefix of an option, any case), and a PowerShell
tool's command as the POSIX line that runs it."""

from __future__ import annotations

import base64
import binascii
import shlex

__all__ = ["command_code", "tool_line"]

#: pwsh's options, full names (prefixes matched in this order; `=`: it takes a value), and short forms
_SPEC = (
    "command commandwithargs configurationname= custompipename= encodedcommand executionpolicy= file help"
    " inputformat= interactive login mta noexit nologo noninteractive noprofile outputformat= psconsolefile="
    " settingsfile= sta version windowstyle= workingdirectory="
)
_SHORT_SPEC = (
    "c=command e=encodedcommand ec=encodedcommand cwa=commandwithargs f=file ep=executionpolicy ex=executionpolicy"
    " if=inputformat of=outputformat o=outputformat w=windowstyle wd=workingdirectory v=version l=login i=interactive"
)
_OPTIONS = [o.rstrip("=") for o in _SPEC.split()]
_VALUED = frozenset(o[:-1] for o in _SPEC.split() if o.endswith("="))
_SHORT = dict(pair.split("=") for pair in _SHORT_SPEC.split())


def _option(word: str) -> str | None:
    given = word[1:].lower().lstrip("-")
    return _SHORT.get(given) or next((o for o in _OPTIONS if o.startswith(given)), None)


def command_code(
    name: str, args: list[tuple[str, bool]], stdin: tuple[str, bool] | None
) -> tuple[list[str], list[str]]:
    """The PowerShell code ``name args`` runs (``name``: ``pwsh`` or ``powershell``), and why any is not known."""
    i = 0
    while i < len(args):
        word, dynamic = args[i]
        if dynamic:
            return [], [f"`{name}` runs code known only at run time"]
        if word == "-":  # the code on stdin
            return _code(name, [stdin]) if stdin is not None else ([], [])
        if not word.startswith(("-", "/")) or len(word) < 2:
            if name == "pwsh":  # a script file (Windows PowerShell: the command)
                return [], []
            return _code(name, args[i:]) if stdin is None or word != "-" else _code(name, [stdin])
        option = _option(word)
        if option is None:
            return [], [f"`{name}` option `{word[:20]}` not read"]
        if option in ("command", "commandwithargs"):
            code = args[i + 1 : i + 2] if option == "commandwithargs" else args[i + 1 :]
            return _code(name, [stdin] if code == [("-", False)] and stdin is not None else code)
        if option == "encodedcommand":
            return _decoded(name, args[i + 1 : i + 2])
        if option == "file":
            script = args[i + 1] if i + 1 < len(args) else None
            return _code(name, [stdin]) if script == ("-", False) and stdin is not None else ([], [])
        i += 2 if option in _VALUED else 1
    return _code(name, [stdin]) if stdin is not None else ([], [])


def _code(name: str, words: list[tuple[str, bool]]) -> tuple[list[str], list[str]]:
    if any(d for _, d in words):
        return [], [f"`{name}` runs code known only at run time"]
    return [" ".join(w for w, _ in words)], []


def _decoded(name: str, words: list[tuple[str, bool]]) -> tuple[list[str], list[str]]:
    if not words or words[0][1]:
        return [], [f"`{name} -EncodedCommand` of code known only at run time"]
    try:
        return [base64.b64decode(words[0][0], validate=True).decode("utf-16-le")], []
    except (binascii.Error, ValueError):
        return [], [f"`{name} -EncodedCommand` that is not base64 of UTF-16LE text"]


def tool_line(command: str) -> str:
    """A PowerShell tool's ``command`` as the POSIX line that runs it."""
    return "pwsh -NoProfile -Command " + shlex.quote(command)
