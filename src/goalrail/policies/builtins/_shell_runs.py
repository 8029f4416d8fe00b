"""What running one simple command means: wrappers peeled, nested scripts found.

``Runs.resolve`` takes a command's words and records the simple command that really
runs — after ``sudo``/``env``/``timeout``/``xargs``… (``_shell_peel``) — and parses the scripts
it hands to a shell (``bash -c``, heredocs, herestrings, pipes from ``echo``, ``su -c``:
``_shell_shells``; ``find -exec``, ``eval``, ``trap``, ``watch``).  It is a mixin of the tree
walker in ``_shell``, which provides ``flag`` and ``script``.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._git_runs import gh_git_words, git_commands
from goalrail.policies.builtins._interpreters import program, read_code
from goalrail.policies.builtins._interpreters_windows import cmd_args
from goalrail.policies.builtins._job_runners import JOB_RUNNERS, job_scripts, xargs_jobs
from goalrail.policies.builtins._program_names import as_git
from goalrail.policies.builtins._shell_embedded import named_commands, option_commands
from goalrail.policies.builtins._shell_file_handed import handed_via
from goalrail.policies.builtins._shell_functions import GLOB_ONLY, LIST_EXPANSION, LIST_SAFE, inline
from goalrail.policies.builtins._shell_listers import listed
from goalrail.policies.builtins._shell_peel import Peels
from goalrail.policies.builtins._shell_stages import PIPE
from goalrail.policies.builtins._shell_types import Redirect, Word, Wrapper
from goalrail.policies.builtins._terminals import TERMINALS, terminal_scripts
from goalrail.policies.builtins._wrappers import SHELLS

_ASSIGNMENT_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=")
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FD_EXEC = frozenset({"-x", "--exec", "-X", "--exec-batch"})
_RESERVED = frozenset({"!", "{", "}", "(", ")", "then", "else", "elif", "fi", "do", "done", "esac", "in", "[[", "]]"})


class Runs(Peels):
    __slots__ = ()
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
        peeled = self.peel(words, reds, assignments, wrappers, via, stdin_args)
        if peeled is None:
            return
        fed = stdin if stdin is not None and stdin != PIPE and not stdin_args else None
        words, assignments, wrappers, stdin_args = peeled
        for wrapper in wrappers if fed is not None else ():  # `echo / | xargs rm -rf`: the arguments shown
            for job in xargs_jobs(wrapper.args, words, fed or "") if wrapper.name == "xargs" else ():
                self.resolve(job, reds, assignments, wrappers, None, "xargs", False)
        words = as_git(words)
        self.emit(words, reds, assignments, wrappers, via, stdin_args, stdin)
        base = words[0][0].rsplit("/", 1)[-1]
        self.git_code_writes(base, words, reds)
        self._check_name(base, words[0][0], bool(wrappers))
        if words[0][0] in self.functions:
            self.call_function(words, reds, stdin)
        self._look_inside(base, words, reds, assignments, wrappers, stdin)

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
        elif base in JOB_RUNNERS:  # `parallel CMD ::: ARGS`, `hyperfine 'CMD'`: the commands they build
            job_scripts(self, base, words, stdin)
        elif (language := program(base)) is not None:
            read_code(self, language, words[1:] if language != "cmd" else cmd_args(base, words), reds, stdin)
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

    def find(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
    ) -> None:
        i, n = 1, len(words)
        fd = words[0][0].rsplit("/", 1)[-1] != "find"  # fd -x/-X: the path is appended without `{}`
        handed = (listed(words) or ((), False))[0]  # (the globs of the paths it lists: `_shell_file_handed`)
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
                        handed_via("find -exec", handed, fd),
                        fd,  # `{}` words are already marked dynamic
                    )
                i = j + 1
                continue
            i += 1
