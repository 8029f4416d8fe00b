"""The redactor and the PII scan under callgrind, one call at a time (load-independent).

    python bench/redact_instructions.py [--calls 2000] [--steps redact-clean,…] [--tree PATH]

Each step calls one function over texts never seen before (an index in each, so the redactor's
set of clean texts never answers), counted inside ``itertools.starmap``'s ``next`` only, the
collector off, as ``event_instructions.py`` counts:

* ``redact-clean``: :func:`redact` of six shapes of ordinary text (commands with quotes, a path,
  a URL with a query, a reason, a ``printf`` with ``%``, ``ls``), 30–90 characters;
* ``redact-dirty``: :func:`redact` of six shapes holding a secret both trees redact (a token in a
  URL, ``--password=…``, a URL password, an ``Authorization`` header, a key in JSON, ``export``);
* ``redact-seen``: :func:`redact` of the same six reasons again and again (a set lookup);
* ``scan-clean``: ``_pii.scan`` of a 1,200-character message of prose and commands, every type;
* ``scan-dirty``: the same message holding an email address and a GitHub token, every type.

``--tree`` measures another checkout's ``src`` (an exported base) with this script.
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent
STEPS = ("redact-clean", "redact-dirty", "redact-seen", "scan-clean", "scan-dirty")
TOKEN = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
CLEAN = (
    'git commit -m "fix the build {i}" && git push origin main',
    "cat /srv/app/config-{i}.yaml",
    "curl -sS 'https://api.example.com/v1/items?page={i}&sort=asc'",
    "ask_on_rm: removing build/{i} needs approval",
    "printf '%s\\n' {i} > /tmp/out.txt",
    "ls -la /tmp/{i}",
)
DIRTY = (
    "git push https://" + TOKEN + "@github.com/o/r{i}",
    "mysqldump --password=Hunter{i}x db",
    "psql postgres://app:Hunter2Correct{i}@db/prod",
    "curl -H 'Authorization: Bearer abc123def456{i}' https://x",
    '{{"client_secret": "s3cr3t-v4lue-{i}"}}',
    "export PGPASSWORD=s3cret{i}; psql",
)
PROSE = (
    "Please look at the failing test in tests/unit/test_parser.py (case {i}); it's the third one. "
    "We'll need to run `python -m pytest -q -k parser` and then check the logs under /var/log/app. "
    "The user said: \"don't touch the database migrations, they're fine\". Build 20251130 passed on "
    "the 1.2.3 branch, so compare the two outputs line by line and report what changed. "
)


def _texts(step: str, n: int) -> list[str]:
    if step == "redact-seen":
        return [CLEAN[3].format(i=i % 6) for i in range(n)]
    if step.startswith("scan"):
        body = PROSE * 4
        extra = " Mail jane.doe@example.com, token " + TOKEN + "." if step == "scan-dirty" else ""
        return [body.format(i=i) + extra for i in range(n)]
    shapes = CLEAN if step == "redact-clean" else DIRTY
    return [shapes[i % len(shapes)].format(i=i) for i in range(n)]


def drive(tree: str, step: str, n: int) -> None:
    measure_tree(tree)
    from goalrail.policies.builtins import _pii
    from goalrail.policies.redact import redact

    fn: Callable[[str], Any] = _pii.scan if step.startswith("scan") else redact
    texts = _texts(step, n)
    for text in _texts(step, 50):  # compiled, tables filled
        fn(text + "warm")
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(fn, [(t,) for t in texts]), maxlen=0)


def count(tree: str, step: str, n: int) -> float:
    """Instructions per call of ``step``, counted inside ``starmap``'s ``next`` only."""
    return collected_in_starmap(driver(__file__, tree, step, n)) / n


def main() -> None:
    if len(sys.argv) >= 5 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--steps", default=",".join(STEPS))
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    args = ap.parse_args()
    for step in args.steps.split(","):
        n = args.calls // 10 if step.startswith("scan") else args.calls
        print(f"{step:<13} {count(args.tree, step, n) / 1000:8.2f} k instructions per call", flush=True)


if __name__ == "__main__":
    main()
