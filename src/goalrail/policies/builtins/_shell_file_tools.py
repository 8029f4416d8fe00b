"""Programs whose files are not plain operands: the file actions ``_shell_file_effects`` reads
from ``git``, ``docker``/``podman``, ``sqlite3``, ``make`` and the package installers.

* ``git`` (after its global options; ``-C DIR`` is where its paths are taken): an object named
  ``REV:PATH`` (``git show HEAD:.env``, ``git cat-file -p HEAD:.env``, ``stash@{0}:f``) reads
  ``PATH``; the paths the content-showing commands name (``show``, ``diff``, ``log``, ``blame``,
  ``grep``, ``add``, ``stash show`` — after ``--`` or as operands that look like paths; ``diff
  --no-index A B``) are read; ``archive`` reads the tree it packs (the paths named, else the
  repository: ``.``) and writes ``-o``; ``--output=F`` of ``diff``/``log``/``show``/``format-patch``
  writes ``F``, ``format-patch -o DIR`` writes into ``DIR``, ``bundle create F`` writes ``F`` (``bundle
  verify F`` reads it), ``commit``/``tag``/``merge``/``notes`` ``-F F`` read ``F``;
  ``checkout``/``restore``/``reset`` write the paths after ``--``, and ``restore``,
  ``checkout-index``, ``stash push`` and ``checkout`` those before it
  (``checkout``'s that no branch can be: ``.claude``, ``app/.mcp.json``); ``clean`` (not ``-n``)
  deletes files under the paths it names, else under ``.``; ``clone URL DIR`` and ``init DIR``
  write files under ``DIR``.  A pathless ``git show``/``git diff``/``git log -p`` shows the repository's own history
  and names no file.  ``send-email`` reads the patches it mails; a subcommand git does not
  have (an alias, a ``git-foo`` program) is a program Goalrail does not know: the paths it is
  handed are asked where a ``file_read`` rule denies them.
* ``docker``/``podman``/``nerdctl`` (``run``, ``create``, ``exec``…): a bind mount (``-v SRC:DST``,
  ``--volume``, ``--mount type=bind,source=SRC``) reads and writes every file under ``SRC``
  (reads only with ``:ro``/``readonly``); ``--env-file F`` reads ``F``; ``cp SRC CTR:DST`` reads
  ``SRC`` (a tree), ``cp CTR:SRC DST`` writes ``DST``; ``build`` reads its context (a tree),
  ``-f F`` and ``--secret id=x,src=F``; ``secret create``/``config create NAME F`` read ``F``.
  A named volume (no ``/``, ``~``, ``.`` or ``$``) is no host file.
* ``sqlite3 DB [SQL…]`` reads ``DB`` and writes it unless every statement only reads (none given:
  stdin's are not known here) or ``-readonly``; ``-init F`` reads ``F``; the files its statements
  name (``.output F``, ``readfile('F')``…) as ``_shell_file_sql`` reads them.
* ``make``: ``-f F`` reads ``F``; ``-C DIR`` is where it reads it.  ``pip``/``uv pip``
  ``install``: a local directory (``./pkg``, ``-e .``) is read as a tree (its build runs from
  it), ``-r F``/``-c F`` read ``F``; ``-t``/``--target``… (``download -d DIR``, ``wheel -w DIR``)
  write under it; ``--log F``, ``--report F`` write ``F``.
"""

from __future__ import annotations

import posixpath
import re

from goalrail.policies.builtins._git import SUBCOMMANDS
from goalrail.policies.builtins._shell_file_filters import made_venv
from goalrail.policies.builtins._shell_file_programs import DELETE, READ, WRITE, Adds
from goalrail.policies.builtins._shell_file_sql import sql_files
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._shell_words import indexed_operands

__all__ = ["TOOL_HANDLERS", "linked", "made_links", "makes_links"]

_GIT_VALUES = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"})
_GIT_SHOWS = frozenset({"show", "diff", "log", "blame", "annotate", "grep", "add", "whatchanged", "difftool"})
_GIT_WRITES = frozenset({"checkout", "restore", "reset"})
#: subcommands that take an object `REV:PATH` (a commit message's `fix: x` is none)
_GIT_OBJECTS = frozenset({"show", "cat-file", "diff", "archive", "log", "grep", "blame", "difftool", "ls-tree"})
_GIT_OPTION_VALUES = frozenset({"-o", "--output", "-L", "--format", "--prefix", "-e", "-f", "-n", "-S", "-G"})
#: `git clone`/`git init` options that take a value (`--opt=value` is one word)
_GIT_CLONE_VALUES = frozenset(
    (  # noqa: SIM905
        "-b --branch -o --origin -c --config --depth --reference --reference-if-able --separate-git-dir -u"
        " --upload-pack --template --filter --shallow-since --shallow-exclude -j --jobs --bundle-uri"
        " --server-option --object-format --ref-format --initial-branch"
    ).split()
)
#: `git restore`/`checkout`/`checkout-index`/`stash push` options that take a value
_GIT_RESTORE_VALUES = frozenset(
    ("-s", "--source", "-b", "-B", "--orphan", "--conflict", "--prefix", "--pathspec-from-file", "-m", "--message")
)
#: the options of a subcommand naming a file: (the action on it, whether files are written into it)
_GIT_FILES: dict[str, dict[str, tuple[str, bool]]] = {
    **{sub: {} for sub in ("diff", "log", "show", "whatchanged", "diff-tree", "diff-index", "diff-files")},
    "archive": {"-o": (WRITE, False)},
    "format-patch": {"-o": (WRITE, True), "--output-directory": (WRITE, True)},
    **{sub: {"-F": (READ, False), "--file": (READ, False)} for sub in ("commit", "tag", "merge", "notes")},
}
#: `git add`'s (its `-f` forces, `-n` is a dry run), `hash-object`'s and `update-index`'s, `config`'s
_GIT_ADD_VALUES = frozenset({"--pathspec-from-file", "--chmod"})
_GIT_STORE_VALUES = frozenset({"-t", "--path", "--cacheinfo", "--chmod", "--index-info"})
_GIT_CONFIG_VALUES = frozenset({"-f", "--file", "--blob", "--type", "--default", "--comment", "--value"})
_GIT_CONFIG_SETS = frozenset({"--add", "--replace-all", "--unset", "--unset-all", "set", "unset", "edit", "-e"})
_CONTAINERS = frozenset({"docker", "podman", "nerdctl", "finch"})
_VOLUME = ("-v", "--volume")
_MOUNT = "--mount"


def _looks_local(text: str) -> bool:
    return text[:1] in ("/", "~", ".", "$")


def _git(line: Adds, words: list[Word], base: str | None) -> None:
    i = 0
    while i < len(words) and words[i][0].startswith("-"):
        text = words[i][0]
        if text == "-C" and i + 1 < len(words):
            target = words[i + 1][0]
            base = target if target[:1] in ("/", "~") or not base else posixpath.join(base, target)
        i += 2 if text in _GIT_VALUES else 1
    if i >= len(words):
        return
    sub, rest = words[i][0], words[i + 1 :]
    if sub not in SUBCOMMANDS:  # `git foo …`: an alias or a `git-foo` program Goalrail does not know
        line.hand(f"git {sub}", rest, base)
        return
    if sub == "send-email":  # the patches (or a directory of them) mailed
        for w in rest:
            if not w[0].startswith("-") and "@" not in w[0]:
                line.add(READ, w, tree=True, base=base)
        return
    if sub == "stash" and rest and rest[0][0] == "show":
        sub, rest = "show", rest[1:]
    for text, dyn in rest if sub in _GIT_OBJECTS else ():  # `HEAD:.env`, `stash@{0}:f`, `:0:f` (the index)
        if ":" in text and not text.startswith("-") and "://" not in text and " " not in text:
            path = text.rpartition(":")[2] if text.startswith(":") else text.partition(":")[2]
            if path:
                line.add(READ, (path[2:] if path.startswith("./") else path, dyn), base=base)
    dashes = next((k for k, w in enumerate(rest) if w[0] == "--" and not w[1]), None)
    named = rest[dashes + 1 :] if dashes is not None else []
    before = rest if dashes is None else rest[:dashes]
    if sub in _GIT_FILES:
        _git_files(line, _GIT_FILES[sub], before, base)
    if sub in _GIT_SHOWS or sub == "archive":
        skip = False
        valued = _GIT_OPTION_VALUES if sub != "add" else _GIT_ADD_VALUES  # (`git add -f F`: forced)
        for text, dyn in before:  # operands that are paths (a revision is not: `HEAD`, `main~2`)
            if skip:
                skip = False
            elif text in valued:
                skip = True
            elif not dyn and not text.startswith("-") and ":" not in text and (_looks_local(text) or "/" in text):
                named.append((text, dyn))
        for w in named:
            line.add(READ, w, tree=sub in ("grep", "add", "archive"), base=base, some=True)  # (what git tracks)
        if sub == "archive" and not named:
            line.add(READ, (".", False), tree=True, base=base, some=True)
    elif sub in _GIT_WRITES or sub in ("stash", "checkout-index"):
        for w in named + (_restored(sub, before) if sub != "reset" else []):
            line.add(WRITE, w, base=base)
    elif sub == "clean" and not any(
        t in ("-n", "--dry-run") or (t[:2] != "--" and "n" in t[1:]) for t, _ in before if t[:1] == "-"
    ):
        # `git clean -fdx [PATH…]`: the untracked (with `-x`, ignored too) files under each path
        paths = named + [w for w in before if not w[0].startswith("-")]
        for w in paths or [(".", False)]:
            line.add(DELETE, w, tree=True, base=base, some=True)
    elif sub in ("hash-object", "update-index"):  # `git hash-object -w F`: F's content stored, printable
        for w in _git_operands(before + named, _GIT_STORE_VALUES):
            line.add(READ, w, base=base)
    elif sub == "config" and (given := _git_config_file(before)) is not None:  # `git config -f F --list`
        sets = len(_git_operands(before, _GIT_CONFIG_VALUES)) > 1 or any(w[0] in _GIT_CONFIG_SETS for w in before)
        line.add(WRITE if sets else READ, given, base=base)
    elif sub == "bundle" and len(before) > 1:  # `git bundle create F REV…` writes F; `verify F`… read it
        for w in [w for w in before[1:] if not w[0].startswith("-")][:1]:
            line.add(WRITE if before[0][0] == "create" else READ, w, base=base)
    elif sub in ("clone", "init"):  # `git clone URL DIR`, `git init DIR`: the directory it fills
        ops = _git_operands(before)
        for w in ops[1:2] if sub == "clone" else ops[:1]:
            line.add(WRITE, w, tree=True, base=base, some=True)


def _git_files(line: Adds, options: dict[str, tuple[str, bool]], before: list[Word], base: str | None) -> None:
    """The files a subcommand's ``options`` name (``--output F`` written by every one of them):
    ``git diff --output=F``, ``git format-patch -o DIR`` (``-oDIR``), ``git commit -F F``."""
    for k, (text, dyn) in enumerate(before):
        option, eq, value = text.partition("=") if text.startswith("--") else (text[:2], text[2:3], text[2:])
        word = (value, dyn) if eq else before[k + 1] if k + 1 < len(before) else None
        kind, tree = options.get(option, (WRITE, False) if option == "--output" else ("", False))
        if kind and word is not None and word[0] not in ("", "-"):
            line.add(kind, word, tree=tree, base=base, some=tree)


def _restored(sub: str, before: list[Word]) -> list[Word]:
    """The paths a ``git`` command puts back from the index or a commit, named before any ``--``:
    ``restore F`` (not ``--staged`` alone: the index only), ``checkout [REV] F`` (an operand no
    branch can be: ``.claude``, ``./x``, ``~/x``, ``/x``, ``app/.claude``; ``main``, ``feature/x`` are
    none), ``checkout-index F``, ``stash push F`` (``stash -- F`` is read after ``--``)."""
    flags = [t for t, _ in before if t.startswith("-")]
    if (
        sub == "restore"
        and any(t in ("-S", "--staged") for t in flags)
        and not any(t in ("-W", "--worktree") for t in flags)
    ):
        return []
    if sub == "stash":
        if not before or before[0][0] != "push":
            return []
        before = before[1:]
    ops = _git_operands(before, _GIT_RESTORE_VALUES)
    if sub == "checkout":
        return [(t, d) for t, d in ops if t not in (".", "./", "..") and (t[:1] in ("/", "~", ".") or "/." in t)]
    return ops


def _git_config_file(words: list[Word]) -> Word | None:
    """The file ``git config -f F``/``--file F``/``--file=F`` reads or writes."""
    given = [words[k + 1] for k, w in enumerate(words[:-1]) if w[0] in ("-f", "--file")]
    return next(iter(given or [(t[7:], d) for t, d in words if t.startswith("--file=")]), None)


def _git_operands(words: list[Word], values: frozenset[str] = _GIT_CLONE_VALUES) -> list[Word]:
    """``git clone``/``init``'s operands, past the values of their options."""
    return [words[i] for i, _ in indexed_operands((text for text, _ in words), values)]


def _mount_source(value: str) -> tuple[str, bool] | None:
    """(host source, read-only) of a ``-v``/``--mount`` value; None for a named volume."""
    if value.startswith(("type=", "source=", "src=", "target=", "dst=", "destination=", "readonly", "ro")):
        fields = dict(f.partition("=")[::2] for f in value.split(","))
        if fields.get("type", "volume") != "bind":
            return None
        source = fields.get("source") or fields.get("src") or ""
        return (source, any(k in fields for k in ("readonly", "ro"))) if source else None
    source, _, rest = value.partition(":")
    if not _looks_local(source):
        return None
    return source, "ro" in rest.partition(":")[2].split(",")


def _containers(line: Adds, words: list[Word], base: str | None) -> None:
    texts = [t for t, _ in words]
    sub = next((t for t in texts if not t.startswith("-")), "")
    for k, (text, dyn) in enumerate(words):
        value: Word | None = None
        if text in (*_VOLUME, _MOUNT, "--env-file", "--secret") and k + 1 < len(words):
            value = words[k + 1]
        elif text.startswith(("--volume=", "--mount=", "--env-file=", "--secret=")):
            value = (text.partition("=")[2], dyn)
        elif text.startswith("-v") and len(text) > 2 and not text.startswith("--"):
            value = (text[2:], dyn)
        if value is None:
            continue
        if text.startswith("--env-file"):
            line.add(READ, value, base=base)
            continue
        if text.startswith("--secret"):  # `build --secret id=x,src=.env`
            fields = dict(f.partition("=")[::2] for f in value[0].split(","))
            if source := fields.get("src") or fields.get("source"):
                line.add(READ, (source, value[1]), base=base)
            continue
        found = _mount_source(value[0])
        if found is not None:
            source, read_only = found
            line.add(READ, (source, value[1]), tree=True, base=base, some=True)  # (what the container reads)
            if not read_only:
                line.add(WRITE, (source, value[1]), tree=True, base=base)
    ops = [w for w in words[texts.index(sub) + 1 :] if not w[0].startswith("-")] if sub else []
    if sub in ("secret", "config") and len(ops) >= 3 and ops[0][0] == "create":  # `secret create NAME FILE`
        line.add(READ, ops[2], base=base)
    elif sub == "cp" and len(ops) >= 2:
        src, dest = ops[-2], ops[-1]
        if ":" not in src[0].partition("/")[0] or _looks_local(src[0]):
            line.add(READ, src, tree=True, base=base)
        else:  # `docker cp c:/root/.docker/config.json .`: read in the container
            line.remote(src)
        if ":" not in dest[0].partition("/")[0] or _looks_local(dest[0]):
            line.add(WRITE, dest, tree=True, base=base)
    elif sub in ("build", "buildx") and ops:
        line.add(READ, ops[-1], tree=True, base=base)
        for k, (text, _dyn) in enumerate(words[:-1]):
            if text in ("-f", "--file"):
                line.add(READ, words[k + 1], base=base)


def _make(line: Adds, words: list[Word], base: str | None) -> None:
    for k, (text, _dyn) in enumerate(words):
        value: Word | None = words[k + 1] if text in ("-C", "--directory") and k + 1 < len(words) else None
        if value is not None and not value[1]:
            base = value[0] if value[0][:1] in ("/", "~") or not base else posixpath.join(base, value[0])
    for k, (text, dyn) in enumerate(words):
        if text in ("-f", "--file", "--makefile") and k + 1 < len(words):
            line.add(READ, words[k + 1], base=base)
        elif text.startswith(("--file=", "--makefile=")):
            line.add(READ, (text.partition("=")[2], dyn), base=base)
        elif text.startswith("-f") and len(text) > 2 and not text.startswith("--"):
            line.add(READ, (text[2:], dyn), base=base)


#: ``pip install``'s options naming where it installs (``download``'s, ``wheel``'s: where it saves)
_PIP_INTO = ("-t", "--target", "--prefix", "--root", "-d", "--dest", "-w", "--wheel-dir")
#: the options naming a file pip writes: its log, its report, a lock file
_PIP_WRITES = ("--log", "--report", "--log-file", "-o", "--output")


def _pip(line: Adds, words: list[Word], base: str | None) -> None:
    texts = [t for t, _ in words]
    if texts[:1] == ["venv"]:  # `uv venv DIR`
        made_venv(line, words[1:], base)
        return
    sub = next((t for t in texts if t in ("install", "download", "wheel", "lock")), None)
    if sub is None:
        return
    k = texts.index(sub) + 1
    while k < len(words):
        text, dyn = words[k]
        option, eq, value = text.partition("=")
        if option in _PIP_WRITES and (eq or k + 1 < len(words)):  # `--log F`, `--report=F`
            line.add(WRITE, (value, dyn) if eq else words[k + 1], base=base)
            k += 0 if eq else 1
        elif text in ("-r", "--requirement", "-c", "--constraint") and k + 1 < len(words):
            line.add(READ, words[k + 1], base=base)
            k += 1
        elif text in ("-e", "--editable") and k + 1 < len(words):
            if _looks_local(words[k + 1][0]):
                line.add(READ, words[k + 1], tree=True, base=base)
            k += 1
        elif text in _PIP_INTO and k + 1 < len(words):  # `pip install --target /etc/x foo`: installed there
            line.add(WRITE, words[k + 1], tree=True, base=base)
            k += 1
        elif text.partition("=")[0] in _PIP_INTO and "=" in text:
            line.add(WRITE, (text.partition("=")[2], dyn), tree=True, base=base)
        elif not text.startswith("-") and (_looks_local(text) or text.startswith("file:")):
            line.add(READ, (text[5:] if text.startswith("file:") else text, dyn), tree=True, base=base)
        k += 1


_LINKED = re.compile(r"^-[a-zA-Z]*[ls]")  # (a cluster holding `-l` or `-s`)


def makes_links(name: str, args: tuple[str, ...]) -> bool:
    """Whether ``name args`` makes links: ``ln``; ``cp -l|--link``, ``-s|--symbolic-link``, ``-al``."""
    return name == "ln" or (name == "cp" and any(a in ("--link", "--symbolic-link") or _LINKED.match(a) for a in args))


def made_links(links: dict[str, str], cmd: SimpleCommand) -> None:
    """The links ``ln [-s] SRC… DEST`` makes, spelled as the line names them: ``DEST`` (one
    source) and ``DEST/NAME`` (into a directory) stand for ``SRC``."""
    words = list(zip(cmd.args, cmd.dynamic[1:], strict=True))
    ops = [t for t, dyn in words if not t.startswith("-") and not dyn]
    target = next((words[k + 1][0] for k, w in enumerate(words[:-1]) if w[0] in ("-t", "--target-directory")), None)
    dest = target or (ops.pop() if len(ops) >= 2 else None)
    if dest is None or len(links) >= 16:
        return
    dest = dest.rstrip("/") or "/"
    for src in ops:
        links.setdefault(posixpath.join(dest, posixpath.basename(src.rstrip("/"))), src.rstrip("/") or "/")
    if len(ops) == 1 and target is None:
        links.setdefault(dest, ops[0].rstrip("/") or "/")


def linked(paths: list[str], links: dict[str, str]) -> list[str]:
    """``paths`` spelled through the links the line made (``s/id_rsa`` is ``~/.ssh/id_rsa``)."""
    out: list[str] = []
    for path in paths:
        bare = path[2:] if path.startswith("./") else path
        for name, src in links.items():
            if bare == name or bare.startswith(name + "/"):
                out.append(src + bare[len(name) :])
    return out


#: sqlite3's options that take a value (``-cmd SQL`` is SQL, ``-init F`` a file of it)
_SQLITE_VALUES = frozenset(
    (  # noqa: SIM905
        "-cmd -init -separator -newline -nullvalue -vfs -maxsize -mmap -lookaside -pagecache -heap -escape -A"
        " --cmd --init --separator --newline --nullvalue --vfs --maxsize --mmap"
    ).split()
)
#: SQL (or a dot-command) that may change the database file; a text of only reads is none of these
_SQL_WRITES = re.compile(
    r"(?i)\b(insert|update|delete|replace|upsert|drop|create|alter|vacuum|reindex|attach|pragma|truncate)\b"
    r"|(^|[\s;])\.(?!(tables|schema|dump|mode|headers?|indexes|indices|show|dbinfo|databases|fullschema|width"
    r"|output|once|print|timer|stats|eqp|explain|help|quit|exit)\b)\w"
)


def _sqlite(line: Adds, words: list[Word], base: str | None) -> None:
    """``sqlite3 [OPTIONS] DB [SQL…]`` reads the database file ``DB``, and writes it unless every
    statement it is given only reads (no SQL given: what stdin sends is not known here) or it is
    opened ``-readonly``; ``-init F`` reads ``F``."""
    operands: list[Word] = []
    sql: list[Word] = []  # `-cmd SQL`, then every operand after the database
    readonly, k = False, 0
    while k < len(words):
        text = words[k][0]
        if text in _SQLITE_VALUES and k + 1 < len(words):
            if text in ("-init", "--init"):
                line.add(READ, words[k + 1], base=base)
            sql += [words[k + 1]] if text in ("-cmd", "--cmd") else []
            k += 2
            continue
        readonly = readonly or text in ("-readonly", "--readonly")
        if not text.startswith("-") or operands:
            operands.append(words[k])
        k += 1
    sql += operands[1:]
    for kind, name, dyn in ((k, n, d) for text, d in sql for k, n in sql_files(text)):  # `.output F`, `readfile('F')`
        line.add(kind, (name, dyn), base=base)
    for db in (w for w in operands[:1] if w[0] != ":memory:"):
        line.add(READ, db, base=base)
        if not readonly and (len(sql) == len(operands[1:]) == 0 or any(d or _SQL_WRITES.search(t) for t, d in sql)):
            line.add(WRITE, db, base=base)


TOOL_HANDLERS = {
    "git": _git,
    **dict.fromkeys(("sqlite3", "sqlite"), _sqlite),
    **dict.fromkeys(_CONTAINERS, _containers),
    **dict.fromkeys(("make", "gmake", "bmake"), _make),
    **dict.fromkeys(("pip", "pip3", "uv"), _pip),
}
