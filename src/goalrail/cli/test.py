"""``goalrail test FILE…`` — run YAML policy test cases; non-zero exit on any failure."""

from __future__ import annotations

import argparse
import asyncio
import json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="test case YAML files")
    p.add_argument("-k", dest="select", help="only cases whose name contains this text")
    p.add_argument("--json", action="store_true", help="print results as JSON")


def run(args: argparse.Namespace) -> int:
    import logging

    from goalrail.runtime.cases import run_file
    from goalrail.store.case_backend import LibraryBackend

    logging.getLogger("goalrail").setLevel(logging.ERROR)

    all_results = []
    for f in args.files:
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
