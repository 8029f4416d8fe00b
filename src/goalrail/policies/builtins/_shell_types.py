"""The values ``_shell.analyze`` returns: simple commands and the analysis of a command line."""

from __future__ import annotations

from dataclasses import dataclass

Word = tuple[str, bool]  # (text, dynamic): dynamic = not known before run time


@dataclass(frozen=True, slots=True)
class Redirect:
    op: str  # ">", ">>", "<", "<<", "<<<", "&>", ...
    target: str  # path, heredoc body or herestring text
    dynamic: bool


@dataclass(frozen=True, slots=True)
class Wrapper:
    name: str  # "sudo", "env", "xargs"...
    args: tuple[str, ...]  # the wrapper's own options
    chdir: str | None = None  # directory it switches to (env -C)


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    argv: tuple[str, ...]
    dynamic: tuple[bool, ...]  # per argv word
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    assignments: tuple[str, ...] = ()  # VAR=value prefixes (incl. env's)
    via: str = ""  # how it was reached: "", "bash -c", "heredoc", "eval", "find -exec"...
    stdin_args: bool = False  # xargs / find -exec add arguments at run time
    stdin: str | None = None  # what a pipe feeds it: the text an `echo` writes, "\0pipe" for a program's output

    @property
    def name(self) -> str:
        """The command's basename (``/usr/bin/git`` → ``git``)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def is_static(self, i: int) -> bool:
        return 0 <= i < len(self.dynamic) and not self.dynamic[i]

    @property
    def incomplete(self) -> bool:
        """Some argument is dynamic or will be appended at run time."""
        return self.stdin_args or any(self.dynamic)


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    source: str
    commands: tuple[SimpleCommand, ...]
    unknown: tuple[str, ...]  # reasons the command is not fully resolvable
    bare: tuple[Redirect, ...] = ()  # redirects of commands that run nothing (`> f`, `exec 3< f`)
    written: tuple[tuple[str, str], ...] = ()  # files the line writes, with the text it shows (`_shell_files`)

    @property
    def resolved(self) -> bool:
        return not self.unknown

    def named(self, *names: str) -> list[SimpleCommand]:
        return [c for c in self.commands if c.name in names]
