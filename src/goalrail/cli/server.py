"""``goalrail server [-c FILE] [--host] [--port] [--workers N]`` — run the server (uvicorn;
N processes on one listening socket with ``--workers``, see ``cli.workers``)."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

    from fastapi import FastAPI

    from goalrail.config.own_files import OwnFiles
    from goalrail.config.server import ServerConfig


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-c",
        "--config",
        help="server config YAML (default ~/.goalrail/config.yaml, /data/config.yaml "
        "in a container; no file at all is a valid empty config)",
    )
    p.add_argument("--host", help="listen address (default 127.0.0.1; anything else needs tokens)")
    p.add_argument("--port", type=int, help="listen port (default 6767)")
    p.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port (default 1, or `server.workers`); "
        "needs SQLite or PostgreSQL, not the memory store",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--access-log", action="store_true", help="log every request (off by default: it is the hot path)")


def run(args: argparse.Namespace) -> int:
    import os

    from goalrail.cli.workers import OnceFlag, shared_counter
    from goalrail.config.own_files import own_files
    from goalrail.config.server import load_server_config
    from goalrail.config.service import DEFAULT_HOST, DEFAULT_PORT
    from goalrail.defaults import goalrail_home
    from goalrail.server.app import create_app
    from goalrail.server.auth import is_loopback
    from goalrail.server.console import console_token_path, cookie_key, write_console_token
    from goalrail.server.instance import InstanceLock, bind_listeners

    cfg = load_server_config(args.config)
    host = args.host or cfg.server.get("host") or DEFAULT_HOST
    port = args.port if args.port is not None else cfg.server.get("port") or DEFAULT_PORT
    workers = args.workers if args.workers is not None else cfg.server.get("workers", 1)
    problem = workers_problem(workers, cfg.database_url or "")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    token_file = console_token_path(cfg.auth)
    # Nothing is written before both checks: a second server leaves the running one alone.
    homes = dict.fromkeys([Path(goalrail_home()).resolve(), token_file.parent.resolve()])  # usually one directory
    locks = [InstanceLock(home) for home in homes]
    for lock in locks:
        lock.acquire()
    listeners = bind_listeners(host, port, workers)
    port = int(listeners[0].getsockname()[1])
    if not _preflight(cfg, host):
        for listener in listeners:
            listener.close()
        return 2
    console = write_console_token(token_file)
    key = cookie_key(token_file.parent)
    own = own_files(cfg, config_path=args.config or _default_config(), token_file=token_file)
    app = create_app(
        cfg, console_token=console, cookie_key=key, host=host, port=port, own_files=own
    )  # store: at startup
    state = app.state.goalrail
    state.runtime.check()  # refuse to start on any policy that does not compile
    base = state.public_url
    for lock in locks:
        lock.describe(f"pid {os.getpid()}, {base}")
    print(f"goalrail: serving on http://{host}:{port} (API docs: {base}/docs)", file=sys.stderr)
    print(f"goalrail: admin console token written to {token_file} (mode 600)", file=sys.stderr)
    print(f"goalrail: {state.auth.describe_mode()}", file=sys.stderr)
    print(f"goalrail: {_guard_note(own)}", file=sys.stderr)
    once = OnceFlag() if workers > 1 else None
    if workers > 1:  # a revocation or sign-out in one worker clears every worker's cached lookups
        state.auth.epoch = shared_counter()
    if is_loopback(host):
        code = state.auth.issue_login_code(claim=once.claim if once else None)
        print(f"goalrail: sign in to the web UI (one-time link): {base}/login?code={code}", file=sys.stderr)
    if workers > 1:
        print(f"goalrail: {workers} worker processes", file=sys.stderr)
    sys.stderr.flush()
    try:
        return _serve(app, listeners, args, host, port)
    finally:
        for listener in listeners:
            listener.close()
        for lock in locks:
            lock.release()


def _guard_note(own: OwnFiles | None) -> str:
    if own is None:
        return "own-files guard OFF (server.guard_own_files: false): sessions may change the server's files"
    return f"own-files guard on: {len(own.protected)} paths no session may change, {len(own.secrets)} none may read"


def _default_config() -> Path | None:
    """The default config file when it exists (what ``load_server_config(None)`` read)."""
    from goalrail.config.server import default_config_path

    path = default_config_path()
    return path if path.exists() else None


def _serve(app: FastAPI, listeners: list[socket.socket], args: argparse.Namespace, host: str, port: int) -> int:
    """Serve ``app`` on ``listeners`` (one worker per socket) until stopped; the exit code."""
    import uvicorn

    from goalrail.cli.workers import supervise
    from goalrail.defaults import goalrail_home
    from goalrail.server.metrics_share import MetricsShare

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=args.log_level,
        access_log=args.access_log,
        server_header=False,
        lifespan="on",
    )
    tune_gc()  # before forking: the frozen objects stay shared between the workers
    workers = len(listeners)
    shared = Path(goalrail_home()) / "workers"
    if workers > 1:
        MetricsShare.prepare(shared)

    def serve(worker: int) -> int:
        if workers > 1:
            app.state.goalrail.metrics_share = MetricsShare(shared, worker)
        uvicorn.Server(config).run(sockets=[listeners[worker]])
        return 0

    return serve(0) if workers == 1 else supervise(workers, serve)


def workers_problem(workers: object, database_url: str) -> str | None:
    """Why ``workers`` processes cannot serve ``database_url``, if they cannot."""
    from goalrail.store import MEMORY_URL

    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= MAX_WORKERS:
        return f"--workers must be an integer from 1 to {MAX_WORKERS}, got {workers!r}"
    if workers > 1 and database_url.strip() == MEMORY_URL:
        return (
            f"--workers {workers} needs a store the processes share: the memory store keeps each "
            "process's sessions apart; use SQLite (the default) or PostgreSQL"
        )
    return None


#: The most worker processes ``--workers`` starts.
MAX_WORKERS = 64

#: The server's garbage-collector thresholds (CPython's default is 700, 10, 10).
GC_THRESHOLDS = (10_000, 10, 10)

#: Young collections after which what the server keeps is frozen once more (``tune_gc``): the
#: last one before the first collection of generation 1 (the next one, the eleventh, is).
WARM_COLLECTIONS = GC_THRESHOLDS[1]


def tune_gc() -> None:
    """Garbage collection for a long-running server process (not for an embedding one).

    Everything loaded before serving (modules, the registry, the config) is moved out
    of the collector's reach (``gc.freeze``), and the youngest generation is collected
    after 10,000 net allocations instead of 700.  At the default, a decision's few
    hundred short-lived containers trigger a young collection every few decisions and,
    through them, full collections over everything the process keeps (sessions,
    queued audit entries): on ``bench/http_api.py`` those pauses set the p99
    (310–390 ms → 45–61 ms with these settings, and 10–15% less CPU per decision).

    What the start and the first decisions create and keep (the store, its engine and
    statement caches, modules imported on first use, compiled policies, price tables:
    ~70,000 objects on ``--chain builtins``) is frozen too, once ``WARM_COLLECTIONS``
    young collections have run (``_FreezeWarm``): else the first collection of generation 1
    scanned all of it at once on the event loop (77 k objects; a 16.8 ms pause in an
    ``http_api.py --tail`` run), and every
    full collection after it again.  Frozen objects are still freed when no longer
    referenced; only a reference cycle among the few objects of requests in flight then
    stays, once.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    if not any(isinstance(cb, _FreezeWarm) for cb in gc.callbacks):
        gc.callbacks.append(_FreezeWarm())


class _FreezeWarm:
    """A ``gc.callbacks`` entry: ``gc.freeze()`` after the ``WARM_COLLECTIONS``-th young
    collection (once; a no-op after, as removing itself would skip the next callback)."""

    __slots__ = ("young",)

    def __init__(self) -> None:
        self.young = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase != "stop" or info["generation"] != 0 or self.young >= WARM_COLLECTIONS:
            return
        self.young += 1
        if self.young == WARM_COLLECTIONS:
            gc.freeze()


def _preflight(cfg: ServerConfig, host: str) -> bool:
    """Open (and migrate) the store once before serving: database errors and an
    unauthenticated non-loopback address stop the start with a clear message."""
    import asyncio

    from goalrail.server.auth import Authenticator, exposure_problem
    from goalrail.store import open_store

    async def check() -> bool:
        store = await open_store(cfg.database_url)
        try:
            problem = await exposure_problem(Authenticator(store, cfg.auth, host=host), host)
            if problem:
                print(f"error: {problem}", file=sys.stderr)
                return False
            return True
        finally:
            await store.close()

    return asyncio.run(check())
