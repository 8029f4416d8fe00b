"""Terminals and schedulers: the commands they start later, elsewhere.

``tmux new 'cmd'``, ``tmux run-shell``, ``tmux -c``, ``screen -dm cmd …`` and
``at``/``batch`` reading commands on stdin start a command the shell line does
not run itself; it is parsed as a script.  Keys typed into a running terminal
(``tmux send-keys``, ``screen -X stuff``) cannot be followed and are unknown.
"""

from __future__ import annotations

from goalrail.policies.builtins._interpreters import Walker, quoted, stdin_source
from goalrail.policies.builtins._shell_fds import InputFiles
from goalrail.policies.builtins._shell_types import Redirect, Word

#: tmux subcommands whose trailing words are a shell command (run by the default shell)
_TMUX_RUNS = frozenset(
    {
        "new-session",
        "new",
        "new-window",
        "neww",
        "split-window",
        "splitw",
        "respawn-pane",
        "respawnp",
        "respawn-window",
        "respawnw",
        "run-shell",
        "run",
        "if-shell",
        "if",
        "pipe-pane",
        "pipep",
        "display-popup",
        "popup",
    }
)
#: tmux subcommands whose ``-c DIR`` is the directory the pane's shell or command starts in
_TMUX_START_DIR = frozenset(
    {"new-session", "new", "new-window", "neww", "split-window", "splitw", "respawn-pane", "respawnp"}
    | {"respawn-window", "respawnw", "display-popup", "popup", "attach-session", "attach"}
)
_TMUX_KEYS = frozenset({"send-keys", "send", "paste-buffer", "pasteb", "set-buffer", "setb", "source-file", "source"})
#: tmux options taking a value (the global ones and the subcommands')
_TMUX_VALUED = frozenset({"-L", "-S", "-f", "-T", "-t", "-s", "-n", "-c", "-x", "-y", "-e", "-F", "-l", "-w"})
_SCREEN_VALUED = frozenset({"-S", "-t", "-c", "-e", "-h", "-p", "-T", "-s", "-Logfile"})
_SCREEN_VALUE_LETTERS = "StcehpTs"  # the last letter of a cluster (`-dmS NAME`) may take a value
TERMINALS = frozenset({"tmux", "screen", "at", "batch"})
#: ``at -f FILE`` naming stdin: the commands are the heredoc or pipe all the same
_STDIN_FILES = InputFiles({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def _joined(words: list[Word]) -> Word:
    return " ".join(quoted(w) for w, _ in words), any(d for _, d in words)


def terminal_scripts(
    walker: Walker, name: str, args: list[Word], reds: tuple[Redirect, ...], piped: str | None
) -> None:
    """``tmux new 'cmd'``, ``screen -dm cmd …``, ``at now <<< 'cmd'``: the command each starts,
    parsed as a script; keys typed into a terminal (``tmux send-keys``, ``screen -X stuff``) are unknown."""
    scripts: list[Word] = []
    if name in ("at", "batch"):
        files = [args[i + 1] if w == "-f" and i + 1 < len(args) else (w[2:], d) for i, (w, d) in enumerate(args)]
        if any(w.startswith(("-f", "-l", "-r", "-d", "-c", "-V")) for w, _ in args) and not any(
            w.startswith("-f") and files[i][0] in _STDIN_FILES for i, (w, _) in enumerate(args)
        ):
            return  # commands from a file (an ordinary program run), or the queue listed, removed or shown
        source = stdin_source(reds, piped)
        if source is not None:
            scripts.append(source)
    elif name == "screen":
        i = 0
        while i < len(args) and args[i][0].startswith("-"):
            if args[i][0] in ("-X", "-Q"):
                walker.flag("`screen -X` sends commands or keys to a running terminal")
                return
            word = args[i][0]
            clustered = len(word) > 2 and word[1] != "-" and word[-1] in _SCREEN_VALUE_LETTERS
            i += 2 if word in _SCREEN_VALUED or clustered else 1
        if args[i:]:
            scripts.append(_joined(args[i:]))
    else:
        scripts.extend(_tmux(walker, args))
    for text, dynamic in scripts:
        if dynamic:
            walker.flag(f"`{name}` starts a command known only at run time")
        else:
            walker.script(text, name)


def _tmux(walker: Walker, args: list[Word]) -> list[Word]:
    out: list[Word] = []
    i = 0
    while i < len(args) and args[i][0].startswith("-"):
        if args[i][0] == "-c" and i + 1 < len(args):
            out.append(args[i + 1])  # `tmux -c CMD`: run by the default shell
        i += 2 if args[i][0] in _TMUX_VALUED else 1
    while i < len(args):  # commands may be chained with `;`
        sub = args[i][0]
        j = i + 1
        rest: list[Word] = []
        while j < len(args) and args[j][0] not in (";", "\\;"):
            rest.append(args[j])
            j += 1
        if sub in _TMUX_KEYS:
            walker.flag(f"`tmux {sub}` types keys or commands into a terminal")
        elif sub in _TMUX_RUNS or sub in _TMUX_START_DIR:
            k = 0
            while k < len(rest) and rest[k][0].startswith("-") and not rest[k][1]:
                letters = rest[k][0][1:]
                at = next((n for n, letter in enumerate(letters) if f"-{letter}" in _TMUX_VALUED), None)
                attached = at is not None and bool(letters[at + 1 :])
                value = None
                if at is not None:
                    value = (letters[at + 1 :], False) if attached else rest[k + 1] if k + 1 < len(rest) else None
                if at is not None and letters[at] == "c" and sub in _TMUX_START_DIR and value is not None:
                    _start_dir(walker, sub, value, out)  # `new -c DIR`, `-dc DIR`, `-cDIR`
                k += 1 if at is None or attached else 2
            if sub in _TMUX_RUNS and rest[k:]:
                out.append(rest[k] if len(rest) - k == 1 else _joined(rest[k:]))
        i = j + 1
    return out


def _start_dir(walker: Walker, sub: str, target: Word, out: list[Word]) -> None:
    """The directory a tmux pane starts in: judged as a ``cd`` before what it runs."""
    if target[1]:
        walker.flag(f"`tmux {sub} -c` starts in a directory known only at run time")
    else:
        out.insert(0, (f"cd -- {quoted(target[0])}", False))
