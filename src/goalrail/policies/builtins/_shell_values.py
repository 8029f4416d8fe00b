"""Values of variables a script assigns literals before it uses them: ``X=git; $X push``,
``true && X=su; $X -`` (``_shell_flow`` follows them path by path).

A name is followed when every write of it before ``cut`` is one the walk understands: a
``NAME=value`` statement (anywhere: in a branch, a loop, a chain, a function called only by its
name), ``export``/``readonly NAME=value`` without options, a ``for NAME in …`` loop or
``${NAME:=lit}`` — any other mention of the name as a word (a command prefix, ``read NAME``,
``exec {NAME}>…``, a trap's text…) leaves it run-time.  ``cut`` is the first construct that can
write variables by names known only at run time or change word splitting (``eval``, ``source``,
``declare``/``local``, ``read``, ``printf -v``, ``unset``, ``IFS``, arithmetic, ``${…}`` beyond a
name and a literal default, ANSI-C strings with escapes…), moved back to the start of the loop or
function holding it: uses from there on may hold anything, uses before it keep their values.
Uses inside function bodies are not substituted (they run later).  At a command, each
combination of the values its expansions may hold (at most ``MAX_VARIANTS``; beyond, none) is a
variant of the command, judged on its own: unquoted values are split at blanks (a value holding
a glob, quotes, escapes or ``$`` stays run-time), quoted ones make one word; a value known only
at run time leaves the word run-time, so that variant asks.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import tree_sitter

from goalrail.policies.builtins._shell_flow import DYNAMIC, Flow, OutOfSteps, signature, unescape
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._shell_words import word_of
from goalrail.policies.builtins._wrappers import names

#: constructs that can write a variable whose name is not written out, or change splitting
_NO_TRACKING = re.compile(
    rb"\b(?:eval|source|read|mapfile|readarray|getopts|let|local|declare|typeset|unset|wait|compgen|coproc"
    rb"|IFS|BASH_ENV)\b|(?:^|[;&|(`{!\n]|\b(?:then|do|else|builtin|command)\b)\s*\.\s|\(\(|\$\[|\[\["
    rb"|\$\{(?!\w+(?::?[-=][\w./:@%+,-]*)?\})|printf\s[^;&|\n]*-v|\w\[[^\]]*\]\+?=|\$'[^']*\\"
)
#: a write the walk may follow (``NAME=``, ``for NAME``), and a use (``$NAME``, ``${NAME``)
_WRITES = re.compile(rb"(?:^|[\s;&|(){}!`])(?:([A-Za-z_]\w*)=|(?:for|select)\s+([A-Za-z_]\w*))")
_USES = re.compile(rb"\$\{?([A-Za-z_]\w*)")
_WORD_RUN = re.compile(rb"\w+")
#: a literal default (``${NAME:-lit}``, ``${NAME=lit}``)
_DEFAULT = re.compile(rb"\$\{\w+:?[-=]")
_QUOTES = b"'\"\\"
_QUOTE_BYTES = frozenset(_QUOTES)
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
_EXPANSIONS = frozenset({"simple_expansion", "expansion"})
_LOOPS = frozenset({"while_statement", "until_statement", "for_statement", "c_style_for_statement"})
_HOLDERS = _LOOPS | {"function_definition"}
#: variants of one command judged at most; a command with more keeps its run-time words
MAX_VARIANTS = 8


@dataclass(slots=True)
class Values:
    """What each command's expansions and each assignment may hold (by node id); the variant
    being judged (``known``, by use key)."""

    dims: dict[int, dict[str, set[str | None]]]
    assigned: dict[int, set[str | None]]
    known: dict[str, str] = field(default_factory=dict)

    def variants(self, node_id: int) -> list[dict[str, str]]:
        """The combinations of known values a command may see; ``[{}]`` beyond ``MAX_VARIANTS``."""
        out: list[dict[str, str]] = [{}]
        for key, values in (self.dims.get(node_id) or {}).items():
            ordered = sorted(v for v in values if v is not None) + ([None] if None in values else [])
            out = [combo if v is None else {**combo, key: v} for combo in out for v in ordered]
            if len(out) > MAX_VARIANTS:
                return [{}]
        return out

    def pin(self, node_id: int) -> bool:
        """Hold a command's only variant in ``known``; False (and nothing held) when it has several."""
        variants = self.variants(node_id)
        self.known = variants[0] if len(variants) == 1 else {}
        return len(variants) == 1


def scan(root: tree_sitter.Node, src: bytes) -> Values | None:
    """What the script's variables may hold where they are used; None when nothing is known."""
    if b"$" not in src or not _used_after_write(src):
        return None
    cut = _cut(root, src)
    sites: dict[str, set[int]] = {}
    functions: dict[str, list[tuple[int, tree_sitter.Node]]] = {}
    calls: set[int] = set()
    apart: list[tuple[int, int]] = []
    defaults = _collect(root, src, sites, functions, calls, apart)
    seen = _Mentions(src, cut, apart)
    called = frozenset(f for f, d in functions.items() if seen.only_written_at(f, {at for at, _ in d} | calls))
    for body in (body for f, d in functions.items() if f not in called for _, body in d):
        for at in sites.values():  # its assignments are not followed: their mentions leave the names run-time
            at.difference_update(range(body.start_byte, body.end_byte))
    tracked = frozenset(n for n, at in sites.items() if at and n not in _SPECIAL and seen.only_written_at(n, at))
    if not tracked and not defaults:
        return None
    flow = Flow(src, tracked, cut, called)
    try:
        flow.run(root, {})
    except OutOfSteps:
        return None
    return Values(flow.dims, flow.assigned)


def _used_after_write(src: bytes) -> bool:
    """A cheap look before the walk: some name both written and used, or a literal default."""
    written = {a or b for a, b in _WRITES.findall(src)}
    return bool(written and written.intersection(_USES.findall(src))) or _DEFAULT.search(src) is not None


def follows_none(text: str) -> bool:
    """The script has a construct that may write variables by names it does not spell out, or change splitting."""
    src = text.encode("utf-8", "surrogatepass")
    return bool(_NO_TRACKING.search(src) or _NO_TRACKING.search(src.translate(None, _QUOTES)))


def _cut(root: tree_sitter.Node, src: bytes) -> int:
    """Where variables may start to be written by names known only at run time (``len(src)``: nowhere)."""
    found = [m.start() for m in [_NO_TRACKING.search(src)] if m]
    if m := _NO_TRACKING.search(src.translate(None, _QUOTES)):  # `e"v"al`
        found.append([i for i, b in enumerate(src) if b not in _QUOTE_BYTES][m.start()])
    if not found:
        return len(src)
    at = min(found)
    node: tree_sitter.Node | None = root.descendant_for_byte_range(at, at)
    while node is not None:
        if node.type in _HOLDERS:
            at = min(at, node.start_byte)
        node = node.parent
    return at


def _collect(
    root: tree_sitter.Node,
    src: bytes,
    sites: dict[str, set[int]],
    functions: dict[str, list[tuple[int, tree_sitter.Node]]],
    calls: set[int],
    apart: list[tuple[int, int]],
) -> bool:
    """Record the writes the walk follows, the functions, the literal command names and the
    substitutions (``apart``: run in a subshell); True when some use has a literal default (``${X:-lit}``)."""
    defaults = False
    stack = [root]
    while stack:
        node = stack.pop()
        t = node.type
        if t == "variable_assignment":
            parent = node.parent
            kids = node.children
            plain = len(kids) >= 2 and kids[0].type == "variable_name" and kids[1].type == "="
            if plain and parent is not None and parent.type != "command" and _statement(parent):
                sites.setdefault(_text(kids[0], src), set()).add(node.start_byte)
        elif t == "for_statement" and (var := node.child_by_field_name("variable")) is not None:
            sites.setdefault(_text(var, src), set()).add(var.start_byte)
        elif t == "expansion" and (sig := signature(node, src)) is not None and sig[2] is not None:
            defaults = True
            if sig[2].endswith("="):
                sites.setdefault(sig[1], set()).add(node.children[1].start_byte)
        elif t == "function_definition":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            if name is not None and body is not None:
                functions.setdefault(_text(name, src), []).append((name.start_byte, body))
        elif t == "command_name" and node.child_count == 1 and node.children[0].type == "word":
            calls.add(node.start_byte)
        elif t in ("command_substitution", "process_substitution"):
            apart.append((node.start_byte, node.end_byte))
        stack.extend(node.children)
    return defaults


def _statement(parent: tree_sitter.Node) -> bool:
    """An assignment's parent that makes it a write in the shell: not a declaration with options."""
    if parent.type != "declaration_command":
        return True
    kids = parent.children
    return bool(kids) and kids[0].type in _DECLARERS and all(c.type == "variable_assignment" for c in kids[1:])


def _text(node: tree_sitter.Node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


class _Mentions:
    """Where names are mentioned before ``cut``: ``NAME`` not glued to a word character before or
    after it, nor to a ``$`` before it (``$X`` is a use).  A name of word characters only (every
    variable's) is looked up in one index of the source's word runs, made once a script: a line
    assigning thousands of variables is read once, not once a name.  Another name (a function's
    ``a-b``) is searched for alone."""

    __slots__ = ("apart", "at", "cut", "src", "starts_apart")

    def __init__(self, src: bytes, cut: int, apart: list[tuple[int, int]]) -> None:
        self.src, self.cut = src, cut
        self.apart: list[tuple[int, int]] = []  # substitutions, outermost: subshells, whose mentions write
        for a, b in sorted(apart):  # nothing here (`for f in $(find . -type f)`)
            if not self.apart or a >= self.apart[-1][1]:
                self.apart.append((a, b))
        self.starts_apart = [a for a, _ in self.apart]
        self.at: dict[bytes, list[int]] | None = None

    def starts(self, key: bytes) -> list[int]:
        src, cut = self.src, self.cut
        if _WORD_RUN.fullmatch(key) is None:
            pattern = re.compile(rb"(?<![\w$])" + re.escape(key) + rb"(?!\w)")
            return [m.start() for m in pattern.finditer(src, 0, cut)]
        if self.at is None:  # each maximal run (the last one cut at `cut`, as `(?!\w)` reads it there)
            self.at = {}
            for m in _WORD_RUN.finditer(src, 0, cut):
                if (start := m.start()) == 0 or src[start - 1] != 36:  # not after `$`
                    self.at.setdefault(m.group(), []).append(start)
        return self.at.get(key, [])

    def apart_from_uses(self, at: int, key: bytes) -> bool:
        """Whether ``at`` is inside a substitution (a subshell) that uses no ``$NAME`` of ``key``: what
        it writes there no use sees (``for f in $(find . -type f)``), where one inside would see it
        (``echo "$(trap 'X=git' DEBUG; $X push …)"``)."""
        k = bisect.bisect_left(self.starts_apart, at) - 1
        if k < 0 or at >= self.apart[k][1]:
            return False
        a, b = self.apart[k]
        use = re.compile(rb"\$\{?" + re.escape(key) + rb"(?!\w)")
        return use.search(self.src, a, b) is None

    def only_written_at(self, name: str, starts: set[int]) -> bool:
        """Every mention of ``name`` before ``cut``, other than a plain use (``$X``, ``${X}``,
        ``${X:-…}``), is one of the followed writes."""
        key, src = name.encode(), self.src
        for start in self.starts(key):
            if start in starts or self.apart_from_uses(start, key):
                continue
            before = src[max(0, start - 3) : start]
            after = src[start + len(key) : start + len(key) + 2]
            if before.endswith((b"${", b"${#")) and not after.startswith((b"=", b":=")):
                continue  # a use
            return False
        return True


def _name(node: tree_sitter.Node, src: bytes) -> str | None:
    """The key of ``$X``, ``${X}`` or ``${X:-lit}`` in a variant (``Values.known``)."""
    sig = signature(node, src)
    return None if sig is None else sig[0]


def expand(node: tree_sitter.Node, src: bytes, known: dict[str, str], split: bool) -> list[Word] | None:
    """The static words ``node`` makes with the ``known`` values; None when it stays run-time.
    ``split``: a command's word (unquoted values are split at blanks); an assignment's value is not.
    A value standing for a word run time resolves (``_shell_flow.DYNAMIC``: a loop's glob) makes that
    word, as written and known at run time (``for f in ~/.aws/*; do cat "$f"``: ``cat ~/.aws/*``)."""
    t = node.type
    if t in _EXPANSIONS:
        name = _name(node, src)
        if name is None or name not in known:
            return None
        value = known[name]
        if not split:
            return [(value, False)]
        if DYNAMIC in value:
            return [(value.replace(DYNAMIC, ""), True)]
        if _SHELLISH.intersection(value):
            return None
        return [(w, False) for w in _BLANKS.split(value) if w]
    if t == "string":
        text = _quoted(node, src, known)
        return None if text is None else [_word(text)]
    if t == "concatenation":
        parts: list[str] = []
        for child in node.children:
            if child.type in _EXPANSIONS:
                got = expand(child, src, known, False)
                value = "" if got is None else got[0][0]
                unsplit = DYNAMIC in value or not (_SHELLISH.intersection(value) or _BLANKS.search(value))
                if got is None or (split and not unsplit):
                    return None
                parts.append(got[0][0])
            elif child.type == "string":
                text = _quoted(child, src, known)
                if text is None:
                    return None
                parts.append(text)
            else:
                word, dyn = word_of(child, src)
                if dyn and not any(DYNAMIC in p for p in parts):
                    return None
                parts.append(DYNAMIC + word if dyn else word)
        return [_word("".join(parts))]
    return None


def _word(text: str) -> Word:
    """A word made of known values: run-time when one of them stands for a run-time word."""
    return (text.replace(DYNAMIC, ""), True) if DYNAMIC in text else (text, False)


def _quoted(node: tree_sitter.Node, src: bytes, known: dict[str, str]) -> str | None:
    """A double-quoted string whose expansions are all known values."""
    out: list[str] = []
    pos = node.start_byte + 1
    for child in node.named_children:
        if child.type == "string_content":
            continue
        if child.type not in _EXPANSIONS:
            return None
        name = _name(child, src)
        if name is None or name not in known:
            return None
        out.append(unescape(src[pos : child.start_byte]))
        out.append(known[name])
        pos = child.end_byte
    out.append(unescape(src[pos : node.end_byte - 1]))
    return "".join(out)
