"""HTTP throughput and latency of ``POST /v1/sessions/{id}/events``.

    python bench/http_api.py [--seconds 8] [--requests 20000] [--concurrency 32]
                         [--store sqlite|memory|both|postgres] [--client httpx|raw|both]
                         [--database-url postgresql://postgres@127.0.0.1:5432/test] [--replicas N]
                         [--owners N] [--workers N] [--py-spy PREFIX] [--counts]

Starts ``goalrail server`` (one uvicorn worker; ``--workers N`` for N) in a subprocess with a
10-policy server-wide chain, and a bare Starlette endpoint answering a constant
JSON decision in another (the floor).  Load comes from this process on loopback:
N concurrent keep-alive connections, each posting events for its own session,
bounded by a request count and a time limit.  Two load generators:
``httpx`` (httpx.AsyncClient) and ``raw`` (a minimal asyncio HTTP/1.1 client —
httpx itself costs a few hundred µs per request on the client side, and on a
2-core machine the load generator shares the CPU with the server).  The raw client runs
on uvloop when it is installed; ``client CPU µs/req`` is this process's CPU per request
during the measured run (most of it the kernel's loopback TCP, which any client pays).
``--py-spy PREFIX`` samples each server during its measured run (``py-spy`` on
``PATH``); ``profile_breakdown.py`` turns the file into µs per decision.

``--store sqlite --replicas N`` measures one server, then N servers on one
SQLite file (a fresh file each), the connections split evenly between them.

``--store postgres`` runs against PostgreSQL: a fresh database
``goalrail_bench_<pid>_<n>`` is created next to the one ``--database-url``
names for each measurement and dropped afterwards.  With ``--replicas N``
(N ≥ 2) the same run measures one server, then N servers sharing one database
with the connections split evenly between them, and reports the total rate,
each replica's share and the ratio N replicas / one.  The PostgreSQL column is
the CPU time of every ``postgres`` process on the machine (other users of the
server included; negative when some of theirs exit during the run); the line
under it counts the measured database's own backends only.

By default the server is single-user: every session belongs to one owner, so a
policy of the owner's (``user_daily_cost_budget`` in ``--chain builtins``)
shares its state across all of them, and across replicas.  ``--owners N``
runs the servers in tokens mode with N agent tokens, one owner each,
connection i posting as owner i % N (``--owners 32``: one session per owner).

``--counts`` (PostgreSQL) adds, for each measurement, what a decision costs in counts
(``pg_counts.py``; the servers load ``counting/sitecustomize.py``): statements, round
trips, group commits and rechecks of the servers, transactions, rows written by table
and WAL bytes of the database, per decision committed (warm-up included).
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the stdlib `http` package: never let its folder shadow it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import bisect  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402


def _sibling(name: str) -> Any:
    """A module of this folder (which is kept off ``sys.path``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pg_counts = _sibling("pg_counts")

ROOT = Path(__file__).resolve().parent.parent
EVENTS = [
    {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls -la src"}}},
    {"type": "tool_call", "target": "Read", "data": {"arguments": {"file_path": "/repo/README.md"}}},
    {"type": "tool_call", "target": "Write", "data": {"arguments": {"file_path": "/etc/passwd", "content": "x"}}},
    {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://docs.python.org/3/"}}},
    {"type": "tool_call", "target": "WebFetch", "data": {"arguments": {"url": "https://pastebin.com/raw/1"}}},
    {"type": "request", "data": "please refactor the parser module and add tests"},
    {"type": "request", "data": "my ssn is 123-45-6789"},
    {"type": "llm_request", "data": {"model": "claude-opus-4", "messages": [{"role": "user", "content": "hi"}]}},
]
BODIES = [json.dumps(e).encode() for e in EVENTS]
#: ``--owners N``: one agent token per owner (``auth.mode: tokens``); connection i posts as owner i % N.
TOKENS: list[str] = []
#: ``--counts``: the file prefix the servers write their counts to (``pg_counts.py``).
COUNTS: list[str] = []
COUNTS_REPORT: list[str] = []
#: ``--store postgres``: the URL of the database being measured (its own backends' CPU is reported too).
PG_URL: list[str] = []
#: The raw client's latency of each connection's first request (its session's first event).
FIRSTS: list[float] = []
#: ``--tail``: the file prefix the servers write their pauses and waits to (``tail/sitecustomize.py``).
TAIL: list[str] = []
#: ``--tail``: every request of the raw client: (start, latency, its session's first event), perf_counter s.
REQUESTS: list[tuple[float, float, bool]] = []


def _auth_lines() -> list[str]:
    if not TOKENS:
        return []
    lines = ["auth:", "  mode: tokens", "  tokens:"]
    for k, token in enumerate(TOKENS):
        digest = hashlib.sha256(token.encode()).hexdigest()
        lines.append(f"    - {{user: owner-{k}, role: agent, sha256: {digest}}}")
    return lines


def _auth_header(i: int) -> str:
    return f"Authorization: Bearer {TOKENS[i % len(TOKENS)]}\r\n" if TOKENS else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the floor: a bare endpoint --------------------------------------------------
def floor_app() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    body = json.dumps({"result": "ALLOW", "reason": "constant", "policy": None, "decisions": []}).encode()

    async def endpoint(request: Any) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/v1/sessions/{sid}/events", endpoint, methods=["POST"])])


def run_floor(port: int) -> None:
    import uvicorn

    uvicorn.run(floor_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- servers -----------------------------------------------------------------------
#: ``--chain builtins``: ten shipped builtins, as an operator would configure them (run inline,
#: like every shipped builtin; the limits are high enough that the load never reaches them).
B = "goalrail.policies.builtins"
BUILTIN_CHAIN = {
    "session_budget": (f"{B}.cost.cost_budget", "{max_cost_usd: 1000.0, ask_thresholds_usd: [900.0]}"),
    "daily_budget": (f"{B}.cost.user_daily_cost_budget", "{max_cost_usd: 100000.0}"),
    "max_tool_calls": (f"{B}.safety.max_tool_calls_per_session", "{limit: 1000000000}"),
    "rate_limit": (f"{B}.safety.rate_limit", "{max_calls: 100000, window_seconds: 1}"),
    "pii": (f"{B}.safety.deny_pii_in_llm_request", "{}"),
    "skills": (f"{B}.safety.block_skills", "{blocked: [deploy-prod]}"),
    "tools": (f"{B}.tools.tool_gate", "{deny: ['mcp__bank__*'], ask: [sys_os_delete]}"),
    "working_dir": (f"{B}.working_dir.block_working_dir_changes", "{}"),
    "github": (f"{B}.github.github_policy", "{}"),
    "risk": (f"{B}.risk.risk_score_policy", "{}"),
}


def _policy_lines(chain: str) -> list[str]:
    if chain == "builtins":
        return [f"  {n}: {{type: function, handler: {h}, factory_params: {p}}}" for n, (h, p) in BUILTIN_CHAIN.items()]
    return [f"  {n}: {{type: function, handler: http_policies.{n}}}" for n in _names()]


def start_goalrail(
    store: str, tmp: Path, database_url: str | None = None, chain: str = "rules", workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    lines = ["policies:", *_policy_lines(chain), *_auth_lines()]
    if store == "memory":
        lines.append("database_url: 'memory://'")
    elif database_url is not None:
        lines.append(f"database_url: '{database_url}'")
    port = _free_port()
    cfg = tmp / f"config-{store}-{port}.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    env = dict(
        os.environ,
        GOALRAIL_HOME=str(tmp / f"home-{store}-{port}"),
        PYTHONPATH=os.pathsep.join(
            [str(ROOT / "bench" / "counting")] * bool(COUNTS)
            + [str(ROOT / "bench" / "tail")] * bool(TAIL)
            + [str(ROOT / "src"), str(ROOT / "bench" / "chain")]
        ),
    )
    if TAIL:  # ``--tail``: the servers record their pauses and waits (``tail/sitecustomize.py``)
        env["GOALRAIL_BENCH_TAIL"] = TAIL[0]
    if COUNTS:  # ``--counts``: the servers count their side (``counting/sitecustomize.py``)
        env["GOALRAIL_BENCH_COUNTS"] = COUNTS[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--port", str(port), "--log-level", "warning"]
        + (["--workers", str(workers)] if workers > 1 else []),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def start_floor() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench" / "chain")]))
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-floor", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server at {url} exited with {proc.returncode}")
        try:
            httpx.post(f"{url}/v1/sessions/warm/events", content=BODIES[0], timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not start")


def _names() -> list[str]:
    sys.path.insert(0, str(ROOT / "bench" / "chain"))
    from http_policies import NAMES

    return list(NAMES)


# -- load generators ------------------------------------------------------------------
Load = tuple[list[float], int, list[int]]  # latencies, errors, requests answered by each server


async def load_httpx(urls: list[str], concurrency: int, requests: int, seconds: float, tag: str) -> Load:
    import httpx

    latencies: list[float] = []
    errors = 0
    per = [0] * len(urls)
    remaining = requests
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker(i: int) -> None:
            nonlocal remaining, errors
            path = f"{urls[i % len(urls)]}/v1/sessions/{tag}-{i}/events"
            n = 0
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                body = BODIES[n % len(BODIES)]
                n += 1
                t0 = time.perf_counter()
                headers = {"content-type": "application/json"}
                if TOKENS:
                    headers["authorization"] = f"Bearer {TOKENS[i % len(TOKENS)]}"
                r = await client.post(path, content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                per[i % len(urls)] += 1
                if r.status_code != 200:
                    errors += 1

        await asyncio.gather(*[worker(i) for i in range(concurrency)])
    return latencies, errors, per


async def load_raw(urls: list[str], concurrency: int, requests: int, seconds: float, tag: str) -> Load:
    latencies: list[float] = []
    errors = 0
    per = [0] * len(urls)
    remaining = requests
    deadline = time.monotonic() + seconds

    async def worker(i: int) -> None:
        nonlocal remaining, errors
        host, port = urls[i % len(urls)].removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        path = f"/v1/sessions/{tag}-{i}/events"
        requests_bytes = [
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"{_auth_header(i)}Content-Length: {len(b)}\r\n\r\n"
            ).encode()
            + b
            for b in BODIES
        ]
        n = 0
        try:
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                t0 = time.perf_counter()
                writer.write(requests_bytes[n % len(requests_bytes)])
                n += 1
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if n == 1:  # a new session's first event
                    FIRSTS.append(latencies[-1])
                if TAIL:
                    REQUESTS.append((t0, latencies[-1], n == 1))
                per[i % len(urls)] += 1
                if status != 200:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*[worker(i) for i in range(concurrency)])
    return latencies, errors, per


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to report server CPU per request."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid: int) -> list[int]:
    """A server's worker processes (``--workers``; none for one worker)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a server and its worker processes (``--workers``)."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in child_pids(pid))


def postgres_cpu_seconds() -> float:
    """CPU time of every ``postgres`` process (the server's share of a decision)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "comm").read_text().strip() == "postgres":
                    total += cpu_seconds(int(proc.name))
            except OSError:
                continue
    return total


def _run(coro: Any) -> Any:
    """Run the load generator on uvloop when it is installed (less of the shared CPU than asyncio's loop)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def measure(urls: list[str], pids: list[int], client: str, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    load = load_raw if client == "raw" else load_httpx
    _run(load(urls, args.concurrency, min(2000, args.requests), 2.0, tag + "-warm"))  # warm-up
    spies = []
    for url, pid in zip(urls, pids, strict=True) if args.py_spy else ():  # sample the measured run only
        out = f"{args.py_spy}-{tag.split('-')[0]}-{url.rsplit(':', 1)[1]}.txt"
        cmd = ["py-spy", "record", "--nonblocking", "-r", "200", "-f", "raw", "-o", out, "--pid", str(pid)]
        cmd += ["--subprocesses"] if args.workers > 1 else []  # (the workers, not the supervisor)
        spies.append(subprocess.Popen([*cmd, "-d", str(int(args.seconds))], stdout=subprocess.DEVNULL))
    if spies:
        time.sleep(0.5)
    own0 = pg_counts.backends(PG_URL[0]) if PG_URL else {}
    cpu0, pg0 = sum(tree_cpu_seconds(pid) for pid in pids), postgres_cpu_seconds()
    t0, client0 = time.perf_counter(), time.process_time()
    FIRSTS.clear()
    REQUESTS.clear()
    wall0 = time.time() - (time.perf_counter() - t0)  # (perf_counter t0 on the wall clock)
    lat, errors, per = _run(load(urls, args.concurrency, args.requests, args.seconds, tag))
    client_cpu, wall = time.process_time() - client0, time.perf_counter() - t0
    n = max(1, len(lat))
    lat.sort()
    q = statistics.quantiles(lat, n=100) if len(lat) >= 100 else [lat[-1]] * 99
    summary = {"requests": len(lat), "errors": errors, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}
    summary["max_ms"] = lat[-1] * 1000
    if FIRSTS:  # the first events: their slowest and median, and how many of the slowest 1% they are
        slow = [x for x in lat if x > q[98]]
        summary["firsts"] = (max(FIRSTS) * 1000, statistics.median(FIRSTS) * 1000)
        summary["firsts_slow"] = (sum(x > q[98] for x in FIRSTS), len(slow))
    for spy in spies:
        spy.wait(30)
    server_cpu_us = (sum(tree_cpu_seconds(pid) for pid in pids) - cpu0) / n * 1e6
    pg_cpu_us = (postgres_cpu_seconds() - pg0) / n * 1e6
    if PG_URL:  # the database's own backends (the column above: every postgres process on the machine)
        summary["pg_own_us"] = pg_counts.backends_since(PG_URL[0], own0) / n * 1e6
    tail = tail_report(pids, wall0 - t0, wall0, wall0 + wall) if TAIL else []  # (after the CPU times)
    return {
        **summary,
        "rps": summary["requests"] / wall,
        "per_replica": [count / wall for count in per],
        "cpu_us": server_cpu_us,
        "pg_cpu_us": pg_cpu_us,
        "client_cpu_us": client_cpu / n * 1e6,
        "tail": tail,
    }


# -- ``--tail``: where the slow requests waited ---------------------------------------------
BOUNDS_MS = (2, 5, 10, 15, 20, 30, 50, 100)


def histogram(values_ms: list[float]) -> str:
    """Counts per latency bucket (upper bounds ``BOUNDS_MS``, then the rest)."""
    counts = [0] * (len(BOUNDS_MS) + 1)
    for v in values_ms:
        k = 0
        while k < len(BOUNDS_MS) and v > BOUNDS_MS[k]:
            k += 1
        counts[k] += 1
    labels = [f"≤{b}" for b in BOUNDS_MS] + [f">{BOUNDS_MS[-1]}"]
    return " ".join(f"{label}:{c}" for label, c in zip(labels, counts, strict=True) if c)


def process_events(pids: list[int]) -> list[list[tuple[str, float, float, int]]]:
    """Every server process's recorded pauses and waits (``tail/sitecustomize.py``), after
    SIGUSR1: one list per process (each worker of ``--workers``)."""
    import glob
    import signal

    for path in glob.glob(f"{TAIL[0]}.*.json"):
        os.unlink(path)
    servers = [child for pid in pids for child in child_pids(pid)] or pids  # (``--workers``: the workers serve)
    for pid in servers:
        os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(glob.glob(f"{TAIL[0]}.*.json")) < len(servers):
        time.sleep(0.05)
    return [[tuple(e) for e in json.loads(Path(path).read_text())] for path in glob.glob(f"{TAIL[0]}.*.json")]  # type: ignore[misc]


def lock_handovers(per_process: list[list[tuple[str, float, float, int]]]) -> str | None:
    """With several processes on one file: each ``BEGIN`` that waited (over 0.5 ms) for the
    writer lock file another process held, how long after that process let go (the end of its
    last ``COMMIT`` or WAL-restarting checkpoint before) it began.  None: one process."""
    if len(per_process) < 2:
        return None
    releases = [
        sorted(at + took for kind, at, took, _ in events if kind in ("commit", "checkpoint_hold"))
        for events in per_process
    ]
    late: list[float] = []
    for k, events in enumerate(per_process):
        others = sorted(r for j, got in enumerate(releases) if j != k for r in got)
        for kind, at, took, _ in events:
            if kind != "begin" or took < 0.0005:
                continue
            end = at + took
            i = bisect.bisect_right(others, end) - 1
            if i >= 0 and others[i] >= at:  # (it began waiting before that release)
                late.append((end - others[i]) * 1e3)
    if not late:
        return "BEGIN after another process's COMMIT: no waits"
    late.sort()
    q = statistics.quantiles(late, n=10) if len(late) >= 10 else late
    return (
        f"BEGIN after another process's COMMIT ({len(late)} waits): median {statistics.median(late):.2f} ms, "
        f"p90 {q[-1]:.2f}, max {late[-1]:.1f}, total {sum(late):.0f} ms"
    )


def tail_report(pids: list[int], offset: float, wall0: float, wall1: float) -> list[str]:
    """The client's latencies by kind of event, then what the servers recorded during the
    measured run, and how many of the requests slower than the p99 overlapped each kind."""
    lines = []
    reqs = [(t0 + offset, lat) for t0, lat, first in REQUESTS]
    firsts = [lat * 1e3 for _, lat, first in REQUESTS if first]
    steady = [lat * 1e3 for _, lat, first in REQUESTS if not first]
    lines.append(f"latency ms, first events ({len(firsts)}): {histogram(firsts)}")
    lines.append(f"latency ms, later events ({len(steady)}): {histogram(steady)}")
    per_process = [[e for e in got if wall0 <= e[1] <= wall1] for got in process_events(pids)]
    events = [e for got in per_process for e in got]
    kinds: dict[str, list[tuple[float, float, int]]] = {}
    for kind, at, took, size in events:
        kinds.setdefault(kind, []).append((at, took, size))
    for kind in sorted(kinds):
        took = sorted(t * 1e3 for _, t, _ in kinds[kind])
        size = sum(s for _, _, s in kinds[kind])
        extra = f", {size / len(took):.1f} each" if kind in ("flush", "look") else ""
        line = (
            f"{kind:<18} {len(took):>6}× total {sum(took):8.1f} ms, median {statistics.median(took):6.2f}, "
            f"max {took[-1]:6.1f}, >5 ms: {sum(t > 5 for t in took)}, >10 ms: {sum(t > 10 for t in took)}{extra}"
        )
        lines.append(line)
    handovers = lock_handovers(per_process)
    if handovers is not None:
        lines.append(handovers)
    lats = sorted(lat for _, lat in reqs)
    if len(lats) >= 100:
        p99 = statistics.quantiles(lats, n=100)[98]
        slow = [(at, lat) for at, lat in reqs if lat > p99]
        lines.append(f"of the {len(slow)} requests slower than the p99 ({p99 * 1e3:.1f} ms), how many overlap:")
        pauses = {"a gen-2 collection": "gc2", "a gen-1 collection": "gc1", "a loop lag > 5 ms": "lag"}
        pauses |= {"a batch > 5 ms": "flush", "a write > 5 ms": "write", "a checkpoint hold": "checkpoint_hold"}
        for label, kind in pauses.items():
            spans = [(at, at + took) for at, took, _ in kinds.get(kind, []) if kind[:2] == "gc" or took > 0.005]
            if kind == "checkpoint_hold":
                spans = [(at, at + took) for at, took, _ in kinds.get(kind, [])]
            hit = sum(any(a < at + lat and at < b for a, b in spans) for at, lat in slow)
            lines.append(f"  {label}: {hit}")
    # Do the loop's slow writes come with a checkpoint running on its thread (an fsync of the file)?
    checkpoints = [
        (at, at + took) for kind, got in kinds.items() if kind.startswith("checkpoint") for at, took, _ in got
    ]
    covered = sum(b - a for a, b in checkpoints) / max(1e-9, wall1 - wall0)
    for kind in ("batch_statements", "commit"):
        slow_writes = [(at, took) for at, took, _ in kinds.get(kind, []) if took > 0.005]
        hit = sum(any(a < at + took and at < b for a, b in checkpoints) for at, took in slow_writes)
        lines.append(
            f"{kind} > 5 ms during a checkpoint: {hit} of {len(slow_writes)} "
            f"(checkpoints ran {covered:.0%} of the time)"
        )
    return lines


# -- PostgreSQL: a fresh database per measurement -------------------------------------
def create_database(base_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``base_url``; its URL."""
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    _admin(url, f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    from sqlalchemy.engine import make_url

    _admin(make_url(base_url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(url: Any, sql: str) -> None:
    import psycopg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(10)


def run_target(name: str, procs: list[tuple[subprocess.Popen[bytes], str]], clients: list[str], args: Any) -> list[Any]:
    """Measure one target (one or several servers) with each load generator, then stop it."""
    rows = []
    try:
        for proc, url in procs:
            wait_ready(url, proc)
        urls, pids = [url for _, url in procs], [proc.pid for proc, _ in procs]
        for client in clients:
            rows.append((name, client, measure(urls, pids, client, args, f"{client}-{time.time_ns()}")))
            print(f"  done: {name} / {client}", file=sys.stderr, flush=True)
    finally:
        stop([proc for proc, _ in procs])
    return rows


def run_postgres(tmp: Path, clients: list[str], args: argparse.Namespace) -> list[Any]:
    rows = []
    counts = [1] if args.replicas <= 1 else [1, args.replicas]
    for n in counts:
        name = f"goalrail_bench_{os.getpid()}_{n}"
        url = create_database(args.database_url, name)
        try:
            lsn = pg_counts.wal_lsn(url) if args.counts else 0
            PG_URL[:] = [url]
            COUNTS[:] = [str(tmp / f"counts-{n}")] if args.counts else []
            # The first server applies the migrations before the others start.
            first = start_goalrail("postgres", tmp, url, args.chain, args.workers)
            wait_ready(first[1], first[0])
            procs = [first] + [start_goalrail("postgres", tmp, url, args.chain, args.workers) for _ in range(n - 1)]
            label = "1 replica" if n == 1 else f"{n} replicas"
            rows += run_target(f"goalrail, postgres, {label}", procs, clients, args)
            if args.counts:
                db = pg_counts.database(url)
                COUNTS_REPORT.extend(pg_counts.report(label, pg_counts.servers(COUNTS[0]), db, db["lsn"] - lsn))
        finally:
            PG_URL[:] = []
            drop_database(args.database_url, name)
    return rows


def run_sqlite(tmp: Path, clients: list[str], args: argparse.Namespace) -> list[Any]:
    """One server, then ``--replicas`` servers on one SQLite file (a fresh file each)."""
    rows = []
    counts = [1] if args.replicas <= 1 else [1, args.replicas]
    kind = "builtins" if args.chain == "builtins" else "policies"
    for n in counts:
        url = f"sqlite:///{tmp / f'replicas-{n}.db'}"
        first = start_goalrail("sqlite", tmp, url, args.chain)
        wait_ready(first[1], first[0])  # migrated before the others open the file
        procs = [first] + [start_goalrail("sqlite", tmp, url, args.chain) for _ in range(n - 1)]
        label = "1 replica" if n == 1 else f"{n} replicas"
        rows += run_target(f"goalrail, 10 {kind}, sqlite, {label}", procs, clients, args)
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=8.0, help="time limit per run")
    p.add_argument("--requests", type=int, default=20_000, help="request limit per run")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--store", choices=["sqlite", "memory", "both", "postgres"], default="both")
    p.add_argument("--client", choices=["httpx", "raw", "both"], default="raw")
    p.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument(
        "--counts",
        action="store_true",
        help="postgres: statements, commits, rows and WAL per decision (pg_counts.py), warm-up included",
    )
    p.add_argument("--replicas", type=int, default=1, help="sqlite, postgres: also measure N servers on one database")
    p.add_argument(
        "--chain",
        choices=["rules", "builtins"],
        default="rules",
        help="rules: the 10 callables of chain/http_policies.py (operator code, run off the loop); "
        "builtins: 10 shipped builtins (run inline)",
    )
    p.add_argument(
        "--owners",
        type=int,
        default=0,
        help="N > 0: tokens mode with N owners, connection i posting as owner i %% N "
        "(default: single-user, every session one owner's)",
    )
    p.add_argument("--workers", type=int, default=1, help="goalrail server --workers N (not with the memory store)")
    p.add_argument("--no-floor", action="store_true", help="skip the constant endpoint")
    p.add_argument(
        "--tail",
        action="store_true",
        help="raw client, SQLite: latency histograms of first and later events, the servers' collector "
        "pauses, loop lag, batches, writes and checkpoints (tail/sitecustomize.py)",
    )
    p.add_argument("--py-spy", metavar="PREFIX", help="profile each server with py-spy: PREFIX-<client>-<port>.txt")
    p.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_floor:
        run_floor(args.serve_floor)
        return
    TOKENS[:] = [f"bench-owner-{k}-{os.getpid()}" for k in range(args.owners)]
    if args.tail and args.counts:
        p.error("--tail and --counts each load a sitecustomize of their own: one at a time")
    clients = ["httpx", "raw"] if args.client == "both" else [args.client]
    stores = ["sqlite", "memory"] if args.store == "both" else [args.store]
    if args.workers > 1 and "memory" in stores:
        p.error("--workers needs --store sqlite or postgres (the memory store is one process's)")
    rows: list[tuple[str, str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        TAIL[:] = [str(tmp / "tail")] if args.tail else []
        if not args.no_floor:
            rows += run_target("floor (constant endpoint)", [start_floor()], clients, args)
        for store in stores:
            if store == "postgres":
                rows += run_postgres(tmp, clients, args)
            elif store == "sqlite" and args.replicas > 1:
                rows += run_sqlite(tmp, clients, args)
            else:
                name = f"goalrail, 10 {'builtins' if args.chain == 'builtins' else 'policies'}, {store}"
                if args.workers > 1:
                    name += f", {args.workers} workers"
                server = start_goalrail(store, tmp, chain=args.chain, workers=args.workers)
                rows += run_target(name, [server], clients, args)
    report(rows, args)


def report(rows: list[tuple[str, str, dict[str, Any]]], args: argparse.Namespace) -> None:
    print(
        f"\nPOST /v1/sessions/{{id}}/events — {args.concurrency} connections, one session per connection, "
        f"{f'{args.owners} owners' if args.owners else 'one owner'}, "
        f"{args.workers} uvicorn worker(s) per server, {os.cpu_count()} CPUs shared with the load generator\n"
    )
    print(
        f"{'target':<42} {'client':<6} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'server CPU µs/req':>17} {'PG CPU µs/req':>13} {'client CPU µs/req':>17}"
    )
    for name, client, r in rows:
        print(
            f"{name:<42} {client:<6} {r['requests']:>8} {r['errors']:>6} {r['rps']:>8.0f} {r['p50_ms']:>7.2f} "
            f"{r['p99_ms']:>7.2f} {r['max_ms']:>7.2f} {r['cpu_us']:>17.0f} {r['pg_cpu_us']:>13.0f} "
            f"{r['client_cpu_us']:>17.0f}"
        )
        if "firsts" in r:
            (most, mid), (among, slow) = r["firsts"], r["firsts_slow"]
            print(
                f"{'':<42} first events: slowest {most:.1f} ms, median {mid:.1f} ms; "
                f"{among} of the {slow} requests slower than the p99"
            )
        for line in r.get("tail", []):
            print(f"{'':<42} {line}")
        if "pg_own_us" in r:
            print(f"{'':<42} PostgreSQL, this database's backends only: {r['pg_own_us']:.0f} µs/req")
        if len(r["per_replica"]) > 1:
            print(f"{'':<42} per replica req/s: " + ", ".join(f"{x:.0f}" for x in r["per_replica"]))
    single = {c: r["rps"] for name, c, r in rows if name.endswith("1 replica")}
    for name, client, r in rows:
        if "replicas" in name and client in single:
            print(f"\nscaling ({client}): {name} / 1 replica = {r['rps'] / single[client]:.2f}×")
    if COUNTS_REPORT:
        print("\n" + "\n".join(COUNTS_REPORT))
    try:
        load = os.getloadavg()[0]
        print(f"\nload average during the run: {load:.2f} (other processes compete for the same CPUs)")
    except OSError:
        pass


if __name__ == "__main__":
    main()
