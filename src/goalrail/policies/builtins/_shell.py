"""Shell commands parsed with tree-sitter-bash into simple commands.

``analyze(command)`` returns every simple command the string would run — inside chains, pipelines,
subshells, groups, loops, ``if``/``case``, function bodies, ``[[ ]]``, arithmetic and command/process
substitutions — with its wrappers (``sudo``, ``env``, ``timeout``, ``xargs``…) peeled off and nested shell
strings (``bash -c``, heredocs and herestrings fed to a shell, ``find -exec``, ``eval``, ``trap``) parsed
in turn, and in ``bare`` the redirects of commands that run nothing (``> f``, ``exec 3< f``).  Whatever
cannot be resolved statically (``eval``, ``source``, a command name from an expansion, a parse error, an
option a wrapper does not understand…) is reported in ``unknown`` so policies answer ASK or DENY, never ALLOW.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tree_sitter

from goalrail.policies.builtins._shell_files import written_then_run
from goalrail.policies.builtins._shell_functions import Functions, called_with_arguments, definitions, fork_bomb, merged
from goalrail.policies.builtins._shell_parse import TOO_COMPLEX, Budget, parse
from goalrail.policies.builtins._shell_runs import Runs
from goalrail.policies.builtins._shell_stages import PROMPT_EXPANSION, echoed_by, heredoc_of, heredoc_text, stage_text
from goalrail.policies.builtins._shell_types import Redirect, ShellAnalysis, SimpleCommand, Word, Wrapper
from goalrail.policies.builtins._shell_values import Values, expand, scan
from goalrail.policies.builtins._shell_words import (
    ASCII_ONLY,
    QUOTED_SUBSCRIPT,
    dropped_words,
    fd_number,
    has_ansi_escape,
    quoted_arithmetic,
    skipped_text,
    word_of,
)
from goalrail.policies.builtins._wrappers import names

__all__ = ["Redirect", "ShellAnalysis", "SimpleCommand", "Word", "Wrapper", "analyze", "parse_uncached"]

MAX_DEPTH = 6
_Reds = tuple[Redirect, ...]
_STATE_NAMES = "bare budget commands deferred depth functions held inlined psubs src unknown values via"
_STATE = tuple(_STATE_NAMES.split())
#: a function definition needs `name()` followed by a compound command, or the `function` keyword
_MAY_DEFINE = re.compile(rb"\(\s*\)\s*(?:[{(\[]|if\b|for\b|while\b|until\b|case\b|select\b)|\bfunction\b")
MAX_LENGTH = 100_000
CACHE_SIZE = 4096
CACHE_MAX_CHARS = 8192
LONG_CACHE_SIZE = 8

#: node types that never contain a command (no need to walk into them)
_FLAT = frozenset({"word", "number", "raw_string", "ansi_c_string", "variable_name", "$", "file_descriptor"})
#: a declaration's words (``declare -n r=x``, ``export "$n"``)
_DECLARED = names("word string raw_string concatenation simple_expansion expansion variable_name")
#: nodes whose commands do not read the enclosing statement's redirects
_FRESH = frozenset(
    {"command_substitution", "process_substitution", "heredoc_redirect", "file_redirect", "herestring_redirect"}
    | {"function_definition"}
)


class _Walker(Runs):
    __slots__ = _STATE

    def __init__(self, via: str = "", depth: int = 0, budget: Budget | None = None) -> None:
        self.budget = budget  # the CPU time the line's parses may take (`_shell_parse`), set by `parse`
        self.commands, self.bare = [], []  # what runs; redirects of commands that run nothing (`> f`)
        self.functions: Functions = {}  # functions defined in this line or an enclosing one
        self.inlined: set[tuple[str, ...]] = set()  # function calls already followed
        self.psubs: dict[str, str] = {}  # `<(echo …)` word text → the text it echoes
        self.held: list[Redirect] = []  # texts an `exec` opened for later commands (`_shell_fds`)
        self.unknown: list[str] = []
        self.via = via
        self.depth = depth
        self.src = b""
        self.values: Values | None = None  # variables assigned a literal value (``_shell_values``)
        self.deferred = 0  # inside function bodies: run later, with values not known here

    def flag(self, reason: str) -> None:
        if reason not in self.unknown:
            self.unknown.append(reason)

    def script(self, text: str, via: str, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None:
        """Parse ``text`` as a nested script; ``redirects``/``stdin`` reach its every command (a function call's).
        It inherits the functions, the calls followed, the descriptors an ``exec`` opened and the
        texts process substitutions echo (``f < <(echo …)`` reaching ``f``'s body)."""
        if self.depth + 1 > MAX_DEPTH:
            self.flag("shell nesting too deep")
            return
        sub = _Walker(via, self.depth + 1, self.budget)
        sub.functions, sub.inlined, sub.held, sub.psubs = self.functions, self.inlined, self.held, self.psubs
        sub.parse(text, redirects, stdin)
        self.commands.extend(sub.commands)
        self.bare.extend(sub.bare)
        for r in sub.unknown:
            self.flag(r)

    def parse(self, text: str, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None:
        if len(text) > MAX_LENGTH:
            self.flag("command too long to analyse")
            return
        source = text.encode("utf-8", "surrogatepass")
        self.src = source
        if self.budget is None:
            self.budget = Budget(len(source))
        # tree-sitter-bash can crash (SIGSEGV) on some non-ASCII input; bash treats every
        # byte >= 0x80 as a word character, so parse an ASCII stand-in of the same length
        # and read word text from the original bytes.
        tree = parse(source.translate(ASCII_ONLY), self.budget)
        if tree is None:
            self.flag(TOO_COMPLEX)
            return
        if tree.root_node.has_error:
            self.flag("shell syntax error")
        elif skipped_text(tree.root_node, source):
            self.flag("text the parser skipped or split")
        if _MAY_DEFINE.search(source):
            if why := fork_bomb(defined := definitions(tree.root_node, source)):
                self.flag(why)
            self.functions = merged(self.functions, defined)
        self.values = scan(tree.root_node, source)
        self.walk(tree.root_node, redirects, stdin)

    def walk(self, node: tree_sitter.Node, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None:
        """Walk ``node``; ``redirects``/``stdin`` are what its commands read from.

        tree-sitter hangs a redirect written after the last command of a list or pipeline (``a && bash
        <<EOF``) on the whole list: it goes to the last command.  A compound statement's redirect (``{ bash;
        } <<EOF``) reaches every command inside it (an over-approximation: only shells consume it)."""
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
        if t == "variable_assignment":
            self.assignment(node)
            return
        if t == "process_substitution":
            inner = [c for c in node.children if c.is_named]
            echoed = echoed_by(self, inner[0]) if len(inner) == 1 else None
            if echoed is not None:
                self.psubs[word_of(node, self.src)[0]] = echoed
            if self.src[node.start_byte : node.start_byte + 1] == b">":  # `>(sh)` reads what is written to it
                for child in inner:
                    self.walk(child, (), "\0pipe")
                return
        elif t == "declaration_command":
            self.declaration(node)
        elif t == "expansion" and self.src.find(b"@P}", node.start_byte, node.end_byte) >= 0:
            self.flag(PROMPT_EXPANSION)  # `${x@P}` runs the `$(…)` its value holds
        elif t in ("raw_string", "string") and QUOTED_SUBSCRIPT.search(self.src, node.start_byte, node.end_byte):
            self.arithmetic_word(quoted_arithmetic(node, self.src))  # `(( 'a[$(cmd)]' ))`
        elif t == "function_definition":
            if called_with_arguments(node, self.src, self.functions):
                return  # analysed at each call, with the call's arguments (`Runs.call_function`)
            self.deferred += 1
            for child in node.children:
                self.walk(child)
            self.deferred -= 1
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

    def pipeline(self, node: tree_sitter.Node, first_stdin: str | None = None, redirects: _Reds = ()) -> None:
        elements = [c for c in node.children if c.type not in ("|", "|&")]
        prev: tree_sitter.Node | None = None
        fed: str | None = first_stdin
        for child in elements:
            texts = [first_stdin] if prev is None else self.stage_texts(prev, fed)
            for stdin in dict.fromkeys(texts):  # one walk per text a stage's variants write
                self.walk(child, redirects if child is elements[-1] else (), stdin)
            prev, fed = child, texts[-1]

    def stage_texts(self, prev: tree_sitter.Node, fed: str | None) -> list[str]:
        """What ``prev`` writes into the next stage: a text for each variant of its words (``_shell_values``)."""
        cmd = prev if prev.type == "command" else next((c for c in prev.children if c.type == "command"), prev)
        if (values := self.values) is None or self.deferred or len(variants := values.variants(cmd.id)) < 2:
            return [stage_text(self, prev, fed)]
        out, saved = [], values.known
        for values.known in variants:
            out.append(stage_text(self, prev, fed))
        values.known = saved
        return out

    def assignment(self, node: tree_sitter.Node) -> None:
        """``NAME=value`` (prefix, statement or declaration): variables that run code are checked."""
        for child in node.children:
            self.walk(child)  # substitutions in the value run first
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is not None and name_node.type == "subscript":  # PROMPT_COMMAND[0]=…
            name_node = name_node.child_by_field_name("name")
        if name_node is None or name_node.type != "variable_name":
            return
        name = self.src[name_node.start_byte : name_node.end_byte].decode("utf-8", "replace")
        if value_node is not None and value_node.type == "array":  # PROMPT_COMMAND=('a' 'b'): each element
            for element in value_node.named_children:
                self.assigned(name, *word_of(element, self.src))
            return
        value, dyn = word_of(value_node, self.src) if value_node is not None else ("", False)
        may = self.values.assigned.get(node.id) if dyn and self.values is not None and not self.deferred else None
        for known in sorted(v for v in may or () if v is not None):
            self.assigned(name, known.replace("\0", ""), "\0" in known)  # each value it may take (`_shell_values`)
        if may is None or None in may:
            self.assigned(name, value, dyn)

    def declaration(self, node: tree_sitter.Node) -> None:
        """``export``/``declare``/``local``…: names known only at run time, namerefs to code variables."""
        keyword = node.children[0].type if node.children else "declare"
        words = [(keyword, False)]
        for child in node.children[1:]:
            if child.type in _DECLARED:
                text = self.src[child.start_byte : child.end_byte].decode("utf-8", "replace")
                words.append((text, False) if child.type == "variable_name" else word_of(child, self.src))
            elif child.type == "variable_assignment":
                value = child.child_by_field_name("value")
                text, dyn = word_of(value, self.src) if value is not None else ("", True)
                if not dyn and "-n" in (w for w, _ in words):  # a nameref: `declare -n r=CDPATH`
                    words.append((text, False))
        self.named_targets(keyword, words)

    def words(self, node: tree_sitter.Node) -> list[Word]:
        """A command's words (an ``echo`` feeding a pipe): with its variables' values when it has one variant."""
        values = self.values if self.values is not None and not self.values.known and not self.deferred else None
        if values is not None and not values.pin(node.id):
            self.flag("the text of a command whose words differ by path")
        out: list[Word] = []
        for i, child in enumerate(node.children):
            if child.type == "command_name":
                for c in child.children:
                    out.extend(self.word(c))
            elif node.field_name_for_child(i) == "argument":
                out.extend(self.word(child))
        if values is not None:
            values.known = {}
        return out

    def word(self, node: tree_sitter.Node) -> list[Word]:
        """The words ``node`` makes: a variable assigned a literal earlier is written in."""
        got = word_of(node, self.src)
        if got[1] and self.values is not None and self.values.known and not self.deferred:
            expanded = expand(node, self.src, self.values.known, True)
            if expanded is not None:
                return expanded
        return [got]

    def redirected(self, node: tree_sitter.Node, stdin: str | None, inherited: tuple[Redirect, ...] = ()) -> None:
        redirects: list[Redirect] = list(inherited)
        extra: list[Word] = []
        body: tree_sitter.Node | None = None
        end = node.start_byte
        for child in node.children:
            t = child.type
            if t == "heredoc_redirect":
                extra.extend(dropped_words(self.src, end, child.start_byte))  # `make -f - <<EOF`'s `-`
                doc = heredoc_of(child, self.src, self.script)
                redirects.append(doc)
                extra.extend(self.after_target(child))
                for c in child.children:  # substitutions in unquoted bodies run too
                    if c.type in ("file_redirect", "herestring_redirect"):  # `cat <<'E' > f`: nested in the heredoc
                        redirects.append(self.redirect(c))
                        extra.extend(self.after_target(c))
                    if c.type == "pipeline" and c.children and c.children[0].type in ("|", "|&"):
                        # `cmd <<EOF | next`: tree-sitter nests the pipe inside the heredoc
                        fed = heredoc_text(self, node, doc)
                        self.pipeline(c, fed if fed is not None else "\0pipe")
                    else:
                        self.walk(c)
            elif t in ("file_redirect", "herestring_redirect"):
                redirects.append(self.redirect(child))
                extra.extend(self.after_target(child))
                for c in child.children:
                    self.walk(c)
            elif body is None and t not in ("heredoc_body",):
                body = child
            end = child.end_byte
        if body is None:  # `> f`, `< f`: the file is opened, nothing runs
            self.bare.extend(redirects)
        elif body.type == "command":
            self.command(body, tuple(redirects), stdin, extra)
        else:
            if extra:
                self.flag("words after a redirect of a compound command")
            self.walk(body, tuple(redirects), stdin)

    def after_target(self, node: tree_sitter.Node) -> list[Word]:
        """``git >/dev/null push …``, ``git <<EOF push …``: tree-sitter makes the words after a
        redirect's target more targets (or arguments of a heredoc); to bash they are the
        command's next arguments."""
        fields = [(node.field_name_for_child(i), c) for i, c in enumerate(node.children)]
        targets = [c for f, c in fields if f == "destination"][1:] + [c for f, c in fields if f == "argument"]
        return [w for c in targets for w in self.word(c)]

    def redirect(self, node: tree_sitter.Node) -> Redirect:
        op = ""
        target: Word = ("", True)
        for c in node.children:
            if c.type in ("file_descriptor",):
                continue
            if not c.is_named:
                op += c.type
            elif target == ("", True):  # the first word; any later ones are the command's (`after_target`)
                target = word_of(c, self.src)
        return Redirect(op or "<<<", target[0], target[1])

    def command(
        self, node: tree_sitter.Node, reds_in: _Reds, stdin: str | None, extra: list[Word] | None = None
    ) -> None:
        """A simple command, once for each combination of values its variables may hold (``_shell_values``)."""
        if self.values is None or self.deferred:
            self.simple(node, reds_in, stdin, extra, True)
            return
        values, saved = self.values, self.values.known  # a command in a substitution: back to the outer one's
        for i, known in enumerate(values.variants(node.id)):
            values.known = known
            self.simple(node, reds_in, stdin, extra, i == 0)
        values.known = saved

    def simple(
        self, node: tree_sitter.Node, reds_in: _Reds, stdin: str | None, extra: list[Word] | None, first: bool
    ) -> None:
        assignments: list[str] = []
        words: list[Word] = []
        reds = list(reds_in)
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
                for c in child.children:
                    words.extend(self.word(c))
            elif t in ("file_redirect", "herestring_redirect"):
                reds.append(self.redirect(child))
                words.extend(self.after_target(child))
            elif node.field_name_for_child(i) == "argument" and not fd_number(child, self.src):
                words.extend(self.word(child))  # (not `bash 0<<< …`'s 0: a number glued to `<` is bash's fd)
            if (
                first
                and t not in _FLAT
                and (t != "command_name" or child.child_count != 1 or child.children[0].type not in _FLAT)
            ):
                self.walk(child)  # nested substitutions
        words.extend(extra or ())
        if not words:
            self.bare.extend(reds)
            return
        if name_node is not None and has_ansi_escape(name_node, self.src):
            self.flag("ANSI-C quoted command name")
        self.resolve(words, tuple(reds), tuple(assignments), (), stdin, self.via, False)


def analyze(command: str) -> ShellAnalysis:
    """Every simple command ``command`` would run, and what could not be resolved.  Cached by command
    string: up to ``CACHE_MAX_CHARS`` in a large cache, longer ones (up to ``MAX_LENGTH``) in a cache of
    ``LONG_CACHE_SIZE``, so one long line is parsed once however many rules read it, the caches bounded."""
    if not isinstance(command, str) or len(command) > MAX_LENGTH:
        return parse_uncached(command)
    return (_cached if len(command) <= CACHE_MAX_CHARS else _cached_long)(command)


def parse_uncached(command: str) -> ShellAnalysis:
    if not isinstance(command, str):
        return ShellAnalysis(str(command), (), ("command is not a string",))
    walker = _Walker()
    ran: tuple[tuple[str, str], ...] = ()
    try:
        walker.parse(command)
        ran = written_then_run(walker, walker.commands)
    except RecursionError:
        walker.flag("command nested too deeply to analyse")
    return ShellAnalysis(command, tuple(walker.commands), tuple(walker.unknown), tuple(walker.bare), ran)


_cached = lru_cache(maxsize=CACHE_SIZE)(parse_uncached)
_cached_long = lru_cache(maxsize=LONG_CACHE_SIZE)(parse_uncached)
