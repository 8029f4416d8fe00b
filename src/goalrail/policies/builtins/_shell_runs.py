"""What running one simple command means: wrappers peeled, nested scripts found.

``Runs.resolve`` takes a command's words and records the simple command that really
runs — after ``sudo``/``env``/``timeout``/``xargs``… — and parses the scripts it hands to
a shell (``bash -c``, heredocs, herestrings, pipes from ``echo``, ``su -c``, ``find -exec``,
``eval``, ``trap``, ``watch``).  It is a mixin of the tree walker in ``_shell``, which
provides ``flag`` and ``script``; ``_shell_unwrap`` peels each wrapper.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._git_runs import gh_git_words, git_commands
from goalrail.policies.builtins._interpreters import program, read_code
from goalrail.policies.builtins._launchers import LAUNCHERS, RUNNERS, bun_run
from goalrail.policies.builtins._program_names import as_git, canonical
from goalrail.policies.builtins._shell_embedded import looked_up, named_commands, option_commands
from goalrail.policies.builtins._shell_evals import STDIN_FILES, is_code_var
from goalrail.policies.builtins._shell_fds import descriptor_path, feed, hold
from goalrail.policies.builtins._shell_functions import GLOB_ONLY, LIST_EXPANSION, LIST_SAFE, Functions, inline
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand, Word, Wrapper
from goalrail.policies.builtins._shell_unwrap import Unwraps, attached_c
from goalrail.policies.builtins._terminals import TERMINALS, terminal_scripts
from goalrail.policies.builtins._wrappers import SHELLS, WRAPPERS, WrapperSpec

_ASSIGNMENT_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=")
# What is left once the wrappers are peeled: words, assignments, wrappers, whether stdin adds arguments.
_Peeled = tuple[list[Word], tuple[str, ...], tuple[Wrapper, ...], bool]
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FD_EXEC = frozenset({"-x", "--exec", "-X", "--exec-batch"})
_RESERVED = frozenset({"!", "{", "}", "(", ")", "then", "else", "elif", "fi", "do", "done", "esac", "in", "[[", "]]"})


def _mark_replaced(words: list[Word], xargs_opts: tuple[str, ...]) -> list[Word]:
    """``xargs -I R cmd … R …``: words holding the replace string are known only at run time."""
    marks = ["{}"]
    for opt in xargs_opts:
        if opt.startswith(("-I ", "--replace=")):
            marks.append(opt.split(" ", 1)[1] if opt.startswith("-I ") else opt.partition("=")[2])
    return [(w, d or any(m and m in w for m in marks)) for w, d in words]


class Runs(Unwraps):
    __slots__ = ()
    commands: list[SimpleCommand]
    functions: Functions
    held: list[Redirect]
    bare: list[Redirect]
    inlined: set[tuple[str, ...]]

    def resolve(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        stdin: str | None,
        via: str,
        stdin_args: bool,
    ) -> None:
        """Record the simple command ``words`` runs once its wrappers are peeled, and parse what it runs."""
        if words[0][0] not in LIST_SAFE and any(d and LIST_EXPANSION.search(w) for w, d in words[1:]):
            self.flag("a word expands to a list of words known only at run time")
        peeled = self._peel(words, reds, assignments, wrappers, via, stdin_args)
        if peeled is None:
            return
        words, assignments, wrappers, stdin_args = peeled
        words = as_git(words)
        self.emit(words, reds, assignments, wrappers, via, stdin_args, stdin)
        base = words[0][0].rsplit("/", 1)[-1]
        self.git_code_writes(base, words, reds)
        self._check_name(base, words[0][0], bool(wrappers))
        if words[0][0] in self.functions:
            self.call_function(words, reds, stdin)
        self._look_inside(base, words, reds, assignments, wrappers, stdin)

    def _peel(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        via: str,
        stdin_args: bool,
    ) -> _Peeled | None:
        """Peel wrappers (``sudo``, ``env``, ``xargs``…), at most 32.  None when nothing is left to
        look at: no command, a name known only at run time, a script already parsed, too many wrappers."""
        for _ in range(32):
            if not words:
                return None
            head, dyn = words[0]
            if dyn and looked_up(head):  # `$(command -v git) push …`: the program looked up
                head, dyn = looked_up(head), False
                words = [(head, False), *words[1:]]
            if dyn:
                self.flag("command name is not static")
                self.emit(words, reds, assignments, wrappers, via, stdin_args)
                return None
            if head not in self.functions and canonical(head) != head:  # `bash.exe`, `GIT`, `bash5`
                head = canonical(head)
                words = [(head, False), *words[1:]]
            base = head.rsplit("/", 1)[-1]
            if base in ("su", "runuser", "flock", "script") and self.su(words, reds):
                return None
            spec = WRAPPERS.get(base) or LAUNCHERS.get(base)
            words = bun_run(words) if base == "bun" else words  # `bun git push …` is `bun run git push …`
            if spec is None and len(words) > 1 and not words[1][1] and (base, words[1][0]) in RUNNERS:
                spec, base, words = RUNNERS[(base, words[1][0])], f"{base} {words[1][0]}", words[1:]
            if spec is None:
                return words, assignments, wrappers, stdin_args
            rest = self._unwrap_one(spec, base, words, reds)
            if rest is None:
                if stdin_args:  # `… | xargs sudo`, `xargs env -C`: the words xargs adds are what it runs
                    self.flag(f"`{base}` runs a command xargs or find -exec adds at run time")
                return None
            words, wrapper, extra = rest
            wrappers = (*wrappers, wrapper)
            assignments = (*assignments, *extra)
            stdin_args = stdin_args or spec.stdin_args
        self.flag("too many wrappers")
        return None

    def _unwrap_one(
        self, spec: WrapperSpec, base: str, words: list[Word], reds: tuple[Redirect, ...]
    ) -> tuple[list[Word], Wrapper, tuple[str, ...]] | None:
        """Peel one wrapper: the words it runs, the wrapper, the assignments it adds.  None when
        nothing runs or what runs is handled here (a shell reading stdin, ``watch``'s script)."""
        rest = self.unwrap(spec, base, words)
        if rest is None:
            if base in ("sudo", "doas", "runuser"):  # `sudo -s <<EOF`: a shell reading stdin
                self.shell([], reds, None)
            elif base == "exec":  # `exec 3<<'E'`: the line's later commands may read it
                hold(self, reds)
                self.bare.extend(reds)  # `exec 3< f`, `exec > f`: files opened for what follows
            return None
        words, wrapper, extra = rest
        if base in ("systemd-run", "run0"):
            wrapper = self.unit_properties(base, wrapper)
        for opt in wrapper.args:  # sudo --preserve-env=BASH_ENV,… keeps the caller's value
            if opt.startswith("--preserve-env="):
                for name in opt.partition("=")[2].split(","):
                    if is_code_var(name):
                        self.flag(f"`{base}` keeps `{name}` from the caller")
        if base == "watch" and not {"-x", "--exec"} & set(wrapper.args):
            if any(d for _, d in words):
                self.flag("watch with a dynamic command")
            self.script(" ".join(w for w, _ in words), "watch")
            return None
        if base == "xargs":
            words = _mark_replaced(words, wrapper.args)
        return words, wrapper, extra

    def _check_name(self, base: str, name: str, wrapped: bool = False) -> None:
        """Flag a command name that a shell would not run as one, or that shows a wrapper's
        options were not read as the wrapper reads them (``-R`` where a command should be)."""
        if base in _RESERVED:
            self.flag(f"reserved word `{base}` used as a command")
        elif (any(ch.isspace() for ch in name) and (wrapped or "/" not in name)) or (wrapped and name.startswith("-")):
            # `sg staff 'git push'` runs the text through sh -c; `"$G"` holding `git push` is no program
            self.flag(f"`{name[:20]}` where a command name is expected")
        elif _ASSIGNMENT_WORD.match(name):  # `xargs X=1 cmd`: only env/sudo read it as a variable
            self.flag("an assignment word where a command name is expected")

    def _look_inside(
        self,
        base: str,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        stdin: str | None,
    ) -> None:
        """Parse the script a command runs (shells, ``eval``, ``find -exec``, git configs) or flag it."""
        if base in SHELLS or (base == "busybox" and len(words) > 1 and words[1][0] in SHELLS):
            self.shell(words[1:] if base != "busybox" else words[2:], reds, stdin)
        elif base in ("eval",):
            self.eval_(words[1:])
        elif base == "bun" and len(words) > 2 and words[1] == ("exec", False):  # a script for Bun's shell
            self.shell([("-c", False), *words[2:3]], reds, stdin)
        elif base in ("find", "fd", "fdfind"):
            self.find(words, reds, assignments, wrappers)
        elif base == "git":
            self.git(words, assignments)
        elif base == "gh" and (git := gh_git_words(words)) is not None:  # `gh repo clone R -- --upload-pack=…`
            self.resolve(git, reds, assignments, wrappers, stdin, "gh repo clone", False)
        elif base == "alias" and any("=" in w for w, _ in words[1:]):
            self.flag("alias definition")
        elif (base == "hash" and any(w.startswith("-") and "p" in w for w, _ in words[1:])) or (
            base == "enable" and any(w.startswith("-") and "f" in w for w, _ in words[1:])
        ):
            self.flag(f"`{base}` rebinds a command name")
        elif base == "newgrp":  # a new shell, reading its commands from stdin
            self.shell([], reds, stdin)
        elif base == "parallel":
            self.flag("parallel builds commands at run time")
        elif (language := program(base)) is not None:
            read_code(self, language, words[1:], reds, stdin)
            if language in ("gdb", "lldb"):  # `gdb --args PROG …`, `lldb -- PROG …`: the program debugged
                named_commands(self, base, words, reds, assignments, stdin)
        elif base in TERMINALS:
            terminal_scripts(self, base, words[1:], reds, stdin)
        else:
            self.builtin_strings(base, words, reds)
            option_commands(self, base, words, reds, stdin)
            if words[0][0] not in self.functions:  # a function's body is followed with its arguments
                named_commands(self, base, words, reds, assignments, stdin)

    def call_function(self, words: list[Word], reds: tuple[Redirect, ...], stdin: str | None) -> None:
        """A function defined in the line, called: its body with the call's arguments written in,
        reading the call's redirections and stdin.  A glob argument is written in as it is."""
        bodies = [b for b in self.functions[words[0][0]] if b.reads_arguments]
        if not bodies:
            return  # its body, walked where it is defined, is what runs
        if any(d and not GLOB_ONLY.match(w) for w, d in words[1:]):
            self.flag(f"function `{words[0][0][:20]}` called with arguments known only at run time")
            return
        key = (*(w for w, _ in words), *(f"{r.op}{r.target}" for r in reds), stdin or "")
        if key in self.inlined:
            return
        self.inlined.add(key)
        for body in bodies:
            text = inline(body, words[1:])
            if text is None:
                self.flag("function body too long to follow")
            else:
                self.script(text, "function", reds, stdin)

    def git(self, words: list[Word], assignments: tuple[str, ...]) -> None:
        git_commands(self, words, assignments)

    def emit(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        via: str,
        stdin_args: bool,
        stdin: str | None = None,
    ) -> None:
        self.commands.append(
            SimpleCommand(
                argv=tuple(w for w, _ in words),
                dynamic=tuple(d for _, d in words),
                redirects=reds,
                wrappers=wrappers,
                assignments=assignments,
                via=via,
                stdin_args=stdin_args,
                stdin=stdin,
            )
        )

    def su(self, words: list[Word], reds: tuple[Redirect, ...]) -> bool:
        """``su [opts] [user] -c STR`` (the script option may follow the user).

        True when handled: a ``-c`` script was parsed, or ``su`` runs a login
        shell (which reads a heredoc or herestring as its script).
        """
        name = words[0][0].rsplit("/", 1)[-1]
        for i, (w, d) in enumerate(words[1:], 1):
            text = None
            attached = attached_c(name, w)  # `-lc SCRIPT`, `-ccd\ /etc` (getopt: the rest of the word)
            if (w == "--command" or attached == "") and i + 1 < len(words):
                text, d = words[i + 1]
            elif attached:
                text = attached
            elif w.startswith("--command="):
                text = w.partition("=")[2]
            if text is not None:
                if d:
                    self.flag(f"{name} -c with a dynamic script")
                else:
                    self.script(text, f"{name} -c")
                return True
        if any(d for _, d in words[1:]):  # `su $X`: a `-c` script may hide in it
            self.flag(f"`{words[0][0].rsplit('/', 1)[-1]}` argument known only at run time")
        if name == "script":  # BSD `script [-q] FILE COMMAND…`
            named_commands(self, name, words, reds, (), None)
        if name in ("su", "script"):
            self.shell([], reds, None)  # a login / recorded shell reads its script from stdin
            return True
        return False

    def shell(self, args: list[Word], reds: tuple[Redirect, ...], stdin: str | None) -> None:
        """``bash -c STR``, ``bash -s``/``bash`` reading a heredoc, herestring or pipe."""
        i, n = 0, len(args)
        command_mode = read_stdin = False
        while i < n:
            w, d = args[i]
            if d and w.startswith(("-", "+")):
                self.flag("shell option is not static")
                return
            if w == "--" or w == "-":
                i += 1
                break
            if w.startswith("--"):
                if w in ("--rcfile", "--init-file"):
                    self.flag(f"shell started with `{w}`")
                    i += 2
                    continue
                self.shell_options("-", (w, d))  # zsh's `--autocd`
                i += 1
                continue
            if w[:1] in ("-", "+") and len(w) > 1:
                letters = w[1:]
                if "c" in letters:
                    command_mode = True
                if "s" in letters:
                    read_stdin = True
                if letters[-1:] in ("o", "O"):
                    if i + 1 < n:
                        self.shell_options(letters[-1], args[i + 1])
                    i += 2
                    continue
                i += 1
                continue
            break
        rest = args[i:]
        if rest and not command_mode and not read_stdin:
            file, fdyn = rest[0]
            if fdyn and file in self.psubs:  # bash <(echo …): the echoed text is the script
                self.script(self.psubs[file], "process substitution")
                return
            if not fdyn and file in STDIN_FILES:
                read_stdin, rest = True, rest[1:]
            elif not fdyn and descriptor_path(file):  # `bash /dev/fd/3 3<<'E'`: the texts it may read
                feed(self, (*reds, *self.held), "descriptor")
                return
        if command_mode:
            if not rest:  # `xargs bash -c`: the script is what xargs appends
                self.flag("shell -c whose script is added at run time")
                return
            text, d = rest[0]
            if d:
                self.flag("shell -c with a dynamic script")
                return
            self.script(text, "shell -c")
            return
        if rest and not read_stdin:
            if rest[0][1]:
                self.flag("shell runs a script that is not static")
            return  # a script file: an ordinary program run
        source = None
        for r in reds:
            if r.op in ("<<", "<<<", "<<-"):
                source = r
            elif r.op == "<":
                source = None  # reads a file: an ordinary program run
                if r.dynamic:
                    self.flag("shell reads its script from a file known only at run time")
        if source is not None:
            if source.dynamic:
                self.flag("expansions in a script fed to a shell")
            self.script(source.target, "heredoc" if source.op != "<<<" else "herestring")
            return
        if stdin == "\0pipe":
            self.flag("shell reads commands from a pipe")
        elif stdin is not None:
            self.script(stdin, "pipe")
        elif not any(r.op == "<" for r in reds):  # `exec <<<'…'; bash`
            feed(self, self.held, "descriptor")

    def eval_(self, args: list[Word]) -> None:
        self.flag("eval")
        if args and not any(d for _, d in args):
            self.script(" ".join(w for w, _ in args), "eval")

    def find(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
    ) -> None:
        i, n = 1, len(words)
        fd = words[0][0].rsplit("/", 1)[-1] != "find"  # fd -x/-X: the path is appended without `{}`
        while i < n:
            w = words[i][0]
            if w in (_FD_EXEC if fd else _FIND_EXEC):
                j = i + 1
                sub: list[Word] = []
                while j < n and words[j][0] not in (";", "+"):
                    text, d = words[j]
                    sub.append((text, d or "{}" in text))
                    j += 1
                if sub:
                    self.resolve(
                        sub,
                        (),
                        assignments,
                        (*wrappers, Wrapper("find", (w,))),
                        None,
                        "find -exec",
                        fd,  # `{}` words are already marked dynamic
                    )
                i = j + 1
                continue
            i += 1
