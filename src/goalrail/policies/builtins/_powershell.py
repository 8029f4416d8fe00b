"""PowerShell read as the POSIX commands with the same effects, for the shell rules to judge.

``posix_script(code)`` reads PowerShell code statement by statement (``_powershell_words``):
the cmdlets ``_powershell_cmdlets`` knows, under their names and aliases in any case, become the
POSIX command with the same effect (``Remove-Item -Recurse -Force C:\\`` → ``rm -rf /``,
``Get-Content $HOME\\.ssh\\id_rsa`` → ``cat ~/.ssh/id_rsa``, ``iwr URI`` → ``curl URI``); a native
program runs with its words (``git push --force``, ``& 'C:\\Git\\git.exe' …``); ``$x = 'lit'``
is remembered for later words, ``$env:NAME`` is the variable ``$NAME`` (``$env:NAME = v`` an
``export``); ``Invoke-Expression 'lit'`` and ``cmd /c …`` are read as the code they run.  Paths
meet the POSIX file rules: ``\\`` is ``/``, ``~``, ``$HOME``, ``$env:USERPROFILE`` are the home, a
drive root (``C:\\``) is ``/``, ``C:\\Windows`` and ``C:\\Program Files`` are under ``/usr/``,
``HKLM:\\…`` is ``/etc/registry/HKLM/…`` (a system file), ``HKCU:\\…`` ``~/.registry/HKCU/…``,
``C:\\Users\\NAME`` ``/home/NAME``; a value written under a Run key is also read as the command it
starts at logon; ``. x.ps1`` is ``& x.ps1``; ``cmd`` code and the Windows programs ``_cmd`` knows
(``reg``, ``icacls``…) are read by ``_cmd``.  Everything else (script blocks, subexpressions, other
cmdlets, other drives such as ``Variable:``) is reported unread:
the line is then not fully understood, and asked where a rule could deny it; the code inside its
brackets is still read.

Where it is reached: ``pwsh``/``powershell`` in a POSIX line (``_interpreters``, the code found by
``_powershell_cli.command_code``), and a PowerShell tool's command, judged as the POSIX line
``pwsh -NoProfile -Command '…'`` (``_powershell_cli.tool_line``; the engine marks such a tool's
action ``language: powershell``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from goalrail.policies.builtins._cmd import EXTERNALS, line_of, powershell_code, started
from goalrail.policies.builtins._powershell_cmdlets import (
    ALIASES,
    ECHOES,
    NAMES,
    PURE,
    Unread,
    arguments,
    bind,
    translate,
)
from goalrail.policies.builtins._powershell_words import Piece, Token, Word, statements, tokens
from goalrail.policies.builtins._shell_file_dumps import DUMPERS

__all__ = ["posix_script"]

MAX_DEPTH = 4
#: a variable's value is remembered up to this size
_VALUE_PIECES, _VALUE_CHARS = 16, 512
_SAFE = re.compile(r"[\w@%+=:,./-]+")
_GLOB = re.compile(r"([*?\[\]]+)")
_VERB_NOUN = re.compile(r"[a-z]+-[a-z][\w-]*")
_QUALIFIED = re.compile(r"(?i)^[\w.]+\\(?=[a-z]+-[a-z])")
_PROVIDER = re.compile(r"(?i)^(?:[\w.]+\\)?FileSystem::")
_HKLM = re.compile(r"(?i)^(?:(?:Microsoft\.PowerShell\.Core\\)?Registry::)?(?:HKLM:|HKEY_LOCAL_MACHINE)[\\/]*")
_HKCU = re.compile(r"(?i)^(?:(?:Microsoft\.PowerShell\.Core\\)?Registry::)?(?:HKCU:|HKEY_CURRENT_USER)[\\/]*")
_USERS = re.compile(r"(?i)^[a-z]:[\\/]+users(?:[\\/]+|$)")
_DRIVE = re.compile(r"(?i)^(?:(?:Microsoft\.PowerShell\.Core\\)?Registry::|[a-z][\w]+:(?:[\\/]|$))")
_ROOT = re.compile(r"^[A-Za-z]:[\\/]*(?=[*?]*$)")
_SYSTEM = re.compile(r"(?i)^[a-z]:[\\/]+(?=(?:windows|program files(?: \(x86\))?|programdata)(?:[\\/]|$))")
_RUN_KEY = re.compile(
    r"(?i)/currentversion/(?:run|runonce|runservices|runservicesonce|policies/explorer/run|winlogon)/?$"
)
_ENV_DRIVE = re.compile(r"(?i)^env:[\\/]?(\w*)$")
#: the POSIX programs a PowerShell alias shadows (on Windows): read as the cmdlet when its
#: parameters bind, else as the program (`rm -rf /`, `curl -sSL URL`)
_TWINS = frozenset(["rm", "rmdir", "cat", "cp", "mv", "ls", "dir", "cd", "curl", "wget", "tee"])
#: cmdlets that take their paths from a pipeline when given none
_PIPED_PATHS = frozenset(
    [
        "remove-item",
        "get-content",
        "copy-item",
        "move-item",
        "rename-item",
        "get-childitem",
        "get-item",
        "set-content",
        "add-content",
        "clear-content",
        "set-itemproperty",
        "get-itemproperty",
        "test-path",
        "resolve-path",
        "get-filehash",
        "select-string",
    ]
)
_KEYWORDS = frozenset(
    [
        "if",
        "elseif",
        "else",
        "for",
        "foreach",
        "while",
        "do",
        "until",
        "switch",
        "function",
        "filter",
        "workflow",
        "try",
        "catch",
        "finally",
        "trap",
        "param",
        "begin",
        "process",
        "end",
        "class",
        "enum",
        "using",
        "data",
        "dynamicparam",
        "throw",
        "break",
        "continue",
    ]
)
_CONSTANTS = {"true": "True", "false": "False", "null": ""}
_HOMES = frozenset({("$", "home"), ("env", "USERPROFILE"), ("env", "HOME")})
_DRIVE_PATH = (("env", "HOMEDRIVE"), ("env", "HOMEPATH"))
_TILDE = re.compile(r"~(?:$|[\\/])")
_IDENTIFIER = re.compile(r"\W")
_REDIRECTS = {"*>": "&>", "*>>": "&>>"}


def _sh(text: str) -> str:
    if _SAFE.fullmatch(text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def _dynamic(kind: str, name: str) -> str:
    return '"$' + _IDENTIFIER.sub("_", name if kind == "env" else "ps_" + name) + '"'


class _Render:
    """Words as POSIX words, with the variables the code set before them."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[Piece, ...] | None] = {}

    def resolved(self, word: Word) -> list[Piece]:
        out: list[Piece] = []
        pieces = word.pieces if word.pieces[:2] != _DRIVE_PATH else (("env", "HOME"), *word.pieces[2:])
        for i, (kind, text) in enumerate(pieces):
            if (kind, text) in _HOMES and i == 0:
                out.append(("~", "~"))
            elif kind == "$" and text in _CONSTANTS:
                out.append(("q", _CONSTANTS[text]))
            elif kind == "$" and text == "pwd":
                out.append(("env", "PWD"))
            elif kind == "$" and (value := self.values.get(text)) is not None:
                out += value if i == 0 else [("q", t) if k == "~" else (k, t) for k, t in value]
            else:
                out.append((kind, text))
        return out

    def text(self, word: Word) -> str:
        return "".join(_dynamic(k, t) if k in ("$", "env") else _sh(t) for k, t in self.resolved(word)) or "''"

    def env_name(self, word: Word) -> str | None:
        m = _ENV_DRIVE.match(word.literal or "")
        return m.group(1).upper() if m else None

    def path(self, word: Word, glob: bool = True, native: bool = False) -> str:
        pieces = self.resolved(word)
        if pieces and pieces[0][0] in ("", "q") and _TILDE.match(pieces[0][1]):  # the provider's home
            pieces[0:1] = [("~", "~"), (pieces[0][0], pieces[0][1][1:])]
        elif pieces and pieces[0][0] in ("", "q") and not native:
            head = pieces[0][1]
            if _HKLM.match(head):
                pieces[0] = ("q", _HKLM.sub("/etc/registry/HKLM/", head))
            elif _HKCU.match(head):  # the user's hive: `~/.registry/HKCU/…`
                pieces[0:1] = [("~", "~"), ("q", _HKCU.sub("/.registry/HKCU/", head))]
            elif _USERS.match(head):  # `C:\Users\bob\…`: `/home/bob/…`
                pieces[0] = (pieces[0][0], _USERS.sub("/home/", head))
            elif (m := _DRIVE.match(_PROVIDER.sub("", head))) is not None and not _ROOT.match(head):
                raise Unread(f"a path on the `{m.group()[:24]}` drive")
            elif len(pieces) == 1 and _ROOT.match(head):
                pieces[0] = (pieces[0][0], _ROOT.sub("/", head))
            elif _SYSTEM.match(head):  # `C:\Windows\System32`: `/usr/Windows/System32`
                pieces[0] = (pieces[0][0], _SYSTEM.sub("/usr/", head))
            else:
                pieces[0] = (pieces[0][0], _PROVIDER.sub("", head))
        out: list[str] = []
        for kind, text in pieces:
            if kind in ("$", "env"):
                out.append(_dynamic(kind, text))
            elif kind == "~":
                out.append("~")
            elif kind == "" and glob:
                out += (p if _GLOB.fullmatch(p) else _sh(p) for p in _GLOB.split(text.replace("\\", "/")) if p)
            else:
                out.append(_sh(text.replace("\\", "/")))
        return "".join(out) or "''"


class _Reader:
    def __init__(self, depth: int) -> None:
        self.depth, self.render = depth, _Render()
        self.out: list[str] = []
        self.unread: list[str] = []
        self.piped = False  # the command reads a pipeline's output

    def read(self, code: str) -> None:
        toks, inner = tokens(code)
        for statement in statements(toks):
            done: list[str] = []
            for at, command in enumerate(statement):
                try:
                    self.piped = at > 0
                    done.append(self.command(command))
                except Unread as e:
                    self.unread.append(str(e))
            if len(done) == len(statement):
                self.out.append(" | ".join(done))
            else:
                self.out += done
        for text in inner:
            self.nested(text)

    def nested(self, code: str) -> None:
        if self.depth >= MAX_DEPTH:
            self.unread.append("PowerShell nested too deeply")
            return
        script, unread = posix_script(code, self.depth + 1)
        self.unread += unread
        if script:
            self.out.append(script)

    def command(self, toks: list[Token]) -> str:
        if bad := next((str(v) for k, v in toks if k == "bad"), None):
            raise Unread(bad)
        call = toks[0][0] == "amp"
        toks = toks[1:] if call else toks
        redirects: list[str] = []
        rest: list[Token] = []
        i = 0
        while i < len(toks):
            kind, value = toks[i]
            if kind == "redir" and isinstance(value, str):
                op = _REDIRECTS.get(value, value)
                if "&" in value[1:]:
                    pass  # one stream into another (`2>&1`, `*>&1`): no file
                elif i + 1 < len(toks) and isinstance(word := toks[i + 1][1], Word):
                    target = "/dev/null" if word.pieces == (("$", "null"),) else self.render.path(word, False)
                    redirects.append(f"{op} {target}")
                    i += 1
                else:
                    raise Unread("a redirect without its file")
            else:
                rest.append(toks[i])
            i += 1
        if not rest or not isinstance(head := rest[0][1], Word):
            raise Unread("a statement that is not a command")
        return " ".join([self.run(head, rest[1:], call), *redirects])

    def run(self, head: Word, rest: list[Token], call: bool) -> str:
        if not call and head.pieces and head.pieces[0][0] in ("$", "env"):
            return self.assign(head, rest)
        name = head.literal
        if name == "." and not call and rest and isinstance(rest[0][1], Word):  # dot-sourcing: a call, in this scope
            return self.run(rest[0][1], rest[1:], True)
        if name is None:
            raise Unread("a command named at run time")
        if (not call and head.pieces[0][0] == "q") or (name[:1].isdigit() and not rest):
            return "echo " + self.render.text(head)  # a value written out
        lower = _QUALIFIED.sub("", name).lower()
        if lower in _KEYWORDS:
            raise Unread(f"`{lower}`")
        cmdlet = lower if lower in NAMES else ALIASES.get(lower)
        if cmdlet is None or "\\" in lower or "/" in lower:
            if _VERB_NOUN.fullmatch(lower) and not call and lower not in DUMPERS:  # (`Out-Minidump`: a dump)
                raise Unread(f"the cmdlet `{name[:40]}`")
            return self.native(head, rest)
        if cmdlet in ECHOES:
            return " ".join(["echo", *(self.render.text(w) for k, w in rest if isinstance(w, Word))])
        if cmdlet in PURE:
            return "true"
        try:
            bound = bind(cmdlet, arguments(rest))
            if cmdlet == "invoke-expression":
                return self.expression(bound)
            if cmdlet == "start-process" and (line := started(bound)) is not None:
                return _cmd_script(line, self.depth)
            posix = translate(cmdlet, self.render, bound)
            if cmdlet in ("set-itemproperty", "new-itemproperty", "set-item"):
                posix += self.logon(bound)
            if self.piped and cmdlet in _PIPED_PATHS and not (bound.get("path") or bound.get("literalpath")):
                return "xargs " + posix  # its paths are the items piped in (`gci -r | Remove-Item`)
            return posix
        except Unread:
            if lower in _TWINS:
                return self.native(head, rest)
            raise

    def expression(self, bound: dict[str, list[Word] | bool]) -> str:
        code = bound.get("command")
        text = code[0].literal if isinstance(code, list) and len(code) == 1 else None
        if text is None:
            raise Unread("`Invoke-Expression` of code known only at run time")
        if self.depth >= MAX_DEPTH:
            raise Unread("PowerShell nested too deeply")
        script, unread = posix_script(text, self.depth + 1)
        self.unread += unread
        return script or "true"

    def assign(self, head: Word, rest: list[Token]) -> str:
        kind, name = head.pieces[0]
        tail = head.pieces[1:]
        if tail and tail[0][0] == "" and tail[0][1].lstrip().startswith(("=", "+=")):
            op, _, first = tail[0][1].partition("=")
            value_pieces = ((("", first),) if first else ()) + tail[1:]
            values = [Word(value_pieces)] if value_pieces else []
        elif not tail and rest and isinstance(rest[0][1], Word) and rest[0][1].literal in ("=", "+="):
            op, values = str(rest[0][1].literal)[:-1], [w for _, w in rest[1:] if isinstance(w, Word)]
        elif not tail and not rest:
            return "echo " + self.render.text(head)  # a value written out
        else:
            raise Unread("an expression")
        if len(values) == 1 and len(rest) <= 2 and values[0].pieces and values[0].pieces[0][0] != "":
            word = values[0] if op != "+" else Word(((kind, name), *values[0].pieces))
            if kind == "env":
                return f"export {_IDENTIFIER.sub('_', name)}={self.render.text(word)}"
            value = tuple(self.render.resolved(word))
            small = len(value) <= _VALUE_PIECES and sum(len(t) for _, t in value) <= _VALUE_CHARS
            self.render.values[name] = value if small else None  # (`$a += $a` repeated: known at run time)
            return "true"
        self.render.values[name] = None  # the output of a command, or an expression
        if kind == "env":
            raise Unread("an environment variable set from an expression")
        tokens_after = rest[1:] if not tail else rest
        if tokens_after and isinstance(tokens_after[0][1], Word):
            return self.run(tokens_after[0][1], tokens_after[1:], False)
        raise Unread("an expression")

    def native(self, head: Word, rest: list[Token]) -> str:
        kind, last = head.pieces[-1]
        if last.lower().endswith(".exe"):  # `git.exe`, `& 'C:\Git\bin\git.exe'`
            head = Word((*head.pieces[:-1], (kind, last[:-4])))
        program = self.render.path(head, False, True)
        base = program.rsplit("/", 1)[-1].lower()
        if base == "cmd":
            return self.cmd(rest)
        if base in EXTERNALS:  # `reg add …`, `icacls …`, `vssadmin …`: read as cmd reads them
            words = [w.literal for _, w in rest if isinstance(w, Word)]
            if None in words:
                raise Unread(f"`{base}` with arguments known only at run time")
            return _cmd_script(" ".join([base, *(f'"{w}"' if " " in w else w for w in words if w)]), self.depth)
        if (head.literal or "").lower().endswith(".ps1"):  # a script PowerShell runs itself
            program = "pwsh -NoProfile -File " + program
        elif (head.literal or "").lower().endswith((".bat", ".cmd")):  # a batch file: cmd runs it
            program = "cmd /c " + program
        native = base not in ("chmod", "chown")  # (their operands are paths)
        return " ".join([program, *(self.render.path(w, True, native) for _, w in rest if isinstance(w, Word))])

    def logon(self, bound: dict[str, list[Word] | bool]) -> str:
        """The program a value written under a Run key (or Winlogon) starts at every logon, read."""
        paths = [self.render.path(w, False) for w in _words(bound, "path", "literalpath")]
        if not any(_RUN_KEY.search(p.strip("'")) for p in paths):
            return ""
        values = [w.literal for w in _words(bound, "value")]
        if None in values:
            raise Unread("a program started at logon known only at run time")
        return "".join(" ; " + _cmd_script(v, self.depth) for v in values if v)

    def cmd(self, rest: list[Token]) -> str:
        words = [w.literal for _, w in rest if isinstance(w, Word)]
        if None in words:
            raise Unread("a `cmd` line known only at run time")
        return _cmd_script(line_of([w for w in words if w]), self.depth)


def _words(bound: dict[str, list[Word] | bool], *names: str) -> list[Word]:
    return [w for n in names if isinstance(v := bound.get(n), list) for w in v]


def _cmd_script(line: str, depth: int) -> str:
    """``cmd /c LINE`` as POSIX: the PowerShell code it amounts to (``_cmd``), read."""
    if depth >= MAX_DEPTH:
        raise Unread("PowerShell nested too deeply")
    script, unread = posix_script(powershell_code(line), depth + 1)
    if unread:
        raise Unread(unread[0])
    return script


@lru_cache(maxsize=512)
def posix_script(code: str, depth: int = 0) -> tuple[str, tuple[str, ...]]:
    """``code`` as a POSIX script, and why any of it was not read."""
    reader = _Reader(depth)
    reader.read(code)
    script = " ; ".join(reader.out)
    if len(script) > 4 * len(code) + 1024:  # (values repeated many times over): not read
        return "", ("PowerShell whose reading is too long",)
    return script, tuple(dict.fromkeys(reader.unread))
