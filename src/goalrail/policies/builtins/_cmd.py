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
``$env:N``, ``cd``/``md``/``echo``; ``reg add``/``delete``/``query`` → the registry cmdlets on
``HKLM:``/``HKCU:``; ``format`` and deleting shadow copies (``vssadmin delete shadows``, ``wmic
shadowcopy delete``) → an erase of a disk; ``bcdedit`` changing the boot store → a write under
``HKLM:\\BCD00000000``; ``icacls`` granting Everyone, Users or Authenticated Users write → ``chmod
-R 777``, other changes → ``chmod``, ``takeown`` → ``chown``; ``net user … /add`` → ``useradd``, ``net
localgroup administrators … /add`` → ``usermod -aG sudo``.  Any other program runs with its words
(``git push --force``).  Blocks, ``if``, ``for``, ``%~…``, ``!delayed!``, ``<`` and the switches of
a builtin not listed are not read (``Unread``)."""

from __future__ import annotations

import re
from collections.abc import Callable

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
_REG_ROOTS = {"hklm": "HKLM:", "hkey_local_machine": "HKLM:", "hkcu": "HKCU:", "hkey_current_user": "HKCU:"}
_OPEN = frozenset(["everyone", "*s-1-1-0", "users", "*s-1-5-32-545", "authenticated users", "*s-1-5-11"])


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


def _ps_word(text: str, quoted: bool = False) -> str:
    """A cmd word (quotes and ``^`` still in it) as one PowerShell word."""
    out: list[str] = []
    plain = _HOMES.sub("%\0HOME%", re.sub(r'\^(.)|"', lambda m: m.group(1) or "", text))
    if "!" in plain or "%~" in plain:
        raise Unread("a cmd variable known only at run time")
    at = 0
    for m in _VAR.finditer(plain):
        out.append(_literal(plain[at : m.start()], quoted))
        name = m.group(1).upper()
        if name == "\0HOME":
            out.append("$HOME")
        elif name in _FOLDERS:
            out.append(_FOLDERS[name])
        else:
            out.append("${env:" + re.sub(r"\W", "_", name) + "}")
        at = m.end()
    out.append(_literal(plain[at:], quoted))
    return "".join(out) or "''"


def _literal(text: str, quoted: bool = False) -> str:
    if not text or (_BARE.fullmatch(text) and not text.startswith(("-", "@")) and not quoted):
        return text.replace(",", "`,")
    return "'" + text.replace("'", "''") + "'"


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
            redirects.append(f"{m2.group(1)} {_ps_word(m2.group(2))}" if m2 else "")
        elif m is not None and not m.group(3):
            if i + 1 >= len(raw):
                raise Unread("a cmd redirect without its file")
            target = raw[i + 1]
            redirects.append(f"{m.group(1)}{m.group(2)} {'$null' if target.lower() == 'nul' else _ps_word(target)}")
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
    if name in ("echo", "echo.") or name.startswith(("echo.", "echo:")):
        said = _SAID.split(text[len(words[0]) :], 1)[0].strip()
        return "Write-Output " + _ps_word(said, True) if said.lower() not in ("on", "off", "") else "Out-Null"
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
    operands = [_ps_word(w) for w, f in zip(words[1:], flags, strict=True) if not f]  # (`cd /etc`: a path)
    handler = _BUILTINS.get(name)
    if handler is not None:
        return handler(switches, operands, words)
    if name in _QUIET:
        return "Out-Null"
    if name.startswith("::"):
        return "Out-Null"  # a comment
    if name in ("if", "for", "goto") or name.startswith(":"):
        raise Unread(f"`{name}` in cmd code")
    return " ".join(["&", _ps_word(words[0]), *(_ps_word(w) for w in words[1:])])


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
    return "$env:" + re.sub(r"\W", "_", name) + " = " + (_ps_word(value, True) if value else "$null")


def _reg(switches: list[str], operands: list[str], words: list[str]) -> str:
    if len(words) < 3:
        raise Unread("a `reg` line without its key")
    op, root, _, rest = words[1].lower(), *words[2].strip('"').partition("\\")
    drive = _REG_ROOTS.get(root.lower())
    if drive is None or op not in ("add", "delete", "query"):
        raise Unread(f"`reg {op[:12]}`")
    key = _literal(f"{drive}\\{rest}")
    values = {w.lower(): words[i + 1] for i, w in enumerate(words[:-1]) if w.lower() in ("/v", "/d")}
    name = _ps_word(values["/v"]) if "/v" in values else "'(default)'"
    if op == "query":
        return f"Get-ItemProperty {key}"
    if op == "delete":
        return f"Remove-ItemProperty {key} -Name {name}" if "/v" in values else f"Remove-Item -Recurse -Force {key}"
    return f"Set-ItemProperty {key} -Name {name} -Value {_ps_word(values.get('/d', ''))}"


def _icacls(switches: list[str], operands: list[str], words: list[str]) -> str:
    changes = [s for s in switches if s.split(":")[0] not in ("/t", "/c", "/l", "/q")]
    if not changes:
        return "Get-Item " + " , ".join(operands[:1] or ["."])
    granted = " ".join(words).lower()
    world = any(f"{who}:" in granted for who in _OPEN) and re.search(r":\(?[^ ]*\b[fmw]\b", granted) is not None
    mode = "777" if world else "700"
    return f"& chmod {'-R ' if '/t' in switches else ''}{mode} {operands[0] if operands else '.'}"


def _takeown(switches: list[str], operands: list[str], words: list[str]) -> str:
    at = next((i for i, w in enumerate(words) if w.lower() == "/f"), None)
    if at is None or at + 1 >= len(words):
        raise Unread("`takeown` without `/f`")
    return f"& chown {'-R ' if '/r' in switches else ''}$env:USERNAME {_ps_word(words[at + 1])}"


def _net(switches: list[str], operands: list[str], words: list[str]) -> str:
    what = words[1].lower() if len(words) > 1 else ""
    names = [w for w in words[2:] if not w.startswith("/")]
    if what == "user" and not names:
        return "& getent passwd"
    if what == "user" and "/add" in switches:
        return "& useradd " + _ps_word(names[0])
    if what == "user" and "/delete" in switches:
        return "& userdel " + _ps_word(names[0])
    if what == "user" and len(names) >= 2:
        return "& chpasswd"  # sets a password
    if what == "localgroup" and len(names) >= 2 and "/add" in switches:
        group = "sudo" if names[0].lower() in ("administrators", '"administrators"') else _ps_word(names[0])
        return f"& usermod -aG {group} {_ps_word(names[1])}"
    if what in ("user", "localgroup") and not switches:
        return "& getent group"
    raise Unread(f"`net {what[:12]}`")


def _shadows(switches: list[str], operands: list[str], words: list[str]) -> str:
    text = " ".join(w.lower() for w in words[1:3])
    if text in ("delete shadows", "shadowcopy delete", "resize shadowstorage"):
        return "Clear-Disk -Number 0 -RemoveData"  # the volume's earlier states erased
    if text.startswith(("list ", "shadowcopy list", "shadowcopy get")) or text == "shadowcopy":
        return "Out-Null"
    raise Unread(f"`{words[0][:12]} {text[:24]}`")


def _bcdedit(switches: list[str], operands: list[str], words: list[str]) -> str:
    if not switches or switches[0] in ("/enum", "/v", "/?"):
        return "Get-ItemProperty HKLM:\\BCD00000000"
    return "Set-ItemProperty HKLM:\\BCD00000000 -Name Objects -Value x"  # the boot store changed


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
    "reg": _reg,
    "icacls": _icacls,
    "cacls": _icacls,
    "takeown": _takeown,
    "net": _net,
    "net1": _net,
    "vssadmin": _shadows,
    "wmic": _shadows,
    "bcdedit": _bcdedit,
    "format": lambda s, o, w: "Format-Volume -DriveLetter " + (o[0].rstrip(":") if o else "C"),
    "shutdown": lambda s, o, w: "Restart-Computer" if "/r" in s else "Stop-Computer" if "/s" in s else "Out-Null",
    "date": lambda s, o, w: "Get-Date" if s == ["/t"] else _unread("`date` setting the clock"),
    "time": lambda s, o, w: "Get-Date" if s == ["/t"] else _unread("`time` setting the clock"),
}


def _unread(why: str) -> str:
    raise Unread(why)


#: programs of their own (not cmd builtins) that PowerShell runs too: read as cmd reads them
EXTERNALS = frozenset(
    ["reg", "icacls", "cacls", "takeown", "net", "net1", "vssadmin", "wmic", "bcdedit", "robocopy", "xcopy", "format"]
)


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
