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
    elif call.sub == "config":  # `git config core.pager CMD`: kept in the repository, run by later gits
        configs += config_writes(args)
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


def gh_git_words(words: list[Word]) -> list[Word] | None:
    """``gh repo clone R [DIR] -- FLAGS`` / ``gh repo fork R --clone -- FLAGS``: gh runs ``git
    clone FLAGS URL``, so the flags are read as git's (``--upload-pack``, ``-c``, ``--template``)."""
    argv = [w for w, _ in words]
    if argv[1:3] not in (["repo", "clone"], ["repo", "fork"]) or "--" not in argv:
        return None
    cut = argv.index("--")
    repo = next((w for w, d in words[3:cut] if not d and not w.startswith("-")), "")
    url = repo if "://" in repo or repo.startswith("git@") else f"https://github.com/{repo}"
    return [("git", False), ("clone", False), *words[cut + 1 :], ("--", False), (url, not repo)]


#: ``git config`` options that take a value (``--file F``, ``--type T``…) or make it read, not write
_CONFIG_VALUED = frozenset({"-f", "--file", "--blob", "--type", "--default", "--comment", "--value"})
_CONFIG_READS = frozenset({"get", "list", "-l", "--list", "--get", "--get-all", "--get-regexp", "--get-urlmatch"})


def config_writes(args: list[Word]) -> list[tuple[str, str, bool]]:
    """``git config [--local|set|--add|--replace-all] KEY VALUE``: the (key, value, dynamic) it writes."""
    words: list[Word] = []
    i = 0
    while i < len(args):
        w, d = args[i]
        if not d and w in _CONFIG_READS:
            return []
        if not d and w in _CONFIG_VALUED:
            i += 2
            continue
        if d or not w.startswith("-"):
            words.append((w, d))
        i += 1
    if words[:1] in ([("set", False)], [("add", False)]):  # git 2.46's `git config set KEY VALUE`
        words = words[1:]
    if len(words) < 2 or words[0][1]:
        return []
    return [(words[0][0], words[1][0], words[1][1])]
