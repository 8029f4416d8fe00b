"""The environment variables a shell line reads and sets: ``printenv AWS_SECRET_ACCESS_KEY`` and
``curl -H "Authorization: Bearer $GITHUB_TOKEN" …`` read a variable, ``env``, ``export -p`` or
``cat /proc/self/environ`` the whole environment, ``PATH=/tmp/x make`` sets a variable.

Reads (``env_read``, the variable's name):

* expansions the shell performs (``$NAME``, ``${NAME}``, ``${NAME:-x}``, ``${#NAME}``) anywhere
  in the line but single quotes, ``$'…'``, escapes and here-documents with a quoted delimiter,
  and in the scripts a shell or ``eval`` runs (``bash -c '…'``); a name the line assigned
  before as a statement of its own (``X=1; echo $X``), bound by ``for``/``select``/``read``/
  ``local``, is the line's own and no read (a prefix ``X=1 cmd $X`` expands ``$X`` before it);
* ``printenv NAME``, ``declare -p NAME``, ``tmux show-environment NAME``; an interpreter's code
  (``python -c``, ``node -e``, ``lua -e``, ``Rscript -e``, ``julia -e``, an ``awk`` program, a
  ``jq`` filter, stdin and here-documents fed to them, ``fish -c``/``tcsh -c`` scripts):
  ``os.environ["X"]``, ``process.env.X``, ``$ENV{X}``, ``ENV["X"]``, ``os.getenv("X")``,
  ``Sys.getenv("X")``, ``ENVIRON["X"]``, ``env.X``… (``_env_code``, by language).

The whole environment (:data:`EVERY`): ``env``/``printenv`` with no names, ``export``/``export
-p``, ``declare``/``typeset`` with no names (``-p``, ``-x``), ``set``, ``compgen -v``/``-e``, an
indirect ``${!name}`` or ``${!prefix*}``, a read of ``/proc/*/environ`` or ``/proc/*/mem`` (a process's
memory holds its environment; so does a dump of it: ``gcore PID``, ``_shell_file_dumps``), and code that reads the
environment as a whole or by a name known only at run time (``dict(os.environ)``,
``JSON.stringify(process.env)``, ``%ENV``, ``ENV.to_h``, ``Sys.getenv()``, ``jq -n env``), ``ps
e``, ``systemctl show-environment``; and so on another host or in a container
(``ssh host env``, ``kubectl exec pod -- printenv``, ``docker exec c sh -c 'echo $DB_PASSWORD'``: the
scripts ``_shell_elsewhere`` reads, their variables' values reaching the agent all the same), or
printed by a container tool (``docker inspect c``, ``docker compose config``, ``kubectl set env x
--list``: ``_container_env``).

Writes (``env_write``) only of the variables in :func:`loader_variable` — those that change which
programs run or load, where they connect and what they trust — set as ``NAME=…`` (a statement or
a command's prefix), ``export``/``declare -x``, ``env NAME=… cmd``, ``setenv``, ``launchctl
setenv``, ``systemctl set-environment`` or in interpreter code (``os.environ["PATH"] = …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from goalrail.policies.builtins._container_env import ENV_PRINTERS, prints_environment
from goalrail.policies.builtins._env_code import EVERY, code_env, interpreter_env, tool_env
from goalrail.policies.builtins._interpreters import program
from goalrail.policies.builtins._interpreters_windows import WINDOWS_NAMES, powershell_codes
from goalrail.policies.builtins._powershell import posix_script
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_elsewhere import CARRIERS, elsewhere
from goalrail.policies.builtins._shell_file_dumps import DUMP_HINT, DUMPERS
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_file_programs import program_name
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["EVERY", "NONE", "EnvEffects", "env_effects", "loader_variable"]

_MAX_DEPTH = 4

#: text that may read or set a variable where the analysis shows no command (most lines hold none)
_WORDS = ("$", "=", "export", "declare", "typeset", "environ", "/mem")
_OUT = re.compile(r"""\\.|\$'(?:[^'\\]|\\.)*'?|'[^']*'?|"|\$\{|\$[A-Za-z_]\w*""", re.S)
_HEREDOC = re.compile(r"\\.|\$\{|\$[A-Za-z_]\w*", re.S)
_IN = re.compile(r"""\\.|"|\$\{|\$[A-Za-z_]\w*""", re.S)
_BRACED = re.compile(r"(!)?#?([A-Za-z_]\w*)?")
_NAME = re.compile(r"[A-Za-z_]\w*")
#: an assignment's value in a line whose quoted parts are blanked (`$(…)` and `` `…` `` kept whole)
_VALUE = r"(?:\$\([^()]*\)|`[^`]*`|[^\s;&|()`])*"
_SEP = r"(?:^|[;&|\n(){}`]|\b(?:then|do|else)\b)"
#: assignment words at a statement's start (group 1: a declaration keyword; 3: what ends them)
_ASSIGNS = re.compile(
    _SEP + r"[ \t]*(?:(export|readonly|local|declare|typeset)\b(?:[ \t]+-\w+)*[ \t]*)?"
    r"((?:[A-Za-z_]\w*(?:\[[^\]\s]*\])?\+?=" + _VALUE + r"[ \t]*)+)([;&|\n)}]|$)?"
)
_ASSIGN_WORD = re.compile(r"([A-Za-z_]\w*)(?:\[[^\]\s]*\])?\+?=(" + _VALUE + ")")
_RAW_ASSIGN = re.compile(r"([A-Za-z_]\w*)\+?=([^\s;&|()`]*)")
_SEP_CHARS = frozenset(" \t\n;&|(){}`")
_DECLS = re.compile(_SEP + r"[ \t]*(export|declare|typeset|local)\b([^;&|\n(){}#`]*)")
_LOOPS = re.compile(r"\b(?:for|select)[ \t]+([A-Za-z_]\w*)\b|\bread\b([^;&|\n(){}]*)|\bprintf[ \t]+-v[ \t]*(\w+)")
_READ_VALUED = names("-p -d -t -n -N -u -i")
_BINDING_SEPS = frozenset(";\n({")
_ENVIRON = re.compile(r"^/proc/[^/]+/(?:task/[^/]+/)?(?:environ|mem)$")
_ENVIRON_TEXT = re.compile(r"/proc/[^/\s'\"]+/(?:task/[^/\s'\"]+/)?(?:environ|mem)\b")
_HEREDOCS = frozenset({"<<", "<<-"})
_FED = frozenset({"<<", "<<-", "<<<"})
_QUOTED_DELIMITER = re.compile(r"<<-?[ \t]*(?:'|\"|\\)")
_SHELLS = names("bash sh zsh dash ksh mksh ash busybox")
_CODE_PROGRAM = re.compile(
    r"^(?:python[\d.]*|pypy[\d.]*|node(?:js)?|bun|deno|perl[\d.]*|ruby[\d.]*|php[\d.]*|raku|perl6|rakudo)$"
)
_CONTAINERS = names("docker podman nerdctl finch")
_COMPGEN_VARIABLES = names("-v -e variable export")
_DUMPERS = names("env printenv set compgen")
_SETTERS = names("setenv launchctl systemctl")
#: tools that print variables (`ps e`, `tmux show-environment`) and filters that read them (`jq env`)
_TOOLS = names("ps tmux")
_FILTERS = names("jq gojq jaq yq envsubst")
#: the programs that read or set variables, or run code that may (by the start of their name)
_PROGRAMS = _DUMPERS | _CONTAINERS | _SETTERS | _TOOLS | _FILTERS
#: a line naming one of these is read further (a Windows shell's code may hold `%NAME%`, base64)
_GATED = _PROGRAMS | ENV_PRINTERS | {f"{n}{x}" for n in (*WINDOWS_NAMES, *DUMPERS) for x in ("", ".exe")}
_CODE_PREFIXES = ("python", "pypy", "node", "bun", "deno", "perl", "ruby", "php", "raku", "rakudo")

# interpreters' code: reads by a literal name, writes by a literal name, whole-environment reads
_CODE_GATE = re.compile(r"env|ENV|Env|_SERVER|attribute")
_Q = r"""['"`]"""
_CODE_WRITES = re.compile(
    rf"\benvironb?\s*\[\s*{_Q}(\w+){_Q}\s*\]\s*=(?!=)|\b(?:putenv|environ\.setdefault)\s*\(\s*{_Q}(\w+)"
    rf"|\b(?:process|Bun)\.env\s*(?:\.\s*(\w+)|\[\s*{_Q}(\w+){_Q}\s*\])\s*=(?!=)|\bDeno\.env\.set\(\s*{_Q}(\w+)"
    rf"|\$ENV\{{\s*{_Q}?(\w+){_Q}?\s*\}}\s*=(?!=)|(?<![$%@\w])ENV\[\s*{_Q}(\w+){_Q}\s*\]\s*=(?!=)"
)

# the variables whose writes are judged (see `loader_variable`)
_LOADERS = names(
    "PATH LD_PRELOAD LD_LIBRARY_PATH LD_AUDIT DYLD_INSERT_LIBRARIES PYTHONPATH PYTHONHOME PYTHONSTARTUP "
    "PYTHONUSERBASE PYTHONBREAKPOINT PYTHONINSPECT PYTHONEXECUTABLE PYTHONPLATLIBDIR PYTHONHTTPSVERIFY "
    "NODE_OPTIONS NODE_PATH NODE_EXTRA_CA_CERTS NODE_TLS_REJECT_UNAUTHORIZED PERL5LIB PERLLIB PERL5OPT "
    "PERL5DB RUBYLIB RUBYOPT GEM_HOME GEM_PATH CLASSPATH JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS "
    "LUA_PATH LUA_CPATH LUA_INIT GOFLAGS GOPROXY GOSUMDB GONOSUMDB GONOSUMCHECK GOINSECURE RUSTC_WRAPPER "
    "RUSTC_WORKSPACE_WRAPPER BASH_ENV ENV PROMPT_COMMAND PS4 SHELLOPTS BASHOPTS ZDOTDIR HOME XDG_CONFIG_HOME "
    "EDITOR VISUAL PAGER MANPAGER LESSOPEN LESSCLOSE BROWSER SSH_ASKPASS SUDO_ASKPASS SSH_AUTH_SOCK "
    "SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE CURL_CA_BUNDLE PIP_INDEX_URL PIP_EXTRA_INDEX_URL "
    "PIP_TRUSTED_HOST UV_INDEX_URL UV_EXTRA_INDEX_URL UV_DEFAULT_INDEX YARN_REGISTRY DOCKER_HOST KUBECONFIG"
)
_LOADER_PREFIXES = ("LD_", "DYLD_", "GIT_", "BASH_FUNC_")
_LOADER_PREFIXES_ANY_CASE = ("npm_config_",)
_GIT_DATA = re.compile(r"^GIT_(?:AUTHOR|COMMITTER)_(?:NAME|EMAIL|DATE)$|^GIT_TERMINAL_PROMPT$|^GIT_TRACE")
#: variables naming a program, set to one that shows text or does nothing
_PROGRAM_VARIABLES = names("EDITOR VISUAL PAGER MANPAGER GIT_PAGER GIT_EDITOR GIT_SEQUENCE_EDITOR")
_HARMLESS_PROGRAMS = frozenset(
    {"", "cat", "true", ":", "less", "more", "less -R", "less -FRX", "/bin/cat", "/usr/bin/cat", "/bin/true"}
)


def loader_variable(name: str, value: str | None = None) -> bool:
    """Whether setting ``name`` (to ``value``, when known) changes which programs run or load,
    where they connect or what they trust: the search paths (``PATH``, ``LD_*``, ``PYTHONPATH``,
    ``NODE_OPTIONS``…), the files a shell or tool reads first (``BASH_ENV``, ``ENV``,
    ``PROMPT_COMMAND``, ``HOME``), ``GIT_*`` but an author's identity, ``*_PROXY``, TLS trust,
    package indexes, editors and pagers (not set to ``cat``/``true``/``less``)."""
    if name in _PROGRAM_VARIABLES and value is not None:
        return value.strip("'\"") not in _HARMLESS_PROGRAMS
    if name in _LOADERS or name.lower().endswith("_proxy"):
        return True
    if name.startswith(_LOADER_PREFIXES):
        return _GIT_DATA.match(name) is None
    return name.lower().startswith(_LOADER_PREFIXES_ANY_CASE)


@dataclass(frozen=True, slots=True)
class EnvEffects:
    reads: tuple[str, ...]  # variable names, :data:`EVERY` for the whole environment
    writes: tuple[str, ...]  # loader variables set


#: no variable read or set
NONE = EnvEffects((), ())


def env_effects(line: str) -> EnvEffects:
    """The environment variables ``line`` reads and the loader variables it sets (cached by line:
    a line seen before costs one cache look-up)."""
    return _cached(line) if len(line) <= 8192 else _effects(line)


@lru_cache(maxsize=1024)
def _cached(line: str) -> EnvEffects:
    return _effects(line)


def _effects(line: str) -> EnvEffects:
    """The usual line (no ``$``, ``=``, declaration or ``environ``, no program that prints or
    hands on the environment or runs code: ``git status``) is not read further."""
    if not any(word in line for word in _WORDS):
        api = _CODE_GATE.search(line) is not None  # (code reading a variable names an env API)
        if not any(
            c.name in _GATED
            or c.name in CARRIERS
            or c.name.startswith(_CODE_PREFIXES)
            or (api and program(c.name))
            or program_name(c.name) in DUMPERS  # (`Out-Minidump`, `PROCDUMP.EXE`)
            for c in analyze(line).commands
        ):
            return NONE
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    _script(line, reads, writes, 0)
    if ("environ" in line or DUMP_HINT.search(line) is not None) and (
        _ENVIRON_TEXT.search(line) or any(e[0] == "file_read" and _ENVIRON.match(e[1]) for e in file_effects(line))
    ):
        reads[EVERY] = None
    return EnvEffects(tuple(reads), tuple(writes))


def _script(text: str, reads: dict[str, None], writes: dict[str, None], depth: int) -> None:
    """The reads and writes of one script: its text, then what its commands run."""
    analysis = analyze(text)
    bodies: list[tuple[str, int]] = []  # (here-documents' bodies that expand, where they were)
    for cmd in analysis.commands:
        for r in cmd.redirects:
            if r.op not in _HEREDOCS or not r.target or (not r.dynamic and _QUOTED_DELIMITER.search(text) is None):
                continue
            if (at := text.find(r.target)) >= 0:
                text = text[:at] + text[at + len(r.target) :]  # (quotes in it are text, `<<'EOF'` expands none)
                if r.dynamic:
                    bodies.append((r.target, at))
    if bodies or "$" in text or "=" in text or "export" in text or "declare" in text or "typeset" in text:
        _text(text, reads, writes, bodies)
    for cmd in analysis.commands:
        _command(cmd, reads, writes, depth)


def _text(text: str, reads: dict[str, None], writes: dict[str, None], bodies: list[tuple[str, int]]) -> None:
    found: list[tuple[str, int]] = []
    skeleton = _skeleton(text, found)
    for body, at in bodies:
        _skeleton(body, found, at, _HEREDOC)
    bound: dict[str, int] = {}
    if "=" in skeleton:
        for m in _ASSIGNS.finditer(skeleton):
            keyword, start = m.group(1), m.start(2)
            sep = skeleton[m.start()] if m.start() < start and skeleton[m.start()] in "\n;&|(){}" else ""
            # the line's own value from here on: a statement (not a prefix), not after `&&`/`|`/`then`
            own = (keyword or m.group(3) is not None) and (sep in _BINDING_SEPS or m.start() == 0)
            for w in _ASSIGN_WORD.finditer(m.group(2)):
                name, value = w.group(1), text[start + w.start(2) : start + w.end(2)]
                if own:
                    bound.setdefault(name, start + w.start())
                if loader_variable(name, value):
                    writes[name] = None
    for m in _DECLS.finditer(skeleton):
        _declaration(m.group(1), m.group(2).split(), reads, writes, bound, m.start(2))
    if skeleton != text:  # (inside `"$(…)"`, blanked above: its dumps and loader writes, never a binding)
        for m in _DECLS.finditer(text):
            _declaration(m.group(1), m.group(2).split(), reads, writes, {}, m.start(2))
        for w in _RAW_ASSIGN.finditer(text):
            if loader_variable(w.group(1), w.group(2)) and (w.start() == 0 or text[w.start() - 1] in _SEP_CHARS):
                writes[w.group(1)] = None
    for m in _LOOPS.finditer(skeleton):
        if m.group(1) or m.group(3):
            bound.setdefault(m.group(1) or m.group(3), m.start())
        else:
            words, after_option = m.group(2).split(), False
            for word in words:
                if _NAME.fullmatch(word) and not after_option:
                    bound.setdefault(word, m.start())
                after_option = word in _READ_VALUED
    for name, at in found:
        if name == EVERY or bound.get(name, at + 1) > at:
            reads[name] = None


def _skeleton(text: str, found: list[tuple[str, int]], at: int = 0, outside: re.Pattern[str] = _OUT) -> str:
    """``text`` with its quoted parts blanked (same length), and the expansions it performs into
    ``found`` (name, offset from ``at``); ``outside``: the tokens outside double quotes."""
    out: list[str] = []
    pos, dq = 0, False
    while (m := (_IN if dq else outside).search(text, pos)) is not None:
        start, tok = m.start(), m.group()
        out.append("Q" * (start - pos) if dq else text[pos:start])
        pos = m.end()
        if tok == '"':
            dq = not dq
            out.append("Q")
        elif tok == "${":
            b = _BRACED.match(text, pos)
            if b is not None and b.group(1):
                found.append((EVERY, at + start))
            elif b is not None and b.group(2):
                found.append((b.group(2), at + start))
            out.append("QQ")
        elif tok[0] == "$" and tok[1:2] != "'":
            found.append((tok[1:], at + start))
            out.append("Q" * len(tok))
        else:
            out.append("Q" * len(tok))
    out.append("Q" * (len(text) - pos) if dq else text[pos:])
    return "".join(out)


def _declaration(
    keyword: str, words: list[str], reads: dict[str, None], writes: dict[str, None], bound: dict[str, int], at: int
) -> None:
    opts = "".join(w[1:] for w in words if w.startswith("-"))
    named = [w.split("=", 1)[0].rstrip("+") for w in words if not w.startswith("-")]
    if keyword == "local":
        for name in named:
            bound.setdefault(name, at)
        return
    if not named:
        if (keyword == "export" and set(opts) <= {"p"}) or (keyword != "export" and set(opts) <= {"p", "x"}):
            reads[EVERY] = None
        return
    for word, name in zip((w for w in words if not w.startswith("-")), named, strict=True):
        if keyword != "export" and "p" in opts:
            reads.setdefault(name, None)
        elif ((keyword == "export" and "n" not in opts) or "x" in opts) and "=" not in word and loader_variable(name):
            writes[name] = None  # (a shell variable exported)


def _command(cmd: SimpleCommand, reads: dict[str, None], writes: dict[str, None], depth: int) -> None:
    name, args = cmd.name, cmd.argv[1:]
    for assignment in cmd.assignments:
        var, _, value = assignment.partition("=")
        if loader_variable(var.rstrip("+"), value):
            writes[var.rstrip("+")] = None
    if name in ENV_PRINTERS and prints_environment(cmd):  # `docker inspect c`, `kubectl set env x --list`
        reads[EVERY] = None
    if depth < _MAX_DEPTH and name in CARRIERS:  # `kubectl exec pod -- env`: that environment's variables
        for script, _dynamic in elsewhere(cmd) or ():
            _script(script, reads, {}, depth + 1)  # (a variable set there is not the agent's)
    if name in _DUMPERS:
        _dumper(name, args, reads)
    elif name in _CONTAINERS:
        _passed(args, reads)
    elif name in _SETTERS:
        _setter(name, args, writes)
        tool_env(name, args, reads)  # (`systemctl show-environment`, `launchctl getenv NAME`)
    elif _CODE_PROGRAM.match(name):
        code = [*args, *(r.target for r in cmd.redirects if r.op in _FED)]
        if cmd.stdin and cmd.stdin != "\0pipe":
            code.append(cmd.stdin)
        for text in code:
            if _CODE_GATE.search(text):
                _code(text, reads, writes)
    elif depth < _MAX_DEPTH and (shell := name.lower().removesuffix(".exe")) in WINDOWS_NAMES:  # its POSIX script
        fed = [r.target for r in cmd.redirects if r.op in _FED]
        stdin = fed[-1] if fed else cmd.stdin if cmd.stdin != "\0pipe" else None
        for ps_code in powershell_codes(shell, list(args), stdin):
            code_env(ps_code, reads)  # (`[Environment]::GetEnvironmentVariable("X")`)
            _script(posix_script(ps_code)[0], reads, writes, depth + 1)
    elif name in _TOOLS:
        tool_env(name, args, reads)
    elif depth < _MAX_DEPTH and (name in _SHELLS or name == "eval"):
        flags = [i for i, a in enumerate(args[:-1]) if a[:1] == "-" != a[1:2] and "c" in a]
        scripts = [" ".join(args)] if name == "eval" else [args[i + 1] for i in flags]
        if cmd.stdin and cmd.stdin != "\0pipe":
            scripts.append(cmd.stdin)  # (`echo … | sh`, `cat <<'EOF' | sh`)
        scripts += [r.target for r in cmd.redirects if r.op in _FED]
        for script in scripts:
            _script(script, reads, writes, depth + 1)
    else:  # `lua -e`, `Rscript -e`, `awk`, `jq`, `fish -c`: their code's reads
        for script in interpreter_env(cmd, reads):
            if depth < _MAX_DEPTH:
                _script(script, reads, writes, depth + 1)


def _dumper(name: str, args: tuple[str, ...], reads: dict[str, None]) -> None:
    operands = [a for a in args if not a.startswith("-")]
    if name == "printenv":
        for var in operands or (EVERY,):
            reads[var] = None
    elif name == "env" or (name == "set" and not args):
        reads[EVERY] = None  # (`env` runs a program: then it is peeled off, not here)
    elif name == "compgen" and any(a in _COMPGEN_VARIABLES or a.startswith(("-Av", "-Ae")) for a in args):
        reads[EVERY] = None  # (names only, read as the whole environment)


def _passed(args: tuple[str, ...], reads: dict[str, None]) -> None:
    """``docker run -e NAME`` (no value): the container is handed the variable's value."""
    for i, arg in enumerate(args):
        named = args[i + 1] if arg in ("-e", "--env") and i + 1 < len(args) else None
        named = arg[6:] if arg.startswith("--env=") else arg[2:] if arg.startswith("-e") and len(arg) > 2 else named
        if named and _NAME.fullmatch(named):
            reads[named] = None


def _setter(name: str, args: tuple[str, ...], writes: dict[str, None]) -> None:
    if name == "setenv" and args:
        named = [args[0]]
    elif name == "launchctl" and args[:1] == ("setenv",):
        named = list(args[1:2])
    elif name == "systemctl" and "set-environment" in args:
        named = [a.split("=", 1)[0] for a in args[args.index("set-environment") + 1 :]]
    else:
        return
    for var in named:
        if loader_variable(var):
            writes[var] = None


def _code(text: str, reads: dict[str, None], writes: dict[str, None]) -> None:
    code_env(text, reads)
    for m in _CODE_WRITES.finditer(text):
        var = next(g for g in m.groups() if g)
        if loader_variable(var):
            writes[var] = None
