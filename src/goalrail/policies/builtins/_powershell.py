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
``HKLM:\\…`` is ``/etc/registry/HKLM/…`` (a system file).  Everything else (script blocks,
subexpressions, other cmdlets, other drives such as ``HKCU:`` or ``Variable:``) is reported unread:
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

from goalrail.policies.builtins._powershell_cmdlets import ALIASES, ECHOES, NAMES, PURE, Unread, bind, translate
from goalrail.policies.builtins._powershell_words import Piece, Token, Word, tokens

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
_DRIVE = re.compile(r"(?i)^(?:(?:Microsoft\.PowerShell\.Core\\)?Registry::|[a-z][\w]+:(?:[\\/]|$))")
_ROOT = re.compile(r"^[A-Za-z]:[\\/]*(?=[*?]*$)")
_SYSTEM = re.compile(r"(?i)^[a-z]:[\\/]+(?=(?:windows|program files(?: \(x86\))?|programdata)(?:[\\/]|$))")
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
        for i, (kind, text) in enumerate(word.pieces):
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


def _split(toks: list[Token]) -> list[list[list[Token]]]:
    """Statements of pipelines of commands (a leading ``&`` kept: the call operator)."""
    statements: list[list[list[Token]]] = [[[]]]
    for tok in toks:
        kind = tok[0]
        if kind == "sep" or (kind == "amp" and statements[-1][-1]):
            statements.append([[]])
        elif kind == "pipe":
            statements[-1].append([])
        else:
            statements[-1][-1].append(tok)
    return [[c for c in s if c] for s in statements if any(s)]


class _Reader:
    def __init__(self, depth: int) -> None:
        self.depth, self.render = depth, _Render()
        self.out: list[str] = []
        self.unread: list[str] = []
        self.piped = False  # the command reads a pipeline's output

    def read(self, code: str) -> None:
        toks, inner = tokens(code)
        for statement in _split(toks):
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
        if name is None:
            raise Unread("a command named at run time")
        if (not call and head.pieces[0][0] == "q") or (name[:1].isdigit() and not rest):
            return "echo " + self.render.text(head)  # a value written out
        lower = _QUALIFIED.sub("", name).lower()
        if lower in _KEYWORDS:
            raise Unread(f"`{lower}`")
        cmdlet = lower if lower in NAMES else ALIASES.get(lower)
        if cmdlet is None or "\\" in lower or "/" in lower:
            if _VERB_NOUN.fullmatch(lower) and not call:
                raise Unread(f"the cmdlet `{name[:40]}`")
            return self.native(head, rest)
        if cmdlet in ECHOES:
            return " ".join(["echo", *(self.render.text(w) for k, w in rest if isinstance(w, Word))])
        if cmdlet in PURE:
            return "true"
        try:
            bound = bind(cmdlet, _arguments(rest))
            if cmdlet == "invoke-expression":
                return self.expression(bound)
            if cmdlet == "start-process" and (line := _cmd_started(bound)) is not None:
                return _cmd_line(line, self.depth)
            posix = translate(cmdlet, self.render, bound)
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
        if program.rsplit("/", 1)[-1].lower() == "cmd":
            return self.cmd(rest)
        if (head.literal or "").lower().endswith(".ps1"):  # a script PowerShell runs itself
            program = "pwsh -NoProfile -File " + program
        return " ".join([program, *(self.render.path(w, True, True) for _, w in rest if isinstance(w, Word))])

    def cmd(self, rest: list[Token]) -> str:
        words = [w.literal for _, w in rest if isinstance(w, Word)]
        switch = next((i for i, w in enumerate(words) if w is not None and w.lower() in ("/c", "/k", "/r")), None)
        if switch is None or None in words or any(c in w for w in words for c in "&|<>^%" if w):
            raise Unread("a `cmd` line")
        return _cmd_line(" ".join(w for w in words[switch + 1 :] if w), self.depth)


def _cmd_started(bound: dict[str, list[Word] | bool]) -> str | None:
    """The line ``Start-Process cmd -ArgumentList '/c …'`` runs (None for another program)."""
    program = bound.get("filepath")
    name = program[0].literal if isinstance(program, list) and program else None
    if name is None or name.replace("\\", "/").rsplit("/", 1)[-1].lower() not in ("cmd", "cmd.exe"):
        return None
    args = bound.get("argumentlist")
    texts = [w.literal for w in args] if isinstance(args, list) else []
    if None in texts or bound.get("verb"):
        raise Unread("`Start-Process cmd` with arguments known only at run time")
    words = " ".join(t for t in texts if t).split()
    at = next((i for i, w in enumerate(words) if w.lower() in ("/c", "/k", "/r")), None)
    if at is None or any(c in w for w in words for c in "&|<>^%"):
        raise Unread("a `cmd` line")
    return " ".join(words[at + 1 :])


def _cmd_line(line: str, depth: int) -> str:
    """``cmd /c LINE``: its ``del``/``erase``/``rd``/``rmdir``'s switches read, the rest as PowerShell words."""
    words = line.split()
    name = words[0].lower() if words else ""
    switches = "".join(w[1:].lower() for w in words[1:] if w.startswith("/"))
    paths = " ".join(w for w in words[1:] if not w.startswith("/"))
    if name in ("del", "erase", "rd", "rmdir"):
        line = f"Remove-Item {'-Recurse ' if 's' in switches else ''}-Force {paths}"
    elif any(w.startswith("/") for w in words[1:]):
        raise Unread("a `cmd` line")
    script, unread = posix_script(line, depth + 1)
    if unread:
        raise Unread(unread[0])
    return script


def _arguments(rest: list[Token]) -> list[tuple[str, Word | None]]:
    out: list[tuple[str, Word | None]] = []
    for kind, value in rest:
        if kind == "comma":
            out.append((",", None))
        elif isinstance(value, Word):
            m = re.match(r"[-\u2013\u2014\u2015]([A-Za-z_?][\w?]*)(:?)(.*)$", value.bare, re.S)
            if m is None:
                out.append(("", value))
                continue
            attached = ((("", m.group(3)),) if m.group(3) else ()) + value.pieces[1:]
            out.append(("-" + m.group(1).lower(), Word(attached) if m.group(2) and attached else None))
    return out


@lru_cache(maxsize=512)
def posix_script(code: str, depth: int = 0) -> tuple[str, tuple[str, ...]]:
    """``code`` as a POSIX script, and why any of it was not read."""
    reader = _Reader(depth)
    reader.read(code)
    script = " ; ".join(reader.out)
    if len(script) > 4 * len(code) + 1024:  # (values repeated many times over): not read
        return "", ("PowerShell whose reading is too long",)
    return script, tuple(dict.fromkeys(reader.unread))
