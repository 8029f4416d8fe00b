"""What a git command or a GitHub MCP / gh call does to GitHub, as ``Op`` values.

An ``Op`` says read / write / destructive, which repository (``owner/repo``,
lower-case) and branches it touches, whether it forces, and — when parsing
cannot tell — a ``doubt`` (the policy answers ASK, never ALLOW).  This module
holds ``Op`` and the git side (push refspecs, remotes, risky configuration);
``_github_gh`` and ``_github_mcp`` classify gh and MCP tools.
"""

from __future__ import annotations

from dataclasses import dataclass

from goalrail.policies.builtins._git import clone_configs, parse_git
from goalrail.policies.builtins._git_config import config_doubt, env_doubt
from goalrail.policies.builtins._shell import SimpleCommand
from goalrail.policies.builtins._urls import github_repo
from goalrail.policies.builtins._wrappers import names


@dataclass(frozen=True, slots=True)
class Op:
    what: str  # short description for reasons
    kind: str | None = None  # "read" | "write" | "destructive"; None = unclassifiable
    repo: str | None = None
    other_host: bool = False  # targets a host that is not github.com
    branches: tuple[str | None, ...] = ()  # None = a branch we cannot name
    branch_scoped: bool = False
    force: bool = False
    doubt: str | None = None


_PUSH_VAL = names("--exec --push-option --receive-pack --recurse-submodules --repo -o")

_PUSH_FLAGS = names(
    "--all --atomic --branches --delete --dry-run --follow-tags --force --force-if-includes --ipv4 --ipv6 "
    "--mirror --no-atomic --no-follow-tags --no-force-if-includes --no-progress --no-prune "
    "--no-recurse-submodules --no-signed --no-thin --no-verify --porcelain --progress --prune --quiet "
    "--set-upstream --signed --tags --thin --verbose --verify -4 -6 -d -f -n -q -u -v"
)

#: git push's long options, for the prefixes parse-options accepts (``--force-w`` is ``--force-with-lease``)
_PUSH_LONG = tuple(sorted({o for o in _PUSH_FLAGS | _PUSH_VAL if o.startswith("--")} | {"--force-with-lease"}))
_FORCES = frozenset({"--force", "--force-with-lease"})

#: ``git config`` forms that only read (``--get``, ``get``, ``--list``…)
_CONFIG_READS = names("--get --get-all --get-regexp --get-urlmatch --list -l --show-origin --show-scope get list")
_CONFIG_SUBS = names("set unset get list edit rename-section remove-section get-regexp")
_CONFIG_VAL = names("--file -f --blob --type --default --comment --value --url")

_READ_SUBS = names("clone fetch ls-remote pull")

#: builtins that send the repository or a credential elsewhere, serve it, or run a program
_SENDS = {
    "send-email": "sends commits by email",
    "credential": "reads or stores a credential",
    "instaweb": "serves the repository over HTTP",
    "archive": "runs or reaches a remote archiver",
    "fetch-pack": "runs a pack program",
}
_PACK_OPTS = ("--remote", "--exec", "--upload-pack")


def _remote(remote: str, dynamic: bool) -> tuple[str | None, bool, str | None]:
    """(repo, other_host, doubt) for a push/fetch remote argument."""
    if dynamic:
        return None, False, "remote known only at run time"
    if "::" in remote.split("/", 1)[0]:
        return None, False, f"git remote helper `{remote.split('::', 1)[0][:20]}::` can run programs"
    target = github_repo(remote)
    if target is None:
        return None, False, f"remote `{remote[:40]}` does not say which GitHub repository"
    kind, repo = target
    if kind == "other":
        return None, True, None
    if repo is None:
        return None, False, "GitHub URL without owner/repo"
    return repo, False, None


@dataclass(slots=True)
class _Push:
    """What ``git push``'s words say so far; the first doubt found is the one reported."""

    force: bool = False
    delete: bool = False
    all_branches: bool = False
    tags: bool = False
    repo_opt: str | None = None
    doubt: str | None = None

    def doubts(self, why: str) -> None:
        self.doubt = self.doubt or why

    def long_option(self, w: str, args: tuple[str, ...], i: int) -> int:
        """``--name[=value]`` at ``args[i]``; returns the index of the next word."""
        name, eq, val = w.partition("=")
        if name not in _PUSH_LONG:  # an abbreviation: the option it is a prefix of (a force, if any may be)
            full = [o for o in _PUSH_LONG if o.startswith(name)]
            name = full[0] if len(full) == 1 else "--force" if _FORCES.intersection(full) else name
        if name.startswith("--force"):
            self.force = self.force or name in ("--force", "--force-with-lease")
        elif name in ("--all", "--branches"):
            self.all_branches = True
        elif name == "--mirror":
            self.force = self.delete = self.all_branches = True
        elif name in ("--tags", "--follow-tags"):
            self.tags = True
        elif name in ("--delete", "--prune"):
            self.delete = True
        elif name in _PUSH_VAL:
            if not eq:
                val = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            if name == "--repo":
                self.repo_opt = val
            elif name in ("--receive-pack", "--exec"):
                self.doubts(f"git push {name} runs a remote program")
            elif name == "--recurse-submodules" and val.strip().lower() in ("on-demand", "only"):
                self.doubts("git push also pushes submodules to their own remotes")
        elif name not in _PUSH_FLAGS:
            self.doubts(f"git push option `{name}` is not understood")
        return i + 1

    def short_options(self, w: str, i: int) -> int:
        """A bundle of short options (``-fu``) at ``args[i]``; returns the index of the next word."""
        for j, ch in enumerate(w[1:], 1):
            if ch == "f":
                self.force = True
            elif ch == "d":
                self.delete = True
            elif ch == "o":  # `-o value` / `-ovalue`: the rest is the push option's value
                if j == len(w) - 1:
                    i += 1
                break
            elif ch not in "unqv46":
                self.doubts(f"git push option `-{ch}` is not understood")
        return i + 1

    def words(self, args: tuple[str, ...], dyn: tuple[bool, ...]) -> list[tuple[str, bool]]:
        """Read the options; returns the positional words (remote, then refspecs)."""
        positional: list[tuple[str, bool]] = []
        i, n = 0, len(args)
        while i < n:
            w, d = args[i], dyn[i]
            if not w.startswith("-") or w == "-":  # git parses options after positionals too (until `--`)
                positional.append((w, d))
                i += 1
            elif d:
                self.doubts("git push option known only at run time")
                i += 1
            elif w == "--":
                positional.extend(zip(args[i + 1 :], dyn[i + 1 :], strict=True))
                break
            elif w.startswith("--"):
                i = self.long_option(w, args, i)
            else:  # `-` alone is a positional (above), so this is `-x…`
                i = self.short_options(w, i)
        return positional

    def refspec_branches(self, refspecs: list[tuple[str, bool]]) -> list[str | None]:
        """The branches the refspecs write (None: one we cannot name); notes `+`, `:dst` and tags."""
        branches: list[str | None] = []
        for spec, sdyn in refspecs:
            if sdyn:
                self.doubts("refspec known only at run time")
                branches.append(None)
                continue
            if spec.startswith("+"):
                self.force = True
                spec = spec[1:]
            src, colon, dst = spec.partition(":")
            if colon and not src:
                self.delete = True
            target = dst if colon else src
            if target.startswith("refs/tags/"):
                self.tags = True
                continue
            branches.append(_branch_name(target.removeprefix("refs/heads/")))
        return branches


def _branch_name(target: str) -> str | None:
    """The branch a refspec's destination names, or None when it is not a plain branch name."""
    odd = ".." in target or target.startswith(("@", "-", "/")) or target.endswith((".lock", "/", "."))
    if not target or target == "HEAD" or odd or any(c in target for c in "*?[~^: \\"):
        return None
    return target


def _push(cmd: SimpleCommand, args: tuple[str, ...], dyn: tuple[bool, ...], risky: list[str]) -> Op:
    push = _Push(doubt=f"git push with {risky[0]}" if risky else None)
    positional = push.words(args, dyn)
    if positional:
        remote, rdyn = positional[0]
        refspecs = positional[1:]
    elif push.repo_opt is not None:
        remote, rdyn, refspecs = push.repo_opt, False, []
    else:
        remote, rdyn, refspecs = "", False, []
    if remote:
        repo, other, rdoubt = _remote(remote, rdyn)
    else:
        repo, other, rdoubt = None, False, "git push to the default remote"
    branches = push.refspec_branches(refspecs)
    if push.all_branches or push.tags or not refspecs:
        branches.append(None)  # --all, tags or the current branch: not a nameable branch
    what = "git push" + (f" to `{repo}`" if repo else "")
    return Op(
        what,
        "destructive" if push.delete else "write",
        repo,
        other,
        tuple(branches),
        True,
        push.force,
        push.doubt or rdoubt,
    )


def _config(args: tuple[str, ...], dyn: tuple[bool, ...]) -> list[Op]:
    """``git config`` writing a key that is not on the safe list (a persistent ``-c``)."""
    if any(dyn):
        return [Op("git config", doubt="git config with arguments known only at run time")]
    words: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in _CONFIG_READS:
            return []
        if a in _CONFIG_VAL:
            i += 2
            continue
        if not a.startswith("-"):
            words.append(a)
        i += 1
    if words[:1] and words[0] in _CONFIG_SUBS:
        if words[0] in ("get", "list", "get-regexp"):
            return []
        words = words[1:]
    if not words:
        return []
    if len(words) == 1 and not {"--unset", "--unset-all", "--remove-section"} & set(args):
        return []  # `git config key`: a read
    if not config_doubt(words[0], words[1] if len(words) > 1 else None):
        return []
    return [Op("git config", doubt=f"git config sets `{words[0][:40]}`")]


def git_ops(cmd: SimpleCommand) -> list[Op]:
    git = parse_git(cmd)
    if git.unknown is not None:
        return [Op("git", doubt=git.unknown)]
    if cmd.stdin_args:  # `echo push | xargs git`: the subcommand itself may come from stdin
        return [Op(f"git {git.sub or ''}".rstrip(), doubt="git with arguments added at run time (xargs/find -exec)")]
    if git.sub is None:
        return []
    risky = [
        f"-c {c.split('=', 1)[0][:40]}"
        for c in git.configs
        if config_doubt(c.split("=", 1)[0], c.split("=", 1)[1] if "=" in c else None)
    ]
    risky += [f"{a.split('=', 1)[0][:40]} set" for a in cmd.assignments if env_doubt(*a.partition("=")[::2])]
    if git.exec_path is not None:
        risky.append("--exec-path")
    sub, args, dyn = git.sub, git.args, git.dynamic
    if sub == "clone":
        risky += [
            f"-c {c.split('=', 1)[0][:40]}"
            for c, d in clone_configs(list(zip(args, dyn, strict=True)))
            if d or config_doubt(c.split("=", 1)[0], c.split("=", 1)[1] if "=" in c else None)
        ]
    if sub in ("clone", "init") and any(a.startswith("--template") for a in args):
        risky.append("--template")  # hooks copied from a directory run at checkout
    if risky and sub not in ("push", "send-pack", "lfs", *_READ_SUBS):
        # configuration that runs programs or loads hooks acts on every subcommand (fsmonitor on status…)
        return [Op(f"git {sub}", doubt=f"git {sub} with {risky[0]} (can run programs)")]
    if sub in ("push", "send-pack"):
        return [_push(cmd, args, dyn, risky)]
    if sub == "lfs" and args[:1] == ("push",):
        return [_push(cmd, args[1:], dyn[1:], risky)]
    if sub in _READ_SUBS:
        exec_opt = next(
            (
                a
                for a in args
                if a.startswith(("--upload-pack", "--receive-pack", "--exec")) or (sub == "clone" and a == "-u")
            ),
            None,
        )
        if risky:
            return [Op(f"git {sub}", doubt=f"git {sub} with {risky[0]}")]
        if exec_opt is not None:
            return [Op(f"git {sub}", doubt=f"git {sub} with {exec_opt.split('=')[0]}")]
        urls = [(a, d) for a, d in zip(args, dyn, strict=True) if not a.startswith("-")]
        if not urls:
            return [Op(f"git {sub}", "read", doubt=f"git {sub} from the default remote")]
        repo, other, doubt = _remote(*urls[0])
        if doubt is not None and "remote helper" in doubt:
            return [Op(f"git {sub}", doubt=doubt)]
        return [Op(f"git {sub}", "read", repo, other, doubt=doubt)]
    if sub == "config":
        return _config(args, dyn)
    if sub == "remote" and args[:1] in (("add",), ("set-url",)):
        return [Op("git remote", doubt="git remote changes where pushes go")]
    elsewhere = _SENDS.get(sub)
    if elsewhere is not None and (sub not in ("archive", "fetch-pack") or any(a.startswith(_PACK_OPTS) for a in args)):
        return [Op(f"git {sub}", doubt=f"git {sub} {elsewhere}")]
    nested = (
        (sub == "submodule" and "foreach" in args)
        or (sub == "bisect" and args[:1] == ("run",))
        or (sub == "rebase" and any(a in ("-x", "--exec") or a.startswith("--exec=") for a in args))
        or sub == "filter-branch"
    )
    if nested:
        return [Op(f"git {sub}", doubt=f"git {sub} runs nested commands")]
    return []
