"""Commands a git command line runs on this machine besides git itself.

``-c`` keys whose value is a command (``core.sshCommand``, ``alias.x=!…``, ``GIT_CONFIG_KEY_n``
pairs, and ``git clone -c``/``--config``, set before its first fetch), options whose value git
hands to a shell (``difftool -x``, ``rebase -x``, ``fetch --upload-pack``, ``archive --exec``,
``grep -O``, ``send-email --sendmail-cmd``, ``filter-branch --tree-filter``…), ``submodule
foreach`` and ``bisect run``, and the ``ext::CMD`` remote helper (a URL that is a command line).
Each is analysed like a command typed here, so a ``cd`` or ``git push`` inside is judged.
"""

from __future__ import annotations

from typing import Protocol

from goalrail.policies.builtins._git import clone_configs, parse_git
from goalrail.policies.builtins._shell_embedded import Walker, option_commands
from goalrail.policies.builtins._shell_evals import env_configs
from goalrail.policies.builtins._shell_types import SimpleCommand, Word

_URL_SUFFIXES = (".insteadof", ".pushinsteadof")


class GitWalker(Walker, Protocol):
    def git_configs(self, configs: list[tuple[str, str, bool]]) -> None: ...


def git_commands(walker: GitWalker, words: list[Word], assignments: tuple[str, ...]) -> None:
    call = parse_git(SimpleCommand(tuple(w for w, _ in words), tuple(d for _, d in words)))
    dynamic_words = {w for w, d in words if d}
    configs = [(c.partition("=")[0], c.partition("=")[2], c in dynamic_words) for c in call.configs]
    args = list(zip(call.args, call.dynamic, strict=True))
    if call.sub == "clone":  # `git clone -c core.sshCommand=… URL`: set before the fetch runs
        configs += [(c.partition("=")[0], c.partition("=")[2], d) for c, d in clone_configs(args)]
    walker.git_configs(configs + env_configs(assignments))
    if call.sub is None:
        return
    option_commands(walker, f"git {call.sub}", [("git", False), *args])  # `git difftool -x CMD`
    if call.sub == "submodule" and ("foreach", False) in args:  # its words, joined, run by sh
        rest = args[args.index(("foreach", False)) + 1 :]
        while rest and rest[0][0] in ("--recursive", "-q", "--quiet"):
            rest = rest[1:]
        walker.code(" ".join(w for w, _ in rest), any(d for _, d in rest), "`git submodule foreach`")
    elif call.sub == "bisect" and args[:1] == [("run", False)] and len(args) > 1:
        walker.resolve(args[1:], (), (), (), None, "`git bisect run`", False)
    urls = [*args, *((v, d) for _, v, d in configs), *((k[4:], d) for k, _, d in configs if k.startswith("url."))]
    for text, d in urls:
        if text.startswith("ext::"):
            _ext(walker, text[5:], d)


def _ext(walker: Walker, text: str, dynamic: bool) -> None:
    """``ext::sh -c cd% /etc``: git runs the words (``% `` is a blank, ``%%`` a percent sign)."""
    head, dot, suffix = text.rpartition(".")
    if dot and "." + suffix.lower() in _URL_SUFFIXES:  # `url.ext::….insteadOf`
        text = head
    argv = [(p.replace("\x00", " ").replace("%%", "%"), dynamic) for p in text.replace("% ", "\x00").split(" ") if p]
    if argv:
        walker.resolve(argv, (), (), (), None, "`git` ext:: remote", False)
