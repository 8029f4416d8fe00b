"""One server per home directory and per port, checked before anything is written.

A second ``goalrail server`` must not disturb a running one: it takes an
exclusive lock on ``<home>/server.lock`` (released by the OS when the process
ends, however it ends) and binds its listening socket itself, both before the
console token is rewritten.  Either failure is a clear error and no change.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
from pathlib import Path

from goalrail.errors import GoalrailError


class AlreadyRunning(GoalrailError):
    code = "already_running"


class InstanceLock:
    """An exclusive, non-blocking ``flock`` on a file in the server's home directory."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "server.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise AlreadyRunning(f"cannot lock `{self.path}`: {exc.strerror}") from None
            running = f" ({holder})" if holder else ""
            raise AlreadyRunning(
                f"another goalrail server is already running with the home directory `{self.path.parent}`"
                f"{running}; stop it first, or give this one its own home with GOALRAIL_HOME"
            ) from None
        self._fd = fd

    def describe(self, text: str) -> None:
        """Record who holds the lock (pid and URL), for the message a second server prints."""
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        return ""


def bind_listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on ``host:port``, one per worker process: with
    ``SO_REUSEPORT`` the kernel spreads new connections evenly between them (one
    shared socket would let whichever worker wakes first accept a whole burst)."""
    if count == 1:
        return [bind_listener(host, port)]
    first = bind_listener(host, port, reuse_port=True)
    port = int(first.getsockname()[1])
    return [first] + [bind_listener(host, port, reuse_port=True) for _ in range(count - 1)]


def bind_listener(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind and listen on ``host:port`` now, so a busy port fails before anything else."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise AlreadyRunning(f"cannot listen on `{host}`: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise AlreadyRunning(
                f"port {port} on `{host}` is already in use (another goalrail server? see "
                f"http://{_url_host(host)}:{port}/healthz); choose another port with --port"
            ) from None
        raise AlreadyRunning(f"cannot listen on `{host}:{port}`: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
