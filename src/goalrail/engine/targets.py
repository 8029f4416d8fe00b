"""An action's targets: every path, URL or command a tool call names.

A tool call may name several subjects: Gemini CLI's ``read_many_files`` takes
``paths``, its ``web_fetch`` takes a ``prompt`` holding up to 20 URLs, an
``apply_patch`` body adds, updates, deletes and moves files.  Judging only the
first (or the list joined into one string) would let a rule on one of them be
dodged by naming it second.  ``targets`` gives each; the action's ``target`` is
the first.

Per action type, the argument keys are read in order:

* the keys naming a subject (``file_path``, ``path``, ``paths``, ``url``…), each
  string and each string of a list being one target;
* when none is present, the keys a tool names a subject by less directly: a
  ``Glob``'s ``pattern``, a search ``query``, a patch body (its files), the URLs in
  a ``web_fetch`` ``prompt``.

A shell command is one target: a list under ``command`` is an argv, joined with
spaces (the shell analysis of the builtins reads the arguments themselves).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: action type → (keys naming a subject, keys read when none of those is present)
_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "shell_execute": (("command", "cmd", "script", "commands"), ()),
    "file_read": (
        (
            "file_path",
            "filePath",
            "path",
            "paths",
            "file_paths",
            "files",
            "absolute_path",
            "notebook_path",
            "filename",
            "dir_path",
        ),
        ("pattern", "include"),
    ),
    "file_write": (
        ("file_path", "filePath", "path", "paths", "file_paths", "files", "absolute_path", "notebook_path", "filename"),
        ("input", "patch", "patchText", "command"),
    ),
    "file_delete": (("file_path", "filePath", "path", "paths", "file_paths", "files", "filename"), ()),
    "network_request": (("url", "uri", "urls"), ("query", "prompt")),
}
_GENERIC_KEYS = (("command", "file_path", "path", "url", "query", "sql", "name", "host", "key"), ())

_PATCH_START = "*** Begin Patch"
_PATCH_MARKERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ")
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
                if path and not path.startswith("/") and cwd:
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
    if isinstance(value, str) and key in ("input", "patch", "patchText", "command"):
        if value.lstrip().startswith(_PATCH_START):
            out.extend(p for p in patch_paths(value) if p not in out)
        return  # a body that is not a patch names no file
    if key == "prompt":
        if isinstance(value, str):
            out.extend(u for u in urls_in(value) if u not in out)
        return
    _strings(value, out)


def extract_targets(action_type: str | None, arguments: object) -> list[str]:
    """Every target of a call, in the order of its argument keys (see the module doc)."""
    if isinstance(arguments, str):
        return [arguments] if arguments else []
    if type(arguments) is not dict and not isinstance(arguments, Mapping):  # a dict: no ABC check
        return []
    direct, indirect = _KEYS.get(action_type or "", _GENERIC_KEYS)
    if action_type == "shell_execute" or action_type not in _KEYS:
        for key in direct:  # one target: the first command (or argv) given
            value = arguments.get(key)
            if isinstance(value, str):
                return [value]
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return [" ".join(value)]
        return []
    out: list[str] = []
    for key in direct:
        value = arguments.get(key)
        if value is not None:
            _strings(value, out)
    if not out:
        for key in indirect:
            value = arguments.get(key)
            if value is not None:
                _indirect(key, value, out)
            if out:
                break
    return out[:MAX_TARGETS]
