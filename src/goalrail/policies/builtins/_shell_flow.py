"""The values a variable may hold where it is used, path by path: ``true && X=su; $X -``.

A forward walk of the script in the order bash runs it keeps, for each followed name, the set
of literal values it may hold — ``None`` standing for a value known only at run time (the
environment's, a command's output…).  Both sides of ``&&``/``||``, every branch of ``if`` and
``case``, a loop's body (run again until the sets settle), a ``for`` loop's literal words,
``${X:-lit}``/``${X:=lit}`` defaults and the bodies of functions called by name add to the set;
an unconditional assignment replaces it; a subshell, pipeline stage or background job changes
nothing after it.  Statements after a ``return``/``break``/``continue``/``exit`` may not run.
A command whose name is known only at run time may call any function defined so far.
From ``cut`` on (the first construct that can write a variable by a name known only at run
time, moved back to the start of the loop or function holding it) every value may be anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from goalrail.policies.builtins._shell_file_words import braced
from goalrail.policies.builtins._shell_outputs import substituted
from goalrail.policies.builtins._shell_words import word_of

Vals = frozenset[str | None]
State = dict[str, Vals]
TOP: Vals = frozenset({None})
#: more values than this for one name, or one word: known only at run time
MAX_VALUES = 8
#: nodes visited (loops re-run) before the walk gives up and follows nothing
MAX_STEPS = 4000
MAX_CALL_DEPTH = 4
_LOOP_ROUNDS = 4
_JUMP = re.compile(rb"\b(?:return|break|continue|exit)\b")
_DQ_ESC = re.compile(r"\\([$`\"\\\n])")
_EXPANSIONS = frozenset({"simple_expansion", "expansion"})
_SUBSHELLS = frozenset({"subshell", "command_substitution", "process_substitution"})
_SEQUENCES = frozenset({"program", "compound_statement", "do_group", "else_clause"})
_LITERALS = frozenset({"word", "number", "raw_string"})
_PATTERNS = frozenset({"word", "extglob_pattern"})
#: `${X:-lit}` `${X-lit}` `${X:=lit}` `${X=lit}`
_DEFAULTS = frozenset({":-", "-", ":=", "="})
#: a value standing for a word as written whose files only run time knows (a glob, a listing's
#: substitution): ``for f in ~/.aws/*; do cat $f; done`` is ``cat ~/.aws/*`` (``_shell_values.expand``)
DYNAMIC = "\0"
_RUN_TIME = frozenset("$`")
#: a default with nothing for bash to expand (the same class ``_shell_values``' cut lets through)
_LITERAL_DEFAULT = re.compile(rb"[\w./:@%+,-]*")


class OutOfSteps(Exception):
    """The script is too involved to follow."""


def unescape(raw: bytes) -> str:
    """The text of a double-quoted stretch without its escapes."""
    return _DQ_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), raw.decode("utf-8", "replace"))


def join(a: State, b: State) -> State:
    if a is b:
        return a
    return {n: a.get(n, TOP) | b.get(n, TOP) for n in a.keys() | b.keys()}


def _capped(values: set[str | None]) -> Vals:
    return TOP if len(values) > MAX_VALUES else frozenset(values)


def signature(node: tree_sitter.Node, src: bytes) -> tuple[str, str, str | None, str] | None:
    """(key, name, operator, default) of ``$X``, ``${X}`` or ``${X<op>lit}``; None for any other expansion.
    The key names the use in a command's variants: the name, or the whole ``${…}`` text."""
    kids = node.children
    if node.type == "simple_expansion":
        if len(kids) == 2 and kids[1].type == "variable_name":
            name = src[kids[1].start_byte : kids[1].end_byte].decode("utf-8", "replace")
            return name, name, None, ""
        return None
    if len(kids) < 3 or kids[1].type != "variable_name":
        return None
    name = src[kids[1].start_byte : kids[1].end_byte].decode("utf-8", "replace")
    if len(kids) == 3:
        return name, name, None, ""
    op = kids[2].type
    raw = src[kids[2].end_byte : kids[-1].start_byte]  # the default, as written
    if op not in _DEFAULTS or kids[-1].type != "}" or not _LITERAL_DEFAULT.fullmatch(raw):
        return None
    default = raw.decode("utf-8", "replace")
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace"), name, op, default


class Flow:
    """Walks a script once (``run``), recording the values each command's expansions may take."""

    __slots__ = ("assigned", "called", "cut", "depth", "dims", "functions", "src", "steps", "tracked")

    def __init__(self, src: bytes, tracked: frozenset[str], cut: int, called: frozenset[str]) -> None:
        self.src = src
        self.tracked = tracked
        self.cut = cut
        self.called = called  # functions whose body assignments are followed (called by name only)
        self.dims: dict[int, dict[str, set[str | None]]] = {}  # command id → use key → values
        self.assigned: dict[int, set[str | None]] = {}  # assignment id → values
        self.functions: dict[str, list[tree_sitter.Node]] = {}
        self.steps = 0
        self.depth = 0

    def run(self, node: tree_sitter.Node, s: State) -> State:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise OutOfSteps
        t = node.type
        if t in _SEQUENCES:
            return self.sequence(node.children, s)
        if t == "list":
            s1 = self.run(node.children[0], s)
            return join(s1, self.run(node.children[-1], s1)) if len(node.children) == 3 else join(s, s1)
        if t in ("variable_assignment", "variable_assignments", "declaration_command"):
            return self.assignments(node, s)
        if t == "command":
            return self.command(node, s)
        if t in _SUBSHELLS:
            self.sequence(node.children, s)
            return s
        if t == "pipeline":
            parts = [c for c in node.children if c.is_named]
            for part in parts[:-1]:
                self.run(part, s)
            return join(s, self.run(parts[-1], s)) if parts else s
        if t == "if_statement":
            return self.branches(node, s)
        if t in ("while_statement", "until_statement", "for_statement"):
            return self.loop(node, s)
        if t == "case_statement":
            return self.case(node, s)
        if t == "function_definition":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            if name is not None and body is not None:
                key = self.src[name.start_byte : name.end_byte].decode("utf-8", "replace")
                self.functions.setdefault(key, []).append(body)  # any definition so far may be the one
            return s
        if t in ("negated_command", "redirected_statement"):
            return self.sequence(node.children, s)
        if t in _EXPANSIONS:
            s = dict(s)
            self.use(node, s)
            return s
        if node.child_count == 0:
            return s
        return join(s, self.sequence(node.children, s))  # anything else: may or may not run

    def sequence(self, children: list[tree_sitter.Node], s: State) -> State:
        """Statements in order: one followed by ``&`` runs in a subshell; after a jump, may not run."""
        maybe = False
        for i, child in enumerate(children):
            if not child.is_named:
                continue
            if i + 1 < len(children) and children[i + 1].type == "&":
                self.run(child, s)
                continue
            after = self.run(child, s)
            s = join(s, after) if maybe else after
            maybe = maybe or _JUMP.search(self.src, child.start_byte, child.end_byte) is not None
        return s

    def branches(self, node: tree_sitter.Node, s: State) -> State:
        """``if``/``elif``/``else``: each branch from the state its conditions leave."""
        outs: list[State] = []
        has_else = False
        for clause in [node, *(c for c in node.children if c.type in ("elif_clause", "else_clause"))]:
            if clause.type == "else_clause":
                has_else = True
                outs.append(self.sequence(clause.children, s))
                continue
            then = next((i for i, c in enumerate(clause.children) if c.type == "then"), len(clause.children))
            s = self.sequence(clause.children[1:then], s)
            body = [c for c in clause.children[then:] if c.type not in ("elif_clause", "else_clause", "fi")]
            outs.append(self.sequence(body, s))
        if not has_else:
            outs.append(s)
        out = outs[0]
        for other in outs[1:]:
            out = join(out, other)
        return out

    def case(self, node: tree_sitter.Node, s: State) -> State:
        """Each arm from the state before (joined with the arm falling into it, ``;&``/``;;&``);
        no arm may match unless one's pattern is ``*``."""
        arms: list[State] = []
        prev: State | None = None
        star = False
        for item in node.children:
            if item.type != "case_item":
                continue
            arms.append(self.sequence(item.children, s if prev is None else join(s, prev)))
            kids = item.children
            prev = arms[-1] if kids and kids[-1].type in (";&", ";;&") else None
            star = star or any(c.type in _PATTERNS and self.src[c.start_byte : c.end_byte] == b"*" for c in kids)
        out = arms[0] if star and arms else s
        for arm in arms:
            out = join(out, arm)
        return out

    def loop(self, node: tree_sitter.Node, s: State) -> State:
        """A body that runs any number of times: re-run until the values settle, else unknown."""
        body = node.child_by_field_name("body")
        skip = {body.id if body is not None else -1}
        conditions = [] if node.type == "for_statement" else [c for c in node.children if c.id not in skip]
        var = node.child_by_field_name("variable")
        name = None if var is None else self.src[var.start_byte : var.end_byte].decode("utf-8", "replace")
        items = self.items(node, s) if name is not None else TOP
        entry = s
        for _ in range(_LOOP_ROUNDS + 1):
            inner = self.sequence(conditions, entry)
            if name is not None and name in self.tracked:
                inner = {**inner, name: items}
            after = join(entry, inner if body is None else self.run(body, inner))
            if after == entry:
                return entry
            entry = after
        widened = {n: (v if s.get(n, TOP) == v else TOP) for n, v in entry.items()}
        inner = self.sequence(conditions, widened)
        if name is not None and name in self.tracked:
            inner = {**inner, name: items}
        return join(widened, inner if body is None else self.run(body, inner))

    def items(self, node: tree_sitter.Node, s: State) -> Vals:
        """The words a ``for``/``select NAME in …`` loop gives its variable: a literal word as written
        (quoted: not split), a brace list's words, and a word only run time resolves (a glob, ``$(find
        …)``) as :data:`DYNAMIC` and its text (no ``in``: the script's arguments, unknown)."""
        if not node.children or node.children[0].type not in ("for", "select"):
            return TOP
        out: set[str | None] = set()
        seen_in = False
        for i, child in enumerate(node.children):
            seen_in = seen_in or child.type == "in"
            if node.field_name_for_child(i) != "value":
                continue
            text, dyn = word_of(child, self.src)
            if dyn and child.type in ("word", "concatenation") and "{" in text and not _RUN_TIME.intersection(text):
                out.update(DYNAMIC + w if d else w for w, d in braced([(text, True)]))  # `~/.aws/{a,b*}`
                continue
            for v in self.value(child, dict(s)):
                if v is None:
                    out.add(DYNAMIC + text if dyn else None)  # `~/.aws/*`, `$(find ~/.aws)`: the word itself
                elif child.type in _LITERALS or child.type == "string" or DYNAMIC in v:
                    out.add(v)  # a word as it is written (quoted: not split)
                elif any(c in v for c in "*?[") and "\\" not in v:
                    out.add(DYNAMIC + v)  # `X='*.py'; for f in $X`: the glob
                elif "\\" in v:
                    out.add(None)
                else:
                    out.update(v.split() or [None])
        return _capped(out) if seen_in else TOP

    def assignments(self, node: tree_sitter.Node, s: State) -> State:
        """``NAME=value`` statements, ``export``/``readonly`` ones (other declarations: by ``cut``)."""
        s = dict(s)
        nodes = [node] if node.type == "variable_assignment" else node.named_children
        for a in nodes:
            if a.type != "variable_assignment":
                continue
            name_node, value = a.child_by_field_name("name"), a.child_by_field_name("value")
            values = TOP if value is None and len(a.children) < 2 else self.value(value, s)
            self.assigned[a.id] = set(values)
            if name_node is not None and name_node.type == "variable_name":
                name = self.src[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
                if name in self.tracked:
                    s[name] = values
        return s

    def command(self, node: tree_sitter.Node, s: State) -> State:
        """A simple command: its words' uses (``${X:=lit}`` assigns), prefix values, function calls."""
        s = dict(s)
        dims = self.dims.setdefault(node.id, {})
        name: str | None = ""
        for i, child in enumerate(node.children):
            if child.type == "variable_assignment":
                value = child.child_by_field_name("value")
                self.assigned[child.id] = set(self.value(value, s))
            elif child.type == "command_name" or node.field_name_for_child(i) == "argument":
                for use in _uses(child):
                    if use.type in _EXPANSIONS:
                        key, values = self.use(use, s)
                        dims.setdefault(key, set()).update(values)
                    else:
                        self.run(use, s)
                if child.type == "command_name":
                    word, dyn = word_of(child.children[0], self.src) if child.child_count == 1 else ("", True)
                    name = None if dyn else word
            else:
                self.run(child, s)
        bodies = [b for f in self.functions.values() for b in f] if name is None else self.functions.get(name or "", [])
        if bodies:  # a name known only at run time may call any of them: each may run, or none
            out = s if name is None else self.call(bodies[0], s)
            for body in bodies:
                out = join(out, self.call(body, s))
            return out
        return s

    def call(self, body: tree_sitter.Node, s: State) -> State:
        if self.depth >= MAX_CALL_DEPTH:
            return {n: s.get(n, TOP) | TOP for n in self.tracked}  # deeper calls: anything
        self.depth += 1
        try:
            return self.run(body, s)
        finally:
            self.depth -= 1

    def use(self, node: tree_sitter.Node, s: State) -> tuple[str, Vals]:
        """The key and values of one expansion; ``${X:=lit}`` writes ``X`` in ``s``."""
        sig = signature(node, self.src)
        if sig is None:
            for child in node.children:
                self.run(child, s)
            return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace"), TOP
        key, name, op, default = sig
        values = s.get(name, TOP) if name in self.tracked else TOP
        if op is not None:
            colon = op.startswith(":")
            got: set[str | None] = {default if v is None or (colon and v == "") else v for v in values}
            if None in values:
                got.add(None)
            values = frozenset(got)
            if op.endswith("=") and name in self.tracked:
                s[name] = values
        if node.start_byte >= self.cut:
            values = values | TOP
        return key, values

    def value(self, node: tree_sitter.Node | None, s: State) -> Vals:
        """The strings an assignment's value (one word, not split) may be."""
        if node is None:
            return frozenset({""})
        t = node.type
        if t in _EXPANSIONS:
            return self.use(node, s)[1]
        if t in ("string", "concatenation"):
            parts: list[Vals] = []
            pos = node.start_byte + 1 if t == "string" else node.start_byte
            for child in node.children if t == "concatenation" else node.named_children:
                if t == "string" and child.type == "string_content":
                    continue
                if t == "string":
                    parts.append(frozenset({unescape(self.src[pos : child.start_byte])}))
                    pos = child.end_byte
                parts.append(self.value(child, s))
            if t == "string":
                parts.append(frozenset({unescape(self.src[pos : node.end_byte - 1])}))
            return _product(parts)
        if node.child_count:
            self.run(node, s)  # substitutions in it run (in a subshell)
        if t == "command_substitution":  # `X=$(echo /srv/goalrail)`: what it prints, if the line spells it
            got = substituted(self.src[node.start_byte : node.end_byte].decode("utf-8", "replace"))
            return TOP if "$(" in got or "`" in got else frozenset({got})
        word, dyn = word_of(node, self.src)
        return TOP if dyn else frozenset({word})


def _product(parts: list[Vals]) -> Vals:
    out: set[str | None] = set([""])
    for part in parts:
        nxt: set[str | None] = set()
        for a in out:
            for b in part:
                nxt.add(None if a is None or b is None else a + b)
        out = nxt
        if len(out) > MAX_VALUES:
            return TOP
    return frozenset(out)


def _uses(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """The expansions in a command's word (and the substitutions, which run as subshells)."""
    if node.type in _EXPANSIONS or node.type in _SUBSHELLS:
        yield node
        return
    for child in node.children:
        if child.child_count or child.type in _EXPANSIONS:
            yield from _uses(child)
