"""An action's targets: every path, URL or command a tool call names.

A tool call may name several subjects: Gemini CLI's ``read_many_files`` takes
``paths``, its ``web_fetch`` takes a ``prompt`` holding up to 20 URLs, an
``apply_patch`` body adds, updates, deletes and moves files.  Judging only the
first (or the list joined into one string) would let a rule on one of them be
dodged by naming it second.  ``targets`` gives each; the action's ``target`` is
the first.

Per action type, the argument keys are read in order (compared normalised, so
``file_path``, ``filePath``, Cursor's ``target_file`` and Windsurf's
``AbsolutePath`` are all read):

* the keys naming a subject (``file_path``, ``path``, ``paths``, ``url``…), each
  string and each string of a list being one target; for a file action also any key
  ending in ``path``, ``file``, ``filename`` or ``uri`` (``relative_path``) and a move's
  ``source``/``destination``, ``src``/``dst``, ``from``/``to`` (not a directory key);
* when none is present, the keys a tool names a subject by less directly: a
  ``Glob``'s ``pattern``, a search ``query``, a patch body (its files), the URLs in
  a ``web_fetch`` ``prompt``, the file of each of a multi-edit's ``edits``.

A shell command's target is its command line (a list under ``command`` is an argv,
joined with spaces); when the call names more than one line — an argv's own
words, a ``command`` with an ``args`` list, a ``shell_command`` or ``script``
beside it — every line the builtins' shell analysis reads
(``goalrail.policies.commands``) is a target too, so a rule on ``git push`` is not
dodged by how a harness or an MCP server shapes the call.

A ``process_spawn`` (work started now and run later or elsewhere: a scheduled prompt, a
workflow's script, code-mode JavaScript) names what it runs under ``command``, ``code``,
``script``, ``prompt``, ``scriptPath``, ``input``, ``arguments``, ``body`` (every string of an
object) or ``name``: each is a target.

A patch is read wherever a patch body is sent: under ``input``, ``patch``,
``patchText``, ``command``, as the whole argument string, or kept whole under
``arguments`` (an answer's ``custom_tool_call`` whose input is not JSON).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from goalrail.policies.commands import ARGUMENT_KEYS, COMMAND_KEYS, command_lines
from goalrail.policies.path_spellings import canonical_path
from goalrail.policies.schema import Action


def _keys(*names: str) -> dict[str, int]:
    return {name: rank for rank, name in enumerate(names)}


#: action type → (keys naming a subject, by rank; keys read when none of those is present).
#: Keys are compared normalised (lower case, without ``_`` and ``-``): ``file_path``,
#: ``filePath``, ``FilePath`` and ``filepath`` are one key, as are Cursor's ``target_file``
#: and Windsurf's ``TargetFile``.
_PATH_KEYS = ("filepath", "targetfile", "path", "paths", "filepaths", "files", "absolutepath", "notebookpath")
_KEYS: dict[str | None, tuple[dict[str, int], tuple[str, ...]]] = {
    "file_read": (
        _keys(*_PATH_KEYS, "filename", "dirpath", "directorypath", "relativeworkspacepath", "searchpath"),
        ("pattern", "include"),
    ),
    "file_write": (_keys(*_PATH_KEYS, "filename"), ("input", "patch", "patchText", "command", "arguments", "edits")),
    "file_delete": (_keys(*_PATH_KEYS, "filename"), ()),
    "file_move": (_keys(*_PATH_KEYS, "filename"), ()),
    "file_chmod": (_keys(*_PATH_KEYS, "filename"), ()),
    "network_request": (_keys("url", "uri", "urls"), ("query", "prompt")),
}
_SHELL_KEYS = ("command", "cmd", "script", "commands")
_GENERIC_KEYS = ("command", "file_path", "path", "url", "query", "sql", "name", "host", "key")
#: per action type, each argument key seen → its rank among the subject keys (-1: not one)
_SEEN: dict[str | None, dict[str, int]] = {kind: dict(direct) for kind, (direct, _) in _KEYS.items()}

_PATCH_START = "*** Begin Patch"
_PATCH_MARKERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_URL = re.compile(r"""https?://[^\s<>"'`()\[\]{}]+""", re.IGNORECASE)
_URL_TAIL = ".,;:!?"
#: at most this many targets are taken from one call (the rest are not judged one by one)
MAX_TARGETS = 64


def patch_paths(patch: str, cwd: str | None = None) -> list[str]:
    """Every file an ``apply_patch`` patch adds, updates, deletes or moves to (absolute when ``cwd`` is known)."""
    out: list[str] = []
    for line in patch.splitlines():
        for marker in _PATCH_MARKERS:
            if line.startswith(marker):
                path = line[len(marker) :].strip()
                if path and not path.startswith(("/", "\\")) and not _DRIVE.match(path) and cwd:
                    path = f"{cwd.rstrip('/')}/{path}"
                if path and path not in out:
                    out.append(path)
    return out


def urls_in(text: str) -> list[str]:
    """The http(s) URLs written in ``text``, trailing punctuation left out, each once."""
    out: list[str] = []
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_URL_TAIL)
        if url not in out:
            out.append(url)
    return out


def _strings(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        if value and value not in out:
            out.append(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item and item not in out:
                out.append(item)


def _indirect(key: str, value: object, out: list[str]) -> None:
    """A target named less directly: a patch body's files, a prompt's URLs, else the value itself."""
    if isinstance(value, str) and key in ("input", "patch", "patchText", "command", "arguments"):
        if value.lstrip().startswith(_PATCH_START):
            out.extend(p for p in patch_paths(value) if p not in out)
        return  # a body that is not a patch names no file
    if key == "prompt":
        if isinstance(value, str):
            out.extend(u for u in urls_in(value) if u not in out)
        return
    if key == "edits":  # OpenCode's multiedit: each edit may name its file (besides, or without, a top-level one)
        for item in value if isinstance(value, list) else ():
            if isinstance(item, dict):
                for name, path in item.items():
                    if isinstance(name, str) and name.lower().replace("_", "") in _PATH_KEYS:
                        _strings(path, out)
        return
    _strings(value, out)


#: the action types whose targets are paths on the agent's machine
FILE_TYPES = frozenset({"file_read", "file_write", "file_delete", "file_move", "file_chmod"})
#: a file tool's argument keys (normalised) that name a path besides ``_KEYS``' own: those ending so
#: (``relative_path``, ``output_path``, ``new_file``, ``uri``) and those naming a move's ends
_PATH_SUFFIXES = ("path", "paths", "file", "files", "filename", "filenames", "uri", "uris")
_PATH_NAMES = frozenset(
    {"source", "sources", "destination", "destinations", "dest", "src", "dst", "target", "to", "from"}
)
#: the keys naming the directory a call runs in (``actions.DIRECTORY_ARGUMENTS``, normalised): not its subject
_RUN_IN_KEYS = frozenset({"workdir", "cwd", "workingdirectory", "workingdir", "directory", "dir", "dirpath", "chdir"})


def _rank(direct: Mapping[str, int], key: str, files: bool) -> int:
    """A key's rank among ``direct`` (normalised), after them for another key naming a file's path
    (file action types only), else -1."""
    norm = key.lower().replace("_", "").replace("-", "")
    rank = direct.get(norm)
    if rank is not None:
        return rank
    if files and norm not in _RUN_IN_KEYS and (norm in _PATH_NAMES or norm.endswith(_PATH_SUFFIXES)):
        return len(direct)
    return -1


#: What reads a call's subjects from its arguments (a plain dict): one function per action type,
#: chosen once per tool name (``ActionMapper`` keeps it), so a call looks up no table by its type.
Reader = Callable[[Mapping[str, object]], str | list[str] | None]


def _first_of(keys: tuple[str, ...]) -> Reader:
    """A reader taking the first of ``keys`` that holds a string (or a list of strings, joined): one target."""

    def first(args: Mapping[str, object]) -> str | list[str] | None:
        for key in keys:
            value = args.get(key)
            if value is None:  # (the usual miss: no type checks)
                continue
            if type(value) is str:
                return value
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return " ".join(value)
        return None

    return first


def _ranked(action_type: str) -> Reader:
    """A reader for an action type of ``_KEYS``: the subject keys by rank, else the indirect ones."""
    direct, indirect = _KEYS[action_type]
    seen = _SEEN[action_type]
    files = action_type in FILE_TYPES

    def ranked(args: Mapping[str, object]) -> str | list[str] | None:
        found: list[tuple[int, object]] | None = None
        first: object = None
        first_rank = -1
        for key, value in args.items():
            rank = seen.get(key)
            if rank is None:  # ``key``'s rank, normalised (and remembered)
                rank = _rank(direct, key, files) if isinstance(key, str) else -1
                if len(seen) < 4096 and isinstance(key, str):
                    seen[key] = rank
            if rank >= 0:
                if first is None:
                    first, first_rank = value, rank
                else:
                    found = found or [(first_rank, first)]
                    found.append((rank, value))
        if found is None and isinstance(first, str) and first and "edits" not in args:
            return first  # the usual call: one path or URL
        out: list[str] = []
        if found is not None:
            found.sort(key=lambda hit: hit[0])
            for _, value in found:
                _strings(value, out)
        elif first is not None:
            _strings(first, out)
        if not out:
            for key in indirect:
                value = args.get(key)
                if value is not None:
                    _indirect(key, value, out)
                if out:
                    break
        elif "edits" in args and "edits" in indirect:  # a multi-edit's edits may each name a file too
            _indirect("edits", args["edits"], out)
        if not out:
            return None
        return out[0] if len(out) == 1 else out[:MAX_TARGETS]

    return ranked


def _shell(args: Mapping[str, object]) -> str | list[str] | None:
    """A shell call's command line (the first of ``_SHELL_KEYS``); when the call names several
    or an argv, the lines ``goalrail.policies.commands`` reads (``as_targets``)."""
    first = _first_command(args)
    command_keys = 0
    for key, value in args.items():
        known = _COMMAND_KEY.get(key)
        if known is None:
            known = isinstance(key, str) and (key.lower() in COMMAND_KEYS or key.lower() in ARGUMENT_KEYS)
            if len(_COMMAND_KEY) < 4096 and isinstance(key, str) and len(key) <= 64:
                _COMMAND_KEY[key] = known
        if known:
            command_keys += 1 if type(value) is str else 2
    if command_keys <= 1 and first is not None:
        return first  # the usual call: one command line under one key
    out = [line for line in command_lines(args, as_targets=True) or () if line]
    if not out:
        return first
    return out[0] if len(out) == 1 else out[:MAX_TARGETS]


#: whether an argument key holds a command (``COMMAND_KEYS``), by the short keys seen
_COMMAND_KEY: dict[object, bool] = {}
_READERS: dict[str | None, Reader] = {kind: _ranked(kind) for kind in _KEYS if kind}
_first_command = _first_of(_SHELL_KEYS)  # a command
_SHELL: Reader = _shell
_GENERIC = _first_of(_GENERIC_KEYS)  # the first of a few generic keys


#: keys naming the files a search reads by a glob (Claude Code's Grep ``glob``, Gemini CLI's
#: ``include``); a glob tool's (``Glob``, ``glob``, the filesystem server's ``search_files``) ``pattern``
_GLOB_KEYS = ("glob", "include", "includes", "globs", "include_pattern")
GLOB_TOOLS = frozenset({"glob", "search_files", "find_by_name", "file_search", "find_files", "glob_files"})


def _with_globs(inner: Reader, keys: tuple[str, ...]) -> Reader:
    """``inner`` plus each glob of ``keys`` taken in each directory the call names
    (``Glob {path: ~, pattern: .ssh/*}`` reads ``~/.ssh/*``): a rule on ``.ssh/`` meets it."""

    named = frozenset(keys)

    def read(args: Mapping[str, object]) -> str | list[str] | None:
        found = inner(args)
        if named.isdisjoint(args):  # (the usual call: no glob)
            return found
        globs: list[str] = []
        for key in keys:
            value = args.get(key)
            if value is not None:
                _strings([v for v in value.split(",") if v.strip()] if isinstance(value, str) else value, globs)
        if not globs:
            return found
        bases = [found] if isinstance(found, str) else list(found or [])
        out = list(bases)
        for glob in (g.strip() for g in globs):
            for base in [b for b in bases if b not in globs] or [""]:
                joined = glob if not base or glob.startswith(("/", "~")) else f"{base.rstrip('/')}/{glob}"
                if joined and joined not in out:
                    out.append(joined)
        return out[0] if len(out) == 1 else out[:MAX_TARGETS]

    return read


_READ_GLOBS = _with_globs(_READERS["file_read"], _GLOB_KEYS)
_GLOB_TOOL = _with_globs(_READERS["file_read"], ("pattern", *_GLOB_KEYS))


#: the keys (normalised) naming what a ``process_spawn`` runs: a command, code, a script or its file,
#: a prompt run later (Claude Code's ``CronCreate``/``ScheduleWakeup``), a remote trigger's ``body``
_SPAWN_KEYS = ("command", "cmd", "script", "code", "prompt", "scriptpath", "input", "arguments", "body", "name")
_SPAWN_RANK = {key: rank for rank, key in enumerate(_SPAWN_KEYS)}


def _spawned(value: object, out: list[str], depth: int = 0) -> None:
    """Every string of ``value``, in nested lists and objects too (a trigger's ``body``), bounded."""
    if isinstance(value, str):
        if value and value not in out and len(out) < MAX_TARGETS:
            out.append(value)
    elif depth < 4 and isinstance(value, (list, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            _spawned(item, out, depth + 1)


def _spawn(args: Mapping[str, object]) -> str | list[str] | None:
    """What a ``process_spawn`` runs: each of ``_SPAWN_KEYS`` present, by rank (every string of an
    object or a list), so a rule on a scheduled prompt or a workflow's script meets it."""
    ranked: list[tuple[int, object]] = []
    for key, value in args.items():
        rank = _SPAWN_RANK.get(key.lower().replace("_", "").replace("-", "")) if isinstance(key, str) else None
        if rank is not None:
            ranked.append((rank, value))
    ranked.sort(key=lambda hit: hit[0])
    out: list[str] = []
    for _, value in ranked:
        _spawned(value, out)
    if not out:
        return None
    return out[0] if len(out) == 1 else out


def reader(action_type: str | None, tool: str | None = None) -> Reader:
    """The function :func:`subjects` reads a plain dict of arguments with, for ``action_type``
    (and, for a file search, the tool's name: its ``pattern`` is a glob or a regex)."""
    if action_type == "file_read":
        base = tool.rpartition("__")[2].lower() if tool else ""
        return _GLOB_TOOL if base in GLOB_TOOLS else _READ_GLOBS
    found = _READERS.get(action_type)
    if found is None:
        return _SHELL if action_type == "shell_execute" else _spawn if action_type == "process_spawn" else _GENERIC
    return found


def subjects(action_type: str | None, arguments: object) -> str | list[str] | None:
    """A call's targets: the one target as a string (the usual call), several as a list, or
    None (see the module doc).  ``extract_targets`` gives them as a list."""
    if type(arguments) is dict:
        args = arguments
    elif isinstance(arguments, str):
        if action_type == "file_write" and arguments.lstrip().startswith(_PATCH_START):
            paths = patch_paths(arguments)  # a patch sent as the whole argument: its files
            return (paths[0] if len(paths) == 1 else paths[:MAX_TARGETS]) if paths else None
        return arguments or None
    elif isinstance(arguments, Mapping):
        args = dict(arguments)
    else:
        return None
    return reader(action_type)(args)


def extract_targets(action_type: str | None, arguments: object) -> list[str]:
    """Every target of a call, in the order of its argument keys (see the module doc)."""
    found = subjects(action_type, arguments)
    if found is None:
        return []
    return [found] if isinstance(found, str) else found


def run_in(action_type: str | None, dir_args: Mapping[str, object], cwd: object) -> object:
    """The directory a file call's relative paths start from: its first directory argument
    (Codex's ``workdir``, a ``cwd``…; absolute, or relative to ``cwd``, in its canonical spelling)
    that is not itself the call's subject (a search's ``dir_path``), else ``cwd``."""
    direct = _KEYS[action_type][0] if action_type in _KEYS else {}
    for key, value in dir_args.items():
        if not isinstance(value, str) or not value or key.lower().replace("_", "").replace("-", "") in direct:
            continue
        spelled = canonical_path(value, cwd) or value  # (``~/../..``, ``file:``, ``/proc/self/root``…)
        if spelled[:1] in ("/", "\\") or _DRIVE.match(spelled):
            return spelled
        return None  # relative to a directory not known: nothing is resolved
    return cwd


def with_resolved_paths(action: Action, cwd: object) -> None:
    """Add to a file action's ``targets`` the canonical spelling of each target named otherwise
    (``/proj/../etc/x``, ``//etc/x``, ``x`` in cwd ``/etc``, ``/proc/self/root/etc/x``,
    ``file:///etc/x``, ``C:\\Users\\me\\.env::$DATA``: ``path_spellings.canonical_path``), so a
    rule on ``/etc/…`` or ``.env`` is not dodged by how the path is spelled; the targets as given
    stay first."""
    found = list(action.get("targets") or ())
    target = action.get("target")
    if not found and isinstance(target, str):
        found = [target]
    extra: list[str] = []
    for path in found:
        canonical = canonical_path(path, cwd) if path else None
        if canonical is not None and canonical != path and canonical not in found and canonical not in extra:
            extra.append(canonical)
    if extra:
        action["targets"] = (found + extra)[: MAX_TARGETS + len(extra)]
