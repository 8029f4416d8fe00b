"""Shell functions defined in a command line, and words that expand to a list.

A function is a wrapper the agent writes itself: ``f() { timeout "$@"; }; f 30 git
push …`` runs ``timeout 30 git push …``.  The function's body, read on its own,
only shows ``timeout "$@"``.  So a call to a function defined anywhere in the same
command line (or in an enclosing one) with static arguments is analysed again as
its body with the positional parameters (``"$@"``, ``$*``, ``$1``…, ``$#``) replaced
by the call's words; a call with arguments known only at run time to a body that
reads them is reported unknown.

A word such as ``"$@"``, ``"${a[@]}"`` or ``$*`` expands to a list known only at run
time: options, a duration, a ``-c`` script, a ``-exec`` or a ``-C DIR`` may hide in it,
so a command holding one (other than a few builtins that only print or test) is
reported unknown as well.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

import tree_sitter

from goalrail.policies.builtins._shell_types import Word

#: ``$@``, ``$*``, ``${@…}``, ``${*…}``, ``${name[@]…}``, ``${!name[*]}``…
LIST_EXPANSION = re.compile(r"\$[@*]|\$\{[!#]?(?:[@*]|[A-Za-z_][A-Za-z0-9_]*\[[@*]\])")
#: commands for which a list argument only prints or tests
LIST_SAFE = frozenset({"echo", "test", "[", "true", "false", ":", "set"})
#: a dynamic argument that is only a glob or brace pattern (written into the body as it is)
GLOB_ONLY = re.compile(r"^[^$`'\"\\\s]*$")
_POSITIONAL = re.compile(r"\$(?:[0-9@*#]|\{[#!]?[0-9@*#])")
_SUBSTITUTE = re.compile(r'"\$(?:\{([@*]|[0-9]+)\}|([@*0-9]))"|\$(?:\{([@*#]|[0-9]+)\}|([@*#0-9]))')
_MAX_BODY = 16_384
_RESETS = re.compile(r"(?:^|[\s;&|({`])(?:set|shift)(?=$|[\s;&|)}`])")


@dataclass(frozen=True, slots=True)
class Body:
    """A function's body text, and where its positional parameters are not this function's
    arguments: the bodies of functions defined inside it (their ``$1`` are their own) and
    single-quoted text (``'…$1…'``, ``$'…'``: not expanded, such as a ``bash -c`` script's)."""

    text: str
    nested: tuple[tuple[int, int], ...] = ()

    @property
    def reads_arguments(self) -> bool:
        return any(not self.inside(m.start()) for m in _POSITIONAL.finditer(self.text))

    def inside(self, at: int) -> bool:
        return any(a <= at < b for a, b in self.nested)


Functions = dict[str, tuple[Body, ...]]


def definitions(root: tree_sitter.Node, src: bytes) -> Functions:
    """Every ``name() { … }`` / ``function name …`` in the tree: name → its bodies (a name
    defined twice may run either)."""
    found: Functions = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                key = src[name.start_byte : name.end_byte].decode("utf-8", "replace")
                found[key] = (*found.get(key, ()), body_of(body, src))
        stack.extend(node.children)
    return found


#: what ``Analysis.unknown`` says of a line defining a function that starts copies of itself
FORK_BOMB = "a function starts copies of itself in the background or a pipeline (a fork bomb)"
#: the classic spelling of a fork bomb: rules written against it meet every self-spawning function
FORK_BOMB_SPELLING = ":(){ :|:& };:"
_EDGE = r"(?:^|(?<=[\s;&|({]))"


def spawns_itself(name: str, body: Body) -> bool:
    """Whether ``body`` runs its own function ``name`` in the background or in a pipeline
    (``bomb(){ bomb|bomb& }``, ``f(){ f & f; }``, ``function b { b | b & }``): each call starts
    two, or one more each time, with no end — a fork bomb by any name."""
    me = re.escape(name)
    after = _EDGE + me + r"\s*(?:\|(?!\|)|&(?![&>]))"
    piped = r"(?<!\|)\|(?!\|)&?\s*" + me + r"(?=$|[\s;&|)}])"
    return re.search(after, body.text) is not None or re.search(piped, body.text) is not None


def fork_bomb(defined: Functions) -> str | None:
    """``FORK_BOMB`` when a function ``defined`` starts copies of itself (:func:`spawns_itself`)."""
    bombs = any(spawns_itself(name, body) for name, bodies in defined.items() for body in bodies)
    return FORK_BOMB if bombs else None


def merged(functions: Functions, more: Functions) -> Functions:
    out = dict(functions)
    for name, bodies in more.items():
        out[name] = (*out.get(name, ()), *(b for b in bodies if b not in out.get(name, ())))
    return out


#: Text in which ``$1`` is not expanded: single quotes and ANSI-C quotes.
_UNEXPANDED = frozenset({"raw_string", "ansi_c_string"})


def body_of(body: tree_sitter.Node, src: bytes) -> Body:
    nested: list[tuple[int, int]] = []
    stack = list(body.children)
    while stack:
        node = stack.pop()
        inner = node.child_by_field_name("body") if node.type == "function_definition" else None
        if inner is None and node.type in _UNEXPANDED:
            inner = node
        if inner is not None:
            start = len(src[body.start_byte : inner.start_byte].decode("utf-8", "replace"))
            end = len(src[body.start_byte : inner.end_byte].decode("utf-8", "replace"))
            nested.append((start, end))
        else:
            stack.extend(node.children)
    return Body(src[body.start_byte : body.end_byte].decode("utf-8", "replace"), tuple(nested))


def inline(body: Body, words: list[Word]) -> str | None:
    """``body`` with the positional parameters of a call with ``words`` written in (None when too long).

    ``"$1"``/``"$@"`` keep each argument one word; unquoted ``$1``/``$@``/``$*`` split it at
    whitespace as bash does; a glob argument is written in as it is.
    """
    if len(body.text) > _MAX_BODY:
        return None
    if _RESETS.search(body.text):
        return body.text  # `set --`/`shift` move the arguments: the body as written, `"$@"` unknown
    args = [w for w, _ in words]
    whole = [w if d else shlex.quote(w) for w, d in words]
    split = [w if d else " ".join(shlex.quote(p) for p in w.split()) for w, d in words]

    def sub(m: re.Match[str]) -> str:
        if body.inside(m.start()):
            return m.group(0)
        in_quotes = m.group(1) or m.group(2)
        key = in_quotes or m.group(3) or m.group(4)
        written = whole if in_quotes else split
        if key == "#":
            return str(len(args))
        if key == "@" or (key == "*" and not in_quotes):
            return " ".join(written)
        if key == "*":
            return shlex.quote(" ".join(args)) if all(not d for _, d in words) else " ".join(whole)
        index = int(key)
        if index == 0:
            return "f"
        if index > len(args):
            return "''" if in_quotes else ""
        return written[index - 1]

    return _SUBSTITUTE.sub(sub, body.text)


def called_with_arguments(node: tree_sitter.Node, src: bytes, functions: Functions) -> bool:
    """A definition the pre-scan recorded (so its calls are followed) whose body reads its arguments."""
    name = node.child_by_field_name("name")
    body = node.child_by_field_name("body")
    if name is None or body is None or src[name.start_byte : name.end_byte].decode() not in functions:
        return False
    return body_of(body, src).reads_arguments
