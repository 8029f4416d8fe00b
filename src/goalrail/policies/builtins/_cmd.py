"""cmd.exe code read as the PowerShell code with the same effects, for the PowerShell reader.

``line_of(words)`` is the line ``cmd /c …`` (``/k``, ``/r``, any case, after ``/q``, ``/d``, ``/v:on``…)
runs; ``powershell_code(line)`` reads that line: ``&``, ``&&``, ``||`` separate its commands, ``|``
pipes, ``^`` escapes, ``"…"`` quotes, ``>``/``>>``/``2>`` redirect, ``%NAME%`` is the environment
variable (``%USERPROFILE%``, ``%HOMEDRIVE%%HOMEPATH%`` the home, ``%SystemRoot%``/``%windir%``,
``%ProgramFiles%``, ``%ProgramData%``, ``%APPDATA%``… the folders they name).  Each builtin
becomes the cmdlet with its effect: ``del``/``erase``/``rd``/``rmdir`` (``/s``: ``-Recurse``) →
``Remove-Item``, ``copy``/``xcopy``/``robocopy`` (``/mir``/``/purge`` also empty the destination)
→ ``Copy-Item``, ``move``/``ren`` → ``Move-Item``/``Rename-Item``, ``type``/``more`` →
``Get-Content``, ``findstr`` → ``Select-String``, ``dir`` → ``Get-ChildItem``, ``set N=v`` →
``$env:N``, ``cd``/``md``/``echo``; the administration programs (``reg``, ``icacls``, ``takeown``,
``net``, ``sc``, ``schtasks``, ``bcdedit``, ``vssadmin``, ``wmic``, ``format``) as ``_cmd_admin`` reads
them.  Any other program runs with its words
(``git push --force``).  Blocks, ``if``, ``for``, ``%~…``, ``!delayed!``, ``<`` and the switches of
a builtin not listed are not read (``Unread``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from goalrail.policies.builtins._cmd_admin import ADMIN, ADMIN_NAMES, admin_words, schtasks
from goalrail.policies.builtins._cmd_words import ps_word
from goalrail.policies.builtins._powershell_cmdlets import Bound, Unread

__all__ = ["EXTERNALS", "batch", "line_in", "line_of", "powershell_code", "started"]

_SWITCH = re.compile(r"(?i)/[ckr]$")
_OPERATORS = re.compile(r'\^.|"[^"]*"?|>>?(?:&\d)?|&&|\|\||[&|\n]|[^"^&|\n>]+', re.S)
_SAID = re.compile(r"\s*[0-9]?>")
_HANDLE = re.compile(r"(?:^|\s)([0-9])$")
_GLUED = re.compile(r"(?i)^([a-z]+)(/.*)$")
_WORDS = re.compile(r'(?:\^.|"[^"]*"?|[^\s"^])+', re.S)
_REDIRECT = re.compile(r"^([12]?)(>>?)(&[12])?$")
_IN_TEXT = re.compile(r"(?is)(?:^|\s)/[ckr](?:\s+|$)(.*)")
_BLOCK = re.compile(r"(?:^|\s)\(|<")
_UNQUOTED = re.compile(r'\^.|"[^"]*"?')
#: builtins that touch nothing (their output is text)
_QUIET = frozenset(
    ["cls", "ver", "vol", "title", "rem", "pause", "color", "prompt", "exit", "verify", "whoami", "where"]
)
#: the switch letters of the builtins whose operands are paths (another `/word` is a path: `cd /etc`)
_LETTERS = {
    **dict.fromkeys(("del", "erase"), "pfsqa"),
    **dict.fromkeys(("rd", "rmdir"), "sq"),
    **dict.fromkeys(("cd", "chdir"), "d"),
    **dict.fromkeys(("pushd", "type", "md", "mkdir", "ren", "rename"), ""),
    "more": "ecpst+",
    "copy": "abvydlnz",
    "move": "y",
    "dir": "abcdloqnpstwx",
}


def line_of(words: list[str]) -> str:
    """The line ``cmd WORDS`` runs (its words after ``/c``; one holding a space re-quoted)."""
    at = next((i for i, w in enumerate(words) if _SWITCH.match(w)), None)
    if at is None:
        raise Unread("`cmd` without `/c`")
    rest = words[at + 1 :]
    if len(rest) == 1:
        return rest[0]
    return " ".join(f'"{w}"' if " " in w and not w.startswith('"') else w for w in rest)


def batch(line: str) -> bool:
    """Whether ``line`` runs a batch file (``x.bat``, ``call .\\x.cmd``): read as the file it runs."""
    words = line.split()
    words = words[1:] if words[:1] and words[0].lower() == "call" else words
    return bool(words) and words[0].strip('"').lower().endswith((".bat", ".cmd"))


def line_in(text: str) -> str:
    """The line a ``cmd`` command line (its words after the program, as one text) runs."""
    m = _IN_TEXT.search(text)
    if m is None:
        raise Unread("`cmd` without `/c`")
    return m.group(1)


def powershell_code(line: str) -> str:
    """``line`` (cmd.exe code) as PowerShell code."""
    out: list[str] = []
    part: list[str] = []
    for m in _OPERATORS.finditer(line.replace("\r\n", "\n")):
        token = m.group()
        if token in ("&", "&&", "||", "|"):
            out += [_statement("".join(part)), "|" if token == "|" else ";"]
            part = []
        elif token[0] == ">":  # a word of its own, with the handle written before it (`2>&1`, `x>>f`)
            handle = _HANDLE.search(part[-1]) if part else None
            if handle is not None:
                part[-1] = part[-1][: handle.start(1)]
            part.append(f" {handle.group(1) if handle else ''}{token} ")
        else:
            part.append(token)
    out.append(_statement("".join(part)))
    return " ".join(s for s in out if s)


def _statement(text: str) -> str:
    text = text.strip().removeprefix("@")
    if _BLOCK.search(_UNQUOTED.sub("", text)):  # (`(OI)(CI)F`, an ACL, is no block)
        raise Unread("a cmd block or input redirect")
    raw = _WORDS.findall(text)
    redirects: list[str] = []
    words: list[str] = []
    i = 0
    while i < len(raw):
        m = _REDIRECT.match(raw[i])
        if m is None and re.match(r"[12]?>", raw[i]):
            m2 = re.match(r"([12]?>>?)(.+)", raw[i])
            redirects.append(f"{m2.group(1)} {ps_word(m2.group(2))}" if m2 else "")
        elif m is not None and not m.group(3):
            if i + 1 >= len(raw):
                raise Unread("a cmd redirect without its file")
            target = raw[i + 1]
            redirects.append(f"{m.group(1)}{m.group(2)} {'$null' if target.lower() == 'nul' else ps_word(target)}")
            i += 1
        elif m is None:
            words.append(raw[i])
        i += 1
    if not words:
        return ""
    return " ".join([_builtin(words, text), *redirects])


def _builtin(words: list[str], text: str) -> str:
    if (glued := _GLUED.match(words[0])) is not None:  # `rd/s/q C:\`: `rd /s/q C:\`
        words = [glued.group(1), glued.group(2), *words[1:]]
    name = words[0].lower().rsplit("\\", 1)[-1].removesuffix(".exe").strip('"')
    if name in ADMIN_NAMES:  # (`reg add K -v x`, `icacls d //grant …`: `/v`, `/grant`)
        words = admin_words(words)
    if name in ("echo", "echo.") or name.startswith(("echo.", "echo:")):
        said = _SAID.split(text[len(words[0]) :], 1)[0].strip()
        return "Write-Output " + ps_word(said, True) if said.lower() not in ("on", "off", "") else "Out-Null"
    if name in ("call", "start"):
        rest = words[1:]
        if name == "start":
            rest = [w for w in rest if not w.startswith("/")]
            rest = rest[1:] if rest and rest[0].startswith('"') else rest  # the window's title
        if not rest:
            raise Unread(f"`{name}` without a command")
        return _builtin(rest, " ".join(rest))
    letters = _LETTERS.get(name)
    flags = [w.startswith("/") and (letters is None or _switch(w, letters)) for w in words[1:]]
    switches = ["/" + s for w, f in zip(words[1:], flags, strict=True) if f for s in w[1:].lower().split("/")]
    operands = [ps_word(w) for w, f in zip(words[1:], flags, strict=True) if not f]  # (`cd /etc`: a path)
    handler = _BUILTINS.get(name)
    if handler is not None:
        return handler(switches, operands, words)
    if name in _QUIET:
        return "Out-Null"
    if name.startswith("::"):
        return "Out-Null"  # a comment
    if name in ("if", "for", "goto") or name.startswith(":"):
        raise Unread(f"`{name}` in cmd code")
    return " ".join(["&", ps_word(words[0]), *(ps_word(w) for w in words[1:])])


def _switch(word: str, letters: str) -> bool:
    """Whether ``word`` is switches (``/s``, ``/f/s/q``, ``/a:h``) of a builtin taking ``letters``, not a path."""
    parts = [p.removeprefix("-") for p in word[1:].lower().split("/")]  # (`/-y`: the switch turned off)
    return all(p != "" and p[0] in letters and (len(p) == 1 or p[1] == ":") for p in parts)


def _remove(switches: list[str], operands: list[str], words: list[str]) -> str:
    return "Remove-Item " + ("-Recurse " if "/s" in switches else "") + "-Force " + " , ".join(operands)


def _copy(switches: list[str], operands: list[str], words: list[str]) -> str:
    name = words[0].lower().removesuffix(".exe")
    if len(operands) < 2 and name != "xcopy":
        raise Unread(f"`{name}` without its destination")
    if any("+" in o for o in operands):
        raise Unread("`copy` joining files")
    source, destination = operands[0], operands[1] if len(operands) > 1 else "."
    recurse = name == "robocopy" or any(s in ("/s", "/e") for s in switches)
    copied = f"Copy-Item {'-Recurse ' if recurse else ''}{source} {destination}"
    if name == "robocopy" and any(s in ("/mir", "/purge") for s in switches):
        return f"Remove-Item -Recurse -Force {destination} ; {copied}"
    if name == "robocopy" and any(s.startswith("/mov") for s in switches):
        return f"Move-Item {source} {destination}"
    return copied


def _set(switches: list[str], operands: list[str], words: list[str]) -> str:
    if switches == ["/a"]:
        return "Out-Null"
    if switches or len(words) > 2:
        raise Unread("a `set` not read")
    if len(words) == 1 or "=" not in words[1]:
        return "Get-ChildItem env:"
    name, _, value = words[1].strip('"').partition("=")
    return "$env:" + re.sub(r"\W", "_", name) + " = " + (ps_word(value, True) if value else "$null")


_BUILTINS: dict[str, Callable[[list[str], list[str], list[str]], str]] = {
    **dict.fromkeys(("del", "erase", "rd", "rmdir"), _remove),
    **dict.fromkeys(("copy", "xcopy", "robocopy"), _copy),
    "move": lambda s, o, w: "Move-Item " + " ".join(o[:2]),
    **dict.fromkeys(("ren", "rename"), lambda s, o, w: "Rename-Item " + " ".join(o[:2])),
    **dict.fromkeys(("type", "more"), lambda s, o, w: "Get-Content " + " , ".join(o)),
    "findstr": lambda s, o, w: f"Select-String -Pattern {o[0]} -Path {' , '.join(o[1:])}" if len(o) > 1 else "Out-Null",
    "dir": lambda s, o, w: "Get-ChildItem " + ("-Recurse " if "/s" in s else "") + " , ".join(o),
    **dict.fromkeys(("cd", "chdir", "pushd"), lambda s, o, w: "Set-Location " + o[0] if o else "Out-Null"),
    **dict.fromkeys(("md", "mkdir"), lambda s, o, w: "New-Item -ItemType Directory -Path " + " , ".join(o)),
    "set": _set,
    **ADMIN,
    "schtasks": lambda s, o, w: schtasks(s, o, w, powershell_code),
    "shutdown": lambda s, o, w: "Restart-Computer" if "/r" in s else "Stop-Computer" if "/s" in s else "Out-Null",
    "date": lambda s, o, w: "Get-Date" if s == ["/t"] else _unread("`date` setting the clock"),
    "time": lambda s, o, w: "Get-Date" if s == ["/t"] else _unread("`time` setting the clock"),
}


def _unread(why: str) -> str:
    raise Unread(why)


#: programs of their own (not cmd builtins) that PowerShell runs too: read as cmd reads them
EXTERNALS = frozenset([*ADMIN_NAMES, "robocopy", "xcopy"])


def started(bound: Bound) -> str | None:
    """The line ``Start-Process cmd -ArgumentList '/c …'`` runs (None for another program)."""
    program = bound.get("filepath")
    name = program[0].literal if isinstance(program, list) and program else None
    if name is None or name.replace("\\", "/").rsplit("/", 1)[-1].lower() not in ("cmd", "cmd.exe"):
        return None
    args = bound.get("argumentlist")
    texts = [w.literal for w in args] if isinstance(args, list) else []
    if None in texts or bound.get("verb"):
        raise Unread("`Start-Process cmd` with arguments known only at run time")
    return line_in(" ".join(t for t in texts if t))
