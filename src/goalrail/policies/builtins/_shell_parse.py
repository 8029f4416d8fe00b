"""tree-sitter-bash's parse of one line, under a CPU budget.

tree-sitter recovers from errors by trying alternatives, and on some crafted texts that takes time
quadratic in their length: 20,000 unmatched ``)`` after ``bash -c`` take about 1.8 s, a run of ``|``
or ``<<`` about as long, and the parse holds the interpreter's lock, so every session waits.  An
ordinary line of any length parses at a few hundred kilobytes per millisecond.  So each line's
analysis (the line and every script nested in it: ``bash -c`` strings, heredocs fed to a shell,
function bodies) gets :data:`PARSE_SECONDS` of this thread's CPU for parsing; a parse that
would pass it is abandoned and the line is reported as too complex to analyse (asked, like a line
too long to analyse: never allowed).  The budget is CPU time of the analysing thread
(``time.thread_time``), so a busy machine does not shrink it.

A parse abandoned midway leaves the parser ready to resume that text; it is reset before the
parser is used again.  Each thread has its own parser: the progress callback runs Python code,
during which another thread may take the interpreter and parse.
"""

from __future__ import annotations

import threading
import time

import tree_sitter
import tree_sitter_bash

__all__ = ["PARSE_SECONDS", "TOO_COMPLEX", "Budget", "parse"]

#: CPU seconds of parsing one line's analysis may spend (every nested script's parse included)
PARSE_SECONDS = 0.25
#: what ``ShellAnalysis.unknown`` says of a line whose parse ran out of its budget
TOO_COMPLEX = "command too complex to analyse in time"
#: texts shorter than this parse without a progress callback: even crafted, they take well under a
#: millisecond (2,500 bytes of `)` take about 30 ms, 1,000 about 5 ms), and the budget is still
#: checked before each of them
WATCHED_FROM = 1024
_CHUNK = 1 << 16

_LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
_local = threading.local()


class Budget:
    """The CPU time (``time.thread_time``) by which a line's parses must be done."""

    __slots__ = ("deadline", "spent")

    def __init__(self, seconds: float = PARSE_SECONDS) -> None:
        self.deadline = time.thread_time() + seconds
        self.spent = False

    def out(self, *_progress: object) -> bool:
        """Whether the budget has run out (also tree-sitter's progress callback: True stops the parse)."""
        if time.thread_time() > self.deadline:
            self.spent = True
        return self.spent


def _parser() -> tree_sitter.Parser:
    parser: tree_sitter.Parser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = tree_sitter.Parser(_LANGUAGE)
    return parser


def parse(source: bytes, budget: Budget) -> tree_sitter.Tree | None:
    """``source``'s tree, or None when ``budget`` ran out before or during the parse."""
    if budget.out():
        return None
    parser = _parser()
    if len(source) < WATCHED_FROM:
        return parser.parse(source)
    try:
        return parser.parse(lambda offset, _point: source[offset : offset + _CHUNK], progress_callback=budget.out)
    except ValueError:  # the callback stopped it
        parser.reset()
        budget.spent = True
        return None
