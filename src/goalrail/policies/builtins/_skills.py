"""What ``block_skills`` looks for: a skill named by a skill tool or a slash command, and a path
into a blocked skill's directory, however it is spelled.

A skill's instructions are loaded by the harness's skill tool, but reading its files does the
same: ``cat ~/.claude/skills/deploy/SKILL.md``, a ``read_file`` of Gemini CLI, an MCP file
server's read.  So every path-like word of a tool call's path arguments and of a shell
command (its arguments, redirections, here-documents and code strings alike) is checked:

* relative paths are joined to the event's ``cwd`` and to the directories a ``cd``, ``pushd``
  or ``env -C`` in the same command line switched to, then ``.``, ``..`` and ``//`` collapsed,
  ``\\`` read as ``/``, case folded;
* a ``skills`` segment followed by a blocked name, or by a segment that may expand to one
  (a glob such as ``dep*``, a brace list, a variable or command substitution), is a hit;
* a search or copy of a ``skills`` directory itself (``grep -r``, ``rg``, ``find``, ``cp -r``,
  ``tar``…; a file tool's search with a ``pattern``) reaches every skill in it, so it is a hit too.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from goalrail.policies.builtins import _events
from goalrail.policies.builtins._shell import SimpleCommand, analyze
from goalrail.policies.schema import PolicyEvent

#: canonical skill tools (harness tools such as Claude Code's map onto them: engine.actions)
#: and the argument keys that may name the skill
SKILL_TOOLS = {
    "load_skill": ("name", "skill", "skill_name", "command"),
    "read_skill_file": ("skill_name", "name", "skill"),
}

#: argument keys that name files or directories, whatever the tool, compared normalised
#: (lower case, no ``_`` or ``-``: ``file_path``, ``filePath``, Windsurf's ``AbsolutePath``,
#: Cursor's ``target_file``)
PATH_KEYS = frozenset(
    {
        "filepath",
        "path",
        "paths",
        "absolutepath",
        "notebookpath",
        "filename",
        "file",
        "files",
        "filepaths",
        "targetfile",
        "dir",
        "dirpath",
        "directory",
        "directorypath",
        "relativeworkspacepath",
        "searchpath",
        "source",
        "destination",
    }
)


def is_path_key(key: object) -> bool:
    """Whether an argument key names files or directories (``PATH_KEYS``, in any spelling)."""
    return isinstance(key, str) and key.lower().replace("_", "").replace("-", "") in PATH_KEYS


#: a call with one of these (and a path) searches everything under its path
_SEARCH_KEYS = frozenset({"pattern", "query", "regex", "glob"})
#: commands that read or copy a whole directory tree given its root
_TREE_COMMANDS = frozenset(
    {"grep", "egrep", "fgrep", "rg", "ag", "ack", "find", "cp", "rsync", "tar", "zip", "scp", "mv", "ln", "du"}
    | {"docker", "podman", "nerdctl", "finch"}  # `-v ~/.claude/skills:/s` hands every skill to a container
)
_TOKEN = re.compile(r"[^\s\"'`()<>;|&=,:]+")
_GLOB = re.compile(r"[*?\[]")
_RAW = re.compile(r"skills|[*?\[\\'\"$]", re.IGNORECASE)
_RUNTIME = re.compile(r"[$`]")
_CHDIR = frozenset({"cd", "pushd"})


def skill_names(raw: str) -> set[str]:
    """The names a skill tool's argument or a slash command may mean (``plugin:name`` → both)."""
    name = raw.strip().lstrip("/").split()[0].lower() if raw.strip().lstrip("/") else ""
    return {name, name.rsplit(":", 1)[-1]} if name else set()


class SkillPaths:
    """Finds the blocked skill a path, a tool call's arguments or a shell command reaches."""

    def __init__(self, blocked: frozenset[str]) -> None:
        self.blocked = blocked
        self._first = min(blocked)

    def _segment(self, segment: str) -> str | None:
        if segment in self.blocked:
            return segment
        if _RUNTIME.search(segment):  # chosen at run time: may be any of them
            return self._first
        for part in re.split(r"[{},]", segment) if "{" in segment else (segment,):
            if part in self.blocked:
                return part
            if _GLOB.search(part):
                found = sorted(n for n in self.blocked if fnmatch.fnmatchcase(n, part))
                if found:
                    return found[0]
        return None

    def in_path(self, token: str, base: str | None, *, tree: bool = False) -> str | None:
        """The blocked skill ``token`` lies in (joined to ``base`` when relative); with ``tree``
        (a search or copy of everything under the path), also a ``skills`` directory itself."""
        text = token.lower()
        if "skills" not in text and not _GLOB.search(text) and not (base and _may_name_skills(base)):
            return None  # the usual case: nothing that could be a skills directory
        text = text.replace("\\", "/")
        if base and not text.startswith(("/", "~")):
            text = posixpath.join(base.replace("\\", "/").lower(), text)
        parts = posixpath.normpath(text).split("/")
        for i, part in enumerate(parts):
            if part != "skills" and not (_GLOB.search(part) and fnmatch.fnmatchcase("skills", part)):
                continue
            if i + 1 < len(parts):
                found = self._segment(parts[i + 1])
                if found is not None:
                    return found
            elif tree and part == "skills":  # a glob at the end (`cp -r build/* out`) is not a skills root
                return self._first
        return None

    def in_text(self, text: str, base: str | None, *, tree: bool = False) -> str | None:
        """The first blocked skill any path-like token of ``text`` reaches."""
        if not (_may_name_skills(text) or (base and _may_name_skills(base))):
            return None
        for token in _TOKEN.findall(text):
            found = self.in_path(token, base, tree=tree)
            if found is not None:
                return found
        return None

    def in_arguments(self, args: object, cwd: str | None) -> str | None:
        """A tool call's path arguments (any tool: an MCP file server's read counts)."""
        if isinstance(args, str):
            return self.in_text(args, cwd)
        if not (type(args) is dict or isinstance(args, Mapping)):
            return None
        paths: list[str] = []
        tree = False
        for key, value in args.items():
            if isinstance(key, str):
                name = key.lower().replace("_", "").replace("-", "")
                if name in PATH_KEYS:
                    paths.extend(_strings(value))
                elif name in _SEARCH_KEYS:
                    tree = True
        for path in paths:
            found = self.in_path(path, cwd, tree=tree)
            if found is not None:
                return found
        return None

    def in_shell_call(self, event: PolicyEvent, args: object, cwd: str | None) -> str | None:
        """Every command line a shell tool call may run (``_events.shell_commands``); not even
        read when the call's arguments (``args``) are verbatim text naming no skills directory."""
        near = bool(cwd) and _may_name_skills(cwd or "")
        if not near and _verbatim_clear(args.values() if type(args) is dict or isinstance(args, Mapping) else [args]):
            return None
        commands = _events.shell_commands(event)
        return self.in_commands(commands, cwd, near) if commands else None

    def in_commands(self, commands: Iterable[str], cwd: str | None, near: bool) -> str | None:
        """Every command line of ``commands``; ``near``: ``cwd`` may be inside a skills directory."""
        for command in commands:
            if not near and not _may_reach(command):
                continue
            base = cwd
            for simple in analyze(command).commands:
                found = self._in_simple(simple, base)
                if found is not None:
                    return found
                if simple.name in _CHDIR and len(simple.argv) > 1:  # a glob may name a skills dir too
                    base = posixpath.join(base or "", simple.argv[1])
        return None

    def _in_simple(self, simple: SimpleCommand, base: str | None) -> str | None:
        for wrapper in simple.wrappers:
            if wrapper.chdir:
                base = posixpath.join(base or "", wrapper.chdir)
        words = [*simple.argv[1:], *(r.target for r in simple.redirects)]
        if not _may_name_skills("\n".join(words)) and not (base and _may_name_skills(base)):
            return None  # the usual case, decided once per command
        tree = simple.name in _TREE_COMMANDS
        for text in words:
            found = self.in_text(text, base, tree=tree)
            if found is not None:
                return found
        return None


def _may_name_skills(text: str) -> bool:
    return "skills" in text.lower() or _GLOB.search(text) is not None


def _verbatim_clear(values: Iterable[object]) -> bool:
    """No shell command in these argument values can name a ``skills`` directory: none has the
    word, a glob, or a character through which the shell makes words other than its text
    (quotes, escapes, ``$``); so no analysis is needed (the usual ``ls -la src``)."""
    for value in values:
        if isinstance(value, str):
            if _RAW.search(value):
                return False
        elif isinstance(value, list):
            if not _verbatim_clear(value):
                return False
        elif value is not None and not isinstance(value, (bool, int, float)):
            return False
    return True


@lru_cache(maxsize=4096)
def _may_reach(command: str) -> bool:
    """Some word, redirection or directory switch of ``command`` may name a ``skills`` directory."""
    for simple in analyze(command).commands:
        texts = [*simple.argv, *(r.target for r in simple.redirects), *(w.chdir or "" for w in simple.wrappers)]
        if _may_name_skills("\n".join(texts)):
            return True
    return False


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
