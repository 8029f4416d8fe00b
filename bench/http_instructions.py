"""Instructions per ``POST /v1/sessions/{id}/events`` through the real server stack, under
callgrind, without sockets (load-independent: ``bench/http_api.py``'s CPU figures are not).

    python bench/http_instructions.py [--requests 400] [--connections 8] [--modes http,app,runtime,to_dict,floor]
    python bench/http_instructions.py --store sqlite --modes http --requests 512 --connections 16

Each mode runs ``valgrind --tool=callgrind`` on this script's driver twice (N requests after
the same warm-up, and none) and prints the difference / N:

* ``http``: the app ``goalrail server`` serves (``create_app`` on the memory store, the
  ``--chain builtins`` chain of ``http_api.py``, single-user auth on loopback as there),
  wrapped by uvicorn exactly as ``uvicorn.Config(...).load()`` wraps it (its proxy-headers
  middleware), behind uvicorn's own HTTP protocol class (``config.http_protocol_class``:
  httptools' here) on a uvloop event loop, one protocol per connection on a fake transport.
  The driver feeds each connection the raw client's request bytes (same path, headers and
  bodies) in turn and waits for the response's bytes; the parent checks every response is a
  200 with the expected decision.  What the kernel and uvloop's socket reads would cost is
  not counted; uvicorn's parsing, the ASGI cycle, the app and the runtime are.
* ``app``: the same ASGI app (uvicorn's proxy-headers middleware, then ours) called directly
  with the scope, body and ``send`` uvicorn's protocol would give it: ``http - app`` is
  uvicorn's protocol (parsing, the request's task and event, the response's bytes).
* ``runtime``: ``Runtime.evaluate`` on the same events for the same sessions, owner and
  actor (the loop then runs the memory store's sealing, as it does after a response).
* ``to_dict``: the same plus ``Outcome.to_dict()`` (the answer the route encodes).
* ``floor``: ``http_api.py``'s bare Starlette endpoint behind the same driver.

``--store sqlite`` (modes ``http``, ``app``, ``floor``): the same app on a SQLite file in
``GOALRAIL_HOME``, the requests sent in rounds of one per connection at once (each round's
decisions then share one group commit, as under ``http_api.py``'s 32 connections: 16 per batch
with ``--connections 16``); the memory store's runs send one request at a time, as before.

``http - runtime`` is the server's own share: uvicorn's protocol, the ASGI app, the fast
path's checks, authentication, parsing, metrics, the answer's encoding (and this driver's
few calls per request).  ``PYTHONHASHSEED=0``; the garbage collector as ``goalrail
server`` tunes it (``tune_gc``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from callgrind import collected
from owner_state import http_bench

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))


HTTP_API = http_bench()
PORT = 6767
TAG = "b"
#: the decision (result, deciding policy) for each of ``http_api.BODIES`` on the builtins chain, once
#: a session's risk score has reached its threshold (as in ``http_api.py``'s runs, a few dozen requests
#: into each session): the four tool calls that score points ask, the rest are allowed
ASK = ("ASK", "risk")
EXPECTED = (
    ASK,
    ("ALLOW", "max_tool_calls"),
    ASK,
    ASK,
    ASK,
    ("ALLOW", None),
    ("ALLOW", None),
    ("ALLOW", "session_budget"),
)
#: requests per connection before the measured ones: every session exists, has seen every body and
#: has reached the risk threshold (12 points per cycle of the bodies; the threshold is 50)
WARM_CYCLES = 6


def requests_for(connections: int) -> list[list[bytes]]:
    """The raw client's request bytes, per connection (one session each), one per body."""
    out = []
    for i in range(connections):
        path = f"/v1/sessions/{TAG}-{i}/events"
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\nContent-Type: application/json\r\n"
        out.append([(head + f"Content-Length: {len(b)}\r\n\r\n").encode() + b for b in HTTP_API.BODIES])
    return out


def schedule(n: int, connections: int, start: int) -> list[tuple[int, int]]:
    """(connection, body index) of requests ``start .. start+n-1``: round robin over the
    connections, each cycling through the bodies."""
    return [(k % connections, (k // connections) % len(HTTP_API.BODIES)) for k in range(start, start + n)]


class Transport(asyncio.Transport):
    """What uvicorn's protocol writes to: the bytes, and a future set once a response is whole."""

    def __init__(self, peer: int) -> None:
        super().__init__()
        self.extra = {"sockname": ("127.0.0.1", PORT), "peername": ("127.0.0.1", peer)}
        self.chunks: list[bytes] = []
        self.writes = 0
        self.done: asyncio.Future[None] | None = None

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.extra.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:  # type: ignore[override]
        self.chunks.append(bytes(data))
        self.writes += 1
        if self.writes % 2 == 0 and self.done is not None:  # uvicorn: head, then the body
            self.done.set_result(None)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def _config_text(store: str = "memory") -> str:
    url = "memory://" if store == "memory" else f"sqlite:///{os.environ['GOALRAIL_HOME']}/bench.db"
    return "\n".join(["policies:", *HTTP_API._policy_lines("builtins"), f"database_url: '{url}'"]) + "\n"


async def _serve(mode: str, n: int, connections: int, warm: int, out: Path, store: str) -> None:
    import uvicorn
    from uvicorn.lifespan.on import LifespanOn
    from uvicorn.server import ServerState

    from goalrail.cli.server import tune_gc
    from goalrail.config.server import server_config_from_text
    from goalrail.server.app import create_app

    if mode == "floor":
        app = HTTP_API.floor_app()
    else:
        app = create_app(
            server_config_from_text(_config_text(store)), console_token="c" * 43, cookie_key=b"k" * 32, port=PORT
        )
    # As `goalrail server` configures uvicorn (cli/server.py `_serve`).
    config = uvicorn.Config(
        app, host="127.0.0.1", port=PORT, log_level="warning", access_log=False, server_header=False, lifespan="on"
    )
    config.load()
    protocol_class = config.http_protocol_class
    assert protocol_class.__name__ == "HttpToolsProtocol", protocol_class
    lifespan = LifespanOn(config)
    await lifespan.startup()
    state = ServerState()
    state.default_headers = [(b"date", b"Fri, 04 Dec 2026 12:00:00 GMT"), *config.encoded_headers]
    loop = asyncio.get_running_loop()
    conns = []
    for i in range(connections):
        transport = Transport(40000 + i)
        protocol = protocol_class(config=config, server_state=state, app_state=lifespan.state, _loop=loop)  # type: ignore[call-arg]
        protocol.connection_made(transport)
        conns.append((protocol, transport))
    raw = requests_for(connections)

    async def post(c: int, b: int) -> None:
        protocol, transport = conns[c]
        transport.done = done = loop.create_future()
        protocol.data_received(raw[c][b])
        await done

    if mode == "app":
        post = _app_post(config.loaded_app, conns, lifespan.state)

    async def run(requests: list[tuple[int, int]]) -> None:
        if store == "memory":  # one request at a time (the figures of earlier sittings)
            for c, b in requests:
                await post(c, b)
            return
        # SQLite: a round of one request per connection in flight at once, as the raw client keeps
        # them, so that the group commit writes a batch of `connections` decisions (not one each)
        for k in range(0, len(requests), connections):
            await asyncio.gather(*(post(c, b) for c, b in requests[k : k + connections]))

    tune_gc()
    await run(schedule(warm, connections, 0))
    for _, transport in conns:
        transport.chunks.clear()
    await run(schedule(n, connections, warm))
    await asyncio.sleep(0)  # the last response's sealing
    await lifespan.shutdown()
    with out.open("wb") as f:
        for _, transport in conns:
            f.write(b"".join(transport.chunks))
            f.write(b"\0")


def _app_post(app: Any, conns: list[tuple[Any, Transport]], app_state: dict[str, Any]) -> Any:
    """``post`` for the ``app`` mode: the ASGI app (uvicorn's proxy-headers middleware, then
    ours) called with the scope, body and ``send`` uvicorn would give it, without its protocol."""
    template = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", PORT),
        "scheme": "http",
        "root_path": "",
        "method": "POST",
        "query_string": b"",
    }
    requests = []
    for i in range(len(conns)):
        path = f"/v1/sessions/{TAG}-{i}/events"
        headers = [(b"host", f"127.0.0.1:{PORT}".encode()), (b"content-type", b"application/json")]
        requests.append([(path, headers, body) for body in HTTP_API.BODIES])

    async def post(c: int, b: int) -> None:
        path, headers, body = requests[c][b]
        scope = {
            **template,
            "client": ("127.0.0.1", 40000 + c),
            "path": path,
            "raw_path": path.encode(),
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
            "state": app_state.copy(),
        }
        chunks = conns[c][1].chunks

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                chunks.append(b"HTTP/1.1 %d\r\n\r\n" % message["status"])
            else:
                chunks.append(message["body"])

        await app(scope, receive, send)

    return post


async def _runtime(mode: str, n: int, connections: int, warm: int) -> None:
    from goalrail.cli.server import tune_gc
    from goalrail.config.server import server_config_from_text
    from goalrail.server.app import create_app
    from goalrail.server.auth import LOCAL_USER, Principal
    from goalrail.server.events import parse_body
    from goalrail.store.memory import MemoryStore

    app = create_app(server_config_from_text(_config_text()), store=MemoryStore(), port=PORT)
    rt = app.state.goalrail.runtime
    actor = Principal(LOCAL_USER, "agent", "loopback").actor()  # who the raw client posts as
    bodies = HTTP_API.BODIES
    with_dict = mode == "to_dict"

    async def post(c: int, b: int) -> None:
        outcome = await rt.evaluate(f"{TAG}-{c}", parse_body(bodies[b]), owner=LOCAL_USER, agent=None, actor=actor)
        if with_dict:
            outcome.to_dict()
        await asyncio.sleep(0)  # the sealing the store scheduled, as after a response

    tune_gc()
    for c, b in schedule(warm, connections, 0):
        await post(c, b)
    for c, b in schedule(n, connections, warm):
        await post(c, b)


def drive(mode: str, n: int, connections: int, out: Path, store: str = "memory") -> None:
    import uvloop

    warm = WARM_CYCLES * len(HTTP_API.BODIES) * connections
    if mode in ("http", "app", "floor"):
        uvloop.run(_serve(mode, n, connections, warm, out, store))
    else:
        uvloop.run(_runtime(mode, n, connections, warm))


def check(out: Path, n: int, connections: int, floor: bool) -> None:
    """Every response a 200 with the expected decision (the floor's: its constant)."""
    per = out.read_bytes().split(b"\0")[:connections]
    answers: list[list[tuple[int, tuple[str, str | None]]]] = []
    for data in per:
        parts = [p for p in re.split(rb"(?=HTTP/1\.1 )", data) if p]
        decisions = [json.loads(p.split(b"\r\n\r\n", 1)[1]) for p in parts]
        answers.append([(int(p[9:12]), (d["result"], d["policy"])) for p, d in zip(parts, decisions, strict=True)])
    seen = [0] * connections
    for c, b in schedule(n, connections, WARM_CYCLES * len(HTTP_API.BODIES) * connections):
        status, result = answers[c][seen[c]]
        seen[c] += 1
        expected = ("ALLOW", None) if floor else EXPECTED[b]
        assert (status, result) == (200, expected), (c, b, status, result)
    assert seen == [len(a) for a in answers], "responses without a request"


def count(mode: str, n: int, connections: int, store: str = "memory") -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "responses"
        argv = [sys.executable, __file__, "--drive", mode, str(n), str(connections), str(out), store]
        found = collected(argv, {"GOALRAIL_HOME": tmp})
        if mode in ("http", "app", "floor"):
            check(out, n, connections, mode == "floor")
    return found


def per_request(mode: str, n: int, connections: int, store: str = "memory") -> float:
    counts = [count(mode, n, connections, store), count(mode, 0, connections, store)]
    print(f"# {mode}: {counts[0]} instructions with {n} requests, {counts[1]} without", file=sys.stderr, flush=True)
    return (counts[0] - counts[1]) / n


def main() -> None:
    if len(sys.argv) == 7 and sys.argv[1] == "--drive":
        drive(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]), sys.argv[6])
        return
    ap = argparse.ArgumentParser()
    # (64 approvals may wait per session: the warm-up leaves 24, each cycle of the bodies asks 4 more,
    # so past about 640 requests on 8 connections the ASKs become DENYs and the check fails)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--modes", default="http,app,runtime,to_dict,floor")
    ap.add_argument(
        "--store",
        choices=["memory", "sqlite"],
        default="memory",
        help="sqlite: a SQLite file (modes http, app, floor), a round of one request per connection in flight",
    )
    args = ap.parse_args()
    modes = args.modes.split(",")
    if args.store == "sqlite" and not set(modes) <= {"http", "app", "floor"}:
        ap.error("--store sqlite measures the http, app and floor modes")
    got = {m: per_request(m, args.requests, args.connections, args.store) for m in modes}
    for mode, k in got.items():
        print(f"{mode:8} {k / 1000:8.1f} k instructions per request")
    if "http" in got and "runtime" in got:
        print(f"http - runtime (the server's own share) {(got['http'] - got['runtime']) / 1000:8.1f} k")
    if "http" in got and "app" in got:
        print(f"http - app (uvicorn's protocol)         {(got['http'] - got['app']) / 1000:8.1f} k")
    if "app" in got and "to_dict" in got:
        print(f"app - to_dict (the ASGI app's own)      {(got['app'] - got['to_dict']) / 1000:8.1f} k")
    if "to_dict" in got and "runtime" in got:
        print(f"of which Outcome.to_dict {(got['to_dict'] - got['runtime']) / 1000:8.1f} k")


if __name__ == "__main__":
    main()
