"""The text one stage of a pipeline writes, when the line shows it: an ``echo``/``printf`` with static
words, ``cat <<EOF``, and what ``base64 -d``/``xxd -r -p`` write for such a text (``echo Y2Q= |
base64 -d | sh`` feeds the shell ``cd``).  A program's output the line does not show is ``"\\0pipe"``;
a group that writes some text the line shows among output it does not (``crontab -l | { cat; echo
'* * * * * job'; } | crontab -``) writes a :class:`Piped` ``"\\0pipe"`` carrying the text shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import tree_sitter

from goalrail.policies.builtins._shell_listers import listed, may_list, prints_nul
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand, Word
from goalrail.policies.builtins._shell_words import backquoted, decoded_text, shown_text

PIPE = "\0pipe"
#: why a prompt expansion (``${x@P}``) makes the analysis unknown
PROMPT_EXPANSION = "prompt expansion `${…@P}` runs the command substitutions its value holds"


class Reader(Protocol):
    def words(self, node: tree_sitter.Node) -> list[Word]: ...

    def redirect(self, node: tree_sitter.Node) -> Redirect: ...


class Piped(str):
    """``PIPE`` (equal to it, read as it is wherever a pipe is) with the text a group shows among
    output it does not: what a reader of commands (a shell, ``crontab``) is handed for certain."""

    shown: str


class Listed(str):
    """``PIPE`` (equal to it) written by a program that lists files (``find ~/.aws -name 'cred*'``,
    ``locate x``): the globs the paths it prints may match (``_shell_listers``), which ``xargs``
    hands to the next program."""

    globs: tuple[str, ...]
    own: bool  # (the line's own words: `ls ~/.aws/*`, `echo ~/.aws/*`)
    nul: bool  # (its paths NUL-separated and nothing else: `find … -print0`)


def listed_part(stdin: str | None) -> tuple[tuple[str, ...], bool]:
    """The globs a listing fed through ``stdin`` may print (none: not a listing), and whether
    they are the line's own words."""
    return (stdin.globs, stdin.own) if isinstance(stdin, Listed) else ((), False)


def _listing(walker: Reader, node: tree_sitter.Node) -> str | None:
    if node.type != "command" or not may_list(node.text or b""):
        return None
    words = walker.words(node)
    if (got := listed(words)) is None:
        return None
    out = Listed(PIPE)
    out.globs, out.own = got
    out.nul = prints_nul(words)
    return out


def nul_fed(cmd: SimpleCommand) -> bool:
    """``find … -name '*.py' -print0 | xargs -0 PROG``: ``PROG`` is handed exactly the paths a
    narrowed listing prints (their globs), nothing a name could split into (``-0``; no ``-a`` file)."""
    fed = cmd.stdin
    if not isinstance(fed, Listed) or fed.own or not fed.nul or not fed.globs:
        return False
    xargs = [w for w in cmd.wrappers if w.name == "xargs"]
    return (
        len(xargs) == 1
        and any(a in ("-0", "--null") for a in xargs[0].args)
        and not any(a.startswith(("-a", "--arg-file")) for a in xargs[0].args)
    )


def shown_part(stdin: str | None) -> str | None:
    """The text ``stdin`` (a pipe) is known to hold among output the line does not show, or None."""
    return stdin.shown if isinstance(stdin, Piped) else None


def _partly_shown(walker: Reader, node: tree_sitter.Node) -> str | None:
    """``{ cat; echo '…'; }``, ``(crontab -l; printf '…')``: the text its ``echo``/``printf`` write."""
    if node.type not in ("compound_statement", "subshell"):
        return None
    texts = [t for c in node.children if c.type == "command" and (t := echoed_by(walker, c))]
    if not texts:
        return None
    piped = Piped(PIPE)
    piped.shown = "".join(texts)
    return piped


def echoed_by(walker: Reader, node: tree_sitter.Node) -> str | None:
    """The text an ``echo``/``printf`` with static words writes, if that simple."""
    return shown_text(walker.words(node)) if node.type == "command" else None


def heredoc_text(walker: Reader, stmt: tree_sitter.Node, doc: Redirect) -> str | None:
    """The heredoc text ``cat <<EOF | ...`` writes, when that is certain."""
    body = next((c for c in stmt.children if c.type == "command"), None)
    if body is None or doc.dynamic:
        return None
    return doc.target if [w for w, _ in walker.words(body)] == ["cat"] else None


def stage_text(walker: Reader, prev: tree_sitter.Node, fed: str | None) -> str:
    """What the stage ``prev`` (fed ``fed``) writes into the next one: its shown text, or ``PIPE``."""
    shown = echoed_by(walker, prev) or _decoded(walker, prev, fed) or _partly_shown(walker, prev)
    return shown or _listing(walker, prev) or PIPE


def _decoded(walker: Reader, node: tree_sitter.Node, fed: str | None) -> str | None:
    """The text ``base64 -d``/``xxd -r -p`` writes when what it decodes is shown: the stage before
    in the pipe (``echo Y2Q= | base64 -d | sh``) or its here-string (``base64 -d <<< Y2Q=``)."""
    if node.type == "redirected_statement":
        node = next((c for c in node.children if c.type == "command"), node)
        herestrings = [c for p in (node, node.parent) if p is not None for c in p.children]
    else:
        herestrings = list(node.children)
    if node.type != "command":
        return None
    texts = [walker.redirect(c) for c in herestrings if c.type == "herestring_redirect"]
    if texts:  # `base64 -d <<< Y2Q=`: its own input, not the pipe's
        if len(texts) != 1 or texts[0].dynamic:
            return None
        fed = texts[0].target
    if fed is None or fed == PIPE:
        return None
    return decoded_text(walker.words(node), fed)


def heredoc_of(node: tree_sitter.Node, src: bytes, script: Callable[[str, str], None]) -> Redirect:
    """A heredoc's text; ``script`` is handed the `…` an unquoted body runs."""
    quoted = False
    text = ""
    dyn = False
    for c in node.children:
        if c.type == "heredoc_start":
            quoted = any(src.find(q, c.start_byte, c.end_byte) >= 0 for q in (b"'", b'"', b"\\"))
        elif c.type == "heredoc_body":
            text = src[c.start_byte : c.end_byte].decode("utf-8", "replace")
            dyn = not quoted and any(x.type != "heredoc_content" for x in c.children)
            for inner in [] if quoted else backquoted(text):  # `…` in a body runs too
                dyn = True
                script(inner, "heredoc `…`")
    return Redirect("<<", text, dyn)
