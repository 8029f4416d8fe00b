"""The files a patch writes: ``patch``, ``git apply``/``git am`` and ``apply_patch`` change the files a diff names.

* ``patch F [PATCH]`` writes ``F`` (in ``-d DIR``); ``-o F`` writes ``F``; ``-i PATCH`` (and a second
  operand) is read.  ``patch -p1 < x.diff`` and ``git apply x.diff`` name no file on the line: the
  diff's headers say which they change.  A diff kept in a file is not read here (no I/O while
  judging): one the session wrote earlier with a text it showed is put in front of the line by
  ``_pattern_written`` (:func:`patch_inputs`: ``-i F``, ``< F``, ``git apply F``, ``git am F``), so
  its headers are read as if on the line; any other changes files the rules cannot see (as ``tar
  xf x.tar`` does), so where the line names the directory it applies it in (``-d DIR``, ``git -C
  DIR``, ``cd DIR &&``) every file beneath that directory is written (as ``tar xf x.tar -C DIR``).
* A diff *on the line* (a here-document, ``printf '…' | git apply``, ``echo … | patch -p1``) names
  them: each ``--- F``/``+++ F``, ``diff --git a/F b/F``, ``rename from F``/``rename to F``, ``copy
  to F``, ``*** F``, ``Index: F`` and ``*** Update File: F``/``*** Add File: F``/``*** Move to: F``
  header is a write of ``F``; ``+++ /dev/null`` after ``--- F``, ``deleted file mode`` and ``***
  Delete File: F`` a delete of ``F`` (a ``/dev/null`` source is a file created: the ``+++`` one).
  ``F`` is taken as the applier takes it: ``-p N``/``--strip=N`` leading components off (``git``:
  one unless ``-p``; ``patch`` without ``-p``: as written and without its ``a/``/``b/``), under
  ``-d DIR``/``--directory=DIR``, in ``git -C DIR``/``--work-tree``/``env -C``/an earlier ``cd``.
  ``patch --dry-run``, ``git apply --check``/``--stat``/``--numstat``/``--summary`` (without
  ``--apply``) and ``--cached`` write no work-tree file.  So a diff that touches
  ``.claude/settings.json`` meets the rules on writing it, whichever program applies it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from goalrail.policies.builtins._shell_file_programs import DELETE, READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._shell_words import indexed_operands

__all__ = ["PATCH_HANDLERS", "applied", "patch_inputs", "patched"]

#: `patch` options that take a value as the next word
_VALUES = frozenset(
    ("-p", "-i", "-o", "-d", "-D", "-r", "-B", "-Y", "-z", "-F", "-V", "-g", "--input", "--output", "--directory")
)
#: a diff header naming a file (a line of its own, or after a `\n` an echo or printf turns into one):
#: its mark, the path, and for ``diff --git a/F b/F`` the second
_HEADER = re.compile(
    r"(?:^|\n|\\n)[ \t]*(\+\+\+|---|\*\*\*[ \t]+(?:Update|Add|Delete)[ \t]+File:|\*\*\*[ \t]+Move[ \t]+to:|\*\*\*"
    r"|diff[ \t]+--git|rename[ \t]+(?:from|to)|copy[ \t]+to|Index:|deleted[ \t]+file[ \t]+mode)"
    r"[ \t]+([^\s'\"\\]+)(?:[ \t]+([^\s'\"\\]+))?"
)
_NONE = frozenset({"/dev/null", "a/dev/null", "b/dev/null"})
#: a context diff's hunk header (``*** 1,3 ****``), the apply_patch envelope (``*** Begin Patch``)
_HUNK = re.compile(r"^\d+(,\d+)?$")
_APPLY_WORDS = frozenset({"Begin", "End"})
#: Codex's patch program, run on its envelope (``apply_patch <<'EOF'`` … ``*** Update File: F``)
_APPLY_PATCH = re.compile(r"^apply_?patch$")
#: ``git apply`` options that only read the diff (unless ``--apply`` is given too)
_CHECKS = frozenset({"--check", "--stat", "--numstat", "--summary"})
#: ``git`` commands that rewrite files of the work tree they do not name
_TREE_REWRITES = frozenset(
    {"checkout", "switch", "merge", "pull", "rebase", "cherry-pick", "revert", "am", "stash", "reset", "read-tree"}
)
_GIT_VALUES = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"})
#: ``git apply``/``am`` options that take the next word as their value
_GIT_APPLY_VALUES = frozenset(
    {"--exclude", "--include", "--directory", "--whitespace", "--build-fake-ancestor", "--patch-format"}
    | {"--resolvemsg", "--quoted-cr", "--empty"}
)


def _patch(line: Adds, words: list[Word], base: str | None) -> None:
    ops: list[Word] = []
    skip = ""
    into = _value([t for t, d in words if not d], ("-d", "--directory"))  # `-d DIR`: where F is
    where = posixpath.join(base, into) if base and into else into or base
    for text, dyn in words:
        if skip:  # `-o F` written, `-i F` read, another option's value (`-p 1`, `-d DIR`) no file
            if skip in ("-o", "--output", "-i", "--input"):
                line.add(WRITE if skip in ("-o", "--output") else READ, (text, dyn), base=base)
            skip = ""
        elif text in _VALUES:
            skip = text
        elif text.startswith(("--output=", "--input=")):
            value = text.partition("=")[2]
            line.add(WRITE if text.startswith("--output=") else READ, (value, dyn), base=base)
        elif not text.startswith("-") or text == "-":
            ops.append((text, dyn))
    if ops:
        line.add(WRITE, ops[0], base=where)  # `patch F x.diff`: the file patched (in `-d DIR`)
    for w in ops[1:2]:
        line.add(READ, w, base=base)


def applied(
    command: str, commands: Sequence[SimpleCommand], dirs: Sequence[str]
) -> list[tuple[str, str, str | None, bool]]:
    """What the line's appliers write: a diff's files (:func:`patched`), and the work tree a ``git``
    command that rewrites it (``pull``, ``merge``, ``reset --hard``…) is in, when the line names it
    (``git -C DIR``, ``--work-tree=DIR``, ``env -C DIR``, a ``cd DIR`` of the line: ``dirs``), as a
    write of every file beneath it.  In the call's own directory which files it rewrites depends on
    what the repository tracks, which is not read here: none is told."""
    out = [(kind, path, base, False) for kind, path, base in patched(command, commands)]
    for cmd in commands:
        where = _rewrites(cmd) if cmd.name.rpartition("/")[2] == "git" else None
        if where is not None:
            out += [(WRITE, d, None, True) for d in ([where] if where else dirs)]
    if not out:  # a diff not on the line, applied in a directory the line names
        for way in (w for c in commands if (w := _way(c)) is not None):
            out += [(WRITE, d, None, True) for d in _unread_into(way, dirs)]
    return out


def _unread_into(way: tuple[int | None, str, str | None], dirs: Sequence[str]) -> list[str]:
    """Where an applier whose diff is not read here (``patch -p1 -d DIR < x.diff``, ``git -C DIR
    apply x.diff``, ``cd DIR && patch -p1 < x.diff``) changes files: the directory it applies the
    diff under, every file beneath it; none in the call's own directory (its files are the
    project's, as an unread archive's)."""
    _, under, base = way
    where = under or base or "" if under[:1] in ("/", "~") or not base else posixpath.join(base, under)
    if where:
        return [where]
    return list(dirs)


def _git_globals(args: list[str], base: str | None) -> tuple[int, str | None]:
    """Where ``git``'s subcommand stands in ``args``, and the work tree its global options
    (``-C DIR``, ``--work-tree[=]DIR``) name from ``base``."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] in ("-C", "--work-tree") and i + 1 < len(args):
            base = args[i + 1] if args[i + 1][:1] in ("/", "~") or not base else posixpath.join(base, args[i + 1])
        elif args[i].startswith("--work-tree="):
            base = args[i][12:]
        i += 2 if args[i] in _GIT_VALUES else 1
    return i, base


def _rewrites(cmd: SimpleCommand) -> str | None:
    """The work tree ``git …`` rewrites whole ("" when not named on the command); None: it rewrites none."""
    args = list(cmd.args)
    i, named = _git_globals(args, next((w.chdir for w in reversed(cmd.wrappers) if w.chdir), None) or "")
    base = named or ""
    sub, rest = (args[i], args[i + 1 :]) if i < len(args) else ("", [])
    if sub == "reset" and not any(a in ("--hard", "--merge", "--keep") for a in rest):
        return None
    if sub == "stash" and rest[:1] and rest[0] in ("list", "show", "create", "store"):
        return None
    return base if sub in _TREE_REWRITES else None


def patched(command: str, commands: Sequence[SimpleCommand]) -> list[tuple[str, str, str | None]]:
    """The files a diff on the line changes when the line applies one (``patch``, ``git apply``/``am``,
    ``apply_patch``): (``file_write`` or ``file_delete``, path, the directory it is taken in)."""
    ways = [w for c in commands if (w := _way(c)) is not None]
    if not ways:
        return []
    out: list[tuple[str, str, str | None]] = []
    for kind, path in _headers(command):
        for strip, under, base in ways:
            for p in _stripped(path, strip):
                out.append((kind, posixpath.join(under, p) if under and p[:1] != "/" else p, base))
    return list(dict.fromkeys(out))


def _headers(command: str) -> list[tuple[str, str]]:
    """(action, path) of each file header of the diffs in ``command``: ``+++ /dev/null`` deletes
    the ``---`` file, ``deleted file mode`` the ``diff --git`` one, ``*** Delete File:`` its own."""
    out: list[tuple[str, str]] = []
    minus = last = ""
    for m in _HEADER.finditer(command):
        mark, path = m.group(1), m.group(2).split("\t")[0]
        if mark.startswith("deleted"):
            if last:
                out.append((DELETE, last))
            continue
        if path in _NONE or path.startswith("@@") or _HUNK.match(path):
            if mark == "+++" and minus:  # `--- a/F` `+++ /dev/null`: F deleted
                out.append((DELETE, minus))
            continue
        if mark == "***" and path in _APPLY_WORDS:  # `*** Begin Patch`, `*** End of File`
            continue
        kind = DELETE if "delete" in mark.lower() else WRITE
        out.append((kind, path))
        minus = path if mark == "---" else ("" if mark == "+++" else minus)
        if mark.startswith("diff"):
            last = m.group(3) or path
            out.append((WRITE, last))
    return list(dict.fromkeys(out))


def _stripped(path: str, strip: int | None) -> list[str]:
    """``path`` with ``strip`` leading components taken off (``-p N``); not given (``patch`` without
    ``-p``): as written and without an ``a/``/``b/`` prefix."""
    if strip is None:
        return [path, path[2:]] if path[:2] in ("a/", "b/") and len(path) > 2 else [path]
    parts = path.split("/")
    return ["/".join(parts[strip:]) if strip < len(parts) else parts[-1]] if strip else [path]


def _way(cmd: SimpleCommand) -> tuple[int | None, str, str | None] | None:
    """How ``cmd`` applies a diff: (components stripped, directory the names are taken under, the
    command's own directory: ``git -C``, ``env -C``); None when it applies none or only checks one."""
    name = cmd.name.rpartition("/")[2]
    base = next((w.chdir for w in reversed(cmd.wrappers) if w.chdir), None)
    args = list(cmd.args)  # (a directory through a variable: `-d "$HOME/.codex"`, read as its spellings)
    if _APPLY_PATCH.match(name):
        return None, "", base
    if name in ("patch", "gpatch"):
        if "--dry-run" in args or "-C" in args or "--check" in args:
            return None
        return _strip(args, ("-p", "--strip")), _value(args, ("-d", "--directory")) or "", base
    if name != "git":
        return None
    i, base = _git_globals(args, base)
    sub, rest = (args[i], args[i + 1 :]) if i < len(args) else ("", [])
    if sub not in ("apply", "am") or "--cached" in rest:
        return None
    if sub == "apply" and "--apply" not in rest and any(a in _CHECKS for a in rest):
        return None  # `git apply --check`/`--stat`: reads the diff, writes nothing
    strip = _strip(rest, ("-p",))
    return (1 if strip is None else strip), _value(rest, ("--directory",)) or "", base


def _strip(args: list[str], names: tuple[str, ...]) -> int | None:
    for k, a in enumerate(args):
        text = args[k + 1] if a in names and k + 1 < len(args) else ""
        if not text:
            text = next((a[len(n) :].lstrip("=") for n in names if a.startswith(n) and len(a) > len(n)), "")
        if text.isdigit():
            return int(text)
    return None


def _value(args: list[str], names: tuple[str, ...]) -> str | None:
    for k, a in enumerate(args):
        if a in names and k + 1 < len(args):
            return args[k + 1]
        for n in names:
            if a.startswith(n + "=") or (len(n) == 2 and a.startswith(n) and len(a) > 2):
                return a[len(n) :].lstrip("=")
    return None


def patch_inputs(cmd: SimpleCommand, prev: SimpleCommand | None = None) -> list[str]:
    """The files ``cmd`` reads its diff from (``patch -i F``, ``patch F P``, ``patch -p1 < F``, ``git
    apply F``, ``git am F``, ``cat F | git apply``): a diff the session wrote earlier is read there
    (``_pattern_written``)."""
    if _way(cmd) is None:
        return []
    out = [r.target for r in cmd.redirects if r.op == "<" and not r.dynamic]
    if cmd.stdin is not None and prev is not None and prev.name == "cat" and not any(prev.dynamic):
        out += [a for a in prev.args if not a.startswith("-")]  # `cat p.diff | patch -p1`
    words = [a for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if not d]
    if cmd.name.rpartition("/")[2] in ("patch", "gpatch"):
        given = _value(words, ("-i", "--input"))
        ops = [words[k] for k, _ in indexed_operands(words, _VALUES)]
        return out + ([given] if given else []) + ops[1:2]
    if cmd.name.rpartition("/")[2] != "git":
        return out
    sub = next((k for k, a in enumerate(words) if a in ("apply", "am")), len(words))
    return out + [words[sub + 1 + k] for k, _ in indexed_operands(words[sub + 1 :], _GIT_APPLY_VALUES)]


PATCH_HANDLERS = {"patch": _patch, "gpatch": _patch}
