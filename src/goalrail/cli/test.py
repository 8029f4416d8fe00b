"""``goalrail test FILE…`` — run YAML policy test cases and recorded traces; non-zero exit on any failure.

A ``.jsonl`` file is a recorded trace (``goalrail sessions export``): it is
replayed against its recorded chain, or ``--config`` / ``--agent`` when given,
and every event must get its expected verdict (``cases/traces.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from goalrail.cases.run import CaseResult


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="test case YAML files, or recorded traces (.jsonl)")
    p.add_argument("-c", "--config", help="traces: the server config to judge with (default: the recorded chain)")
    p.add_argument("-a", "--agent", help="traces: the agent spec to judge with")
    p.add_argument("-k", dest="select", help="only cases whose name contains this text")
    p.add_argument("--json", action="store_true", help="print results as JSON")


def run(args: argparse.Namespace) -> int:
    import logging

    from goalrail.cases.library import LibraryBackend
    from goalrail.cases.run import run_file

    logging.getLogger("goalrail").setLevel(logging.ERROR)

    all_results = []
    for f in args.files:
        if f.endswith((".jsonl", ".ndjson")):
            all_results.append((f, _trace_case(args, f)))
            continue
        for r in asyncio.run(run_file(f, LibraryBackend(), select=args.select)):
            all_results.append((f, r))
    passed = sum(1 for _, r in all_results if r.passed)
    failed = len(all_results) - passed
    if args.json:
        print(
            json.dumps(
                [{"file": f, "name": r.name, "passed": r.passed, "failures": r.failures} for f, r in all_results],
                indent=2,
            )
        )
    else:
        for f, r in all_results:
            mark = "PASS" if r.passed else "FAIL"
            print(f"{mark}  {f} :: {r.name}")
            for problem in r.failures:
                print(f"      {problem}")
        print(f"\n{passed} cases passed, {failed} failed")
    return 0 if failed == 0 and all_results else 1


def _trace_case(args: argparse.Namespace, path: str) -> CaseResult:
    from goalrail.cases.traces import check_results
    from goalrail.cli.replay import load_traces, replayer_for

    opts = argparse.Namespace(
        traces=[path], session=[], config=args.config, agent=args.agent, add_policy=[], enforce=[]
    )
    traces = load_traces(opts)
    report = asyncio.run(replayer_for(opts, traces, keep_results=True).run(traces))
    return check_results(f"trace {traces[0].session_id} ({report.events} events)", report.results)
