"""Shell commands that leave a process reading commands from Codex's ``write_stdin``.

Codex (0.171) runs shell commands through ``exec_command``; a command started with a
terminal stays running, and the model types into it later with ``write_stdin`` — which
runs **no hook** (checked with the real CLI: ``exec_command {"cmd": "bash", "tty": true}``
is hooked as ``Bash`` with ``command: "bash"``, then ``write_stdin {"chars": "touch …\\n"}``
runs the ``touch`` unseen).  The hook does not see ``tty`` either.  So a command that
starts a program reading commands, code or keystrokes from its terminal — a shell, an
interpreter or database client with no script, a debugger, an editor, a remote or
container session — would let every later input through unjudged: the Codex hook
refuses it (the same command with its script, ``-c``/``-e`` code, a file, or its input
redirected or piped in is judged as usual).

The terminal reaches such a program by other ways too, each refused the same: through a pipe
from a filter that copies its terminal (``cat | bash``, ``tee /dev/null | sh``), a redirection
from the terminal itself (``bash < /dev/tty``, ``sh /dev/stdin``, ``source /dev/stdin``), code
that starts one (``bash -c bash``, ``ssh host sh``, ``su -c sh``, ``script -qc bash``), more
wrappers (``setsid``, ``strace``, ``chroot DIR``…), text read from the terminal run as commands
or arguments (``xargs sh -c``, ``eval "$(cat)"``, ``bash <(cat)``, ``while read l; do eval
"$l"; done``, ``awk '{system($0)}'``, ``perl -ne 'system $_'``).
"""

from __future__ import annotations

#: read their commands from the terminal unless given a script, ``-c``/``-e`` code or ``-m`` module
_SCRIPTABLE = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "pwsh", "powershell", "nu", "xonsh"}
    | {"python", "python2", "python3", "pypy", "pypy3", "node", "nodejs", "perl", "ruby", "php", "lua", "luajit"}
    | {"julia", "R", "tclsh", "wish", "osascript", "deno", "bun", "busybox", "elixir", "erl", "guile", "racket"}
)
#: interactive whatever their arguments, unless one of _BATCH_FLAGS says otherwise
_REPLS = frozenset(
    {"irb", "ipython", "ghci", "iex", "gdb", "lldb", "pdb", "bc", "dc", "ed", "ex", "vi", "vim", "nvim", "nano"}
    | {"emacs", "telnet", "ftp", "sftp", "nc", "ncat", "netcat", "socat", "expect", "mongo", "mongosh", "redis-cli"}
    | {"psql", "mysql", "mariadb", "sqlite3", "duckdb", "clickhouse-client", "su", "script", "tmux", "screen", "ssh"}
)
_BATCH_FLAGS = frozenset({"-c", "-e", "-f", "-m", "--command", "--execute", "--file", "-batch", "--batch", "-x"})
_INTERACTIVE_FLAGS = frozenset({"-i", "-s", "-", "--interactive", "--login", "-l", "-it", "-ti"})
_WRAPPERS = frozenset(
    {"sudo", "doas", "env", "exec", "nohup", "command", "builtin", "time", "nice", "stdbuf", "timeout", "setsid"}
    | {"strace", "ltrace", "unshare", "nsenter", "ionice", "firejail", "unbuffer", "fakeroot", "xvfb-run"}
    | {"proxychains", "proxychains4", "torsocks", "catchsegv", "valgrind", "setpriv", "dbus-run-session"}
    | {"numactl", "prlimit", "runuser", "systemd-run", "chroot", "taskset", "chrt", "flock", "faketime", "sg"}
)
#: wrappers whose first operand is no program (``chroot DIR cmd``, ``taskset MASK cmd``, ``flock FILE cmd``)
_OPERAND_FIRST = frozenset({"chroot", "taskset", "chrt", "flock", "faketime", "sg"})
#: shell words that open a compound command: the program follows (``while read l``, ``if bash``)
_KEYWORDS = frozenset({"while", "until", "if", "then", "do", "else", "elif", "!", "{", "time"})
#: a wrapper's options that take the next word as their value (``sudo -u bob``, ``nice -n 5``, ``env -C dir``)
_VALUED: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-p", "-r", "-t", "-U", "-h", "--user"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-C", "-u", "--chdir", "--unset"}),
    "exec": frozenset({"-a"}),
    "nice": frozenset({"-n"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "strace": frozenset({"-o", "-e", "-p", "-s", "-a", "-E", "-u", "-P", "-I", "-b", "-S", "-X"}),
    "ltrace": frozenset({"-o", "-e", "-p", "-s", "-a", "-u", "-n"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "nsenter": frozenset({"-t", "-S", "-G", "--target"}),
    "runuser": frozenset({"-u", "-g", "-G"}),
    "numactl": frozenset({"-C", "-N", "-m", "-p"}),
    "prlimit": frozenset({"-p"}),
    "systemd-run": frozenset({"-u", "-p", "-E", "--unit"}),
    "flock": frozenset({"-w", "-E"}),
}
_NO_VALUES: frozenset[str] = frozenset()
#: shells: ``-c CODE`` is a command line, read again for a program it leaves reading the terminal
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox"})
#: besides the shells, programs whose ``-c CODE`` is a shell command line (``su -c sh``, ``script -qc bash``)
_RUN_CODE = _SHELLS | {"su", "script"}
#: the terminal itself, as a file (``bash < /dev/tty``, ``sh /dev/stdin``, ``source /dev/fd/0``)
_TERMINALS = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "/proc/thread-self/fd/0", "/dev/console"})
#: filters that copy what they read to their output (``cat | bash`` feeds bash the terminal): the number of
#: leading operands that are no file (a sed script, a grep pattern; -1: none is) and the options taking a value
_FILTERS: dict[str, tuple[int, frozenset[str]]] = {
    **dict.fromkeys(("cat", "tac", "rev", "nl", "base32", "expand", "unexpand", "col", "line"), (0, _NO_VALUES)),
    **dict.fromkeys(("head", "tail"), (0, frozenset({"-c", "-n"}))),
    **dict.fromkeys(("base64", "fold", "fmt"), (0, frozenset({"-w"}))),
    "xxd": (0, frozenset({"-c", "-l", "-s", "-g"})),
    "pv": (0, frozenset({"-L", "-s", "-N"})),
    "iconv": (0, frozenset({"-f", "-t"})),
    "cut": (0, frozenset({"-d", "-f", "-c", "-b"})),
    "sort": (0, frozenset({"-k", "-t", "-o", "-S", "-T"})),
    "uniq": (0, frozenset({"-f", "-s", "-w"})),
    **dict.fromkeys(("tee", "tr", "dd"), (-1, _NO_VALUES)),  # (dd: unless ``if=``)
    **dict.fromkeys(("sed", "awk", "gawk", "mawk", "nawk"), (1, frozenset({"-e", "-f", "-l", "-F", "-v"}))),
    **dict.fromkeys(("grep", "egrep", "fgrep", "rg"), (1, frozenset({"-e", "-f", "-m", "-A", "-B", "-C"}))),
}
#: in code given with ``-c``/``-e``: reading its input, and running what it read
_READS_INPUT = ("stdin", "STDIN", "input(", "readline", "readLine", "gets", "<>")
_RUNS_TEXT = ("exec", "eval", "system", "subprocess", "spawn", "popen", "`", "qx")
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})
#: run the text the shell read into a variable (``read l; eval "$l"``)
_EVALUATORS = frozenset({"eval", "source", "."})
_SUBSTITUTIONS = ("$(", "<(", ">(", "`")
_MAX_DEPTH = 3
#: clients that run what their second positional argument says (``sqlite3 db "select 1"``)
_SECOND_IS_CODE = frozenset({"sqlite3", "duckdb", "redis-cli"})
_CONTAINERS = frozenset({"docker", "podman", "kubectl", "nerdctl", "lxc", "incus"})


_PUNCT = frozenset(";&|()<>")


def _tokens(command: str) -> list[str]:
    """A command line's words (quotes and backslashes resolved) and operator runs (``&&``, ``2>``'s
    ``>``, ``<<``), a newline as ``;``: a small ``shlex`` (which imports ``re``, ≈ 26 M instructions)."""
    out: list[str] = []
    word: list[str] = []
    quote, started, i, n = "", False, 0, len(command)
    while i < n:
        ch = command[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < n and command[i + 1] in '"\\$`':
                i += 1
                word.append(command[i])
            else:
                word.append(ch)
        elif ch in "'\"":
            quote, started = ch, True
        elif ch == "\\" and i + 1 < n:
            i += 1
            word.append(command[i])
            started = True
        elif ch == "#" and not started and not word:
            while i + 1 < n and command[i + 1] != "\n":
                i += 1
        elif ch.isspace() or ch in _PUNCT:
            if word or started:
                out.append("".join(word))
                word, started = [], False
            if ch == "\n":
                out.append(";")
            elif ch in _PUNCT:
                j = i
                while j + 1 < n and command[j + 1] in _PUNCT:
                    j += 1
                out.append(command[i : j + 1])
                i = j
        else:
            word.append(ch)
        i += 1
    if quote:
        raise ValueError("unbalanced quotes")
    if word or started:
        out.append("".join(word))
    return out


def _segments(command: str) -> list[tuple[list[str], bool]]:
    """Each simple command's words, and whether its input is the terminal: not redirected (or
    redirected from the terminal itself), or piped from a filter copying the terminal."""
    out: list[tuple[list[str], bool]] = []
    words: list[str] = []
    feed = True  # the input a pipe (or nothing) gives this command: the terminal or a copy of it
    source: bool | None = None  # where a redirection of its input reads: True the terminal
    pending = ""  # a redirection operator waiting for its target
    for token in _tokens(command):
        if token and set(token) <= _PUNCT:
            if ("<" in token or ">" in token) and token != "<(" and token != ">(":
                if words and words[-1].isdigit():  # its file descriptor is no argument
                    words.pop()
                pending = token
                continue
            if token in ("<(", ">("):  # a process substitution: read apart (_substitutions)
                pending = token
                continue
            terminal = feed if source is None else source
            if words:
                out.append((words, terminal))
            feed = token in ("|", "|&") and bool(words) and terminal and _copies_input(words)
            if token not in ("|", "|&"):
                feed = True
            words, source, pending = [], None, ""
            continue
        if pending:
            if pending in ("<<", "<<-", "<<<"):
                source = False
            elif pending in ("<", "<&"):
                source = token == "0" if pending == "<&" else token != "-" and _is_terminal(token)
            pending = ""
            continue
        words.append(token)
    if words:
        out.append((words, feed if source is None else source))
    return out


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program a simple command runs past its wrappers (``sudo``, ``env X=1``…), and its arguments."""
    i = 0
    while i < len(words):
        word = words[i]
        name = word.rsplit("/", 1)[-1]
        if ("=" in word and not word.startswith("-") and name == word) or word in _KEYWORDS:  # VAR=value, `while`
            i += 1
        elif name in _WRAPPERS:
            if name == "sudo" and any(w in ("-s", "-i") for w in words[i + 1 : i + 3]):
                return "sh", []  # a root shell
            valued = _VALUED.get(name, _NO_VALUES)
            i += 1
            while i < len(words) and (words[i].startswith("-") or "=" in words[i] or words[i][:1].isdigit()):
                i += 2 if words[i] in valued else 1
            if name in _OPERAND_FIRST:
                i += 1
        else:
            return name, words[i + 1 :]
    return "", []


_SSH_VALUED = frozenset(
    {"-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e", "-m", "-S", "-W"}
)


def _positional(args: list[str], valued: frozenset[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-") and arg != "-":
            skip = arg in valued
        else:
            out.append(arg)
    return out


def _is_terminal(path: str) -> bool:
    return path in _TERMINALS or path == "-" or path.startswith(("/dev/pts/", "/dev/tty"))


def _copies_input(words: list[str]) -> bool:
    """Whether a filter copies the terminal it reads to its output (``cat``, ``tee x``, ``sed p``)."""
    program, args = _program(words)
    known = _FILTERS.get(program)
    if known is None:
        return False
    if program == "dd":
        return not any(a.startswith("if=") and not _is_terminal(a[3:]) for a in args)
    scripts, valued = known
    if scripts < 0:
        return True
    if "-e" in args or "-f" in args:  # the script or pattern is an option's value
        scripts = 0
    return all(_is_terminal(f) for f in _positional(args, valued)[scripts:])


def _code(program: str, args: list[str]) -> str | None:
    """The command line a program runs as its code: ``bash -c CODE``, ``su -c CODE``, ``script -qc
    CODE``, ``ssh host CODE`` (run where its input is this terminal)."""
    if program == "ssh":
        return " ".join(_positional(args, _SSH_VALUED)[1:]) or None
    if program not in _RUN_CODE:
        return None
    for i, arg in enumerate(args[:-1]):
        if arg == "--command" or (arg[:1] == "-" and arg[1:2] != "-" and "c" in arg):
            return args[i + 1]
    return None


def _runs_what_it_reads(program: str, args: list[str]) -> bool:
    """Whether a program reading the terminal runs what it reads as commands or arguments:
    ``xargs sh -c``, ``parallel``, ``awk '{system($0)}'``, ``perl -ne 'system $_'``,
    ``python3 -c 'exec(sys.stdin.read())'``, ``source /dev/stdin``."""
    if program == "xargs":
        return not any(a in ("-a", "--arg-file") or a.startswith("--arg-file=") for a in args)
    if program == "parallel":
        return not any(a in (":::", "::::", "-a", "--arg-file") for a in args)
    if program in _EVALUATORS:
        return bool(args) and _is_terminal(args[0])
    if program in _AWKS:
        operands = _positional(args, _FILTERS["awk"][1])
        text = operands[0] if operands and "-f" not in args else ""
        return len(operands) <= 1 and any(m in text for m in ("system", "|", "getline"))
    code = next((args[i + 1] for i, a in enumerate(args[:-1]) if a[:1] == "-" and a[-1:] in "ce"), None)
    if code is None or not (program in _SCRIPTABLE or program.rstrip("0123456789.") in _SCRIPTABLE):
        return False
    loops = any(a[:1] == "-" and a[1:2] != "-" and ("n" in a or "p" in a) for a in args)  # perl/ruby -n, -p
    return (loops or any(m in code for m in _READS_INPUT)) and any(m in code for m in _RUNS_TEXT)


def _interactive(program: str, args: list[str]) -> bool:
    base = program.rstrip("0123456789.")  # python3.12 → python
    if program in _CONTAINERS:
        return bool({"exec", "run", "attach"} & set(args)) and bool(_INTERACTIVE_FLAGS & set(args))
    if program in _REPLS or base in _REPLS:
        positional = _positional(args, _SSH_VALUED if program == "ssh" else frozenset())
        if program == "ssh" or program in _SECOND_IS_CODE:  # `ssh host cmd`, `sqlite3 db "select 1"` run one thing
            return len(positional) <= (0 if program == "redis-cli" else 1) and not (_BATCH_FLAGS & set(args))
        return not (_BATCH_FLAGS & set(args))
    if program in _SCRIPTABLE or base in _SCRIPTABLE:
        if _INTERACTIVE_FLAGS & set(args):
            return True
        if _BATCH_FLAGS & set(args):
            return False
        script = next((a for a in args if not a.startswith("-")), None)
        return script is None or _is_terminal(script)  # no script, or the terminal as its script
    return False


def _substitutions(command: str) -> list[str]:
    """The commands of ``$(…)``, `` `…` ``, ``<(…)``, ``>(…)`` outside single quotes (unmatched: to the end)."""
    out: list[str] = []
    i, n, quoted = 0, len(command), False
    while i < n:
        ch = command[i]
        if ch == "'" and not quoted:  # a single-quoted string holds none
            end = command.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        quoted = quoted != (ch == '"')
        if ch == "`":
            end = command.find("`", i + 1)
            out.append(command[i + 1 : n if end < 0 else end])
            i = n if end < 0 else end + 1
            continue
        if ch in "$<>" and command[i + 1 : i + 2] == "(" and command[i + 2 : i + 3] != "(":
            depth, j = 1, i + 2
            while j < n and depth:
                depth += {"(": 1, ")": -1}.get(command[j], 0)
                j += 1
            out.append(command[i + 2 : j - 1 if not depth else j])
            i = j
            continue
        i += 1
    return out


def _reader(command: str, depth: int) -> str | None:
    try:
        segments = _segments(command)
    except ValueError:  # unbalanced quotes: the shell itself refuses it
        return None
    reads = evaluates = False
    for words, from_terminal in segments:
        program, args = _program(words)
        if not program:
            continue
        evaluates = evaluates or program in _EVALUATORS or program.startswith("$")
        if not from_terminal:
            continue
        if _interactive(program, args) or _runs_what_it_reads(program, args):
            return program
        reads = reads or program == "read"
        code = _code(program, args) if depth < _MAX_DEPTH else None
        found = _reader(code, depth + 1) if code else None
        if found is not None:
            return found
    if reads and evaluates:  # `while read l; do eval "$l"; done`
        return "read"
    if depth < _MAX_DEPTH and any(c in command for c in _SUBSTITUTIONS):
        for inner in _substitutions(command):  # `eval "$(cat)"`, `bash <(cat)`: text typed later
            found = _reader(inner, depth + 1) or _consumer(inner)
            if found is not None:
                return found
    return None


def _consumer(command: str) -> str | None:
    """A program of a substituted command that reads the terminal (``$(cat)``, ``$(head -1)``, ``$(read x…)``)."""
    try:
        segments = _segments(command)
    except ValueError:
        return None
    for words, from_terminal in segments:
        program = _program(words)[0]
        if from_terminal and (program == "read" or _copies_input(words)):
            return program
    return None


def reads_commands(command: object) -> str | None:
    """The program a shell command leaves reading commands from its terminal, else None."""
    if not isinstance(command, str) or not command.strip():
        return None
    return _reader(command, 0)
