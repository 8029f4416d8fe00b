"""tree-sitter-bash's parse of one line, under a CPU budget.

tree-sitter recovers from errors by trying alternatives, and on some crafted texts that takes time
quadratic in their length: 20,000 unmatched ``)`` after ``bash -c`` take about 1.8 s, a run of ``|``
or ``<<`` about as long, and the parse holds the interpreter's lock, so every session waits.  Text
without errors parses in linear time, 0.01–1.2 µs per byte on a quiet machine (deep nesting of
subshells, substitutions, ``if`` or arithmetic included).  So each line's analysis (the line and
every script nested in it: ``bash -c`` strings, heredocs fed to a shell, function bodies) may spend
on parsing, of this thread's CPU (``time.thread_time``):

* :data:`FLOOR_SECONDS` plus :data:`SECONDS_PER_BYTE` per byte of the line (100 KB: 2.1 s), many
  times what ordinary text needs even when a busy machine inflates CPU time fourfold;
* once the parser reports an error, :data:`ERROR_FLOOR_SECONDS` plus :data:`ERROR_SECONDS_PER_BYTE`
  (20,000 ``)``: 0.15 s instead of 1.8 s).  A line with a syntax error is asked anyway; only what
  can be read of it besides would be lost.

A parse that would pass its budget is abandoned and the line is reported as too complex to
analyse (asked, like a line too long to analyse: never allowed); what was read before still counts.

A parse abandoned midway leaves the parser ready to resume that text; it is reset before the
parser is used again.  Each thread has its own parser: the progress callback runs Python code,
during which another thread may take the interpreter and parse.
"""

from __future__ import annotations

import threading
import time

import tree_sitter
import tree_sitter_bash

__all__ = ["ERROR_FLOOR_SECONDS", "ERROR_SECONDS_PER_BYTE", "FLOOR_SECONDS", "SECONDS_PER_BYTE", "TOO_COMPLEX"]
__all__ += ["Budget", "parse"]

#: CPU seconds of parsing any line's analysis may spend (every nested script's parse included)…
FLOOR_SECONDS = 0.1
#: …and per byte of the line (100,000 bytes: 2.1 s in all)
SECONDS_PER_BYTE = 20e-6
#: the same once a parse has met an error (100,000 bytes: 0.55 s)
ERROR_FLOOR_SECONDS = 0.05
ERROR_SECONDS_PER_BYTE = 5e-6
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
    """The CPU time (``time.thread_time``) by which the parses of a line of ``size`` bytes must be
    done (``deadline``), and by which once a parse met an error (``error_deadline``)."""

    __slots__ = ("deadline", "erred", "error_deadline", "spent")

    def __init__(self, size: int = 0, seconds: float | None = None) -> None:
        now = time.thread_time()
        if seconds is None:
            self.deadline = now + FLOOR_SECONDS + SECONDS_PER_BYTE * size
            self.error_deadline = now + ERROR_FLOOR_SECONDS + ERROR_SECONDS_PER_BYTE * size
        else:
            self.deadline = self.error_deadline = now + seconds
        self.spent = False
        self.erred = False  # a parse of the line met an error: the rest of its parses get the error budget

    def out(self, _offset: int = 0, has_error: bool = False) -> bool:
        """Whether the budget has run out (also tree-sitter's progress callback: True stops the parse)."""
        now = time.thread_time()
        if now > self.deadline or ((has_error or self.erred) and now > self.error_deadline):
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
        tree = parser.parse(source)
    else:
        try:
            tree = parser.parse(lambda offset, _point: source[offset : offset + _CHUNK], progress_callback=budget.out)
        except ValueError:  # the callback stopped it
            parser.reset()
            budget.spent = True
            return None
    budget.erred = budget.erred or tree.root_node.has_error
    return tree
