"""``goalrail server --workers N``: N server processes sharing one listening socket.

The parent does everything that must happen once (the home-directory lock, the
listening socket, migrations, the console token, compiling the policies), then
forks the workers; each serves its own socket on the shared port
(``SO_REUSEPORT``: the kernel spreads new connections evenly) with its own event
loop and its own connections to the store.  What the workers share goes through the store (SQLite file or
PostgreSQL), as it does between replicas, so N workers decide exactly what one
would.

The parent only supervises: a stop signal (SIGTERM, SIGINT, SIGHUP) is passed on
as SIGTERM and each worker finishes its requests; a worker that dies on its own
is started again; a worker that fails to start, or that keeps dying
(``RESTARTS`` times within ``RESTART_WINDOW_S``), stops the whole server with
an error.  A worker also gets SIGTERM if the parent is killed (Linux
``PR_SET_PDEATHSIG``), so none is left serving alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import Synchronized

#: A worker that exits with this code failed to start (uvicorn's own code for it).
STARTUP_FAILURE = 3
RESTARTS = 5
RESTART_WINDOW_S = 60.0
#: How long stopping workers may take to finish their requests before they are killed.
GRACE_S = 30.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


class OnceFlag:
    """A flag set at most once across forked processes (a one-time sign-in link
    redeemed in one worker cannot be redeemed in another)."""

    def __init__(self) -> None:
        self._value = multiprocessing.get_context("fork").Value("b", 0)

    def claim(self) -> bool:
        with self._value.get_lock():
            if self._value.value:
                return False
            self._value.value = 1
            return True


def shared_counter() -> Synchronized[int]:
    """A counter shared by the workers forked after it is made (``Authenticator.epoch``)."""
    return multiprocessing.get_context("fork").Value("q", 0)


def supervise(count: int, serve: Callable[[int], int]) -> int:
    """Fork ``count`` workers, worker i running ``serve(i)``, and supervise them; the exit code."""
    workers: dict[int, int] = {}  # pid → worker number
    deaths: list[float] = []
    failure = 0
    kill_at: float | None = None  # set once stopping

    def stop(_signum: int = 0, _frame: FrameType | None = None) -> None:
        nonlocal kill_at
        if kill_at is None:
            kill_at = time.monotonic() + GRACE_S
        for pid in workers:
            _kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    try:
        for number in range(count):
            workers[_fork(number, serve)] = number
        while workers:
            if kill_at is None:
                pid, status = os.wait()
            else:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    if time.monotonic() > kill_at:
                        for left in workers:
                            _kill(left, signal.SIGKILL)
                    time.sleep(0.05)
                    continue
            if pid not in workers:
                continue
            number = workers.pop(pid)
            if kill_at is not None:
                continue
            code = os.waitstatus_to_exitcode(status)
            now = time.monotonic()
            deaths = [t for t in deaths if now - t < RESTART_WINDOW_S] + [now]
            if code == STARTUP_FAILURE or len(deaths) > RESTARTS:
                why = (
                    "could not start"
                    if code == STARTUP_FAILURE
                    else f"died {len(deaths)} times in {RESTART_WINDOW_S:g} s"
                )
                _say(f"worker {number} {why}; stopping")
                failure = 1
                stop()
                continue
            _say(f"worker {number} (pid {pid}) exited with {_describe(code)}; starting it again")
            workers[_fork(number, serve)] = number
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return failure


def _fork(number: int, serve: Callable[[int], int]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        for sig in _STOP_SIGNALS:  # until the server takes them over, and after it hands them back
            signal.signal(sig, _exit)
        _die_with_parent()
        code = serve(number)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # a worker never returns into the supervisor's code
        _say(f"worker {number}: {exc!r}")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _exit(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the worker outlives a killed parent
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _say(text: str) -> None:
    print(f"goalrail: {text}", file=sys.stderr, flush=True)


def _describe(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"code {code}"
