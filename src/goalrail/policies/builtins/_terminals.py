"""Terminals and schedulers: the commands they start later, elsewhere.

``tmux new 'cmd'``, ``tmux run-shell``, ``tmux -c``, ``screen -dm cmd …``, ``zellij run --
cmd``, ``byobu`` (tmux's command line) and ``at``/``batch`` reading commands on stdin start a
command the shell line does not run itself; it is parsed as a script.  Keys typed into a
running terminal (``tmux send-keys``/``set-buffer``, ``screen -X stuff``, ``zellij action
write-chars``) are most often typed into a shell: the text they spell (``Enter``, ``C-m``,
``^M``, ``\n`` ending a line) is parsed as a script too, and the line stays unknown, since
what reads the keys (a shell, an editor) cannot be told.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._interpreters import Walker, quoted, stdin_source
from goalrail.policies.builtins._shell_fds import InputFiles
from goalrail.policies.builtins._shell_stages import shown_part
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
TERMINALS = frozenset({"tmux", "screen", "at", "batch", "crontab", "zellij", "byobu", "byobu-tmux", "byobu-screen"})
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
            scripts.append(source if shown_part(piped) is None else (shown_part(piped) or "", False))
    elif name == "crontab":
        scripts.extend(_crontab(walker, reds, piped))
    elif name in ("screen", "byobu-screen"):
        i = 0
        while i < len(args) and args[i][0].startswith("-"):
            if args[i][0] in ("-X", "-Q"):
                walker.flag("`screen -X` sends commands or keys to a running terminal")
                scripts.extend(_screen_command(args[i + 1 :]))
                break
            word = args[i][0]
            clustered = len(word) > 2 and word[1] != "-" and word[-1] in _SCREEN_VALUE_LETTERS
            i += 2 if word in _SCREEN_VALUED or clustered else 1
        else:
            if args[i:]:
                scripts.append(_joined(args[i:]))
    elif name == "zellij":
        scripts.extend(_zellij(walker, args))
    else:
        scripts.extend(_tmux(walker, args))
    for text, dynamic in scripts:
        if not text.strip():
            continue
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
            if sub in _TMUX_TYPED:
                out.append(_tmux_keys(rest, sub in ("set-buffer", "setb")))
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


_TMUX_TYPED = frozenset({"send-keys", "send", "set-buffer", "setb"})
#: send-keys' options that take a value (`-t` pane, `-c` client, `-N` count), set-buffer's (`-b`, `-t`)
_KEYS_VALUED = frozenset({"-t", "-c", "-N", "-b"})
#: tmux key names (matched without case); any other word is typed as it is written
_KEY_NAME = re.compile(
    r"(?i)^(?:(?:[CMS]-)+\S+|\^.|Enter|Escape|Space|Tab|BSpace|BTab|DC|End|Home|IC|NPage|PageDown|PgDn|PPage"
    r"|PageUp|PgUp|Up|Down|Left|Right|F\d{1,2}|KP\w+)$"
)
#: key names that end a line (or stand for a blank)
_KEY_TEXT = {"enter": "\n", "c-m": "\n", "c-j": "\n", "^m": "\n", "^j": "\n", "kpenter": "\n", "space": " "}


def _tmux_keys(rest: list[Word], buffer: bool) -> Word:
    """The text ``tmux send-keys`` (or ``set-buffer``, pasted later) types: its words one after
    another (no blank between them), key names that end a line as a newline, any other key name
    as a line break; ``-H`` words are hexadecimal bytes, ``-l`` types every word literally."""
    i, literal, hexa, dynamic = 0, buffer, False, False
    while i < len(rest) and rest[i][0].startswith("-") and len(rest[i][0]) > 1:
        letters = rest[i][0][1:]
        if letters == "-":
            i += 1
            break
        literal = literal or "l" in letters
        hexa = hexa or "H" in letters
        if "X" in letters:  # copy-mode commands, not keys
            return "", False
        i += 2 if "-" + letters[-1] in _KEYS_VALUED else 1
    out: list[str] = []
    for word, d in rest[i:]:
        dynamic = dynamic or d
        if hexa:
            out.append(chr(int(word, 16)) if re.fullmatch(r"[0-9a-fA-F]{1,2}", word) else "\n")
        elif literal or not _KEY_NAME.match(word):
            out.append(word)
        else:
            out.append(_KEY_TEXT.get(word.lower(), "\n"))
    return "".join(out), dynamic


#: ``screen -X stuff`` escapes that end a line
_STUFF_NEWLINE = re.compile(r"\\[nr]|\^[MJ]|\\0?1[25]")


def _screen_command(words: list[Word]) -> list[Word]:
    """``screen -X stuff TEXT`` (keys typed), ``screen -X screen CMD …``/``exec CMD …`` (a
    window or a process started): the command text, parsed as a script."""
    if not words or words[0][1]:
        return []
    command, rest = words[0][0], words[1:]
    if command in ("stuff", "paste") and rest:
        return [(_STUFF_NEWLINE.sub("\n", "".join(w for w, _ in rest)), any(d for _, d in rest))]
    if command in ("screen", "exec"):
        while rest and rest[0][0].startswith(("-", "!", "|", ".")):  # options, exec's descriptor pattern
            rest = rest[2:] if rest[0][0] in ("-t", "-T") else rest[1:]
        return [_joined(rest)] if rest else []
    return []


#: zellij's options that take a value (run, new-pane, the session's own)
_ZELLIJ_VALUED = frozenset(
    {"-d", "--direction", "--cwd", "-n", "--name", "--height", "--width", "-x", "-y", "-s", "--session"}
    | {"-l", "--layout", "-c", "--config", "--config-dir", "--data-dir", "--max-panes"}
)


def _zellij(walker: Walker, args: list[Word]) -> list[Word]:
    """``zellij run -- CMD …``, ``zellij action new-pane -- CMD …`` (a pane running CMD) and
    ``zellij action write-chars TEXT`` (keys typed into the focused pane)."""
    i = 0
    while i < len(args) and args[i][0].startswith("-"):
        i += 2 if args[i][0] in _ZELLIJ_VALUED else 1
    words = [w for w, _ in args[i : i + 2]]
    if words[:2] in (["action", "write-chars"], ["ac", "write-chars"]):
        walker.flag("`zellij action write-chars` types keys into a terminal")
        typed = args[i + 2 :]
        return [(" ".join(w for w, _ in typed), any(d for _, d in typed))]
    if words[:1] in (["run"], ["r"]) or words[:2] in (["action", "new-pane"], ["ac", "new-pane"]):
        j = i + (1 if words[0] in ("run", "r") else 2)
        while j < len(args) and args[j][0].startswith("-") and args[j][0] != "--":
            j += 2 if args[j][0] in _ZELLIJ_VALUED else 1
        j += 1 if j < len(args) and args[j][0] == "--" else 0
        return [_joined(args[j:])] if args[j:] else []
    return []


#: a crontab line that sets a variable (``SHELL=/bin/sh``, ``MAILTO=""``)
_CRON_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
#: a ``%`` not escaped: the end of a crontab command (what follows is its stdin)
_CRON_PERCENT = re.compile(r"(?<!\\)%")


def crontab_commands(text: str) -> str:
    """The commands a crontab's text schedules, one a line: each entry without its five time
    fields (or its ``@daily``-like nickname), up to its first ``%``."""
    out: list[str] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#") or _CRON_VARIABLE.match(entry):
            continue
        fields = entry.split(None, 1 if entry.startswith("@") else 5)
        if len(fields) == (2 if entry.startswith("@") else 6):
            out.append(_CRON_PERCENT.split(fields[-1], 1)[0])
    return "\n".join(out)


def _crontab(walker: Walker, reds: tuple[Redirect, ...], piped: str | None) -> list[Word]:
    """``crontab -`` (or with no file) fed the text of a crontab: the commands it schedules."""
    if piped is None and not any(r.op in ("<<", "<<-", "<<<") for r in reds):
        return []
    walker.flag("`crontab` installs commands read from stdin")
    if (shown := shown_part(piped)) is not None:  # `crontab -l | { cat; echo '…'; } | crontab -`
        return [(crontab_commands(shown), False)]
    source = stdin_source(reds, piped)
    return [] if source is None or source[1] else [(crontab_commands(source[0]), False)]
