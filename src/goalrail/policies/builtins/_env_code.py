"""The environment variables code in another language reads (``_shell_env`` hands it the code an
interpreter is given: ``python -c``, ``lua -e``, ``Rscript -e``, an ``awk`` program, a ``jq``
filter, a here-document on ``tclsh``'s stdin…).

A read by a literal name is that name: ``os.environ["X"]``/``os.getenv("X")``/``os.environb[b"X"]``
(Python), ``process.env.X``/``process.env["X"]``/``Bun.env.X``/``Deno.env.get("X")`` (JavaScript),
``$ENV{X}`` (Perl), ``ENV["X"]``/``ENV.fetch("X")`` (Ruby, Julia; ``get(ENV, "X", …)``),
``getenv("X")``/``$_ENV["X"]``/``$_SERVER["X"]`` (PHP), ``os.getenv("X")`` (Lua, also
``os.getenv "X"``), ``Sys.getenv("X")`` (R, OCaml), ``$env(X)`` (Tcl), ``ENVIRON["X"]`` (awk),
``System.getenv("X")`` (Java, Kotlin, Groovy, Clojure), ``os.Getenv``/``os.LookupEnv`` (Go),
``Environment.GetEnvironmentVariable("X")`` (.NET), ``System.get_env("X")`` (Elixir),
``os:getenv("X")`` (Erlang), ``(getenv "X")`` (Racket, Guile, Lisp), ``sys.env("X")`` (Scala),
``%*ENV<X>`` (Raku), ``$env.X`` (Nushell), ``$E:X`` (Elvish), ``getEnv "X"`` (Haskell),
``system attribute "X"`` (AppleScript).

What reads the environment as a whole or by a name known only at run time is :data:`EVERY`:
``dict(os.environ)``, ``os.getenv(name)``, ``Sys.getenv()``, ``println(ENV)``, ``ENV.to_h``,
``%ENV``/``@ENV{…}``/``use Env``/``perl -MEnv``, ``print_r($_SERVER)``, ``array get env``, ``for (k in
ENVIRON)``, ``JSON.stringify(process.env)``, ``const {X} = process.env``, ``Deno.env.toObject()``,
``os.Environ()``, ``System.getenv()``, ``GetEnvironmentVariables()``, ``sys.env``…  The names are
judged by the policy's own ``env_read`` rules, as a shell's ``printenv X`` is.
"""

from __future__ import annotations

import re
from functools import lru_cache

from goalrail.policies.builtins._interpreters import inline_code, program
from goalrail.policies.builtins._shell_types import SimpleCommand, Word

__all__ = ["EVERY", "code_env", "interpreter_env", "tool_env"]

#: the target of a read of the whole environment
EVERY = "*"
_Q = r"""['"`]"""
_QB = r"""[bB@]?['"`]"""  # (a bytes literal, a C# verbatim string)
_PROCESS = rf"""(?:process|Bun|import\.meta)\s*(?:\.\s*env\b|\[\s*{_Q}env{_Q}\s*\])"""

#: a read by a literal name (each alternative's group is the name)
_READS = re.compile(
    rf"\benvironb?\s*(?:\[\s*{_QB}|\.\s*(?:get|pop|setdefault)\s*\(\s*{_QB})(\w+)"
    rf"|\b(?:[gG]etenv(?:b|_opt)?|get_env|fetch_env!?|[Ll]ookup[Ee]nv|getEnv|GetEnvironmentVariable)\s*(?:\(\s*)?"
    rf"(?:{_QB}|\[=*\[)(\w+)"
    rf"|\b{_PROCESS}\s*(?:\??\.\s*|\[\s*{_Q})([A-Za-z_]\w*)|\bDeno\.env\.(?:get|has)\(\s*{_Q}(\w+)"
    rf"|\$ENV\{{\s*{_Q}?(\w+)|(?<![$%@\w])ENV\s*(?:\[\s*{_Q}|\.\s*(?:fetch|key\?)\s*\(?\s*{_Q})(\w+)"
    rf"|\b(?:get|haskey|get!)\s*\(\s*ENV\s*,\s*{_Q}(\w+)|\$_(?:ENV|SERVER)\s*\[\s*{_Q}(\w+)"
    rf"|(?:\$\{{?|\bset\s+)(?:::)?env\((\w+)\)|\bENVIRON\s*\[\s*\"(\w+)\"\s*\]|%\*ENV\s*(?:<\s*(\w+)|\{{\s*{_Q}(\w+))"
    rf"|\bsys\.env\s*(?:\(\s*|\.\s*(?:get|getOrElse|contains)\s*\(\s*){_Q}(\w+)"
    rf"|\bprocessInfo\.environment\s*\[\s*{_Q}(\w+)|\$env\.(\w+)|\$E:(\w+)|\bsystem\s+attribute\s+\"(\w+)\""
)
#: what is left once the reads by name are taken out: a read of every variable
_DUMPS = re.compile(
    rf"(?<!import )\benvironb?\b|\b[gG]etenv(?:b|_opt)?\s*[()\[{{'\"`]|=\s*[\w.:]*\b[gG]etenv\b"
    rf"|\(\s*[\w.:/-]*getenv\s+[A-Za-z_]"
    rf"|\b(?:get_env|fetch_env!?|[Ll]ookup[Ee]nv|getEnv|getEnvironment|GetEnvironmentVariables?)\b"
    rf"|\b{_PROCESS}|\brequire\(\s*{_Q}(?:node:)?process{_Q}\s*\)\s*(?:\.\s*env\b|\[)"
    rf"|\{{[^{{}}]*\benv\b[^{{}}]*\}}\s*(?:=\s*(?:process|require)\b|from\s*{_Q}(?:node:)?process)"
    rf"|\bDeno\.env\.toObject|\bDeno\.env\b(?!\.\w)|%ENV\b|@ENV\s*\{{|\$ENV\{{\s*[$@]|(?:\buse\s+|(?<!\S)-M)Env\b"
    rf"|(?<![$%@\w])ENV\b|\$_(?:ENV|SERVER)\b|\$\{{?(?:::)?env\(|\b(?:array\s+(?:get|names)|parray)\s+(?:::)?env\b"
    rf"|\bENVIRON\b|%\*ENV\b|\bsys\.env\b|\bprocessInfo\.environment\b|\bEnviron\s*\(|\bUnix\.environment\b"
    rf"|\bcurrent-environment-variables\b|\bsystem\s+attribute\b"
)
#: the code worth reading at all
_GATE = re.compile(r"env|ENV|Env|\$E:|attribute")
#: awk's: ``ENVIRON["X"]``, ``for (k in ENVIRON)`` (its code's `ENV` or `getenv` is text)
_AWK_READS = re.compile(r'\bENVIRON\s*\[\s*"(\w+)"\s*\]')
_AWK_DUMPS = re.compile(r"\bENVIRON\b")
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})
#: shells whose scripts a POSIX reading follows closely enough for ``$NAME``, ``env``, ``printenv``
_SHELL_LIKE = frozenset({"csh", "tcsh", "fish", "xonsh", "elvish", "rc", "nu", "ysh", "oil"})
#: programs whose code reads no variable (an editor's, a stream editor's, a database's commands)
_NOT_READ = frozenset({"sed", "gsed", "ed", "m4", "dc", "psql", "mysql", "mariadb", "sqlite3", "duckdb"})
_NOT_READ |= frozenset({"vim", "vi", "nvim", "ex", "view", "gdb", "lldb", "pwsh", "powershell", "cmd"})
_SUBST = re.compile(r"\$\{?([A-Za-z_]\w*)")
_JQS = frozenset({"jq", "gojq", "jaq", "yq"})
_PS_VALUED = frozenset({"-p", "-C", "-o", "-O", "-u", "-U", "-g", "-G", "-t", "-q", "-s", "-k", "--sort", "--pid"})
_PS_VALUED |= frozenset({"--ppid", "--user", "--User", "--group", "--Group", "--tty", "--format", "--sid", "--cols"})

#: a jq/yq filter's reads: ``env.X``, ``$ENV.X``, ``env["X"]``, yq's ``env(X)``/``strenv(X)``
_JQ_READS = re.compile(
    r"""(?:(?<![\w$.])env|\$ENV)\s*(?:\.\s*|\[\s*")([A-Za-z_]\w*)|(?<![\w$.])(?:str)?env\s*\(\s*"?(\w+)"?\s*\)"""
)
_JQ_DUMPS = re.compile(r"(?<![\w$.])(?:str)?env\b|\$ENV\b|\benvsubst\b")
#: jq's options whose value is the next word (two for ``--arg NAME VALUE``…), yq's subcommands
_JQ_TWO = frozenset({"--arg", "--argjson", "--slurpfile", "--rawfile"})
_JQ_ONE = frozenset({"--indent", "-L", "--library-path", "-o", "--output-format", "-p", "--input-format", "-I"})
_JQ_FILES = frozenset({"-f", "--from-file"})
_YQ_COMMANDS = frozenset({"eval", "e", "eval-all", "ea"})


def code_env(
    text: str, reads: dict[str, None], found: re.Pattern[str] = _READS, every: re.Pattern[str] = _DUMPS
) -> None:
    """The variables ``text`` (an interpreter's code) reads into ``reads``: its reads by a literal
    name, then (those taken out) whatever reads the whole environment."""
    rest: list[str] = []
    at = 0
    for m in found.finditer(text):
        reads[next(g for g in m.groups() if g)] = None
        rest.append(text[at : m.start()])
        at = m.end()
    rest.append(text[at:])
    if every.search(" ".join(rest)):
        reads[EVERY] = None


def interpreter_env(cmd: SimpleCommand, reads: dict[str, None]) -> list[str]:
    """The variables the code ``cmd`` runs reads (``lua -e``, ``Rscript -e``, ``awk``, ``jq``,
    ``echo … | tclsh``, a here-document on ``julia -``); the scripts of a shell ``_shell_env``
    reads as its own (``fish -c``, ``tcsh -c``) are returned."""
    name = cmd.name
    lang = _language(name) if name not in _JQS else None
    if lang is None or lang in _NOT_READ:
        if name == "envsubst":
            _envsubst(cmd, reads)
        elif name in _JQS and (jq := _jq_filter(name, list(zip(cmd.args, cmd.dynamic[1:], strict=True)))):
            code_env(jq, reads, _JQ_READS, _JQ_DUMPS)
        return []
    words: list[Word] = list(zip(cmd.args, cmd.dynamic[1:], strict=True))
    fed = [(r.target, r.dynamic) for r in cmd.redirects if r.op in ("<<", "<<-", "<<<")]
    stdin = fed[-1] if fed else (cmd.stdin, False) if cmd.stdin and cmd.stdin != "\0pipe" else None
    code = [text for text, _ in inline_code(lang, words, stdin) or ()]
    for text in code:
        if lang in _AWKS:
            code_env(text, reads, _AWK_READS, _AWK_DUMPS)
        elif _GATE.search(text) is not None:
            code_env(text, reads)
    return code if lang in _SHELL_LIKE else []


@lru_cache(maxsize=512)
def _language(name: str) -> str | None:
    return program(name)


def _envsubst(cmd: SimpleCommand, reads: dict[str, None]) -> None:
    """The variables ``envsubst`` puts in: those its format operand names, else those in the text
    it is fed (a file's is not known here)."""
    docs = [r.target for r in cmd.redirects if r.op in ("<<", "<<-", "<<<")]
    operands = [w for w in cmd.args if not w.startswith("-")]
    piped = cmd.stdin if cmd.stdin != "\0pipe" else None
    text = operands[0] if operands else docs[-1] if docs else piped
    reads.update(dict.fromkeys(_SUBST.findall(text or "")))


def tool_env(name: str, args: tuple[str, ...], reads: dict[str, None]) -> None:
    """Tools that print variables: ``ps e``/``ps auxe`` (each process's environment), ``systemctl
    show-environment``, ``tmux show-environment [NAME]``, ``launchctl getenv NAME``/``export``."""
    if name == "ps":
        after = ""
        for arg in args:
            if not arg.startswith("-") and after not in _PS_VALUED and "e" in arg and arg.isalpha():
                reads[EVERY] = None  # (BSD options: `e` shows the environment)
            after = arg
    elif name == "systemctl" and "show-environment" in args:
        reads[EVERY] = None
    elif name == "tmux" and args[:1] in (("show-environment",), ("showenv",)):
        named = [a for i, a in enumerate(args[1:]) if a.isidentifier() and args[i] != "-t"]  # (`-t` a session)
        for var in named or (EVERY,):
            reads[var] = None
    elif name == "launchctl" and args[:1] == ("getenv",) and len(args) > 1:
        reads[args[1]] = None
    elif name == "launchctl" and args[:1] == ("export",):
        reads[EVERY] = None


def _jq_filter(name: str, args: list[Word]) -> str | None:
    """The filter ``jq``/``yq``/``gojq``/``jaq`` is given: its first operand (None when it is read
    from a file or is not known)."""
    i, first = 0, True
    while i < len(args):
        word, dynamic = args[i]
        if word in _JQ_FILES:
            return None
        if word in _JQ_TWO:
            i += 3
            continue
        if word in _JQ_ONE:
            i += 2
            continue
        if not word.startswith("-") or word == "-":
            if name == "yq" and first and word in _YQ_COMMANDS:
                first = False
                i += 1
                continue
            return None if dynamic else word
        i += 1
    return None
