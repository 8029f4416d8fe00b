"""Commands an ordinary program runs because its arguments say so.

Two kinds of argument make a program run a command that no shell syntax shows:

* **an option whose value is a command line**: ``tar -I CMD`` / ``--use-compress-program``
  / ``--to-command`` / ``--checkpoint-action=exec=CMD``, ``rsync -e CMD``, ``ssh``/``scp``/
  ``sftp -o ProxyCommand=CMD`` (also ``LocalCommand``, ``KnownHostsCommand``, and the lines of
  ``-F <(…)``), ``scp -S PROG``, ``man -P CMD``, ``zip -TT CMD``, ``nix-shell --run CMD``, ``ncat -c
  CMD``, ``socat EXEC:CMD``, ``git difftool -x CMD``: parsed like ``sh -c`` (run-time forms unknown);
* **a program named among another program's arguments**: a program the analysis does not
  model may be a wrapper nobody listed (``retry git push …``, ``dotenv -- git push …``,
  ``op run -- bash -c …``, ``mise exec -- git …``).  Where an argument is ``git`` followed
  by a git subcommand or global option, ``gh`` followed by a gh command group, a shell
  followed by an option bundle holding ``c`` or ``s`` (or last, fed a heredoc or pipe), or an
  interpreter followed by its code option, the words from there on are analysed as the command
  that runs (so ``git status`` there is a read and ``git push`` a push, as typed).

Programs that only print or search the words they are given (``echo``, ``grep``, ``man``,
``which``…) and those that run their command on another machine (``ssh``, container CLIs, ``ansible``,
``salt``, ``pdsh``…: read through ``_ssh``/``_containers``/``_remote_runs``) are not scanned for names.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Protocol

from goalrail.policies.builtins._containers import CONTAINER_CLIS
from goalrail.policies.builtins._dir_flags import PROGRAMS as DIR_PROGRAMS
from goalrail.policies.builtins._dir_flags import TAR_VALUED
from goalrail.policies.builtins._git import GLOBAL_OPTIONS, SUBCOMMANDS
from goalrail.policies.builtins._interpreters import code_option, program, reads_scripts
from goalrail.policies.builtins._launchers import LAUNCHERS
from goalrail.policies.builtins._program_names import canonical
from goalrail.policies.builtins._remote_runs import FLEET_RUNNERS
from goalrail.policies.builtins._shell_types import Redirect, Word, Wrapper
from goalrail.policies.builtins._ssh import SSH_CLIENTS
from goalrail.policies.builtins._ssh_config import STDIN_PATHS, ssh_config, ssh_setting, ssh_stdin_config
from goalrail.policies.builtins._terminals import TERMINALS
from goalrail.policies.builtins._wrappers import GIT_FRONTENDS, SHELLS, WRAPPERS, names

_SSH = {"-o": "ssh", "-F": "ssh_file"}
#: program → option → how its value runs: "script" (a command line), "ssh" (an ``-o`` setting
#: that may be a command), "tar" (``exec=CMD`` among the actions)
_OPTIONS: dict[str, dict[str, str]] = {
    "tar": {
        "-I": "script",
        "--use-compress-program": "script",
        "--to-command": "script",
        "-F": "script",
        "--info-script": "script",
        "--new-volume-script": "script",
        "--rsh-command": "script",
        "--checkpoint-action": "tar",
    },
    "gtar": {"-I": "script", "--use-compress-program": "script", "--to-command": "script", "-F": "script"},
    "bsdtar": {"--use-compress-program": "script"},
    "rsync": {"-e": "script", "--rsh": "script"},
    "sort": {"--compress-program": "script"},  # a program that compresses temporary files
    "rg": {"--pre": "script"},  # a program run on every file searched
    "ssh": {**_SSH},
    "autossh": {**_SSH},
    "scp": {**_SSH, "-S": "script"},
    "sftp": {**_SSH, "-S": "script"},
    "man": {"-P": "script", "--pager": "script", "-H": "script", "--html": "script"},
    "zip": {"-TT": "script", "--unzip-command": "script"},
    "nix-shell": {"--run": "script", "--command": "script"},
    "ncat": {"-c": "script", "--sh-exec": "script", "-e": "script", "--exec": "script", "--lua-exec": "script"},
    "nc": {"-c": "script", "-e": "script"},
    "netcat": {"-c": "script", "-e": "script"},
    "git difftool": {"-x": "script", "--extcmd": "script"},
    # terminal emulators: one `-e` word with blanks is run by a shell
    **{t: {"-e": "script"} for t in names("xterm uxterm urxvt rxvt st konsole sakura guake terminology qterminal")},
    **{
        t: {"-e": "script", "--command": "script", "-x": "script", "--execute": "script"}
        for t in names("gnome-terminal mate-terminal xfce4-terminal lxterminal terminator tilix x-terminal-emulator")
    },
    # git runs these through a shell on this machine (for a local remote, the pack program too)
    "git archive": {"--exec": "script"},
    "git fetch": {"--upload-pack": "script"},
    "git pull": {"--upload-pack": "script"},
    "git ls-remote": {"--upload-pack": "script", "--exec": "script"},
    "git clone": {"-u": "script", "--upload-pack": "script"},
    "git push": {"--receive-pack": "script", "--exec": "script"},
    "git fetch-pack": {"--upload-pack": "script", "--exec": "script"},
    "git send-pack": {"--receive-pack": "script", "--exec": "script"},
    "git rebase": {"-x": "script", "--exec": "script"},
    "git grep": {"-O": "attached", "--open-files-in-pager": "attached"},  # the pager: `-Ocmd` only
    "git send-email": {s: "script" for s in names("--sendmail-cmd --smtp-server --to-cmd --cc-cmd --header-cmd")},
    "git filter-branch": {f"--{s}-filter": "script" for s in names("env tree index parent msg commit tag-name")},
}
#: programs that print, look up or search the words they are given: not scanned for names
_QUIET = names(
    "echo printf test [ [[ : true false set which type whereis whatis man info help apropos tldr hash grep "
    "egrep fgrep rg ag ack alias unalias history command builtin declare typeset local export readonly unset "
    "read compgen complete git gh hub yadm "
    # messages shown or spoken: a quoted `git push done` there is text, not a command
    "notify-send dunstify terminal-notifier logger wall say espeak espeak-ng spd-say zenity kdialog "
    "cowsay cowthink figlet toilet banner lolcat "
    # file utilities: their words are paths (`mv "$SRC" push`), their programs come by options only
    "mv cp ln rm rmdir mkdir touch chmod chown chgrp cat tac ls stat file du wc head tail cut diff cmp "
    "basename dirname realpath readlink truncate shred unlink sort uniq md5sum sha1sum sha256sum rsync scp"
)
_SOCAT = ("exec:", "system:")
_HEREDOC = frozenset({"<<", "<<-", "<<<"})
_TARS = frozenset({"tar", "gtar"})


class Coder(Protocol):
    psubs: dict[str, str]

    def flag(self, reason: str) -> None: ...

    def code(self, text: str, dynamic: bool, via: str) -> None: ...


class Walker(Coder, Protocol):
    def resolve(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        stdin: str | None,
        via: str,
        stdin_args: bool,
    ) -> None: ...


def option_commands(
    walker: Walker, base: str, words: list[Word], reds: tuple[Redirect, ...] = (), stdin: str | None = None
) -> None:
    """Parse the command lines that ``base``'s options (or ``socat`` addresses) hand to a shell."""
    if base == "socat":
        for w, d in words[1:]:
            if w.lower().startswith(_SOCAT):
                walker.code(w.partition(":")[2].split(",", 1)[0], d, "`socat` address")
        return
    if base in PAGERS:
        for w, d in words[1:]:
            if w == "--":
                return
            if w.startswith("+"):
                pager_command(walker, base, w, d)
        return
    table = _OPTIONS.get(base)
    if table is None:
        return
    i, n = 1, len(words)
    if base in _TARS and n > 1 and words[1][0].isalpha() and not words[1][1]:
        i = _tar_bundle(walker, base, table, words)
    while i < n:
        w, d = words[i]
        if w == "--":
            return
        found = _option_value(table, words, i)
        if found is not None:
            kind, value, i = found
            if kind == "ssh_file" and value[0] in STDIN_PATHS and not value[1]:
                ssh_stdin_config(walker, base, reds, stdin, partial(_run_value, walker, base, "ssh"))
            else:
                _run_value(walker, base, kind, value)
        i += 1


#: pagers whose ``+cmd`` argument (or ``LESS='+cmd'``) is typed in as keys: ``!cmd``/``|mcmd`` run a shell
PAGERS = names("less more most pg")
#: start-up commands that only move or search: a line number, a motion letter, a search pattern
_PAGER_BENIGN = re.compile(r"^\+{1,2}(?:\d*[gGfFpPeEjJkKyYdDuUbBwWzZhHqQrRnN%]*|[/?][^\n\r]*)$")


def pager_command(walker: Coder, base: str, text: str, dynamic: bool) -> None:
    """``less +'!cmd'``: the keys a pager is given at start-up; a shell command there is parsed."""
    if not dynamic and _PAGER_BENIGN.match(text):
        return
    walker.flag(f"`{base} +…` runs start-up commands")
    for mark in ("!", "|"):
        head, sep, command = text.partition(mark)
        if sep and not head.lstrip("+").startswith(("/", "?")):
            walker.code(command[1:] if mark == "|" else command, dynamic, f"`{base} +{mark}`")
            return


def _tar_bundle(walker: Walker, base: str, table: dict[str, str], words: list[Word]) -> int:
    """``tar cfI ARCHIVE CMD``: an old-style bundle whose letters take the next words in order;
    the index of the first word after their values."""
    k = 2
    for letter in words[1][0]:
        if letter in TAR_VALUED and k < len(words):
            if table.get("-" + letter) is not None:
                _run_value(walker, base, table["-" + letter], words[k])
            k += 1
    return k


def _option_value(table: dict[str, str], words: list[Word], i: int) -> tuple[str, Word, int] | None:
    """The (kind, value, index of its last word) of a table option at ``words[i]``, or None."""
    w, d = words[i]
    if not w.startswith("-") or len(w) < 2:
        return None
    if w.startswith("--"):
        name, eq, val = w.partition("=")
        kind = table.get(name)
        if kind is None:
            return None
        if eq:
            return kind, (val, d), i
        return (kind, words[i + 1], i + 1) if i + 1 < len(words) and kind != "attached" else None
    if w in table:
        return (table[w], words[i + 1], i + 1) if i + 1 < len(words) and table[w] != "attached" else None
    for j in range(1, len(w)):  # `-oProxyCommand=…`, `-cI CMD` (a bundle of short options)
        if not w[j].isalpha():
            return None
        kind = table.get("-" + w[j])
        if kind is not None:
            rest = w[j + 1 :]
            if rest:
                return kind, (rest, d), i
            return (kind, words[i + 1], i + 1) if i + 1 < len(words) and kind != "attached" else None
    return None


def _run_value(walker: Walker, base: str, kind: str, value: Word) -> None:
    text, dynamic = value
    via = f"`{base}` option"
    if kind == "ssh_file":  # `ssh -F <(echo 'ProxyCommand …')`: settings written on the line
        if dynamic:
            ssh_config(walker, base, walker.psubs.get(text, ""), partial(_run_value, walker, base, "ssh"))
        return
    if kind != "tar" and not dynamic and reads_data_as_code(text.split("=", 1)[-1] if kind == "ssh" else text):
        walker.flag(f"`{base}` runs a shell or interpreter on the data it hands over")
    if kind == "ssh":
        ssh_setting(walker, base, text, dynamic)
        return
    if kind == "tar":
        action, _, command = text.partition("=")
        if action.strip() == "exec" or dynamic:
            walker.code(command if action.strip() == "exec" else text, dynamic, via)
        return
    walker.code(text, dynamic, via)


def reads_data_as_code(text: str) -> bool:
    """``sort --compress-program=sh``, ``man -P bash``: a shell or interpreter named as the program
    that filters data reads that data (a file searched, a page, a stream) as its code."""
    first, _, rest = text.strip().partition(" ")
    name = canonical(first).rsplit("/", 1)[-1]
    if name not in SHELLS and not reads_scripts(name):
        return False
    after = rest.strip().partition(" ")[0]
    return not (after and _names_command(name, (after, False)))


def named_commands(
    walker: Walker,
    base: str,
    words: list[Word],
    reds: tuple[Redirect, ...],
    assignments: tuple[str, ...],
    stdin: str | None,
) -> None:
    """A program the analysis does not model, given ``git push …`` (or a shell's ``-c``, ``gh pr
    merge``, ``python -c``) among its arguments: analyse those words as the command it runs."""
    if base in _QUIET or base in SSH_CLIENTS or base in CONTAINER_CLIS or base in FLEET_RUNNERS:
        return
    if base in _PROGRAM_FORMS:
        words = _program_form(base, words)
    after_git = False  # `--spec git-remote git push …`: a git word may be an option's value
    for i in range(1, len(words)):
        w, d = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else None
        if d:
            w = looked_up(w)
            if not w:
                if nxt is not None and _runtime_program(words[i], nxt):
                    walker.flag(f"`{base}` runs a program named at run time")
                    return
                continue
        if w.startswith("-") and "=" in w:  # `--cmd=git push …`: the option's value starts the command
            w = w.partition("=")[2]
        name = canonical(w).rsplit("/", 1)[-1]
        fed = nxt is None and (stdin is not None or any(r.op in _HEREDOC for r in reds))
        if (nxt is not None and _names_command(name, nxt)) or (fed and name in SHELLS):
            walker.resolve([(w, False), *words[i + 1 :]], reds, assignments, (), stdin, f"`{base}` argument", False)
            if name not in _GITS and name != "gh" and not name.startswith("git-"):
                return
            after_git = True
        elif not after_git and " " in w and _names_command(*_first_two(w)):  # `hyperfine 'git push …'`
            walker.code(w, False, f"`{base}` argument")


#: ``$(which git)``, `` `command -v git` ``, ``$(realpath "$(type -P git)")``: a program looked up by name
_LOOKUP = re.compile(
    r"^(?:\$\(|`)\s*(?:(?:realpath|readlink\s+-[ef]+)\s+\"?(?:\$\(|`)\s*)?"
    r"(?:which|command\s+-[vV]|type\s+-[pPaf]+|whence\s+-p|whereis\s+-b)\s+['\"]?([A-Za-z0-9_.+-]+)['\"]?"
    r"\s*(?:\)|`)(?:\"?\s*(?:\)|`))?$"
)
#: git subcommands that reach another machine: a run-time word before them may be ``git``
_REMOTE_SUBS = names("push send-pack")


def looked_up(text: str) -> str:
    """The program a command substitution looks up (``$(which git)`` → ``git``), or ``""``."""
    m = _LOOKUP.match(text.strip())
    return m.group(1) if m else ""


def _runtime_program(word: Word, nxt: Word) -> bool:
    """Whether a run-time word followed by ``nxt`` may name a program the analysis reads: any
    before ``push`` (``retry "$GIT" push …``), a command substitution before a shell's ``-c`` or
    a git global option (``retry "$(realpath "$B")" -c 'cd /etc'``)."""
    text, _ = word
    if not nxt[1] and nxt[0] in _REMOTE_SUBS:
        return True
    if ("$(" not in text and "`" not in text) or nxt[1] or not nxt[0].startswith("-"):
        return False
    return _names_command("sh", nxt) or nxt[0].partition("=")[0] in GLOBAL_OPTIONS


def _nix_run(words: list[Word]) -> list[Word]:
    """``nix run nixpkgs#git -- push …``: the installable's program name, then its arguments."""
    for i in range(2, len(words)):
        w, d = words[i]
        if d or w.startswith("-") or "#" not in w:
            continue
        attr = w.rpartition("#")[2].partition("^")[0].rsplit(".", 1)[-1]
        name = _NIX_PROGRAMS.get(attr, attr)
        rest = words[i + 1 :]
        if rest[:1] == [("--", False)]:
            rest = rest[1:]
        return [words[0], (name, False), *rest]
    return words


def _after_dashes(words: list[Word], program: str, options: tuple[str, ...]) -> list[Word]:
    """``capsh --shell=/bin/sh -- -c CMD``, ``start-stop-daemon --exec PROG -- ARGS``: the
    program an option names (or ``program``), then the words after ``--``."""
    if ("--", False) not in words:
        return words
    for i, (w, d) in enumerate(words[1:], 1):
        name, eq, value = w.partition("=")
        if name in options and not d:
            program = value if eq else (words[i + 1][0] if i + 1 < len(words) and not words[i + 1][1] else "")
        elif w == "--":
            break
    return [words[0], (program, False), *words[words.index(("--", False)) + 1 :]] if program else words


def _program_form(base: str, words: list[Word]) -> list[Word]:
    """Words rewritten as ``PROGRAM ARGS`` for the runners that name their program apart."""
    if base == "nix":
        return _nix_run(words) if len(words) > 2 and words[1] == ("run", False) else words
    if base == "capsh":
        return _after_dashes(words, "bash", ("--shell",))
    return _after_dashes(words, "", ("--exec", "-x", "--startas", "-a"))  # start-stop-daemon


_PROGRAM_FORMS = names("nix capsh start-stop-daemon")
_NIX_PROGRAMS = {"gitFull": "git", "gitMinimal": "git", "gitSVN": "git", "bashInteractive": "bash"}


def _first_two(text: str) -> tuple[str, Word]:
    """The basename of a command line's first word and its second word (``git``/``gh``, ``cd``/
    ``pushd`` and shells only: ``nodemon --exec 'cd /etc && …'``, ``pueue add 'bash -c …'``)."""
    first, _, rest = text.strip().partition(" ")
    name = canonical(first).rsplit("/", 1)[-1]
    if name not in _GITS and name not in _LINE_HEADS:
        return "", ("", True)
    return name, (rest.strip().partition(" ")[0], False)


def _names_command(name: str, after: Word) -> bool:
    """Whether ``name`` followed by ``after`` reads as a command the analysis models."""
    word, dynamic = after
    if dynamic:
        return False
    if name in _GITS:
        return word in SUBCOMMANDS or word.partition("=")[0] in GLOBAL_OPTIONS
    if name == "gh":
        return word in _GH_GROUPS
    if name in SHELLS:
        return word.startswith("-") and not word.startswith("--") and ("c" in word or "s" in word)
    if name in _HEADS or (name.startswith("git-") and name[4:] in SUBCOMMANDS):
        return True
    language = program(name)
    return language is not None and code_option(language, word)


_GH_GROUPS = names("api issue pr release repo secret variable workflow run label gist ruleset cache")
_GITS = frozenset({"git", *GIT_FRONTENDS})
#: programs whose command line the analysis reads (wrappers, directory changes, remote runs)
_HEADS = frozenset(
    {*WRAPPERS, *LAUNCHERS, *DIR_PROGRAMS, *CONTAINER_CLIS, *SSH_CLIENTS, *TERMINALS, "cd", "pushd", "chdir", "eval"}
    | {"find", "fd", "fdfind", "su", "runuser", "script", "parallel"}
)
#: besides git, the first words of a command line held in one argument that is parsed as a script
#: (``nodemon --exec 'make -C /etc'``): the programs whose command line the analysis reads
_LINE_HEADS = frozenset({"gh", *SHELLS, *_HEADS} - {"eval"})
