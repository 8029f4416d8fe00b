"""Shell commands parsed with tree-sitter-bash into simple commands.

``analyze(command)`` returns every simple command the string would run — inside
chains, pipelines, subshells, groups, loops, ``if``/``case``, function bodies,
``[[ ]]``, arithmetic and command/process substitutions — with its wrappers
(``sudo``, ``env``, ``timeout``, ``xargs``…) peeled off and nested shell
strings (``bash -c``, heredocs and herestrings fed to a shell, ``find -exec``,
``eval``, ``trap``) parsed in turn.  Whatever cannot be resolved statically
(``eval``, ``source``, a command name from an expansion, a parse error, an
option a wrapper does not understand…) is reported in ``unknown`` so policies
answer ASK or DENY, never ALLOW.  Results are cached by command string.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter
import tree_sitter_bash

from goalrail.policies.builtins._wrappers import SHELLS, WRAPPERS, WrapperSpec

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))

MAX_DEPTH = 6
MAX_LENGTH = 100_000
CACHE_SIZE = 4096
CACHE_MAX_CHARS = 8192

Word = tuple[str, bool]  # (text, dynamic): dynamic = not known before run time


@dataclass(frozen=True, slots=True)
class Redirect:
    op: str  # ">", ">>", "<", "<<", "<<<", "&>", ...
    target: str  # path, heredoc body or herestring text
    dynamic: bool


@dataclass(frozen=True, slots=True)
class Wrapper:
    name: str  # "sudo", "env", "xargs"...
    args: tuple[str, ...]  # the wrapper's own options
    chdir: str | None = None  # directory it switches to (env -C)


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    argv: tuple[str, ...]
    dynamic: tuple[bool, ...]  # per argv word
    redirects: tuple[Redirect, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    assignments: tuple[str, ...] = ()  # VAR=value prefixes (incl. env's)
    via: str = ""  # how it was reached: "", "bash -c", "heredoc", "eval", "find -exec"...
    stdin_args: bool = False  # xargs / find -exec add arguments at run time

    @property
    def name(self) -> str:
        """The command's basename (``/usr/bin/git`` → ``git``)."""
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def is_static(self, i: int) -> bool:
        return 0 <= i < len(self.dynamic) and not self.dynamic[i]

    @property
    def incomplete(self) -> bool:
        """Some argument is dynamic or will be appended at run time."""
        return self.stdin_args or any(self.dynamic)


@dataclass(frozen=True, slots=True)
class ShellAnalysis:
    source: str
    commands: tuple[SimpleCommand, ...]
    unknown: tuple[str, ...]  # reasons the command is not fully resolvable

    @property
    def resolved(self) -> bool:
        return not self.unknown

    def named(self, *names: str) -> list[SimpleCommand]:
        return [c for c in self.commands if c.name in names]


# --- words -------------------------------------------------------------------

_GLOB = frozenset("*?[")
_ASCII_ONLY = bytes(range(128)) + b"a" * 128

#: node types that never contain a command (no need to walk into them)
_FLAT = frozenset({"word", "number", "raw_string", "ansi_c_string", "variable_name", "$", "file_descriptor"})
_BRACE = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")
_DQ_ESC = re.compile(r"\\([$`\"\\\n])")
_STATIC_TYPES = frozenset(
    {
        "word",
        "raw_string",
        "string",
        "concatenation",
        "number",
        "ansi_c_string",
        "translated_string",
    }
)
_ANSI_SIMPLE = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_ESC = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.S)


def _unescape_word(raw: str) -> tuple[str, bool]:
    """An unquoted word: drop backslashes, note globs and brace expansion."""
    if "\\" not in raw:
        dyn = bool(_GLOB.intersection(raw)) or ("{" in raw and bool(_BRACE.search(raw)))
        return raw, dyn
    out: list[str] = []
    dyn = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            if raw[i + 1] != "\n":
                out.append(raw[i + 1])
            i += 2
            continue
        if ch in _GLOB:
            dyn = True
        out.append(ch)
        i += 1
    if "{" in raw and _BRACE.search(raw):
        dyn = True
    return "".join(out), dyn


def _decode_ansi(raw: str) -> str | None:
    """``$'..'`` content when it only uses simple escapes; None otherwise."""
    body = raw[2:-1]

    def sub(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "x":
            return chr(int(esc[1:], 16))
        if esc[0] in "01234567":
            return chr(int(esc, 8) & 0xFF)
        if esc in _ANSI_SIMPLE:
            return _ANSI_SIMPLE[esc]
        raise ValueError(esc)

    try:
        return _ANSI_ESC.sub(sub, body)
    except ValueError:
        return None


def _word(node: tree_sitter.Node, src: bytes) -> Word:
    t = node.type
    raw = src[node.start_byte : node.end_byte].decode("utf-8", "replace")
    if t == "word":
        return _unescape_word(raw)
    if t == "number":
        return raw, False
    if t == "raw_string":
        return raw[1:-1], False
    if t in ("string", "translated_string"):
        inner = raw[raw.index('"') + 1 : -1] if '"' in raw else raw
        dyn = any(c.type not in ('"', "string_content", "$") for c in node.children)
        return _DQ_ESC.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), inner), dyn
    if t == "ansi_c_string":
        decoded = _decode_ansi(raw)
        return (raw, True) if decoded is None else (decoded, False)
    if t == "concatenation":
        parts = [_word(c, src) for c in node.children]
        text = "".join(p[0] for p in parts)
        dyn = any(p[1] for p in parts)
        if not dyn and any(c.type == "word" and c.text in (b"{", b"}") for c in node.children):
            dyn = bool(_BRACE.search(text))  # brace expansion: {a,b} / {1..3}
        return text, dyn
    return raw, True


def _has_ansi_escape(node: tree_sitter.Node) -> bool:
    if node.type == "ansi_c_string":
        return b"\\" in (node.text or b"")
    return any(_has_ansi_escape(c) for c in node.children)


# --- the walk ----------------------------------------------------------------


class _Walker:
    __slots__ = ("commands", "depth", "src", "unknown", "via")

    def __init__(self, via: str = "", depth: int = 0) -> None:
        self.commands: list[SimpleCommand] = []
        self.unknown: list[str] = []
        self.via = via
        self.depth = depth
        self.src = b""

    def flag(self, reason: str) -> None:
        if reason not in self.unknown:
            self.unknown.append(reason)

    # scripts nested in strings ------------------------------------------------
    def script(self, text: str, via: str) -> None:
        if self.depth + 1 > MAX_DEPTH:
            self.flag("shell nesting too deep")
            return
        sub = _Walker(via, self.depth + 1)
        sub.parse(text)
        self.commands.extend(sub.commands)
        for r in sub.unknown:
            self.flag(r)

    def parse(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            self.flag("command too long to analyse")
            return
        source = text.encode("utf-8", "surrogatepass")
        self.src = source
        # tree-sitter-bash can crash (SIGSEGV) on some non-ASCII input; bash treats every
        # byte >= 0x80 as a word character, so parse an ASCII stand-in of the same length
        # and read word text from the original bytes.
        tree = _PARSER.parse(source.translate(_ASCII_ONLY))
        if tree.root_node.has_error:
            self.flag("shell syntax error")
        elif _skipped_text(tree.root_node, source):
            self.flag("text the parser skipped or split")
        self.walk(tree.root_node)

    # tree ---------------------------------------------------------------------
    def walk(self, node: tree_sitter.Node, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None:
        """Walk ``node``; ``redirects``/``stdin`` are what its commands read from.

        tree-sitter hangs a redirect written after the last command of a list or
        pipeline (``a && bash <<EOF``) on the whole list: it goes to the last
        command.  A compound statement's redirect (``{ bash; } <<EOF``) reaches
        every command inside it (an over-approximation: only shells consume it).
        """
        t = node.type
        if t == "command":
            self.command(node, redirects, stdin)
            return
        if t == "redirected_statement":
            self.redirected(node, stdin, redirects)
            return
        if t == "pipeline":
            self.pipeline(node, stdin, redirects)
            return
        if t == "list":
            last = node.children[-1].id if node.children else None
            for child in node.children:
                self.walk(child, redirects if child.id == last else (), stdin)
            return
        if t in _FRESH or (not redirects and stdin is None):
            for child in node.children:
                self.walk(child)
            return
        for child in node.children:
            self.walk(child, redirects, stdin)

    def pipeline(
        self, node: tree_sitter.Node, first_stdin: str | None = None, redirects: tuple[Redirect, ...] = ()
    ) -> None:
        elements = [c for c in node.children if c.type not in ("|", "|&")]
        prev: tree_sitter.Node | None = None
        for child in elements:
            stdin = first_stdin if prev is None else None
            if prev is not None:
                stdin = self.echoed(prev) or "\0pipe"
            self.walk(child, redirects if child is elements[-1] else (), stdin)
            prev = child

    def echoed(self, node: tree_sitter.Node) -> str | None:
        """The text an ``echo``/``printf`` with static words writes, if that simple."""
        if node.type != "command":
            return None
        words = self.words(node)
        if not words or any(d for _, d in words) or words[0][0] not in ("echo", "printf"):
            return None
        args = [w for w, _ in words[1:]]
        if words[0][0] == "echo":
            while args and args[0] in ("-n", "-e", "-E"):
                args = args[1:]
            return " ".join(args)
        if args and "%" not in args[0] and "\\" not in args[0]:
            return args[0]
        return None

    def echoed_heredoc(self, stmt: tree_sitter.Node, doc: Redirect) -> str | None:
        """The heredoc text ``cat <<EOF | ...`` writes, when that is certain."""
        body = next((c for c in stmt.children if c.type == "command"), None)
        if body is None or doc.dynamic:
            return None
        words = self.words(body)
        return doc.target if [w for w, _ in words] == ["cat"] else None

    def words(self, node: tree_sitter.Node) -> list[Word]:
        out: list[Word] = []
        for i, child in enumerate(node.children):
            if child.type == "command_name":
                out.extend(_word(c, self.src) for c in child.children)
            elif node.field_name_for_child(i) == "argument":
                out.append(_word(child, self.src))
        return out

    def redirected(self, node: tree_sitter.Node, stdin: str | None, inherited: tuple[Redirect, ...] = ()) -> None:
        redirects: list[Redirect] = list(inherited)
        body: tree_sitter.Node | None = None
        for child in node.children:
            t = child.type
            if t == "heredoc_redirect":
                doc = self.heredoc(child)
                redirects.append(doc)
                for c in child.children:  # substitutions in unquoted bodies run too
                    if c.type == "pipeline" and c.children and c.children[0].type in ("|", "|&"):
                        # `cmd <<EOF | next`: tree-sitter nests the pipe inside the heredoc
                        fed = self.echoed_heredoc(node, doc)
                        self.pipeline(c, fed if fed is not None else "\0pipe")
                    else:
                        self.walk(c)
            elif t in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(child))
                for c in child.children:
                    self.walk(c)
            elif body is None and t not in ("heredoc_body",):
                body = child
        if body is not None:
            self.walk(body, tuple(redirects), stdin)

    def heredoc(self, node: tree_sitter.Node) -> Redirect:
        quoted = False
        text = ""
        dyn = False
        for c in node.children:
            if c.type == "heredoc_start":
                quoted = any(q in (c.text or b"") for q in (b"'", b'"', b"\\"))
            elif c.type == "heredoc_body":
                text = self.src[c.start_byte : c.end_byte].decode("utf-8", "replace")
                dyn = not quoted and any(x.type != "heredoc_content" for x in c.children)
        return Redirect("<<", text, dyn)

    def redirect(self, node: tree_sitter.Node) -> Redirect:
        op = ""
        target: Word = ("", True)
        for c in node.children:
            if c.type in ("file_descriptor",):
                continue
            if not c.is_named:
                op += c.type
            else:
                target = _word(c, self.src)
        return Redirect(op or "<<<", target[0], target[1])

    def command(self, node: tree_sitter.Node, redirects: tuple[Redirect, ...], stdin: str | None) -> None:
        assignments: list[str] = []
        words: list[Word] = []
        reds = list(redirects)
        name_node: tree_sitter.Node | None = None
        children = node.children
        for i, child in enumerate(children):
            t = child.type
            if (
                t == "$"
                and i + 1 < len(children)
                and children[i + 1].type == "string"
                and child.end_byte == children[i + 1].start_byte
            ):
                continue  # $"..." (locale translation) parses as `$` + string: one word
            if t == "variable_assignment":
                assignments.append(self.src[child.start_byte : child.end_byte].decode("utf-8", "replace"))
            elif t == "command_name":
                name_node = child
                words.extend(_word(c, self.src) for c in child.children)
            elif t in ("file_redirect", "herestring_redirect"):
                reds.append(self.redirect(child))
            elif node.field_name_for_child(i) == "argument":
                words.append(_word(child, self.src))
            if t not in _FLAT and (
                t != "command_name" or child.child_count != 1 or child.children[0].type not in _FLAT
            ):
                self.walk(child)  # nested substitutions
        if not words:
            return
        if name_node is not None and b"$'" in (name_node.text or b"") and _has_ansi_escape(name_node):
            self.flag("ANSI-C quoted command name")
        self.resolve(words, tuple(reds), tuple(assignments), (), stdin, self.via, False)

    # unwrapping ---------------------------------------------------------------
    def resolve(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        stdin: str | None,
        via: str,
        stdin_args: bool,
    ) -> None:
        for _ in range(32):
            if not words:
                return
            head, dyn = words[0]
            if dyn:
                self.flag("command name is not static")
                self.emit(words, reds, assignments, wrappers, via, stdin_args)
                return
            base = head.rsplit("/", 1)[-1]
            if base in ("su", "runuser", "flock", "script") and self.su(words, reds):
                return
            spec = WRAPPERS.get(base)
            if spec is not None:
                rest = self.unwrap(spec, base, words)
                if rest is None:
                    if base in (
                        "sudo",
                        "doas",
                        "runuser",
                    ):  # `sudo -s <<EOF`: a shell reading stdin
                        self.shell([], reds, None)
                    return
                words, wrapper, extra = rest
                if base == "watch" and not {"-x", "--exec"} & set(wrapper.args):
                    if any(d for _, d in words):
                        self.flag("watch with a dynamic command")
                    self.script(" ".join(w for w, _ in words), "watch")
                    return
                if base == "xargs":
                    words = _mark_replaced(words, wrapper.args)
                wrappers = (*wrappers, wrapper)
                assignments = (*assignments, *extra)
                stdin_args = stdin_args or spec.stdin_args
                continue
            break
        else:
            self.flag("too many wrappers")
            return
        self.emit(words, reds, assignments, wrappers, via, stdin_args)
        base = words[0][0].rsplit("/", 1)[-1]
        if base in _RESERVED:
            self.flag(f"reserved word `{base}` used as a command")
        if base in SHELLS or (base == "busybox" and len(words) > 1 and words[1][0] in SHELLS):
            self.shell(words[1:] if base != "busybox" else words[2:], reds, stdin)
        elif base in ("eval",):
            self.eval_(words[1:])
        elif base in ("source", "."):
            self.flag(f"`{base}` runs a script that cannot be inspected")
        elif base == "find":
            self.find(words, reds, assignments, wrappers)
        elif base == "trap" and len(words) > 2:
            text, d = words[1]
            if d:
                self.flag("trap with a dynamic command")
            elif text not in ("-", ""):
                self.script(text, "trap")
        elif base == "alias" and any("=" in w for w, _ in words[1:]):
            self.flag("alias definition")
        elif base == "shopt" and any(w == "expand_aliases" for w, _ in words[1:]):
            self.flag("alias expansion enabled")
        elif (base == "hash" and any(w.startswith("-") and "p" in w for w, _ in words[1:])) or (
            base == "enable" and any(w.startswith("-") and "f" in w for w, _ in words[1:])
        ):
            self.flag(f"`{base}` rebinds a command name")
        elif base == "parallel":
            self.flag("parallel builds commands at run time")

    def emit(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
        via: str,
        stdin_args: bool,
    ) -> None:
        self.commands.append(
            SimpleCommand(
                argv=tuple(w for w, _ in words),
                dynamic=tuple(d for _, d in words),
                redirects=reds,
                wrappers=wrappers,
                assignments=assignments,
                via=via,
                stdin_args=stdin_args,
            )
        )

    def unwrap(
        self, spec: WrapperSpec, base: str, words: list[Word]
    ) -> tuple[list[Word], Wrapper, tuple[str, ...]] | None:
        """Peel one wrapper; None when no command follows (or it is not understood)."""
        i, n = 1, len(words)
        opts: list[str] = []
        chdir: str | None = None
        assignments: list[str] = []
        prepend: list[Word] = []
        while i < n:
            w, d = words[i]
            if d and w.startswith("-"):
                self.flag(f"`{base}` option is not static")
                return None
            if w == "--" and spec.double_dash:
                i += 1
                break
            if w.startswith("--") and len(w) > 2:
                name, eq, val = w.partition("=")
                if name in spec.stop:
                    return None
                if name in spec.long_val:
                    if not eq:
                        if i + 1 >= n:
                            return None
                        val = words[i + 1][0]
                        i += 1
                    opts.append(f"{name}={val}")
                    if name in spec.chdir:
                        chdir = val
                    elif name in spec.split:
                        prepend = self.split_string(val, base)
                    elif name in spec.shell_string:
                        self.script(val, f"{base} {name}")
                        return None
                elif name in spec.long_flag:
                    opts.append(w)
                else:
                    self.flag(f"`{base}` option `{name}` is not understood")
                    return None
                i += 1
                continue
            if w.startswith("-") and len(w) > 1:
                if spec.numeric and w[1:].isdigit():
                    opts.append(w)
                    i += 1
                    continue
                j = 1
                while j < len(w):
                    ch = w[j]
                    flag = "-" + ch
                    if flag in spec.stop:
                        return None
                    if flag in spec.short_val:
                        val = w[j + 1 :]
                        if not val:
                            if i + 1 >= n:
                                return None
                            val = words[i + 1][0]
                            i += 1
                        opts.append(f"{flag} {val}")
                        if flag in spec.chdir:
                            chdir = val
                        elif flag in spec.split:
                            prepend = self.split_string(val, base)
                        elif flag in spec.shell_string:
                            self.script(val, f"{base} {flag}")
                            return None
                        break
                    if flag in spec.short_flag:
                        opts.append(flag)
                        j += 1
                        continue
                    self.flag(f"`{base}` option `{flag}` is not understood")
                    return None
                i += 1
                continue
            if spec.assignments and "=" in w and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w):
                assignments.append(w)
                i += 1
                continue
            break
        i += spec.positionals
        rest = prepend + words[i:]
        if not rest:
            return None
        return rest, Wrapper(base, tuple(opts), chdir), tuple(assignments)

    def su(self, words: list[Word], reds: tuple[Redirect, ...]) -> bool:
        """``su [opts] [user] -c STR`` (the script option may follow the user).

        True when handled: a ``-c`` script was parsed, or ``su`` runs a login
        shell (which reads a heredoc or herestring as its script).
        """
        for i, (w, d) in enumerate(words[1:], 1):
            text = None
            is_bundle = w[:1] == "-" and w[1:2] != "-" and w[-1:] == "c" and w[1:].isalpha()
            if (w == "--command" or is_bundle) and i + 1 < len(words):
                text, d = words[i + 1]
            elif w.startswith("--command="):
                text = w.partition("=")[2]
            if text is not None:
                name = words[0][0].rsplit("/", 1)[-1]
                if d:
                    self.flag(f"{name} -c with a dynamic script")
                else:
                    self.script(text, f"{name} -c")
                return True
        if words[0][0].rsplit("/", 1)[-1] in ("su", "script"):
            self.shell([], reds, None)  # a login / recorded shell reads its script from stdin
            return True
        return False

    def split_string(self, text: str, base: str) -> list[Word]:
        try:
            return [(w, False) for w in shlex.split(text)]
        except ValueError:
            self.flag(f"`{base} -S` string is not understood")
            return []

    def shell(self, args: list[Word], reds: tuple[Redirect, ...], stdin: str | None) -> None:
        """``bash -c STR``, ``bash -s``/``bash`` reading a heredoc, herestring or pipe."""
        i, n = 0, len(args)
        command_mode = read_stdin = False
        while i < n:
            w, d = args[i]
            if d and w.startswith(("-", "+")):
                self.flag("shell option is not static")
                return
            if w == "--" or w == "-":
                i += 1
                break
            if w.startswith("--"):
                if w in ("--rcfile", "--init-file"):
                    i += 2
                    continue
                i += 1
                continue
            if w[:1] in ("-", "+") and len(w) > 1:
                letters = w[1:]
                if "c" in letters:
                    command_mode = True
                if "s" in letters:
                    read_stdin = True
                i += 2 if letters[-1:] in ("o", "O") else 1
                continue
            break
        rest = args[i:]
        if command_mode:
            if not rest:
                return
            text, d = rest[0]
            if d:
                self.flag("shell -c with a dynamic script")
                return
            self.script(text, "shell -c")
            return
        if rest and not read_stdin:
            if rest[0][1]:
                self.flag("shell runs a script that is not static")
            return  # a script file: an ordinary program run
        source = None
        for r in reds:
            if r.op in ("<<", "<<<", "<<-"):
                source = r
            elif r.op == "<":
                source = None  # reads a file: an ordinary program run
                if r.dynamic:
                    self.flag("shell reads its script from a file known only at run time")
        if source is not None:
            if source.dynamic:
                self.flag("expansions in a script fed to a shell")
            self.script(source.target, "heredoc" if source.op != "<<<" else "herestring")
            return
        if stdin == "\0pipe":
            self.flag("shell reads commands from a pipe")
        elif stdin is not None:
            self.script(stdin, "pipe")

    def eval_(self, args: list[Word]) -> None:
        self.flag("eval")
        if args and not any(d for _, d in args):
            self.script(" ".join(w for w, _ in args), "eval")

    def find(
        self,
        words: list[Word],
        reds: tuple[Redirect, ...],
        assignments: tuple[str, ...],
        wrappers: tuple[Wrapper, ...],
    ) -> None:
        i, n = 1, len(words)
        while i < n:
            w = words[i][0]
            if w in ("-exec", "-execdir", "-ok", "-okdir"):
                j = i + 1
                sub: list[Word] = []
                while j < n and words[j][0] not in (";", "+"):
                    text, d = words[j]
                    sub.append((text, d or "{}" in text))
                    j += 1
                if sub:
                    self.resolve(
                        sub,
                        (),
                        assignments,
                        (*wrappers, Wrapper("find", (w,))),
                        None,
                        "find -exec",
                        False,  # `{}` words are already marked dynamic
                    )
                i = j + 1
                continue
            i += 1


#: nodes whose commands do not read the enclosing statement's redirects
_FRESH = frozenset(
    {
        "command_substitution",
        "process_substitution",
        "heredoc_redirect",
        "file_redirect",
        "herestring_redirect",
        "function_definition",
    }
)
_RESERVED = frozenset({"!", "{", "}", "(", ")", "then", "else", "elif", "fi", "do", "done", "esac", "in", "[[", "]]"})


def _mark_replaced(words: list[Word], xargs_opts: tuple[str, ...]) -> list[Word]:
    """``xargs -I R cmd … R …``: words holding the replace string are known only at run time."""
    marks = ["{}"]
    for opt in xargs_opts:
        if opt.startswith(("-I ", "--replace=")):
            marks.append(opt.split(" ", 1)[1] if opt.startswith("-I ") else opt.partition("=")[2])
    return [(w, d or any(m and m in w for m in marks)) for w, d in words]


_WORDISH = frozenset({"word", "number", "raw_string", '"', "ansi_c_string", "variable_name", "$"})
_GAP_OK = re.compile(rb"^(?:\s|\\\n|-)*$")


def _skipped_text(root: tree_sitter.Node, source: bytes) -> bool:
    """True when some source text is covered by no leaf, or a word was split.

    tree-sitter-bash occasionally drops a token (a lone ``-`` before a heredoc;
    tolerated, it only means stdin) and splits a word at a line continuation
    (``c\\<newline>d`` is ``cd`` to bash but two words in the tree).
    """
    cursor = root.walk()
    last = 0
    prev = ""
    while True:
        node = cursor.node
        if node is not None and node.child_count == 0:
            start = node.start_byte
            if start > last:
                gap = source[last:start]
                if not _GAP_OK.match(gap) or (gap == b"\\\n" and prev in _WORDISH and node.type in _WORDISH):
                    return True
            last = max(last, node.end_byte)
            prev = node.type
        if cursor.goto_first_child() or cursor.goto_next_sibling():
            continue
        while True:
            if not cursor.goto_parent():
                return last < len(source) and not _GAP_OK.match(source[last:])
            if cursor.goto_next_sibling():
                break


@lru_cache(maxsize=CACHE_SIZE)
def _cached(command: str) -> ShellAnalysis:
    return parse_uncached(command)


def analyze(command: str) -> ShellAnalysis:
    """Every simple command ``command`` would run, and what could not be resolved.

    Cached by command string (commands up to ``CACHE_MAX_CHARS``, so the cache
    stays bounded in memory).
    """
    if isinstance(command, str) and len(command) <= CACHE_MAX_CHARS:
        return _cached(command)
    return parse_uncached(command)


def parse_uncached(command: str) -> ShellAnalysis:
    if not isinstance(command, str):
        return ShellAnalysis(str(command), (), ("command is not a string",))
    walker = _Walker()
    try:
        walker.parse(command)
    except RecursionError:
        walker.flag("command nested too deeply to analyse")
    return ShellAnalysis(command, tuple(walker.commands), tuple(walker.unknown))
