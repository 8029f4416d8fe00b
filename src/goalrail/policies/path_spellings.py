"""One path, however it is spelled: the canonical spelling of a file action's path argument.

A rule on ``/etc/…`` or on ``.env`` is written for one spelling of a path; the operating
system opens the same file under many others.  :func:`canonical_path` gives the spelling
the rules are matched against besides the one the agent sent (``targets.with_resolved_paths``
adds it to the action's ``targets``, and a call is judged by the strictest of them).  It reads
nothing of any machine (the agent's files are not the server's): it is lexical, and knows
only the aliases every system has.

* ``.`` and empty components dropped, ``..`` applied (never above the root), trailing
  slashes removed; a relative path joined to the directory it runs in (``cwd``, or the
  call's own ``workdir``).
* ``/proc/self/root/…`` (also ``thread-self`` and a process id) is ``/…``;
  ``/proc/self/cwd/…`` (``thread-self``) is the directory the call runs in — replaced where
  it appears, before a later ``..`` is applied (``/proc/self/cwd/../x`` is the cwd's parent's
  ``x``, not ``/proc/self/x``).
* a ``file:`` URL is its path, percent-decoded (``file:///etc/passwd``,
  ``file://localhost/%65tc/passwd``; another host: the UNC path ``//host/…``).
* Windows spellings (a backslash, a drive ``C:``, ``\\\\?\\`` / ``\\\\.\\`` prefixes, UNC
  ``\\\\server\\share``) are written with ``/`` (``C:/Users/me/.ssh/id_rsa``), and each
  component as Windows opens it: an alternate data stream cut off (``.env::$DATA``,
  ``.env:x`` is ``.env``), trailing dots and spaces removed (``.env.``, ``.env `` are ``.env``).
* a NUL byte ends the path (what a C ``open`` would see); a path longer than any system
  opens (:data:`MAX_PATH`) gets no other spelling.
* ``~``, ``$HOME``, ``${HOME}``, ``%USERPROFILE%`` first: a home directory not known here,
  taken to be at least two levels deep (``/home/me``, ``/Users/me``; ``/root`` climbs to
  ``/`` as well), so ``~/../../etc/passwd`` is ``/etc/passwd``; a path that stays inside or
  climbs one level keeps its prefix (``~/.ssh//id_rsa`` is ``~/.ssh/id_rsa``).

* ``~user`` is that user's home as Linux lays it out: ``~root/…`` is ``/root/…``, ``~alice/…``
  is ``/home/alice/…`` (a rule written for ``/Users/alice`` sees ``~alice`` as sent).

Not understood (the path is matched as sent): case (``.ENV`` on a case-insensitive file
system: a rule of one's own says ``(?i)``), Unicode forms and look-alikes (``．env`` is another
name to every file system the harnesses use), 8.3 short names (``PROGRA~1``: known only to the
disk), symlinks and ``/dev/fd/N`` (which file a descriptor holds is known only where it was
opened: a shell line's ``exec 3< f`` is read as the read of ``f``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from urllib.parse import unquote

#: ``/proc/<self|thread-self|pid>/<root|cwd>``: the second and third components
_PROC_SELF = frozenset({"self", "thread-self"})
_DRIVE = re.compile(r"^[A-Za-z]:")
#: a first component that stands for a home directory not known here
_HOME = re.compile(r"^(?:~|\$HOME|\$\{HOME\}|%(?:USERPROFILE|HOME)%)$", re.IGNORECASE)
#: the first characters of a home's spelling (``~``, ``$HOME``, ``%USERPROFILE%``)
_HOME_STARTS = ("~", "$", "%")
#: ``~user``: a login name (POSIX portable characters)
_USER_HOME = re.compile(r"^~([A-Za-z_][A-Za-z0-9._-]*)$")
#: the longest path any system opens (Windows' long form: 32,767 characters; Linux: 4,096 bytes)
MAX_PATH = 32_767
#: how deep a home directory is taken to be (``/home/me``)
_HOME_DEPTH = 2


def canonical_path(path: str, cwd: object = None) -> str | None:
    """The canonical spelling of ``path`` (see the module doc) when it differs from ``path``;
    None when it is already canonical or nothing can be said (a relative path with no
    absolute directory to join it to)."""
    spelled = _spelled(path, cwd)
    return spelled if spelled is not None and spelled != path else None


def _spelled(path: str, cwd: object) -> str | None:
    if "\0" in path:
        path = path.split("\0", 1)[0]
    if len(path) > MAX_PATH:
        return None  # no system opens it (ENAMETOOLONG): judged as sent, in bounded time
    if path[4:5] == ":" and path[:4].lower() == "file":
        path = _from_url(path)
    if not path:
        return None
    windows = "\\" in path or (path[1:2] == ":" and _DRIVE.match(path) is not None)
    if not windows and path[:1] not in _HOME_STARTS and "proc" not in path:  # the usual posix path
        if path[:1] == "/":
            return "/" + posixpath.normpath(path).lstrip("/")
        if type(cwd) is str and cwd[:1] == "/" and "proc" not in cwd and "\\" not in cwd and "\0" not in cwd:
            return "/" + posixpath.normpath(f"{cwd}/{path}").lstrip("/")
    if windows:
        path = path.replace("\\", "/")
    first = path.split("/", 1)[0]
    user = _USER_HOME.match(first) if first[:1] == "~" and not windows else None
    if user is not None:  # another user's home, where Linux puts it
        home = "/root" if user.group(1) == "root" else "/home/" + user.group(1)
        return "/" + posixpath.normpath(home + path[len(first) :]).lstrip("/")
    if first and _HOME.match(first):
        return _from_home(first, path[len(first) :], windows)
    root, rest = _root(path, windows)
    if root is None:  # relative: joined to the directory the call runs in
        base = _base(cwd)
        if base is None:  # a Windows spelling is still written with ``/`` (``..\\x`` is ``../x``)
            return "/".join(_walk(rest, True, [], None, up=True)) if windows else None
        root, before = base
        windows = windows or root != "/"  # a Windows directory opens its files the Windows way
        return root + "/".join(_walk(rest, windows, before, None if windows else before))
    return root + "/".join(_walk(rest, windows, [], _base_parts(cwd)))


def _from_url(url: str) -> str:
    """A ``file:`` URL's path, percent-decoded: ``file:///p`` and ``file://localhost/p`` are
    ``/p``, ``file:///C:/p`` is ``C:/p``, another host is the UNC path ``//host/p``."""
    rest = url[5:]
    if rest.startswith("//"):
        host, _, tail = rest[2:].partition("/")
        rest = "/" + tail if host.lower() in ("", "localhost") else f"//{host}/{tail}"
    path = unquote(rest)
    if len(path) > 2 and path[0] == "/" and _DRIVE.match(path[1:]):
        path = path[1:]  # file:///C:/x
    return path


def _root(path: str, windows: bool) -> tuple[str | None, str]:
    """(root, the rest) of a path with ``/`` separators: ``/``, ``C:/``, ``//server/share/``
    (Windows spellings only: a posix ``//x`` is ``/x``); a relative path's root is None
    (``C:x``, relative to a drive's own directory, too)."""
    if not windows:
        return ("/", path) if path[:1] == "/" else (None, path)
    if path.startswith(("//?/", "//./", "/??/")):
        path = path[4:]
        if path[:4].upper() == "UNC/":
            path = "//" + path[4:]
    if path.startswith("//"):
        server, _, tail = path[2:].partition("/")
        share, _, tail = tail.partition("/")
        if server and share:
            return f"//{server}/{share}/", tail
        return "/", path
    if _DRIVE.match(path):
        if path[2:3] == "/":
            return path[:2].upper() + "/", path[3:]
        return None, path[2:]
    if path[:1] == "/":
        return "/", path
    return None, path


def _base(cwd: object) -> tuple[str, list[str]] | None:
    """(root, components) of the directory a relative path starts from; None if not absolute."""
    if not isinstance(cwd, str) or not cwd or "\0" in cwd:
        return None
    windows = "\\" in cwd or _DRIVE.match(cwd) is not None
    spelled = cwd.replace("\\", "/") if windows else cwd
    root, rest = _root(spelled, windows)
    if root is None:
        return None
    return root, _walk(rest, windows, [], None)


def _base_parts(cwd: object) -> list[str] | None:
    """The components of an absolute posix ``cwd`` (for ``/proc/self/cwd``), else None."""
    base = _base(cwd)
    return base[1] if base is not None and base[0] == "/" else None


def _walk(rest: str, windows: bool, start: list[str], cwd: list[str] | None, *, up: bool = False) -> list[str]:
    """``start`` followed by ``rest``'s components, ``.``, empty ones and ``..`` applied (``up``:
    a relative path keeps the ``..`` that climb out of it); ``/proc/self/root`` and
    ``/proc/self/cwd`` (when ``cwd`` is known) replaced where they appear."""
    parts = list(start)
    for part in rest.split("/"):
        if windows:
            part = part.split(":", 1)[0].rstrip(". ") if part not in (".", "..") else part
        if not part or part == ".":
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif up:
                parts.append(part)
            continue
        parts.append(part)
        if len(parts) == 3 and parts[0] == "proc" and not windows and not up:  # (``up``: not from the root)
            pid = parts[1]
            if parts[2] == "root" and (pid in _PROC_SELF or pid.isdigit()):
                parts = []
            elif parts[2] == "cwd" and pid in _PROC_SELF and cwd is not None:
                parts = list(cwd)
    return parts


def _from_home(first: str, rest: str, windows: bool) -> str:
    """A path under a home directory not known here (see the module doc)."""
    parts = _walk(rest, windows, [], None, up=True)
    climbed = 0
    while climbed < len(parts) and parts[climbed] == "..":
        climbed += 1
    if climbed >= _HOME_DEPTH:
        return "/" + "/".join(parts[climbed:])
    return "/".join([first, *parts])


def start_dir(cwd: object, dir_args: object) -> object:
    """The directory a tool's command starts in: an absolute directory the call names in its
    ``dir_args`` (Codex's ``workdir``, Gemini CLI's ``dir_path``…), else ``cwd``; None when the
    named one is relative."""
    if isinstance(dir_args, Mapping):
        for value in dir_args.values():
            if isinstance(value, str) and value:
                spelled = canonical_path(value, cwd) or value
                return spelled if spelled[:1] in ("/", "~") else None
    return cwd
