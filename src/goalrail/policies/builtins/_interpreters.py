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

import re2

from goalrail.policies.builtins._cmd import EXTERNALS
from goalrail.policies.builtins._interpreter_code import COMMAND_LINES, FAMILIES, VIMS
from goalrail.policies.builtins._interpreters_windows import cmd_code, powershell_code
from goalrail.policies.builtins._sdk_destroys import sdk_destroys
from goalrail.policies.builtins._shell_fds import InputFiles, held_text
from goalrail.policies.builtins._shell_types import Redirect, Word

#: PowerShell's code parameters, any unambiguous prefix (matched without case: `inline_code`)
_PWSH_CODE = {
    full[:i] for full in ("-command", "-encodedcommand", "-commandwithargs") for i in range(2, len(full) + 1)
} | {"-ec", "-cwa", "-e"}
#: program (version suffixes dropped) → the options whose next word is code; "" marks
#: a program whose first non-option word is its code (awk, sqlite3's second word…)
_CODE_OPTIONS: dict[str, tuple[str, ...]] = {
    "python": ("-c",),
    "pypy": ("-c",),
    "ipython": ("-c",),
    "tsx": ("-e", "--eval", "-p", "--print"),
    "ts-node": ("-e", "--eval", "-p", "--print"),
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p", "--print"),
    "bun": ("-e", "--eval", "-p", "--print"),
    "deno": ("eval",),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "php": ("-r", "-R", "-B", "-E"),  # `-R` runs on every input line, `-B`/`-E` before and after
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
    "sed": ("", "-e", "--expression"),
    "gsed": ("", "-e", "--expression"),
    "m4": (),
    "ed": (),
    "dc": ("-e", "--expression"),
    "psql": ("-c", "--command"),
    "mysql": ("-e", "--execute"),
    "mariadb": ("-e", "--execute"),
    "lldb": ("-o", "--one-line", "-O", "--one-line-before-file", "-k", "--one-line-on-crash"),
    # languages not read: any code they are given is asked (`_interpreter_code.UNREAD`)
    **dict.fromkeys(("guile", "clisp", "jshell"), ("-c", "-x")),
    **dict.fromkeys(("racket", "clojure", "clj", "bb", "elixir", "iex"), ("-e", "--eval")),
    **dict.fromkeys(("groovy", "scala", "kotlin", "swift"), ("-e",)),
    **dict.fromkeys(("sbcl", "ecl", "erl"), ("--eval", "-eval")),
    **dict.fromkeys(("csh", "tcsh", "rc", "xonsh", "elvish", "ysh", "oil"), ("-c",)),
    "nu": ("-c", "--commands"),
    "fish": ("-c", "--command", "-C", "--init-command"),
    "duckdb": ("-c", "-cmd", "-s"),
    **dict.fromkeys(("pwsh", "powershell"), tuple(sorted(_PWSH_CODE))),
    "cmd": ("/c", "/k", "/r", "/C", "/K", "/R"),
}
#: Windows' shells under their other names
_WINDOWS = {
    **dict.fromkeys(("pwsh.exe", "pwsh-preview", "pwsh-lts", "pwsh-preview.exe"), "pwsh"),
    "powershell.exe": "powershell",
    # (Windows' own programs, with or without `.exe`: Git Bash and WSL run `reg add …` as cmd would)
    **dict.fromkeys(("cmd", "cmd.exe", *EXTERNALS, *(f"{n}.exe" for n in EXTERNALS)), "cmd"),
}
#: every name ``program`` knows as it is spelled, with the interpreter it names
_NAMES = {**{name: name for name in _CODE_OPTIONS}, **_WINDOWS}
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
    "sed": frozenset({"-l", "--line-length"}),
    "gsed": frozenset({"-l", "--line-length"}),
    "psql": frozenset({"-d", "-U", "-h", "-p", "-v", "-P", "-o", "-T", "-L", "-F", "-R"}),
    "mysql": frozenset({"-u", "-h", "-P", "-D", "-S"}),
    "mariadb": frozenset({"-u", "-h", "-P", "-D", "-S"}),
}
_SCRIPT_OPTIONS = frozenset({"-f", "--file", "-m", "--exec", "--script"})
#: ``python -m`` modules that run what stdin holds: an interactive console, a shell in a pty
_STDIN_MODULES = frozenset({"code", "pty"})
#: options that make a program print its version or help and run nothing
_INFO = frozenset({"--version", "-V", "--help", "-h", "-version", "-help"})
_V_IS_VERSION = frozenset({"node", "nodejs", "bun", "deno", "perl", "php"})
#: programs whose switches cluster (``perl -lne``), with the letter(s) taking the code
_CLUSTER_CODE = {
    **dict.fromkeys(("python", "pypy", "ipython"), "c"),
    **dict.fromkeys(("node", "nodejs", "bun", "tsx", "ts-node", "sed", "gsed"), "e"),  # `node -pe CODE`
    "perl": "eE",
    "ruby": "e",
    "php": "rRBE",
    **dict.fromkeys(("csh", "tcsh", "fish"), "c"),  # `tcsh -fc CMD`
}
#: programs whose code is lines of commands (``!cmd``, ``shell cmd``, ``.shell cmd``)
_LINE_ORIENTED = frozenset({*VIMS, "gdb", "emacs", "sqlite3", "expect", "tclsh", "lldb"})
#: programs that read their code from stdin when given no code and no script file
_STDIN_READERS = frozenset(
    {"python", "pypy", "ipython", "node", "nodejs", "tsx", "ts-node", "perl", "ruby", "php", "lua", "r", "rscript"}
    | {"julia", "osascript", "tclsh", "expect", "m4", "dc", "guile", "sbcl", "clisp", "jshell", "erl", "iex"}
    | {"csh", "tcsh", "rc", "nu", "xonsh", "elvish", "ysh", "oil", "pwsh", "powershell", "scala", "groovy", "fish"}
)
#: programs that read their commands from stdin whatever their operands (a file to edit, a database)
_STDIN_ALWAYS = frozenset({"ed", "psql", "mysql", "mariadb", "sqlite3", "duckdb"})
#: an operand naming stdin itself (``python3 /dev/stdin <<< CODE``)
_STDIN_FILES = InputFiles({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
#: options naming a file of commands, read as code when that file is stdin or a process
#: substitution: vim's (``-S`` Ex commands, ``-s`` typed keys, ``-u`` a vimrc), gdb's, sqlite3's
_VIM_SCRIPTS = frozenset({"-S", "-s", "-u"})
_COMMAND_FILES: dict[str, frozenset[str]] = {
    **dict.fromkeys(VIMS, _VIM_SCRIPTS),
    "gdb": frozenset({"-x", "--command", "-ix", "--init-command"}),
    "sqlite3": frozenset({"-init"}),
}
_VERSION = re.compile(r"[\d.]+$")

_LITERAL = re.compile(r""""((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`([^`]*)`""")
_LIST = re.compile(r"""\[\s*((?:(?:"[^"\\\n]*"|'[^'\\\n]*')\s*,\s*)*(?:"[^"\\\n]*"|'[^'\\\n]*'))\s*,?\s*\]""")
_ITEM = re.compile(r""""([^"\\\n]*)"|'([^'\\\n]*)'""")
_STR = r"""(?:"[^"\\\n]*"|'[^'\\\n]*')"""
#: a call's arguments that are string literals, the last of them may be a list: an argv
#: (``system("rm", "-rf", "/")``, ``spawnSync("rm", ["-rf", "/"])``, ``execvp("rm", ["rm", …])``);
#: RE2, linear in the code (``re`` backtracks over a long run of strings)
_ARGV = re2.compile(rf"[(,]\s*((?:{_STR}\s*,\s*)+(?:{_STR}|\[\s*(?:{_STR}\s*,\s*)*{_STR}?\s*,?\s*\]))\s*[,)]")
#: Perl's ``qx(…)``, ``qx{…}``, ``qx/…/``… and Ruby's ``%x(…)``: a command line run by a shell
_QX = re2.compile(r"(?:\bqx|%x)\s*(?:\(([^)]*)\)|\{([^}]*)\}|\[([^\]]*)\]|/([^/]*)/|!([^!]*)!|\|([^|]*)\||#([^#]*)#)")


def program(base: str) -> str | None:
    """The interpreter ``base`` names (``python3.11`` → ``python``), or None."""
    name = base.lower()
    if name in _NAMES:
        return _NAMES[name]
    if not name[-1:].isdigit():  # (`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`: its last part)
        return program(name.rpartition("\\")[2]) if "\\" in name else None
    stripped = _VERSION.sub("", name)
    return stripped if stripped and stripped in _CODE_OPTIONS else None


def valued_options(name: str) -> frozenset[str]:
    """The options of the interpreter ``name`` (as :func:`program` gives it) whose value is the next word."""
    return _VALUED.get(name, frozenset())


def reads_scripts(name: str) -> bool:
    """Whether the program ``name`` runs a file operand or its stdin as its code (``python3 f``,
    ``perl < f``), unlike an editor or a line-oriented tool, whose file operand is data."""
    return program(name) in _STDIN_READERS


def code_option(name: str, word: str) -> bool:
    """Whether ``word`` is (or attaches code to) one of ``name``'s code options (``-c``, ``-e``, ``-lne``)."""
    options = _CODE_OPTIONS[name]
    if word in options and word.startswith("-"):
        return True
    return _cluster(name, word) is not None or _attached(name, options, word, False, [])


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
        if name in ("pwsh", "powershell"):
            word = word.lower() if word.startswith("-") else word  # -Command, -COMMAND, -c
        cluster = _cluster(name, word) if not dynamic else None
        if (word in options and word) or (cluster is not None and not cluster[1]):
            if i + 1 < len(args):
                code.append(args[i + 1])
            i += 2
            continue
        if cluster is not None:
            code.append((cluster[1].removeprefix("="), dynamic))
        elif word in _COMMAND_FILES.get(name, ()) and i + 1 < len(args):  # `vim -S /dev/stdin <<EOF`, `gdb -x <(…)`
            value = args[i + 1]
            if value[1] or value[0] in _STDIN_FILES:
                code.append(stdin if stdin is not None and not value[1] else (value[0], True))
            i += 2
            continue
        elif word in valued:
            i += 1
        elif word in _SCRIPT_OPTIONS and not code and name not in _LINE_ORIENTED:
            if i + 1 < len(args) and args[i + 1][1] and args[i + 1][0].startswith("<("):
                return [args[i + 1]]  # `awk -f <(echo CODE)`, `psql -f <(…)`: code from a process substitution
            script = args[i + 1][0] if i + 1 < len(args) and not args[i + 1][1] else None
            if word == "-m" and script in _STDIN_MODULES:  # `python3 -m code <<<…`: a console on stdin
                return [stdin] if stdin is not None and script == "code" else [(script, True)]
            return [stdin] if script in _STDIN_FILES and stdin is not None else None  # `sed -f /dev/stdin`
        elif not _attached(name, options, word, dynamic, code):
            if name in VIMS and word.startswith("+") and len(word) > 1:
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
    if operands and operands[0][1] and operands[0][0].startswith("<("):
        return [operands[0]]  # `python3 <(curl …)`: code from a process substitution
    first = operands[0][0] if operands and not operands[0][1] else None
    if stdin is not None and name in _STDIN_ALWAYS:  # a dump piped in from a program is data
        return [] if stdin[1] else [stdin]
    if name == "deno" and first == "run" and len(operands) > 1:  # `deno run -A - <<<CODE`, `deno run <(…)`
        script, dynamic = operands[1]
        if dynamic and script.startswith("<("):
            return [operands[1]]
        if not dynamic and script in _STDIN_FILES and stdin is not None:
            return [stdin]
    if name in _STDIN_READERS and (not operands or first in _STDIN_FILES) and stdin is not None:
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
    return FAMILIES[name][0].found(code)


def changes_directory(name: str, code: str) -> bool:
    chdirs = FAMILIES[name][1]
    return chdirs is not None and chdirs.found(code)


def shell_strings(code: str) -> list[str]:
    """The string literals of ``code`` that may be commands, and each list of string literals
    joined as an argv (single-quoted where needed)."""
    out: list[str] = []
    for m in _LIST.finditer(code):
        items = [a or b for a, b in _ITEM.findall(m.group(1))]
        out.append(" ".join(quoted(item) for item in items))
    try:  # (RE2 cannot read a lone surrogate: such code is asked all the same, `runs_programs`)
        out += [" ".join(quoted(a or b) for a, b in _ITEM.findall(m.group(1))) for m in _ARGV.finditer(code)]
        out += [next(g for g in m.groups() if g is not None) for m in _QX.finditer(code)]
    except UnicodeEncodeError:
        pass
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
    psubs: dict[str, str]
    held: list[Redirect]

    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str) -> None: ...


#: the languages whose code may call a cloud SDK or an HTTP client (``_sdk_destroys``)
_SDK_LANGUAGES = frozenset(
    {"python", "pypy", "ipython", "node", "nodejs", "bun", "deno", "tsx", "ts-node", "ruby", "perl", "php"}
)
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
    stdin = stdin_source(reds, piped) or (held_text(walker, reds) if piped is None else None)
    last = next((r for r in reversed(reds) if r.op in ("<", "<<", "<<<", "<<-")), None)
    if stdin is None and last is not None and last.op == "<" and last.dynamic and last.target.startswith("<("):
        echoed = walker.psubs.get(last.target)  # `python3 < <(echo CODE)`: stdin is a process substitution
        stdin = (echoed, False) if echoed is not None else (last.target, True)
    if name in ("pwsh", "powershell"):
        powershell_code(walker, name, args, stdin)
        return
    if name == "cmd":
        cmd_code(walker, args, stdin)
        return
    code = inline_code(name, args, stdin)
    lines = COMMAND_LINES.get(name)
    for text, dynamic in code or ():
        if dynamic and text in walker.psubs:
            text = walker.psubs[text]  # `python3 <(echo CODE)`
        elif dynamic:
            walker.flag(f"`{name}` runs code known only at run time")
            continue
        if changes_directory(name, text):
            walker.flag(f"`{name}` code changes the working directory")
        for line in sdk_destroys(text) if name in _SDK_LANGUAGES else ():  # `boto3…delete_bucket(…)`
            walker.script(line, f"{name} code")
        if runs_programs(name, text):
            walker.flag(f"`{name}` code runs programs")
            found = shell_strings(text)
            if lines is not None:
                found += [g for m in lines.finditer(text) for g in m.groups() if g]
            for script in found[:MAX_STRINGS]:
                walker.script(script, f"{name} code")
