"""Peeling a simple command's wrappers down to the program that runs.

``Peels.peel`` takes a command's words off ``sudo``/``env``/``timeout``/``xargs``/``nice``…
(``_wrappers``, ``_launchers``; one wrapper at a time through ``_shell_unwrap``) and gives the
command left with the wrappers and ``VAR=value`` words it was found behind.  A wrapper with no
command after it (``su``, ``sudo -i``, ``runuser -u x``, ``env``) is itself what runs and is
recorded as such (``alone``).  A mixin of the tree walker in ``_shell``.
"""

from __future__ import annotations

from goalrail.policies.builtins._launchers import LAUNCHERS, RUNNERS, bun_run, runs_joined
from goalrail.policies.builtins._program_names import canonical
from goalrail.policies.builtins._shell_embedded import looked_up
from goalrail.policies.builtins._shell_evals import is_code_var
from goalrail.policies.builtins._shell_fds import hold
from goalrail.policies.builtins._shell_functions import Functions
from goalrail.policies.builtins._shell_shells import Shells
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand, Word, Wrapper
from goalrail.policies.builtins._wrappers import WRAPPERS, WrapperSpec

# What is left once the wrappers are peeled: words, assignments, wrappers, whether stdin adds arguments.
Peeled = tuple[list[Word], tuple[str, ...], tuple[Wrapper, ...], bool]


def _mark_replaced(words: list[Word], xargs_opts: tuple[str, ...]) -> list[Word]:
    """``xargs -I R cmd … R …``: words holding the replace string are known only at run time."""
    marks = ["{}"]
    for opt in xargs_opts:
        if opt.startswith(("-I ", "--replace=")):
            marks.append(opt.split(" ", 1)[1] if opt.startswith("-I ") else opt.partition("=")[2])
    return [(w, d or any(m and m in w for m in marks)) for w, d in words]


class Peels(Shells):
    __slots__ = ()
    commands: list[SimpleCommand]
    functions: Functions
    bare: list[Redirect]

    def peel(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        via: str,
        stdin_args: bool,
    ) -> Peeled | None:
        """Peel wrappers (``sudo``, ``env``, ``xargs``…), at most 32.  None when nothing is left to
        look at: no command, a name known only at run time, a script already parsed, too many wrappers.
        A wrapper with no command after it is recorded as the command that runs (:meth:`alone`)."""
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
            base, here = head.rsplit("/", 1)[-1], words
            if base in ("su", "runuser", "flock", "script") and self.su(words, reds):
                self.alone(base, here, reds, assignments, wrappers, via, stdin_args)
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
                self.alone(base, here, reds, assignments, wrappers, via, stdin_args)
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
        if runs_joined(base, wrapper.args):  # `watch 'cmd'`, `entr -s 'cmd'`: a script for a shell
            if any(d for _, d in words):
                self.flag(f"{base} with a dynamic command")
            self.script(" ".join(w for w, _ in words), base)
            return None
        if base == "xargs":
            words = _mark_replaced(words, wrapper.args)
        return words, wrapper, extra

    def alone(
        self,
        base: str,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        via: str,
        stdin_args: bool,
    ) -> None:
        """A wrapper with no command of its own to peel to runs as itself: ``su``, ``su -``, ``sudo -i``,
        ``doas -s``, ``runuser -u x``, ``pkexec`` and ``sg grp`` start a shell as another user or
        group, ``script`` a recorded shell, ``env`` and ``nice`` print, ``command -v`` looks a name
        up, ``su -c``/``watch`` run a script parsed in turn.  Recorded as the command it is, behind
        the wrappers before it, so a rule naming it meets it (``nice su``, ``cd / && su``, ``'su'
        -``).  Whether running it is harmful is the rules' to say.  ``exec`` with no command runs
        nothing: its redirections apply to the shell (``bare``)."""
        if base != "exec":
            self.emit(words, reds, assignments, wrappers, via, stdin_args)

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
