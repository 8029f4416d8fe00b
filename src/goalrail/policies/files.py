"""File parameters: an operator feature, confined to the server's ``policy_dirs``.

A policy parameter that names a file (``pattern_policy``'s ``path``) is honoured
only while an *operator scope* is active: the chain compiler opens one for
policies read from files the operator controls (the server config, agent YAML
on disk) and passes the ``policy_dirs`` the server config names.  Outside a
scope — every session policy, whether added by REST, the web UI or chat, and
server/agent policies created over HTTP — a file parameter is refused with an
``invalid_params`` error naming the parameter.

Inside a scope a file is read only when, after resolving every symlink, it lies
under one of the ``policy_dirs``, is a regular file (no FIFO, device, socket or
directory) and is at most :data:`MAX_FILE_BYTES` long.  It is opened with
``O_NOFOLLOW | O_NONBLOCK`` and checked again on the open descriptor, so a file
swapped for a FIFO or a link between the check and the read is refused too.
Error messages name the file and the rule it broke, never its content.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from goalrail.errors import InvalidParams

MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class FileAccess:
    """What an operator scope allows: reading policy files under ``dirs`` (resolved)."""

    dirs: tuple[Path, ...] = ()

    @classmethod
    def under(cls, dirs: Sequence[str | Path]) -> FileAccess:
        return cls(tuple(Path(os.path.realpath(d)) for d in dirs))


_ACCESS: ContextVar[FileAccess | None] = ContextVar("goalrail_file_access", default=None)


@contextmanager
def operator_scope(access: FileAccess | None) -> Iterator[None]:
    """Policies built inside come from operator files (None: a no-op, files stay refused)."""
    if access is None:
        yield
        return
    token = _ACCESS.set(access)
    try:
        yield
    finally:
        _ACCESS.reset(token)


_SESSION: ContextVar[bool] = ContextVar("goalrail_session_policy", default=False)


@contextmanager
def session_scope(on: bool) -> Iterator[None]:
    """Policies built inside are session-level: their parameters read no server file at all
    (not even a ``realpath``), so nothing they answer reveals the server's file system."""
    token = _SESSION.set(on)
    try:
        yield
    finally:
        _SESSION.reset(token)


def in_session_scope() -> bool:
    """True while a session-level policy is being built (``session_scope``)."""
    return _SESSION.get()


def current_access() -> FileAccess | None:
    """The operator scope in force, or None for a session (untrusted) policy."""
    return _ACCESS.get()


class FileRefused(InvalidParams, ValueError):
    """A file parameter that may not be read (who asks, where it points, what it is)."""


def refused(param: str, message: str) -> FileRefused:
    return FileRefused(message, [{"loc": f"factory_params.{param}", "message": message}])


def refused_for_session(param: str) -> FileRefused:
    return refused(
        param,
        f"`{param}` names a server file, which only policies in the server config or an agent "
        "spec on disk may do; give the policy `inline` instead",
    )


def check_file(path: str, param: str, access: FileAccess | None = None) -> Path:
    """The resolved path of an allowed policy file; raise FileRefused otherwise."""
    access = access if access is not None else current_access()
    if access is None:
        raise refused_for_session(param)
    if not access.dirs:
        raise refused(param, f"`{param}`: the server config names no `policy_dirs`, so no policy file may be read")
    shown = f"`{path}`"
    if not isinstance(path, str) or not path or "\0" in path:
        raise refused(param, f"`{param}` must be a non-empty file path")
    try:
        resolved = Path(os.path.realpath(os.path.expanduser(path), strict=True))
    except (OSError, RuntimeError):
        raise refused(param, f"policy file {shown} does not exist or cannot be reached") from None
    if not any(resolved.is_relative_to(d) for d in access.dirs):
        dirs = ", ".join(f"`{d}`" for d in access.dirs)
        raise refused(param, f"policy file {shown} is not under the server's policy_dirs ({dirs})")
    try:
        st = os.stat(resolved)
    except OSError:
        raise refused(param, f"policy file {shown} cannot be read") from None
    _check_stat(st, shown, param)
    return resolved


def _check_stat(st: os.stat_result, shown: str, param: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise refused(param, f"policy file {shown} is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise refused(param, f"policy file {shown} is larger than {MAX_FILE_BYTES // 1024} KiB")


def read_file(path: str, param: str, access: FileAccess | None = None) -> tuple[Path, str]:
    """Check ``path`` (see :func:`check_file`) and read it as UTF-8 text, bounded."""
    resolved = check_file(path, param, access)
    shown = f"`{path}`"
    try:
        fd = os.open(resolved, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        raise refused(param, f"policy file {shown} cannot be opened") from None
    try:
        _check_stat(os.fstat(fd), shown, param)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError:
        raise refused(param, f"policy file {shown} cannot be read") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise refused(param, f"policy file {shown} is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return resolved, b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise refused(param, f"policy file {shown} is not UTF-8 text") from None
