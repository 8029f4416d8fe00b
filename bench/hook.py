"""Wall time of one ``goalrail hook <harness>`` invocation against a running server.

    python bench/hook.py [--runs 40] [--url URL] [--harness claude-code|codex|gemini|cursor]

Without ``--url`` it starts a local ``goalrail server`` (no config: an empty
chain on 127.0.0.1, single-user) and stops it afterwards.  Each run spawns the
hook exactly as Claude Code would (a fresh process, hook JSON on stdin,
decision on stdout) and times it end to end.  Printed next to the floor:
``python -c pass`` (interpreter start-up alone) and the hook's import time.
The hook is run as the ``goalrail`` console script would run it (``python -m``
adds ``runpy``, shown separately).
Target: median ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CONSOLE_SCRIPT = "import sys; from goalrail.cli.main import main; sys.exit(main())"

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = {
    "session_id": "bench-hook",
    "transcript_path": "/tmp/t.jsonl",
    "cwd": "/srv/app",
    "permission_mode": "default",
    "hook_event_name": "PreToolUse",
    "tool_name": "Bash",
    "tool_input": {"command": "git status", "description": "status"},
    "tool_use_id": "toolu_bench",
}
#: One pre-tool hook payload per harness, in each harness's documented shape.
PAYLOADS = {
    "claude-code": PAYLOAD,
    "codex": {**PAYLOAD, "turn_id": "t1", "model": "gpt-5.3-codex", "tool_input": {"command": "git status"}},
    "gemini": {
        "session_id": "bench-hook",
        "transcript_path": "/tmp/t.json",
        "cwd": "/srv/app",
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-01-01T00:00:00Z",
        "tool_name": "run_shell_command",
        "tool_input": {"command": "git status"},
    },
    "cursor": {
        "conversation_id": "bench-hook",
        "generation_id": "g1",
        "workspace_roots": ["/srv/app"],
        "hook_event_name": "beforeShellExecution",
        "command": "git status",
        "cwd": "/srv/app",
    },
}
MODULES = {
    "claude-code": "goalrail.integrations.claude_code.hook_main",
    "codex": "goalrail.integrations.hookcore, goalrail.integrations.codex.translate",
    "gemini": "goalrail.integrations.hookcore, goalrail.integrations.gemini.translate",
    "cursor": "goalrail.integrations.hookcore, goalrail.integrations.cursor.translate",
}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
    return env


@contextlib.contextmanager
def local_server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tempfile.mkdtemp()
    empty = Path(home) / "config.yaml"
    empty.write_text("{}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "goalrail", "server", "-c", str(empty), "--port", str(port), "--log-level", "warning"],
        env={**child_env(), "GOALRAIL_HOME": home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def timed(cmd: list[str], stdin: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr}")
    return elapsed, proc.stdout


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[int(len(ms) * 0.9) - 1]
    return f"{name:44s} median {statistics.median(ms):6.1f} ms   p90 {p90:6.1f} ms   min {ms[0]:6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--url", default=None)
    parser.add_argument("--harness", default="claude-code", choices=sorted(PAYLOADS))
    args = parser.parse_args()
    env = child_env()
    harness = args.harness
    payload = json.dumps(PAYLOADS[harness])
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(local_server())
        # What `pip install` puts on PATH: bin/goalrail = "from goalrail.cli.main import main; sys.exit(main())".
        script = shutil.which("goalrail")
        entry = [script] if script else [sys.executable, "-c", CONSOLE_SCRIPT]
        hook = [*entry, "hook", harness, "--url", url]
        hook_m = [sys.executable, "-m", "goalrail", "hook", harness, "--url", url]
        _, out = timed(hook, payload, env)  # warm the OS cache and check it answers
        floor, hooked, hooked_m, imports, in_process = [], [], [], [], []
        warm = stack.enter_context(httpx.Client(base_url=url))
        event = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}
        load_before = os.getloadavg()[0]
        for _ in range(args.runs):  # interleaved, so load changes hit every series alike
            floor.append(timed([sys.executable, "-c", "pass"], "", env)[0])
            hooked.append(timed(hook, payload, env)[0])
            hooked_m.append(timed(hook_m, payload, env)[0])
            imports.append(
                timed(
                    [sys.executable, "-c", f"import goalrail.cli.main, {MODULES[harness]}"],
                    "",
                    env,
                )[0]
            )
            start = time.perf_counter()
            warm.post("/v1/sessions/bench-hook/events", json=event).raise_for_status()
            in_process.append(time.perf_counter() - start)
        load_after = os.getloadavg()[0]
    print(f"goalrail hook {harness}, {args.runs} runs against {url} (answer: {out.strip() or '<no output: ALLOW>'})")
    print(f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} → {load_after:.1f}")
    print(summary("python -c pass (floor)", floor))
    print(summary("python -c 'import <hook modules>'", imports))
    print(summary(f"goalrail hook {harness} (console script)", hooked))
    print(summary(f"python -m goalrail hook {harness}", hooked_m))
    print(summary("server alone: POST /events, warm client", in_process))
    median = statistics.median(hooked) * 1000
    print(
        f"target ≤ 60 ms median: {'met' if median <= 60 else 'NOT met'} ({median:.1f} ms; "
        f"{median - statistics.median(floor) * 1000:.1f} ms above the floor)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
