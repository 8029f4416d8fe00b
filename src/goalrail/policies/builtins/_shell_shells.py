"""The shells a command starts, and the scripts they read.

``su``/``runuser``/``flock``/``script`` with ``-c SCRIPT`` (or a login shell reading a
heredoc), ``bash -c STR``, ``bash -s`` or a bare ``bash`` reading a heredoc, herestring,
pipe or descriptor, and ``eval``: each script is parsed as a line of its own.  A mixin of the
tree walker in ``_shell`` (``flag``, ``script``, ``shell_options`` and ``psubs`` come from it;
``resolve`` from ``_shell_runs``).
"""

from __future__ import annotations

from goalrail.policies.builtins._shell_embedded import named_commands
from goalrail.policies.builtins._shell_evals import STDIN_FILES
from goalrail.policies.builtins._shell_fds import descriptor_path, feed
from goalrail.policies.builtins._shell_stages import shown_part
from goalrail.policies.builtins._shell_types import Redirect, Word, Wrapper
from goalrail.policies.builtins._shell_unwrap import Unwraps, attached_c


class Shells(Unwraps):
    __slots__ = ()
    held: list[Redirect]

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
        raise NotImplementedError

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
            if (shown := shown_part(stdin)) is not None:  # `{ cat; echo 'cmd'; } | sh`: `cmd` runs
                self.script(shown, "pipe")
        elif stdin is not None:
            self.script(stdin, "pipe")
        elif not any(r.op == "<" for r in reds):  # `exec <<<'…'; bash`
            feed(self, self.held, "descriptor")

    def eval_(self, args: list[Word]) -> None:
        self.flag("eval")
        if args and not any(d for _, d in args):
            self.script(" ".join(w for w, _ in args), "eval")
