"""Instructions per model answer through the runtime, as the LLM proxy posts it (load-independent).

Replays tests/injection's traces as an agent talking only through the LLM proxy
posts them (``llm_request``, then the model's ``llm_response`` per step; see
``injection_instructions.py --proxy``) through a real in-process runtime
(``goalrail.Guard``, memory store, the shipped prompt-injection config plus
the domain's agent spec), and counts the instructions the ``llm_response``
evaluations take: a run evaluating every event, minus one evaluating only the
``llm_request`` events.  ``--no-calls``: every answer is text instead of its tool
call (what an answer without calls costs).  Run it with another tree's ``src``
first on ``PYTHONPATH`` to measure that tree.

    PYTHONPATH=src .venv/bin/python bench/answer_calls_instructions.py [--rounds 1] [--no-calls]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "injection"))
sys.path.insert(0, str(ROOT / "bench"))


def drive(rounds: int, answers: bool, no_calls: bool) -> int:
    """Evaluate the proxied traces (the answers only when ``answers``); how many answers there were."""
    from injection_instructions import _as_proxied
    from suite import DOMAINS, SHIPPED, load_domain

    from goalrail import Guard
    from goalrail.config.agent import parse_agent_spec
    from goalrail.config.server import server_config_from_text

    cfg = server_config_from_text(SHIPPED)
    count = 0
    for r in range(-1, rounds):  # round -1 warms up (imports, compiled patterns) in both runs alike
        for name in DOMAINS:
            domain = load_domain(name)
            agent = parse_agent_spec(domain["agent"], registry=cfg.registry)
            guard = Guard(config=cfg, agent=agent, harness="bench")
            try:
                for i, spec in enumerate([*domain["tasks"], *domain["attacks"]]):
                    for event in _as_proxied(spec):
                        if event["type"] == "llm_response":
                            count += r >= 0
                            if not answers and r >= 0:
                                continue
                            if no_calls:
                                event = {"type": "llm_response", "data": {"model": "m", "text": "done"}}
                        guard.evaluate(f"{r}-{name}-{i}", event)
            finally:
                guard.close()
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-calls", action="store_true", help="answers without tool calls")
    ap.add_argument("--drive", choices=["answers", "requests"])
    args = ap.parse_args()
    if args.drive:
        drive(args.rounds, args.drive == "answers", args.no_calls)
        return
    from callgrind import collected

    me = [sys.executable, __file__, "--rounds", str(args.rounds)] + (["--no-calls"] if args.no_calls else [])
    work, idle = collected([*me, "--drive", "answers"]), collected([*me, "--drive", "requests"])
    answers = _answers() * args.rounds
    kind = "answers without calls" if args.no_calls else "answers, each making its step's call"
    print(f"llm_response through the runtime ({kind}): {(work - idle) / answers:,.0f} instructions per answer")


def _answers() -> int:
    from injection_instructions import _as_proxied
    from suite import DOMAINS, load_domain

    total = 0
    for name in DOMAINS:
        domain = load_domain(name)
        for spec in [*domain["tasks"], *domain["attacks"]]:
            total += sum(e["type"] == "llm_response" for e in _as_proxied(spec))
    return total


if __name__ == "__main__":
    main()
