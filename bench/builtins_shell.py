"""Per-event cost of the shell-aware and safety builtins, and of the shell parser alone.

Run: PYTHONPATH=src python bench/builtins_shell.py [--rounds N]

Reports median and p99 in microseconds per event.  "parse (uncached)" is the
tree-sitter parse plus the extraction walk on a fresh string; "parse (cached)"
is the LRU hit every later evaluation of the same command pays; the policy rows
use the cache the way the engine does (each command string seen many times) and
the "cold" rows defeat it with a unique suffix per event.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins import _pii, _shell, github, safety, working_dir

COMMANDS = [
    "git status",
    "pytest -q tests/unit -k shell",
    "cd src && make -j4 test 2>&1 | tail -20",
    "git add -A && git commit -m 'fix: parser' && git push https://github.com/myorg/app feature/x",
    "find . -name '*.py' -not -path './.venv/*' -exec grep -l TODO {} +",
    'for f in src/*.py; do python -m py_compile "$f" || echo "bad $f"; done',
    "sudo -u ci env -i PATH=/usr/bin timeout 60 bash -lc 'cd /work/repo && npm ci && npm test'",
    "bash <<'EOF'\nset -e\ncd build\ncmake .. && make\nEOF",
    'echo "$(git rev-parse --short HEAD)" > VERSION && gh pr create -R myorg/app --fill',
    "docker compose -f deploy/compose.yml up -d --build && docker compose logs api | grep -i err",
]
LONG = " && ".join(f"git -C dir{i} push https://github.com/myorg/app feature/{i}" for i in range(100))

PROMPT_1KB = (
    "Please refactor the session store so that state updates are applied atomically; "
    "the tests in tests/unit/store cover the edge cases. Build 20240115 failed on host-42 "
    "after 3.2s, see https://ci.example.com/job/77. "
) * 5


def _event(command: str, cwd: str = "/work/repo") -> dict[str, Any]:
    raw = normalize_event(
        {
            "type": "tool_call",
            "target": "Bash",
            "data": {"arguments": {"command": command}},
            "context": {"cwd": cwd},
        }
    )
    ev = dict(build_event(raw, Snapshot("bench"), now=1000.0))
    ev["policy_state"] = {"tool_calls": 10, "calls": [990.0, 995.0]}
    return ev


def _measure(fn: Callable[[], Any], rounds: int) -> tuple[float, float]:
    for _ in range(min(200, rounds)):
        fn()
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5000)
    rounds = parser.parse_args().rounds
    rows: list[tuple[str, float, float]] = []

    def row(name: str, fn: Callable[[], Any], n: int = rounds) -> None:
        med, p99 = _measure(fn, n)
        rows.append((name, med, p99))

    counter = iter(range(10**9))
    cmds = iter(COMMANDS * (rounds * 2))
    row(
        "parse (uncached, realistic mix)",
        lambda: _shell.parse_uncached(next(cmds) + f" #{next(counter)}"),
    )
    row("parse (cached hit)", lambda: _shell.analyze(COMMANDS[3]))
    row(
        "parse (uncached, 6 KB chain of 100 git pushes)",
        lambda: _shell.parse_uncached(LONG),
        max(50, rounds // 50),
    )

    events = [_event(c) for c in COMMANDS]
    ev_iter = iter(events * (rounds * 2))
    policies = {
        "max_tool_calls_per_session": safety.max_tool_calls_per_session(limit=100),
        "ask_on_os_tools": safety.ask_on_os_tools,
        "block_skills": safety.block_skills(blocked=["deploy"]),
        "rate_limit": safety.rate_limit(max_calls=10, window_seconds=60),
        "block_working_dir_changes": working_dir.block_working_dir_changes(allowed_dirs=["/work/repo"]),
        "github_policy": github.github_policy(write_repos=["myorg/app"], write_branches=["feature/*"]),
    }
    for name, policy in policies.items():
        row(f"{name} (tool_call, warm cache)", lambda p=policy: p(next(ev_iter)))
    for name in ("block_working_dir_changes", "github_policy"):
        policy = policies[name]
        row(
            f"{name} (tool_call, cold: new command)",
            lambda p=policy: p(_event_cached_cmd(next(cmds) + f" #{next(counter)}")),
            max(200, rounds // 5),
        )

    session_start = dict(
        build_event(normalize_event({"type": "session_start", "data": {"agent": "a"}}), Snapshot("bench"))
    )
    row("enforce_sandbox (session_start)", lambda: _SANDBOX(session_start))
    request = dict(
        build_event(
            normalize_event({"type": "request", "data": {"user_content": PROMPT_1KB}}),
            Snapshot("bench"),
        )
    )
    llm = dict(
        build_event(
            normalize_event(
                {
                    "type": "llm_request",
                    "data": {
                        "model": "m",
                        "messages": [
                            {"role": "system", "content": "You are a coding agent."},
                            {"role": "user", "content": PROMPT_1KB * 4},
                        ],
                    },
                }
            ),
            Snapshot("bench"),
        )
    )
    pii = safety.deny_pii_in_llm_request()
    row("deny_pii_in_llm_request (request, 1 KB)", lambda: pii(request))
    row("deny_pii_in_llm_request (llm_request, 4 KB)", lambda: pii(llm))
    row("_pii.scan alone (1 KB, all types)", lambda: _pii.scan(PROMPT_1KB))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median µs':>10}  {'p99 µs':>10}")
    for name, med, p99 in rows:
        print(f"{name:<{width}}  {med:>10.1f}  {p99:>10.1f}")
    per_kb = _measure(lambda: _pii.scan(PROMPT_1KB), rounds)[0] * 1024 / len(PROMPT_1KB)
    print(f"\nPII throughput: {per_kb:.0f} µs per KB (median); {rounds} rounds; Python {sys.version.split()[0]}")


_SANDBOX = safety.enforce_sandbox(write_paths=["/work"])
_BASE = _event("ls")


def _event_cached_cmd(command: str) -> dict[str, Any]:
    ev = dict(_BASE)
    ev["data"] = {
        "name": "sys_os_shell",
        "arguments": {"command": command},
        "original_name": "Bash",
    }
    return ev


if __name__ == "__main__":
    main()
