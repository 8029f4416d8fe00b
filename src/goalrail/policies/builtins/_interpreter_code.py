"""What interpreters' code looks like when it runs a program or changes the directory.

One pair of patterns per language (``_family``: calls that run a program, calls that
change the directory), and for line-oriented programs the pattern of the command lines
their code hands to a shell (``!cmd``, ``shell cmd``, ``.shell cmd``).  Read by
``_interpreters``.
"""

from __future__ import annotations

import re
import string

import re2

from goalrail.policies.builtins._wrappers import names

VIMS = frozenset({"vim", "vi", "nvim", "ex", "view"})

_LINE = r"(?:^|[\n;|])\s*:?\s*"  # a command at the start of a line (vim, gdb, sqlite3, tcl)


class Linear:
    """A pattern (case-insensitive unless told) searched in linear time: RE2, or Python's ``re`` for a text RE2
    cannot encode (a lone surrogate).  Perl's piped ``open`` pattern was quadratic in ``re`` over
    8,000 ``open(`` without a ``;``."""

    __slots__ = ("_re", "_re2", "pattern")

    def __init__(self, pattern: str, *, ignorecase: bool = True) -> None:
        self.pattern = pattern
        self._re2 = re2.compile("(?i)" + pattern if ignorecase else pattern)
        self._re = re.compile(pattern, re.IGNORECASE if ignorecase else 0)

    def found(self, text: str) -> bool:
        try:
            return self._re2.search(text) is not None
        except UnicodeEncodeError:
            return self._re.search(text) is not None

    def groups(self, text: str) -> list[tuple[str | None, ...]]:
        """The groups of each match in ``text``, in order."""
        try:
            return [m.groups() for m in self._re2.finditer(text)]
        except UnicodeEncodeError:
            return [m.groups() for m in self._re.finditer(text)]


def _family(spawns: str, chdirs: str | None = None) -> tuple[Linear, Linear | None]:
    return Linear(spawns), Linear(chdirs) if chdirs else None


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
#: sed's `s` command with any punctuation as its delimiter (`s|x|y|e`, `s#x#y#e`), the replacement
#: captured when its flags hold `e` (the pattern space after the substitution runs as a command)
_SED_S = "|".join(
    rf"s{re.escape(d)}(?:\\.|[^{re.escape(d)}\n\\])*{re.escape(d)}((?:\\.|[^{re.escape(d)}\n\\])*){re.escape(d)}"
    for d in sorted(set(string.punctuation) - {"\\"})
)
_SED_S_E = rf"(?:{_SED_S})[gpiImMw0-9]*e"
_SED = _family(  # GNU sed's `e` command and the `e` flag of `s` run a shell command
    r"(?:^|[;\n{}]|[0-9$/!])\s*e(?:\s|;|$)|" + _SED_S_E
)
_BANG = _family(r"!")  # ed, dc: `!cmd`
_M4 = _family(r"\be?syscmd\b")
_SQL_CLIENT = _family(r"\\!|\\(?:o|g|out)\s*\||\bprogram\b|(?:^|[\n;])\s*system\b")
_LLDB = _family(r"platform\s+shell|(?:^|[\n;])\s*(?:script|command\s+script|shell)\b")
#: the sqlite3 shell takes any prefix of a dot command (`.sy cmd` is `.system cmd`, `.ou |cmd` is `.output`)
_SQLITE = _family(_LINE + r"\.(?:s[hy]|o|i|l|r)\w*", _LINE + r"\.cd\b")
#: languages the analysis does not read (Lisp, JVM, BEAM, Swift, PowerShell, non-POSIX shells):
#: any code is taken to run programs, so the call is asked and its strings parsed
UNREAD = names(
    "guile racket sbcl clisp ecl clojure clj bb groovy scala kotlin jshell erl elixir iex swift pwsh powershell"
)
#: shells whose syntax is not bash's: their code is also parsed as a bash script, approximately
OTHER_SHELLS = names("csh tcsh rc nu xonsh elvish ysh oil fish")
_ANY = _family(r"\S")
FAMILIES: dict[str, tuple[Linear, Linear | None]] = {
    **dict.fromkeys(UNREAD | OTHER_SHELLS, _ANY),
    "python": _PYTHON,
    "pypy": _PYTHON,
    "ipython": _family(  # IPython's `!cmd` and magics (`%sx`, `%%bash`, `%cd`)
        _PYTHON[0].pattern + r"|(?:^|[\n;])\s*!|%%?(?:sx|system|bash|sh|script|run)\b",
        (_PYTHON[1].pattern if _PYTHON[1] else "") + r"|%cd\b",
    ),
    "tsx": _JS,
    "ts-node": _JS,
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
    "duckdb": _SQLITE,
    "sed": _SED,
    "gsed": _SED,
    "m4": _M4,
    "ed": _BANG,
    "dc": _BANG,
    "psql": _SQL_CLIENT,
    "mysql": _SQL_CLIENT,
    "mariadb": _SQL_CLIENT,
    "lldb": _LLDB,
}
#: the shell command lines of line-oriented code (``!cmd``, ``shell cmd``, ``.shell cmd``, ``spawn cmd``)
_VIM_LINES = re.compile(r"!\s*([^\n|]+)")
COMMAND_LINES: dict[str, re.Pattern[str]] = {
    **dict.fromkeys(OTHER_SHELLS | {"pwsh", "powershell"}, re.compile(r"(?s)^(.+)$")),
    "duckdb": re.compile(r"(?m)^\s*\.(?:she|sy)\w*\s+(.+)$|\.o\w*\s+['\"]?\|\s*([^'\"\n]+)"),
    **dict.fromkeys(VIMS, _VIM_LINES),
    "gdb": re.compile(r"(?m)^\s*(?:shell\b|!)\s*(.+)$|\|\s*([^\n|]+)$"),
    "sqlite3": re.compile(r"(?m)^\s*\.(?:she|sy)\w*\s+(.+)$|\.o\w*\s+['\"]?\|\s*([^'\"\n]+)"),
    # `spawn`/`exec` a program, `send` keys to it (most often a shell): the text up to an escape (`\r`)
    "expect": re.compile(
        r"(?:spawn|exec)\s+([^\n;\]]+)|\b(?:exp_)?send(?:\s+-\w+)*\s+(?:--\s+)?[\"{]?([^\"}\\\n;\]]+)"
    ),
    "tclsh": re.compile(r"(?:exec|open\s+[\"{]?\|)\s*([^\n;\]\"}]+)"),
    "ipython": re.compile(r"(?:^|[\n;])\s*!\s*([^\n;]+)"),
    **dict.fromkeys(("sed", "gsed"), re.compile(r"(?:^|[;\n{}]|[0-9$/!])\s*e\s+([^\n;}]+)|" + _SED_S_E)),
    "m4": re.compile(r"e?syscmd\(([^)]*)\)"),
    "ed": re.compile(r"!\s*([^\n]+)"),
    "dc": re.compile(r"!\s*([^\n]+)"),
    "psql": re.compile(r"\\!\s*([^\n]+)"),
    "mysql": re.compile(r"\\!\s*([^\n;]+)|(?:^|[\n;])\s*system\s+([^\n;]+)"),
    "mariadb": re.compile(r"\\!\s*([^\n;]+)|(?:^|[\n;])\s*system\s+([^\n;]+)"),
    "lldb": re.compile(r"(?:platform\s+)?shell\s+([^\n]+)"),
}
