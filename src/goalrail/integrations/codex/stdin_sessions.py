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
    {"sudo", "doas", "env", "exec", "nohup", "command", "builtin", "time", "nice", "stdbuf", "timeout"}
)
#: a wrapper's options that take the next word as their value (``sudo -u bob``, ``nice -n 5``, ``env -C dir``)
_VALUED = frozenset({"-u", "-g", "-C", "-D", "-p", "-r", "-t", "-U", "-h", "-n", "-k", "-s", "--signal", "--user"})
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
    """Each simple command's words, and whether its input is its terminal (not piped or redirected)."""
    out: list[tuple[list[str], bool]] = []
    words: list[str] = []
    piped = redirected = skip = False
    for token in _tokens(command):
        if token and set(token) <= _PUNCT:
            if "<" in token or ">" in token:  # a redirection: its file descriptor and target are no arguments
                redirected = redirected or "<" in token
                if words and words[-1].isdigit():
                    words.pop()
                skip = True
                continue
            if words:
                out.append((words, not piped and not redirected))
            words, piped, redirected = [], token in ("|", "|&"), False
            continue
        if skip:
            skip = False
            continue
        words.append(token)
    if words:
        out.append((words, not piped and not redirected))
    return out


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program a simple command runs past its wrappers (``sudo``, ``env X=1``…), and its arguments."""
    i = 0
    while i < len(words):
        word = words[i]
        name = word.rsplit("/", 1)[-1]
        if "=" in word and not word.startswith("-") and name == word:  # VAR=value
            i += 1
        elif name in _WRAPPERS:
            if name == "sudo" and any(w in ("-s", "-i") for w in words[i + 1 : i + 3]):
                return "sh", []  # a root shell
            i += 1
            while i < len(words) and (words[i].startswith("-") or "=" in words[i] or words[i][:1].isdigit()):
                i += 2 if words[i] in _VALUED and not (name == "sudo" and words[i] == "-s") else 1
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
        elif arg.startswith("-"):
            skip = arg in valued
        else:
            out.append(arg)
    return out


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
        return not (_BATCH_FLAGS & set(args)) and not any(not a.startswith("-") for a in args)
    return False


def reads_commands(command: object) -> str | None:
    """The program a shell command leaves reading commands from its terminal, else None."""
    if not isinstance(command, str) or not command.strip():
        return None
    try:
        segments = _segments(command)
    except ValueError:  # unbalanced quotes: the shell itself refuses it
        return None
    for words, from_terminal in segments:
        if not from_terminal:
            continue
        program, args = _program(words)
        if program and _interactive(program, args):
            return program
    return None
