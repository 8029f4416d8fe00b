"""Added latency per tool call of each real agent CLI's Goalrail hook.

For Claude Code, Codex and Gemini CLI (installed by ``scripts/e2e-clis``), a
scripted session (tests/e2e/fake_models.py) runs 1 and then 6 shell tool calls,
with Goalrail's hooks installed (verdict ALLOW, a real ``goalrail server``) and
without.  Per tool call the hook adds

    ((with_6 - with_1) - (without_6 - without_1)) / 5

which leaves out the per-session hooks (session start, prompt) and the CLI's
own start-up.  Medians of ``--runs`` runs (default 3).

    python bench/harness_latency.py [--runs N] [--agents claude-code,codex,gemini]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.agents import AGENTS  # noqa: E402
from tests.e2e.fake_models import FakeModel  # noqa: E402
from tests.e2e.harness import CONFIG  # noqa: E402
from tests.integrations.support import running_server  # noqa: E402

CALLS = (1, 6)


def session_seconds(agent_name: str, fake: FakeModel, url: str | None, calls: int, tmp: Path) -> float:
    agent = AGENTS[agent_name](tmp, fake)
    agent.setup()
    if url is not None:
        agent.install(url)
    prompt = "\n".join(f"RUN: echo call-{n}" for n in range(calls))
    result = agent.run(prompt)
    if result.proc.returncode != 0 or len(fake.tool_results) != calls:
        raise SystemExit(f"{agent_name}: the scripted session failed: {result.output[-2000:]}")
    fake.reset()
    return result.seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agents", default=",".join(AGENTS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir, FakeModel() as fake:
        tmp = Path(tmpdir)
        with running_server(tmp / "server", config=CONFIG) as server:
            print("harness      no hook: 1 / 6 calls (s)   hook: 1 / 6 calls (s)   added per call (ms)")
            for name in args.agents.split(","):
                times: dict[tuple[bool, int], list[float]] = {}
                for run in range(args.runs):
                    for hooked in (False, True):
                        for calls in CALLS:
                            where = tmp / f"{name}-{run}-{hooked}-{calls}"
                            url = server.url if hooked else None
                            times.setdefault((hooked, calls), []).append(session_seconds(name, fake, url, calls, where))
                med = {k: statistics.median(v) for k, v in times.items()}
                added = ((med[True, 6] - med[True, 1]) - (med[False, 6] - med[False, 1])) / 5
                print(
                    f"{name:12} {med[False, 1]:>11.2f} / {med[False, 6]:<12.2f}"
                    f"{med[True, 1]:>8.2f} / {med[True, 6]:<12.2f} {added * 1000:>10.0f}"
                )


if __name__ == "__main__":
    main()
