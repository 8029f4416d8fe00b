"""Values of variables a script assigns a literal before it uses them: ``X=git; $X push``.

A variable is followed only when its value is certain where it is used: every write of it
in the script is an unconditional literal assignment in straight-line order — a statement
of the script itself, or the first of a ``&&``/``||`` chain, run in the foreground, as
``NAME=value`` or ``export``/``readonly NAME=value`` without options.  A name written
anywhere else (in a condition, loop, subshell, function, pipeline, command prefix,
``for``, ``${X:=…}``…) — found by its mere mention as a word — is not followed, and a
script that can write variables by a name known only at run time (``eval``, ``source``,
``declare``/``local`` (namerefs, integers), ``read``, ``printf -v``, ``unset``, ``IFS``
changes, arithmetic, ``${…}`` beyond a plain name, ANSI-C strings with escapes) follows
none.  Uses inside function
bodies are not substituted (they run later).  A use of a followed variable becomes the
words bash would make of it: unquoted, split at blanks (a value holding a glob, quotes,
escapes or ``$`` stays run-time); quoted, one word.  Anything else stays a run-time word, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter

from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._shell_words import word_of
from goalrail.policies.builtins._wrappers import names

#: constructs that can write a variable whose name is not written out, or change splitting
_NO_TRACKING = re.compile(
    r"\b(?:eval|source|read|mapfile|readarray|getopts|let|local|declare|typeset|unset|wait|compgen|coproc"
    r"|IFS|BASH_ENV)\b|(?:^|[;&|(`{!\n]|\b(?:then|do|else|builtin|command)\b)\s*\.\s|\(\(|\$\[|\[\[|\$\{(?!\w+\})|printf\s[^;&|\n]*-v|\w\[[^\]]*\]\+?="
)
_ANSI_ESCAPE = re.compile(r"\$'[^']*\\")
_QUOTES = re.compile(r"['\"\\]")
#: variables bash sets itself (or that cannot be assigned)
_SPECIAL = names(
    "PWD OLDPWD RANDOM SRANDOM SECONDS LINENO BASHPID EPOCHSECONDS EPOCHREALTIME HISTCMD REPLY OPTARG OPTIND "
    "MAPFILE BASH_COMMAND FUNCNAME PIPESTATUS BASH_REMATCH COLUMNS LINES BASH_SUBSHELL SHLVL UID EUID PPID "
    "GROUPS BASH_LINENO BASH_SOURCE BASH_ARGC BASH_ARGV _"
)
_DECLARERS = names("export readonly")
_BLANKS = re.compile(r"[ \t\n]+")
#: a value holding quotes, escapes or expansions, used unquoted, was meant for a shell that never reads
#: it (`X='cd "/etc"'; $X` is `cd` of a directory named `"/etc"`): left a run-time word
_SHELLISH = frozenset("*?['\"\\$`")
_DQ_ESC = re.compile(r"\\([$`\"\\\n])")
_EXPANSIONS = frozenset({"simple_expansion", "expansion"})


@dataclass(slots=True)
class Values:
    """The assignments followed (by node id) and the values known at the point reached."""

    sites: dict[int, str]
    known: dict[str, str] = field(default_factory=dict)


def scan(root: tree_sitter.Node, src: bytes) -> Values | None:
    """The followed assignments of a script; None when it follows none."""
    text = src.decode("utf-8", "replace")
    if "=" not in text or "$" not in text or follows_none(text):
        return None
    candidates = [(node, _site_name(node, src)) for node in _unconditional(root)]
    starts: dict[str, set[int]] = {}
    for node, _ in candidates:
        starts.setdefault(_site_name(node, src), set()).add(node.start_byte)
    followed = {name for name, at in starts.items() if name not in _SPECIAL and _only_written_at(name, at, src)}
    sites = {node.id: name for node, name in candidates if name in followed}
    return Values(sites) if sites else None


def follows_none(text: str) -> bool:
    """The script may write variables by names it does not spell out, or change word splitting."""
    return bool(_ANSI_ESCAPE.search(text) or _NO_TRACKING.search(text) or _NO_TRACKING.search(_QUOTES.sub("", text)))


def _site_name(node: tree_sitter.Node, src: bytes) -> str:
    return src[node.start_byte : node.children[0].end_byte].decode("utf-8", "replace")


def _unconditional(root: tree_sitter.Node) -> list[tree_sitter.Node]:
    """``NAME=value`` assignments every run of the script makes, in the shell itself."""
    out: list[tree_sitter.Node] = []
    children = root.children
    for i, stmt in enumerate(children):
        if i + 1 < len(children) and children[i + 1].type == "&":
            continue  # a background job runs in a subshell
        while stmt.type == "list" and stmt.children:
            stmt = stmt.children[0]  # the first of a chain always runs
        if stmt.type == "variable_assignment":
            assigns = [stmt]
        elif stmt.type == "declaration_command" and stmt.children and stmt.children[0].type in _DECLARERS:
            assigns = [c for c in stmt.children[1:] if c.type == "variable_assignment"]
            if len(assigns) != len(stmt.children) - 1:
                continue  # options or names without a value: not followed
        else:
            continue
        out.extend(
            a
            for a in assigns
            if len(a.children) >= 2 and a.children[0].type == "variable_name" and a.children[1].type == "="
        )
    return out


def _only_written_at(name: str, starts: set[int], src: bytes) -> bool:
    """Every mention of ``name`` in the script, other than a plain use (``$X``, ``${X}``,
    ``${X:-…}``), is one of the followed assignments."""
    pattern = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?!\w)")
    for m in pattern.finditer(src):
        start = m.start()
        if start in starts:
            continue
        before = src[max(0, start - 3) : start]
        after = src[m.end() : m.end() + 2]
        if before.endswith((b"${", b"${#")) and not after.startswith((b"=", b":=")):
            continue  # a use
        return False
    return True


def _name(node: tree_sitter.Node) -> str | None:
    """``X`` of ``$X`` or ``${X}`` (nothing else inside the braces)."""
    kids = node.named_children
    if len(kids) == 1 and kids[0].type == "variable_name":
        if node.type == "expansion" and len(node.children) != 3:
            return None
        return (kids[0].text or b"").decode("utf-8", "replace")
    return None


def expand(node: tree_sitter.Node, src: bytes, known: dict[str, str], split: bool) -> list[Word] | None:
    """The static words ``node`` makes with the ``known`` values; None when it stays run-time.
    ``split``: a command's word (unquoted values are split at blanks); an assignment's value is not."""
    t = node.type
    if t in _EXPANSIONS:
        name = _name(node)
        if name is None or name not in known:
            return None
        value = known[name]
        if not split:
            return [(value, False)]
        if _SHELLISH.intersection(value):
            return None
        return [(w, False) for w in _BLANKS.split(value) if w]
    if t == "string":
        text = _quoted(node, src, known)
        return None if text is None else [(text, False)]
    if t == "concatenation":
        parts: list[str] = []
        for child in node.children:
            if child.type in _EXPANSIONS:
                got = expand(child, src, known, False)
                if got is None or (split and (_SHELLISH.intersection(got[0][0]) or _BLANKS.search(got[0][0]))):
                    return None
                parts.append(got[0][0])
            elif child.type == "string":
                text = _quoted(child, src, known)
                if text is None:
                    return None
                parts.append(text)
            else:
                word, dyn = word_of(child, src)
                if dyn:
                    return None
                parts.append(word)
        return [("".join(parts), False)]
    return None


def _quoted(node: tree_sitter.Node, src: bytes, known: dict[str, str]) -> str | None:
    """A double-quoted string whose expansions are all known values."""
    out: list[str] = []
    pos = node.start_byte + 1
    for child in node.named_children:
        if child.type == "string_content":
            continue
        if child.type not in _EXPANSIONS:
            return None
        name = _name(child)
        if name is None or name not in known:
            return None
        out.append(_unescape(src[pos : child.start_byte]))
        out.append(known[name])
        pos = child.end_byte
    out.append(_unescape(src[pos : node.end_byte - 1]))
    return "".join(out)


def _unescape(raw: bytes) -> str:
    return _DQ_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), raw.decode("utf-8", "replace"))
