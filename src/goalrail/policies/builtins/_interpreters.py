"""Code that interpreters and tools run from their arguments or stdin.

``python -c``, ``node -e``, ``perl -e``, ``ruby -e``, ``php -r``, an ``awk``
program, ``vim -c '!…'``, ``gdb -ex 'shell …'``, ``sqlite3 db '.shell …'``,
``expect -c 'spawn …'``, ``osascript -e 'do shell script …'``, a here-document
into ``python3``: each may run programs or change the directory without a
shell command line saying so.  The shell analysis cannot follow another
language, so it reads such code for what it can tell:

* the calls that run a program (``subprocess``, ``os.system``,
  ``child_process``, ``system(``, backticks, ``IO.popen``, ``do shell script``…)
  and that change the directory (``os.chdir``, ``process.chdir``, ``Dir.chdir``,
  ``setwd``…): either makes the command "not fully understood" (ASK);
* the string literals of such code, each parsed as a shell script in turn, and
  each list of string literals as an argv (``['git', 'push', …]``), so a push
  or a ``cd`` written in them is judged like a typed one.

A script file (``python3 tool.py``) is an ordinary program run: its code is not
read.
"""

from __future__ import annotations

import re
from typing import Protocol

from goalrail.policies.builtins._shell_types import Redirect, Word

#: program (version suffixes dropped) → the options whose next word is code; "" marks
#: a program whose first non-option word is its code (awk, sqlite3's second word…)
_CODE_OPTIONS: dict[str, tuple[str, ...]] = {
    "python": ("-c",),
    "pypy": ("-c",),
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p", "--print"),
    "bun": ("-e", "--eval", "-p", "--print"),
    "deno": ("eval",),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "php": ("-r",),
    "lua": ("-e",),
    "luajit": ("-e",),
    "rscript": ("-e",),
    "r": ("-e",),
    "julia": ("-e", "--eval", "-E", "--print"),
    "osascript": ("-e",),
    "expect": ("-c",),
    "tclsh": ("",),
    "vim": ("-c", "--cmd"),
    "vi": ("-c", "--cmd"),
    "nvim": ("-c", "--cmd"),
    "ex": ("-c", "--cmd"),
    "view": ("-c", "--cmd"),
    "emacs": ("--eval",),
    "gdb": ("-ex", "--ex", "-eval-command", "--eval-command", "-iex"),
    "awk": ("", "-e", "--source"),
    "gawk": ("", "-e", "--source"),
    "mawk": ("",),
    "nawk": ("",),
    "sqlite3": ("", "-cmd"),
}
#: options whose value is the next word (not an operand); a script file given by one
#: (``awk -f FILE``, ``php -f FILE``, ``python -m MODULE``) makes the run an ordinary program run
_VALUED: dict[str, frozenset[str]] = {
    "python": frozenset({"-W", "-X", "-Q"}),
    "pypy": frozenset({"-W", "-X", "-Q"}),
    "node": frozenset({"-r", "--require", "--import", "--loader", "-C", "--conditions", "--input-type"}),
    "nodejs": frozenset({"-r", "--require", "--import", "--loader", "-C", "--conditions", "--input-type"}),
    "ruby": frozenset({"-I", "-r", "-C", "-E", "-F", "-K"}),
    "php": frozenset({"-d", "-c", "-z"}),
    "awk": frozenset({"-F", "-v", "-W", "--assign", "--field-separator"}),
    "gawk": frozenset({"-F", "-v", "-W", "--assign", "--field-separator", "-l", "--load", "-i", "--include"}),
    "mawk": frozenset({"-F", "-v", "-W"}),
    "nawk": frozenset({"-F", "-v"}),
    "sqlite3": frozenset({"-separator", "-newline", "-nullvalue", "-init", "-vfs", "-maxsize"}),
    "gdb": frozenset({"-x", "--command", "-p", "--pid", "-d", "--directory", "-cd", "--cd"}),
    "vim": frozenset({"-u", "-U", "-i", "-T", "-w", "-W", "-s", "--startuptime"}),
    "nvim": frozenset({"-u", "-i", "-w", "-W", "-s", "--startuptime", "--listen"}),
}
_SCRIPT_OPTIONS = frozenset({"-f", "--file", "-m", "--exec", "--script"})
#: options that make a program print its version or help and run nothing
_INFO = frozenset({"--version", "-V", "--help", "-h", "-version", "-help"})
_V_IS_VERSION = frozenset({"node", "nodejs", "bun", "deno", "perl", "php"})
#: programs whose switches cluster (``perl -lne``), with the letter(s) taking the code
_CLUSTER_CODE = {"python": "c", "pypy": "c", "perl": "eE", "ruby": "e", "php": "r"}
_VIMS = frozenset({"vim", "vi", "nvim", "ex", "view"})
#: programs whose code is lines of commands (``!cmd``, ``shell cmd``, ``.shell cmd``)
_LINE_ORIENTED = frozenset({*_VIMS, "gdb", "emacs", "sqlite3", "expect", "tclsh"})
#: programs that read their code from stdin when given no code and no script file
_STDIN_READERS = frozenset(
    {"python", "pypy", "node", "nodejs", "perl", "ruby", "php", "lua", "r", "rscript", "julia", "osascript"}
)
_VERSION = re.compile(r"[\d.]+$")

_LINE = r"(?:^|[\n;|])\s*:?\s*"  # a command at the start of a line (vim, gdb, sqlite3, tcl)


def _family(spawns: str, chdirs: str | None = None) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    return re.compile(spawns, re.IGNORECASE), re.compile(chdirs, re.IGNORECASE) if chdirs else None


_PYTHON = _family(
    r"subprocess|\bos\s*\.\s*(?:system|popen|exec|spawn|posix_spawn|fork)|\bpty\s*\.|\bcommands\s*\."
    r"|__import__|importlib|\b(?:exec|eval|compile)\s*\(|\bctypes\b",
    r"\bos\s*\.\s*f?chdir|\bchdir\s*\(",
)
_JS = _family(
    r"child_process|\b(?:execSync|execFile|execFileSync|spawn|spawnSync|fork)\s*\(|Deno\s*\.\s*(?:run|Command)"
    r"|Bun\s*\.\s*(?:spawn|\$)|\$`|\b(?:eval|Function)\s*\(|process\s*\.\s*binding|\bimport\s*\(|\brequire\s*\(\s*[^'\"\s]",
    r"\bchdir\s*\(",
)
_PERL = _family(
    r"\b(?:system|exec|fork|eval)\b|`|\bqx\s*\W|\bopen\w*\s*\(?[^;]*(?:\||-\|)",
    r"\bchdir\b",
)
_RUBY = _family(
    r"\b(?:system|exec|spawn|fork|eval|instance_eval|class_eval|send|public_send)\b|`|%x\W|\bIO\s*\.\s*popen"
    r"|\bOpen3\b|\bProcess\s*\.\s*spawn|\bKernel\b|\bPTY\b",
    r"\bchdir\b",
)
_PHP = _family(
    r"\b(?:shell_exec|system|exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function)\s*\(|`",
    r"\bchdir\s*\(",
)
_LUA = _family(r"\bos\s*\.\s*execute|\bio\s*\.\s*popen|\bload(?:string|file)?\s*\(|\bdofile\b", r"chdir")
_R = _family(r"\b(?:system2?|shell|pipe|eval|parse)\s*\(", r"\bsetwd\s*\(")
_JULIA = _family(r"`|\b(?:run|pipeline|eval|open)\s*\(|Meta\s*\.", r"\bcd\s*\(")
_APPLESCRIPT = _family(r"do\s+shell\s+script")
_TCL = _family(_LINE + r"(?:exec|spawn|eval|open\s+[\"{]?\|)|\[\s*(?:exec|open\s+[\"{]?\|)", _LINE + r"cd\b")
_VIM = _family(
    r"(?:^|[\s:|])!|"
    + _LINE
    + r"(?:py|python3?|pyx|pythonx|lua|perl|ruby|rub|mz|tcl|term|terminal|exe|execute|so|source)\b"
    r"|\bsystem(?:list)?\s*\(|\bjob_start|\bjobstart|\btermopen|\bnorm(?:al)?!?\s",
    _LINE + r"(?:l|t)?cd\b|\bchdir\s*\(",
)
_EMACS = _family(
    r"shell-command|call-process|start-process|make-process|start-file-process|process-file|\beval\b|\bload\b",
    r"\bcd\b|default-directory",
)
_GDB = _family(_LINE + r"(?:!|shell\b|pipe\b|\||python|py\b|pi\b|source\b|guile)", _LINE + r"cd\b")
_AWK = _family(r"\bsystem\s*\(|\|\s*getline|print[f]?[^;{}]*\|[^|]")
_SQLITE = _family(_LINE + r"\.(?:shell|system|once|output|import|load|read)\b", _LINE + r"\.cd\b")
_FAMILIES: dict[str, tuple[re.Pattern[str], re.Pattern[str] | None]] = {
    "python": _PYTHON,
    "pypy": _PYTHON,
    "node": _JS,
    "nodejs": _JS,
    "bun": _JS,
    "deno": _JS,
    "perl": _PERL,
    "ruby": _RUBY,
    "php": _PHP,
    "lua": _LUA,
    "luajit": _LUA,
    "r": _R,
    "rscript": _R,
    "julia": _JULIA,
    "osascript": _APPLESCRIPT,
    "expect": _TCL,
    "tclsh": _TCL,
    "vim": _VIM,
    "vi": _VIM,
    "nvim": _VIM,
    "ex": _VIM,
    "view": _VIM,
    "emacs": _EMACS,
    "gdb": _GDB,
    "awk": _AWK,
    "gawk": _AWK,
    "mawk": _AWK,
    "nawk": _AWK,
    "sqlite3": _SQLITE,
}
#: the shell command lines of line-oriented code (``!cmd``, ``shell cmd``, ``.shell cmd``, ``spawn cmd``)
_VIM_LINES = re.compile(r"!\s*([^\n|]+)")
_COMMAND_LINES: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(_VIMS, _VIM_LINES),
    "gdb": re.compile(r"(?m)^\s*(?:shell\b|!)\s*(.+)$|\|\s*([^\n|]+)$"),
    "sqlite3": re.compile(r"(?m)^\s*\.(?:shell|system)\s+(.+)$|\.(?:once|output)\s+['\"]?\|\s*([^'\"\n]+)"),
    "expect": re.compile(r"(?:spawn|exec)\s+([^\n;\]]+)"),
    "tclsh": re.compile(r"(?:exec|open\s+[\"{]?\|)\s*([^\n;\]\"}]+)"),
}
_LITERAL = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`]*)`""")
_LIST = re.compile(r"""\[\s*((?:(?:"[^"\\\n]*"|'[^'\\\n]*')\s*,\s*)*(?:"[^"\\\n]*"|'[^'\\\n]*'))\s*,?\s*\]""")
_ITEM = re.compile(r""""([^"\\\n]*)"|'([^'\\\n]*)'""")


def program(base: str) -> str | None:
    """The interpreter ``base`` names (``python3.11`` → ``python``), or None."""
    name = base.lower()
    if name in _CODE_OPTIONS:
        return name
    if not name[-1:].isdigit():
        return None
    stripped = _VERSION.sub("", name)
    return stripped if stripped and stripped in _CODE_OPTIONS else None


def _cluster(name: str, word: str) -> tuple[bool, str] | None:
    """``perl -lne CODE``, ``python3 -Ic CODE``, ``perl -le'CODE'``: (found, attached code) when
    ``word`` is a cluster of single-letter switches ending in (or attaching code to) the code switch."""
    letters = _CLUSTER_CODE.get(name)
    if letters is None or len(word) < 3 or word[0] != "-" or word[1] == "-":
        return None
    for i, letter in enumerate(word[1:], 1):
        if letter in letters:
            return True, word[i + 1 :]
        if not letter.isalpha():
            return None
    return None


def inline_code(name: str, args: list[Word], stdin: Word | None) -> list[Word] | None:
    """The code ``name args`` runs: the values of its code options, its first operand for the
    programs whose code that is, else ``stdin`` (a here-document, here-string or pipe) when it
    names no script file.  None when it runs a script file (not read here)."""
    options = _CODE_OPTIONS[name]
    valued = _VALUED.get(name, frozenset())
    code: list[Word] = []
    operands: list[Word] = []
    i = 0
    while i < len(args):
        word, dynamic = args[i]
        cluster = _cluster(name, word) if not dynamic else None
        if (word in options and word) or (cluster is not None and not cluster[1]):
            if i + 1 < len(args):
                code.append(args[i + 1])
            i += 2
            continue
        if cluster is not None:
            code.append((cluster[1].removeprefix("="), dynamic))
        elif word in valued:
            i += 1
        elif word in _SCRIPT_OPTIONS and not code and name not in _LINE_ORIENTED:
            return None  # a script file or module: an ordinary program run
        elif not _attached(name, options, word, dynamic, code):
            if name in _VIMS and word.startswith("+") and len(word) > 1:
                code.append((word[1:], dynamic))  # `vim +'!cmd'`
            elif not word.startswith("-") or dynamic or word == "-":
                operands.append(args[i])
        i += 1
    if "" in options and operands and not code:
        # awk: the program is the first operand; sqlite3: every operand after the database
        code.extend(operands[1:] if name == "sqlite3" else operands[:1])
    if code:
        return code
    if any(w in _INFO or (w == "-v" and name in _V_IS_VERSION) for w, _ in args):
        return []  # prints its version or help: runs no code
    if name in _STDIN_READERS and (not operands or operands[0][0] == "-") and stdin is not None:
        return [stdin]
    return None if operands else []


def _attached(name: str, options: tuple[str, ...], word: str, dynamic: bool, code: list[Word]) -> bool:
    """``-c'code'``, ``--eval=code``: the code attached to its option, added to ``code``."""
    for option in options:
        if option.startswith("-") and len(option) > 1 and word.startswith(option) and word != option:
            code.append((word[len(option) :].removeprefix("="), dynamic))
            return True
    return False


def runs_programs(name: str, code: str) -> bool:
    """Whether ``name``'s ``code`` calls something that runs a program (or code built at run time)."""
    return _FAMILIES[name][0].search(code) is not None


def changes_directory(name: str, code: str) -> bool:
    chdirs = _FAMILIES[name][1]
    return chdirs is not None and chdirs.search(code) is not None


def shell_strings(code: str) -> list[str]:
    """The string literals of ``code`` that may be commands, and each list of string literals
    joined as an argv (single-quoted where needed)."""
    out: list[str] = []
    for m in _LIST.finditer(code):
        items = [a or b for a, b in _ITEM.findall(m.group(1))]
        out.append(" ".join(quoted(item) for item in items))
    for m in _LITERAL.finditer(code):
        text = next(g for g in m.groups() if g is not None)
        if text.strip() and any(c.isalpha() for c in text):
            out.append(text)
    return out


def quoted(word: str) -> str:
    if word and re.fullmatch(r"[\w@%+=:,./-]+", word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


class Walker(Protocol):
    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str) -> None: ...


#: at most this many literals of one piece of code are parsed as scripts
MAX_STRINGS = 32


def stdin_source(reds: tuple[Redirect, ...], piped: str | None) -> Word | None:
    """What the program reads on stdin: a here-document or here-string, or the text piped
    from ``echo`` (dynamic when from another program); None for a file or nothing."""
    source: Word | None = None
    if piped is not None:
        source = (piped, piped == "\0pipe")
    for r in reds:
        if r.op in ("<<", "<<<", "<<-"):
            source = (r.target, r.dynamic)
        elif r.op == "<":
            source = None  # a file: its code is not read here
    return source


def read_code(walker: Walker, name: str, args: list[Word], reds: tuple[Redirect, ...], piped: str | None) -> None:
    """What ``name args`` runs as code (see the module doc), reported to the shell walker."""
    code = inline_code(name, args, stdin_source(reds, piped))
    lines = _COMMAND_LINES.get(name)
    for text, dynamic in code or ():
        if dynamic:
            walker.flag(f"`{name}` runs code known only at run time")
            continue
        if changes_directory(name, text):
            walker.flag(f"`{name}` code changes the working directory")
        if runs_programs(name, text):
            walker.flag(f"`{name}` code runs programs")
            found = shell_strings(text)
            if lines is not None:
                found += [g for m in lines.finditer(text) for g in m.groups() if g]
            for script in found[:MAX_STRINGS]:
                walker.script(script, f"{name} code")
