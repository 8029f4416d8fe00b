"""What a ``gh`` command does to GitHub: group/action tables, ``-R``, ``gh api`` methods."""

from __future__ import annotations

from goalrail.policies.builtins._github_ops import Op
from goalrail.policies.builtins._shell import SimpleCommand
from goalrail.policies.builtins._urls import github_repo, split_remote
from goalrail.policies.builtins._wrappers import names

_GH_IGNORED = names(
    "--help --version accessibility attestation browse completion help licenses preview search status version"
)

#: groups that touch no repository but the gh installation itself: the credentials (``auth``
#: ``token``/``refresh -s delete_repo``), programs it runs (``extension install``, ``config set
#: editor``), an agent acting on a repository (``copilot``, ``agent-task``); only these actions read
_GH_LOCAL_READS = {
    "auth": names("status"),
    "config": names("get list ls clear-cache"),
    "extension": names("list ls search browse"),
    "ext": names("list ls search browse"),
    "copilot": names("--help"),
    "agent-task": names("list view"),
}

_GH_READ = names("checkout checks clone co diff download list ls status verify verify-asset view watch")

_GH_DESTRUCTIVE = frozenset(
    tuple(p.split("/"))
    for p in names(
        "cache/delete gist/delete issue/delete issue/transfer label/delete project/delete release/delete "
        "release/delete-asset repo/archive repo/delete ruleset/delete run/delete secret/delete secret/remove "
        "variable/delete"
    )
)

_GH_GROUPS = names(
    "alias api cache codespace cs gist gpg-key issue label org pr project release repo ruleset run secret "
    "ssh-key variable workflow"
)

_GH_UNSCOPED = names("codespace cs gist gpg-key org project ssh-key")

_GH_API_VAL = names(
    "--cache --field --header --hostname --input --jq --method --preview --raw-field --template -F -H -X -f -p -q -t"
)


def gh_repo_value(value: str) -> tuple[str | None, bool]:
    """``owner/repo``, ``HOST/owner/repo`` or a URL → (repo, other_host)."""
    target = github_repo(value)
    if target is not None:
        return target[1], target[0] == "other"
    parts = [p for p in value.split("/") if p]
    if len(parts) == 3:
        if parts[0].lower() not in ("github.com", "www.github.com"):
            return None, True
        parts = parts[1:]
    if len(parts) == 2:
        return f"{parts[0]}/{parts[1]}".lower().removesuffix(".git"), False
    return None, False


_GH_API_SHORT_VAL = "FHXfpqt"
_FORCE_VALUES = frozenset({"true", "1", "yes", "on"})


def _api_options(args: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    """(options as (name, value) with short options split getopt-style, positional words)."""
    opts: list[tuple[str, str]] = []
    positional: list[str] = []
    i, n = 0, len(args)
    while i < n:
        w = args[i]
        if w == "--":
            positional.extend(args[i + 1 :])
            break
        if w.startswith("--"):
            name, eq, val = w.partition("=")
            if name in _GH_API_VAL:
                if not eq:
                    val = args[i + 1] if i + 1 < n else ""
                    i += 1
                opts.append((name, val))
            else:
                opts.append((name, ""))
        elif w.startswith("-") and len(w) > 1:
            j = 1
            while j < len(w):  # bundled flags (-iX PATCH), attached values (-ftitle=x, -XPATCH)
                ch = w[j]
                if ch in _GH_API_SHORT_VAL:
                    val = w[j + 1 :]
                    if not val:
                        val = args[i + 1] if i + 1 < n else ""
                        i += 1
                    opts.append(("-" + ch, val))
                    break
                opts.append(("-" + ch, ""))
                j += 1
        else:
            positional.append(w)
        i += 1
    return opts, positional


def _exposes(key: str, value: str) -> bool:
    """A field that makes a repository public: ``private=false``, ``visibility=public``, or a
    GraphQL ``updateRepository`` naming a visibility."""
    if key == "private":
        return value in ("false", "0", "no", "off")
    if key == "visibility":
        return value != "private"
    return key == "query" and "visibility" in value


def api_op(args: tuple[str, ...], dyn: tuple[bool, ...], repo: str | None) -> Op:
    """``gh api ARGS``: the method, endpoint and fields say what it does (also read for raw HTTP)."""
    if any(dyn):
        return Op("gh api", doubt="gh api arguments known only at run time")
    opts, positional = _api_options(args)
    method = None
    fields: dict[str, str] = {}
    body_file = False
    doubt: str | None = None
    mutation = force = exposes = False
    for name, val in opts:
        if name in ("-X", "--method"):
            method = val.strip().upper()
        elif name in ("-f", "--raw-field", "-F", "--field"):
            key, _, value = val.partition("=")
            fields[key.strip().lower()] = value
            low = val.lower()
            mutation = mutation or "mutation" in low
            force = force or (key.strip().lower() == "force" and value.strip().lower() in _FORCE_VALUES)
            force = force or ("force" in low and "true" in low and key.strip().lower() == "query")
            exposes = exposes or _exposes(key.strip().lower(), value.strip().lower())
            if name in ("-F", "--field") and value.startswith("@"):
                doubt = f"gh api field `{key.strip()[:30]}` read from a file"
                body_file = True
        elif name == "--input":
            body_file = True
            doubt = "gh api body read from a file (`--input`)"
        elif name in ("-H", "--header") and "method-override" in val.lower():
            doubt = "gh api with a method override header"
            method = method or "OVERRIDE"
        elif name == "--hostname" and val.lower() != "github.com":
            return Op("gh api", "write", other_host=True)
    endpoint = positional[0] if positional else None
    method = method or ("POST" if fields or body_file else "GET")
    path = (endpoint or "").lstrip("/")
    if path.startswith("https://") or path.startswith("http://"):
        target = github_repo(path)
        path = (split_remote(path) or ("", ""))[1].lstrip("/")
        if target is not None and target[0] == "other":
            return Op("gh api", "write", other_host=True)
    path = path.split("?", 1)[0]
    parts = path.split("/")
    if "%" in path or any(p in (".", "..") for p in parts):  # which repository a server resolves is unsure
        doubt = doubt or "gh api path with `.`, `..` or %-escapes"
        repo = None
    if parts[0] == "repos" and len(parts) >= 3 and "{" not in parts[1] + parts[2]:
        repo = f"{parts[1]}/{parts[2]}".lower()
    if path.startswith("graphql"):
        kind = "write" if mutation or body_file else "read"
    else:
        kind = "read" if method in ("GET", "HEAD") else ("destructive" if method == "DELETE" else "write")
    if exposes and kind == "write":
        kind = "destructive"  # a private repository made public: its code is out, for good
    if method not in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        doubt = doubt or f"gh api method `{method[:20]}`"
        kind = "write"
    scoped = kind != "read"  # an API write can target any branch (contents, refs, merges…)
    branches: tuple[str | None, ...] = (None,) if scoped else ()
    ref = "/".join(parts[3:]) if len(parts) > 3 and parts[0] == "repos" else ""
    if scoped and ref.startswith(("git/refs/heads/", "git/refs/tags/")):
        # PATCH …/git/refs/heads/<branch> with force=true is a force push by another name
        branches = (ref.removeprefix("git/refs/heads/"),) if ref.startswith("git/refs/heads/") else (None,)
    elif scoped:
        # the branch a body names: a new ref (POST …/git/refs), a file write (contents), a merge base
        named = [fields[k] for k in ("ref", "branch", "base") if k in fields]
        if named:
            branches = tuple(
                b.removeprefix("refs/heads/") if b and not b.startswith("refs/tags/") else None for b in named
            )
            if ref.startswith("contents") and "branch" not in fields:
                branches = (*branches, None)  # no `branch`: the default branch
    return Op(
        f"gh api {method}", kind, repo, branches=branches, branch_scoped=scoped, force=force and scoped, doubt=doubt
    )


def _gh_local(group: str, rest: tuple[str, ...], dyn: tuple[bool, ...]) -> list[Op]:
    """``gh auth``/``config``/``extension``/``copilot``/``agent-task``: ASKed unless a listed read
    (``gh auth status`` without ``--show-token``)."""
    action = rest[0] if rest and not dyn[0] else ""
    if action in _GH_LOCAL_READS[group] and not any(
        d or w in ("-t", "--show-token") for w, d in zip(rest, dyn, strict=True)
    ):
        return []
    return [Op(f"gh {group} {action[:20]}".strip(), doubt=f"gh {group} {action[:20]} changes gh or its token")]


def _repo_options(words: tuple[str, ...], dyn: tuple[bool, ...]) -> tuple[bool, str | None, bool, bool]:
    """``-R``/``--repo`` among ``words``: (found, repo, other host, known only at run time)."""
    found, repo, other = False, None, False
    for i, w in enumerate(words):
        name, eq, val = w.partition("=")
        if name in ("-R", "--repo") or (w.startswith("-R") and len(w) > 2):
            value = (
                val
                if eq
                else (w[2:] if len(w) > 2 and w.startswith("-R") else (words[i + 1] if i + 1 < len(words) else ""))
            )
            if (i + 1 < len(words) and dyn[i + 1] and not eq and w in ("-R", "--repo")) or dyn[i]:
                return True, None, False, True
            found = True
            repo, other = gh_repo_value(value)
    return found, repo, other, False


def _leading(argv: tuple[str, ...], dyn: tuple[bool, ...]) -> int:
    """The index of gh's command group: ``gh -R owner/repo repo delete`` names the repository
    before the group (gh reads its flags anywhere), so the group is the word after them."""
    i = 1
    while i < len(argv) and not dyn[i]:
        w = argv[i]
        if w in ("-R", "--repo"):
            i += 2
        elif w.startswith(("-R", "--repo=")):
            i += 1
        else:
            break
    return i


def gh_ops(cmd: SimpleCommand) -> list[Op]:
    argv, dyn = cmd.argv, cmd.dynamic
    if cmd.stdin_args:
        return [Op("gh", doubt="gh with arguments added at run time (xargs/find -exec)")]
    g = _leading(argv, dyn)
    if g >= len(argv):
        return [] if g == 1 else [Op("gh", doubt="gh without a command after --repo")]
    if dyn[g]:
        return [Op("gh", doubt="gh subcommand known only at run time")]
    group = argv[g]
    if group in _GH_IGNORED:
        return []
    if group in _GH_LOCAL_READS:
        return _gh_local(group, argv[g + 1 :], dyn[g + 1 :])
    if group not in _GH_GROUPS:
        return [
            Op(
                f"gh {group}",
                doubt=f"`gh {group}` is not a known gh command (an alias or extension?)",
            )
        ]
    repo: str | None = None
    other = False
    for a in cmd.assignments:
        if a.startswith("GH_REPO="):
            repo, other = gh_repo_value(a.split("=", 1)[1])
        elif a.startswith(("GH_HOST=", "GH_ENTERPRISE_TOKEN=")):
            other = other or not a.endswith("=github.com")
    rest, rdyn = argv[g + 1 :], dyn[g + 1 :]
    found, named, named_other, runtime = _repo_options((*argv[1:g], *rest), (*dyn[1:g], *rdyn))
    if runtime:
        return [Op(f"gh {group}", doubt="gh --repo known only at run time")]
    if found:
        repo, other = named, named_other
    if group == "api":
        return [api_op(rest, rdyn, repo)]
    if group == "alias":
        if rest[:1] in (("set",), ("import",)):
            return [Op("gh alias", doubt="gh alias definition")]
        return []
    action = rest[0] if rest and not rest[0].startswith("-") else ""
    if rest and rdyn[0]:
        return [Op(f"gh {group}", doubt="gh action known only at run time")]
    positional = [w for w in rest[1:] if not w.startswith("-")]
    if repo is None and not other:
        for w in positional:
            target = github_repo(w)
            if target is not None:
                repo, other = target[1], target[0] == "other"
                break
        else:
            if group == "repo" and positional and "/" in positional[0]:
                repo, other = gh_repo_value(positional[0])
    if action in _GH_READ and (group, action) not in _GH_DESTRUCTIVE:
        return [Op(f"gh {group} {action}", "read", repo, other)]
    if (group, action) == ("repo", "create") and repo is None:
        return [Op("gh repo create", "write", doubt="gh repo create without owner/name")]
    if (group, action) == ("repo", "fork"):  # the new repository is the user's or `--org`'s, not the one named
        return [Op("gh repo fork", "write", doubt="gh repo fork creates a repository the command line does not name")]
    kind = "destructive" if (group, action) in _GH_DESTRUCTIVE or _deletes_branch(group, action, rest) else "write"
    if (group, action) == ("repo", "edit") and any(w.startswith("--visibility") for w in rest):
        kind = "destructive"  # `--visibility public` publishes the code; no undo
    doubt = None
    if not action:
        doubt = f"gh {group} without an action"
    elif group in _GH_UNSCOPED:
        doubt = f"gh {group} {action} is not tied to a repository"
    # merging a PR writes its base branch, which the command line does not name
    scoped = (group, action) in (("pr", "merge"), ("repo", "sync"))
    force = (group, action) == ("repo", "sync") and "--force" in rest  # a hard reset of the remote branch
    return [
        Op(f"gh {group} {action}".strip(), kind, repo, other, (None,) if scoped else (), scoped, force, doubt=doubt)
    ]


#: ``gh pr merge``'s short options that take a value (``-b BODY``): a bundle stops at one
_PR_SHORT_VALUED = "bFtAR"


def _deletes_branch(group: str, action: str, rest: tuple[str, ...]) -> bool:
    """``gh pr close|merge -d``/``--delete-branch``: the pull request's branch is deleted."""
    if group != "pr" or action not in ("close", "merge"):
        return False
    for w in rest:
        if w == "--":
            return False
        if w == "--delete-branch" or (w.startswith("--delete-branch=") and w[16:].lower() not in ("false", "0")):
            return True
        if w.startswith("-") and not w.startswith("--"):
            for letter in w[1:]:
                if letter == "d":
                    return True
                if letter in _PR_SHORT_VALUED:
                    break
    return False
