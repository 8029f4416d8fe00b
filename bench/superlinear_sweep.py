"""Crafted inputs against the decision path's readers: CPU time per input size.

    python bench/superlinear_sweep.py [--sizes 1000,10000,100000] [--stop 2.0] [--only WORD ...]

Each probe builds a text of about ``size`` characters an agent or a user controls (an LLM
request's message, a tool call's argument, a shell line, a URL, an SQL text, a request body) and
times one reading of it (``time.process_time``, each text made new: readers cache).  Time that
grows tenfold with each tenfold size is linear; a hundredfold, quadratic.  A probe stops at the
first size over ``--stop`` seconds (``>`` in the later columns).  Run it from a checkout with
``PYTHONPATH=src``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Callable

from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.errors import InvalidRequest
from goalrail.jsontext import loads
from goalrail.policies.builtins import _pii, _sql, safety
from goalrail.policies.builtins.patterns import pattern_policy
from goalrail.policies.redact import redact
from goalrail.policies.url_spellings import url_spellings

_RUNS = itertools.count()
STRICT = pattern_policy(policy="strict")
PII = safety.deny_pii_in_llm_request()
MAPPER = ActionMapper()


def _tool(tool: str, arguments: dict[str, object]) -> str:
    raw = {"type": "tool_call", "target": tool, "data": {"arguments": arguments}, "context": {"cwd": "/home/dev/app"}}
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=MAPPER))
    ev["policy_state"] = {}
    out = STRICT(ev)
    return "ALLOW" if out is None else str(out["result"])


def _bash(text: str) -> str:
    # (a line over 100,000 characters is not read: "command too long to analyse", a verdict at once)
    return _tool("Bash", {"command": text[-99_000:]})


def _llm(text: str) -> object:
    return PII({"type": "llm_request", "data": {"messages": [{"role": "user", "content": text}]}, "context": {}})


def _times(unit: str, n: int) -> str:
    return unit * max(1, n // len(unit))


#: name → (text of about ``n`` characters, what reads it)
PROBES: dict[str, tuple[Callable[[int], str], Callable[[str], object]]] = {
    "pii: prose (control)": (lambda n: _times("hello world ", n), _pii.scan),
    "pii: digits": (lambda n: "4" * n, _pii.scan),
    "pii: card groups": (lambda n: _times("4111 ", n), _pii.scan),
    "pii: a@a@": (lambda n: _times("a@", n), _pii.scan),
    "pii: 1.1.1.": (lambda n: _times("1.", n), _pii.scan),
    "pii: base64 run": (lambda n: _times("QUFB", n), _pii.scan),
    "pii: -----BEGIN": (lambda n: _times("-----BEGIN ", n), _pii.scan),
    "pii: eyJ runs": (lambda n: _times("eyJhbGci.", n), _pii.scan),
    "pii: phones": (lambda n: _times("(555) 12-4567 ", n), _pii.scan),
    "pii: %41": (lambda n: _times("%41", n), _pii.scan),
    "pii: sk-sk-": (lambda n: _times("sk-", n), _pii.scan),
    "pii: ghp_ghp_": (lambda n: _times("ghp_", n), _pii.scan),
    "pii: npm_npm_": (lambda n: _times("npm_", n), _pii.scan),
    "pii: xoxb-xoxb-": (lambda n: _times("xoxb-", n), _pii.scan),
    "pii: glpat-glpat-": (lambda n: _times("glpat-", n), _pii.scan),
    "llm request: ghp_ghp_": (lambda n: _times("ghp_", n), _llm),
    "redact: prose (control)": (lambda n: _times("hello world ", n), redact),
    "redact: sk-sk-": (lambda n: _times("sk-", n), redact),
    "redact: npm_npm_": (lambda n: _times("npm_", n), redact),
    "redact: glpat-glpat-": (lambda n: _times("glpat-", n), redact),
    "redact: sk_live_sk_live_": (lambda n: _times("sk_live_", n), redact),
    "url: long host": (lambda n: "http://" + "a" * n + ".com/", url_spellings),
    "url: dots": (lambda n: "http://" + _times("a.", n) + "com/", url_spellings),
    "url: 1.1.1.": (lambda n: "http://" + _times("1.", n) + "1/", url_spellings),
    "url: %41 host": (lambda n: "http://" + _times("%41", n) + "/", url_spellings),
    "url: [[[": (lambda n: "http://" + "[" * n + "/", url_spellings),
    "url: a@a@": (lambda n: "http://" + _times("a@", n) + "b/", url_spellings),
    "url: IDNA label": (lambda n: "http://" + "ä" * n + ".com/", url_spellings),
    "url: /../..": (lambda n: "http://a.com/" + _times("../", n), url_spellings),
    "sql: ((((": (lambda n: "SELECT " + "(" * n, _sql.statements),
    "sql: ''''": (lambda n: "SELECT " + "'" * n, _sql.statements),
    "sql: --": (lambda n: "SELECT " + _times("--\n", n), _sql.statements),
    "sql: /*": (lambda n: "SELECT " + _times("/*", n), _sql.statements),
    "sql: ;;;;": (lambda n: "SELECT 1" + ";" * n, _sql.statements),
    "sql: WITH a AS (": (lambda n: _times("WITH a AS (", n), _sql.statements),
    "shell: echo a a (control)": (lambda n: "echo " + _times("a ", n), _bash),
    "shell: true;true;": (lambda n: _times("true;", n), _bash),
    "shell: ${${": (lambda n: "echo " + _times("${", n), _bash),
    "shell: {a,b}{a,b}": (lambda n: "rm /" + _times("{a,b}", n), _bash),
    "shell: /../..": (lambda n: "cat /" + _times("../", n) + "etc/passwd", _bash),
    "shell: $((1+1+": (lambda n: "echo $((" + _times("1+", n) + "1))", _bash),
    "shell: curl -k -k": (lambda n: "curl " + _times("-k ", n), _bash),
    "tool: Glob **/**/": (lambda n: _times("**/", n), lambda t: _tool("Glob", {"pattern": t})),
    "tool: Read /../..": (lambda n: "/" + _times("../", n) + "x", lambda t: _tool("Read", {"file_path": t})),
    "tool: WebFetch dots": (lambda n: "http://" + _times("a.", n) + "com/", lambda t: _tool("WebFetch", {"url": t})),
    "json: [[[[ nested": (lambda n: "[" * n + "]" * n, lambda t: _json(t)),
    "json: many keys": (lambda n: json.dumps({f"k{i}": i for i in range(n // 8)}), lambda t: _json(t)),
}


def _json(text: str) -> object:
    try:
        return loads(text.encode())
    except InvalidRequest as exc:  # (a refusal is an answer here)
        return exc


def _cpu(make: Callable[[int], str], read: Callable[[str], object], n: int) -> float:
    text = make(n)
    if not text.startswith(("[", "{", "http")):
        text = f"{text} {next(_RUNS)}"  # (a JSON text or a URL kept whole)
    start = time.process_time()
    read(text)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--stop", type=float, default=2.0, help="seconds: skip a probe's larger sizes past this")
    ap.add_argument("--only", nargs="*", default=[], help="probes whose name holds one of these")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for make, read in PROBES.values():  # (imports, compiled policies, the parser: paid once, not timed)
        read(make(10))
    print(f"{'probe':30s}" + "".join(f"{n:>12,}" for n in sizes) + "   (ms of CPU)")
    for name, (make, read) in PROBES.items():
        if args.only and not any(w in name for w in args.only):
            continue
        cells: list[str] = []
        for n in sizes:
            if cells and cells[-1].strip().startswith(">"):
                cells.append(f"{'>':>12}")
                continue
            t = _cpu(make, read, n)
            cells.append(f"{t * 1000:12.1f}" if t <= args.stop else f"{'>' + format(t, '.0f') + ' s':>12}")
        print(f"{name:30s}" + "".join(cells), flush=True)


if __name__ == "__main__":
    main()
