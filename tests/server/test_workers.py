"""``goalrail server --workers N``: N processes on one port and one store decide
exactly what one process would, share the load, survive a worker's death and
stop together."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.server.test_process import Server, _env, _free_port
from tests.server.test_replicas import ADMIN, AGENT, _config, _event

HEADERS = {"Authorization": f"Bearer {AGENT}"}


def _workers(server: Server) -> list[int]:
    """The supervisor's child processes (its workers)."""
    found = []
    for task in Path(f"/proc/{server.proc.pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(pid) for pid in children]
    return sorted(found)


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fire(url: str, session: str, count: int) -> list[str]:
    async def fire() -> list[str]:
        # a client per call: each call on its own connection, spread by the kernel
        async def one(i: int) -> str:
            async with httpx.AsyncClient(timeout=60) as client:
                resp = await client.post(f"{url}/v1/sessions/{session}/events", json=_event(i), headers=HEADERS)
                assert resp.status_code == 200, resp.text
                return str(resp.json()["result"])

        return list(await asyncio.gather(*[one(i) for i in range(count)]))

    return asyncio.run(fire())


def _wait_for(predicate: object, seconds: float = 90) -> None:  # (a poll: ends when true)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'goalrail.db'}"
    return str(request.getfixturevalue("pg_url"))


def test_two_workers_share_the_load_and_keep_a_limit_exact(tmp_path: Path, database_url: str) -> None:
    cfg = _config(tmp_path, database_url, 50)
    server = Server(tmp_path, config=cfg, extra=("--workers", "2"))
    try:
        workers = _workers(server)
        assert len(workers) == 2 and "2 worker processes" in server.output(), server.output()
        r = httpx.post(f"{server.url}/v1/sessions", json={"id": "shared"}, headers=HEADERS)
        assert r.status_code == 201, r.text
        before = {pid: _cpu_s(pid) for pid in workers}
        results = _fire(server.url, "shared", 200)
        used = {pid: _cpu_s(pid) - before[pid] for pid in workers}
        assert results.count("ALLOW") == 50 and results.count("DENY") == 150, results
        # both processes served: each did a real share of the work
        total = sum(used.values())
        assert all(share > 0.15 * total for share in used.values()), used
        admin = {"Authorization": f"Bearer {ADMIN}"}
        verify = httpx.get(f"{server.url}/v1/audit/verify", headers=admin).json()
        assert verify["ok"] is True and verify["count"] == 200
        # whichever worker answers the scrape counts every worker's decisions
        _wait_for(lambda: all(_decisions_total(server.url, admin) == 200 for _ in range(8)), seconds=60)
    finally:
        server.stop()
    assert server.proc.returncode == 0


def _decisions_total(url: str, headers: dict[str, str]) -> int:
    text = httpx.get(f"{url}/metrics", headers=headers).text  # a new connection each time
    return sum(
        int(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("goalrail_decisions_total{")
    )


def test_a_killed_worker_is_replaced_and_a_stop_ends_every_worker(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 'goalrail.db'}", 1_000)
    server = Server(tmp_path, config=cfg, extra=("--workers", "2"))
    try:
        first = _workers(server)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        _wait_for(lambda: len(_workers(server)) == 2 and first[0] not in _workers(server))
        # every call is answered while and after the worker is replaced
        assert _fire(server.url, "s", 40).count("ALLOW") == 40
        assert "exited with signal SIGKILL; starting it again" in server.output()
        now = _workers(server)
    finally:
        server.stop()
    assert server.proc.returncode == 0
    for pid in now:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_killing_the_supervisor_stops_its_workers(tmp_path: Path) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path / 'goalrail.db'}", 1_000)
    server = Server(tmp_path, config=cfg, extra=("--workers", "2"))
    workers = _workers(server)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(10)
    server.log.close()
    _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers))
    # the port and the home directory are free again: a new server starts on them
    again = Server(tmp_path, config=cfg)
    again.stop()


def test_a_one_time_link_works_once_across_workers(tmp_path: Path) -> None:
    server = Server(tmp_path, tokens=False, extra=("--workers", "2"))
    try:
        link = next(line for line in server.output().splitlines() if "/login?code=" in line).split()[-1]
        # each call on a new connection, so that both workers are asked
        answers = [httpx.get(link, follow_redirects=False).status_code for _ in range(12)]
        assert answers.count(303) == 1 and answers[0] == 303, answers
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (("--workers", "2"), "database_url: 'memory://'\n", "the memory store keeps each process's sessions apart"),
        (("--workers", "0"), "", "--workers must be an integer from 1 to 64, got 0"),
        ((), "server: {workers: 2.5}\n", "`server.workers` must be a positive integer"),
    ],
)
def test_workers_that_cannot_work_are_refused_clearly(
    tmp_path: Path, args: tuple[str, ...], config: str, message: str
) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(config)
    home = tmp_path / "home"
    r = subprocess.run(
        [sys.executable, "-m", "goalrail", "server", "-c", str(cfg), "--port", str(_free_port()), *args],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (home / "console-token").exists()
