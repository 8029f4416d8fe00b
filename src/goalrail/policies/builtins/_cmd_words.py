"""cmd.exe words as PowerShell words: ``^`` escapes and ``"…"`` quotes removed, ``%NAME%`` the
environment variable (``%USERPROFILE%``, ``%HOMEDRIVE%%HOMEPATH%`` the home; ``%SystemRoot%``,
``%ProgramFiles%``, ``%APPDATA%``… the folders they name)."""

from __future__ import annotations

import re

from goalrail.policies.builtins._powershell_cmdlets import Unread

__all__ = ["literal", "ps_word"]

_VAR = re.compile(r"%([^%\s]+)%")
_BARE = re.compile(r"[\w.:\\/*?+=@,-]+")
_HOMES = re.compile(r"(?i)%HOMEDRIVE%%HOMEPATH%|%USERPROFILE%|%HOME%")
_FOLDERS = {
    "SYSTEMROOT": "C:\\Windows",
    "WINDIR": "C:\\Windows",
    "SYSTEMDRIVE": "C:",
    "PROGRAMFILES": "C:\\Program Files",
    "PROGRAMFILES(X86)": "C:\\Program Files (x86)",
    "PROGRAMW6432": "C:\\Program Files",
    "PROGRAMDATA": "C:\\ProgramData",
    "ALLUSERSPROFILE": "C:\\ProgramData",
    "APPDATA": "$HOME\\AppData\\Roaming",
    "LOCALAPPDATA": "$HOME\\AppData\\Local",
    "TEMP": "$HOME\\AppData\\Local\\Temp",
    "TMP": "$HOME\\AppData\\Local\\Temp",
    "PUBLIC": "C:\\Users\\Public",
}


def ps_word(text: str, quoted: bool = False) -> str:
    """A cmd word (quotes and ``^`` still in it) as one PowerShell word."""
    out: list[str] = []
    plain = _HOMES.sub("%\0HOME%", re.sub(r'\^(.)|"', lambda m: m.group(1) or "", text))
    if "!" in plain or "%~" in plain:
        raise Unread("a cmd variable known only at run time")
    at = 0
    for m in _VAR.finditer(plain):
        out.append(literal(plain[at : m.start()], quoted))
        name = m.group(1).upper()
        if name == "\0HOME":
            out.append("$HOME")
        elif name in _FOLDERS:
            out.append(_FOLDERS[name])
        else:
            out.append("${env:" + re.sub(r"\W", "_", name) + "}")
        at = m.end()
    out.append(literal(plain[at:], quoted))
    return "".join(out) or "''"


def literal(text: str, quoted: bool = False) -> str:
    if not text or (_BARE.fullmatch(text) and not text.startswith(("-", "@")) and not quoted):
        return text.replace(",", "`,")
    return "'" + text.replace("'", "''") + "'"
