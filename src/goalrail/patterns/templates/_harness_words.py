"""The words of a harness's command line, as a regex reads them (``_harness_flags``).

A harness's option counts only as a word of its own, before ``--``, after the program's words:
``claude -p x --dangerously-skip-permissions`` starts Claude Code unguarded, ``claude -p "explain
--dangerously-skip-permissions"`` does not (the option is inside the prompt, one word).  A word is
a run of characters, escaped characters (``\\ ``) and quoted runs (``'a b'``, ``"a b"``) not
broken by whitespace or ``;``, ``&``, ``|``; so a regex can step over whole words and meet an
option only where a word starts.  The shell analysis gives each command again with its quotes
removed (a word holding whitespace single-quoted), so ``"claude" "--yolo"`` is met as
``claude --yolo``.  No lookaround (RE2).
"""

from __future__ import annotations

__all__ = ["AT", "END", "HEAD", "LIST", "PROGRAM", "TOOL_END", "VAL", "WORDS", "cluster", "value"]

#: a character of a word: not whitespace, a quote, a backslash or a command separator; an escaped
#: character; a quoted run
_C = r"""([^\s'"\\;&|]|\\.|'[^']*'|"([^"\\]|\\.)*")"""
#: the same, not a ``-``
_C1 = r"""([^\s'"\\;&|-]|\\.|'[^']*'|"([^"\\]|\\.)*")"""
#: a word that is not ``--`` (after which every word is an operand)
_WORD = rf"({_C1}{_C}*|-({_C1}{_C}*)?|--{_C}+)"
#: where a program's name starts: the command's start (the line's, after a separator; a wrapper's
#: command is given again on its own by the shell analysis), a path's or a scope's ``/``, or a
#: quote that starts a word (the text of an alias or a line echoed into a start-up file: ``alias
#: claude='claude --yolo'``); not a word inside a prompt or a message (``git commit -m 'try crush
#: --yolo'``)
AT = r"(^|[;&|(`]\s*|/|(^|[\s=])['\"])"
#: where a program that is also a common word starts (``agent``, ``cn``): only as a command's program
PROGRAM = r"(^|[;&|(`]\s*|/)"
#: after the name: an ``@version``, a Windows suffix
HEAD = r"(@[\w.^~-]*)?(\.exe|\.cmd|\.js)?"
#: the program's words before the option (none or more, each whole), then the space before it
WORDS = rf"(\s+{_WORD})*\s+"
#: an option word's end (``--yolo=true`` too; a quote where the command is itself quoted text, as
#: in ``echo "alias claude='claude --yolo'" >> ~/.bashrc``)
END = r"(['\"=\s]|$)"
#: an option's value after ``=`` or as the next word, maybe quoted
VAL = r"(=|\s+)['\"]?"
#: a grant of a whole tool in a list (``Bash``, ``Bash(*)``, ``"Read,Bash"``): the list's words
#: (not options) before it, then the tool not narrowed by a specifier (``Bash(git status)`` is)
LIST = r"(=|\s+)(['\"]?[^-\s;&|,'\"][^\s;&|,'\"]*['\"]?[\s,]+)*['\"]?([^\s;&|'\"]*,)?"
#: the end of a tool's name in a list
TOOL_END = r"([\s,'\"]|$)"


def value(word: str) -> str:
    """``word`` as a whole value word: maybe quoted, then its end."""
    return rf"['\"]?{word}(['\"\s]|$)"


def cluster(letter: str, others: str) -> str:
    """A word of short options holding ``letter`` among the flag letters ``others`` (``-sy``,
    ``-ys``: ``-y`` for a CLI that clusters short options)."""
    return rf"-[{others}]*{letter}[{others}{letter}]*(['\"\s]|$)"
