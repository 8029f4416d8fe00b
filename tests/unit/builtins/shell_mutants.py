"""Semantics-preserving rewrites of a shell command line, for the mutation test of the corpora.

Each ``Mutation`` turns a command line into another one bash runs the same way (or runs
through a wrapper, a nested shell, a variable…).  ``name_*`` rewrites touch the program
word (and ``sub_*`` the subcommand word) of a command line that starts with a plain word;
``whole_*`` rewrites carry the whole line (a subshell, ``bash -c``, a heredoc into ``sh``…);
``simple_*`` rewrites need a single simple command (no operators, substitutions or
redirections).  ``wrapper_prefixes()`` lists every wrapper and launcher of the analysis'
tables with each of its options, so each option is exercised somewhere in the corpus.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from goalrail.policies.builtins._launchers import LAUNCHERS, RUNNERS, runs_joined
from goalrail.policies.builtins._wrappers import WRAPPERS, WrapperSpec

Rewrite = Callable[[str], "str | None"]

_KEYWORDS = frozenset(
    [
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "in",
        "function",
        "select",
        "time",
        "coproc",
        "declare",
        "local",
        "readonly",
        "export",
        "typeset",
        "alias",
        "unalias",
        "eval",
        "source",
        "exec",
    ]
)
_HEAD = re.compile(r"^([A-Za-z_][A-Za-z0-9_.+-]*)(?=[ \t]|$)")
_HEAD_SUB = re.compile(r"^([A-Za-z_][A-Za-z0-9_.+-]*)([ \t]+)([a-z][a-z0-9-]*)(?=[ \t]|$)")
_NOT_SIMPLE = re.compile(r"[;&|()<>\n`{}#]|\$\(|\$\{|\\")


@dataclass(frozen=True)
class Mutation:
    name: str
    rewrite: Rewrite
    harmless: bool = True  # False: the rewrite itself changes directory or is unresolvable by design


def _head(cmd: str) -> str | None:
    m = _HEAD.match(cmd)
    if m is None or m.group(1) in _KEYWORDS or "=" in m.group(1):
        return None
    return m.group(1)


def _on_head(change: Callable[[str], str]) -> Rewrite:
    def rewrite(cmd: str) -> str | None:
        head = _head(cmd)
        return None if head is None else change(head) + cmd[len(head) :]

    return rewrite


def _on_sub(change: Callable[[str], str]) -> Rewrite:
    def rewrite(cmd: str) -> str | None:
        m = _HEAD_SUB.match(cmd)
        if m is None or _head(cmd) is None:
            return None
        return m.group(1) + m.group(2) + change(m.group(3)) + cmd[m.end() :]

    return rewrite


def _with_head(build: Callable[[str, str], str]) -> Rewrite:
    """``build(head, rest)``: the rest of the line after the program word."""

    def rewrite(cmd: str) -> str | None:
        head = _head(cmd)
        return None if head is None else build(head, cmd[len(head) :])

    return rewrite


def _simple(build: Callable[[str], str]) -> Rewrite:
    def rewrite(cmd: str) -> str | None:
        if _head(cmd) is None or _NOT_SIMPLE.search(cmd):
            return None
        try:
            shlex.split(cmd)
        except ValueError:
            return None
        return build(cmd)

    return rewrite


def _words(cmd: str) -> list[str]:
    return shlex.split(cmd)


def _split_head(cmd: str, form: str) -> str:
    head, _, rest = cmd.partition(" ")
    return form.format(h=head, r=rest.strip()) if rest.strip() else cmd


def _positionals(cmd: str) -> str | None:
    """``f() { head "$1" "$2" …; }; f args`` (one quoted positional per argument)."""
    words = _words(cmd)
    if len(words) < 2 or "$" in cmd or "`" in cmd:
        return None
    refs = " ".join(f'"${{{i}}}"' for i in range(1, len(words)))
    return f"f() {{ {q(words[0])} {refs}; }}; f {cmd.partition(' ')[2]}"


def _brace(cmd: str) -> str | None:
    words = _words(cmd)
    if len(words) < 2 or any(set(w) & set(",{} '\"$*?[]~=") or not w for w in words):
        return None
    return "{" + ",".join(words) + "}"


def _ifs(cmd: str) -> str | None:
    words = _words(cmd)
    if any(set(w) & set(" '\"$*?[]~") or not w for w in words):
        return None
    return "${IFS}".join(words) if len(words) > 1 else None


def dq(text: str) -> str:
    """``text`` inside double quotes."""
    return '"' + re.sub(r'(["$`\\])', r"\\\1", text) + '"'


def ansi(text: str) -> str:
    """``text`` as an ANSI-C string with every quote and backslash escaped."""
    return "$'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def _delim(cmd: str) -> str:
    return "MUTANT_EOF" if "MUTANT_EOF" not in cmd else "MUTANT_EOF2"


def _heredoc(prefix: str) -> Rewrite:
    def rewrite(cmd: str) -> str | None:
        d = _delim(cmd)
        return f"{prefix} <<'{d}'\n{cmd}\n{d}"

    return rewrite


def _cat_heredoc(cmd: str) -> str:
    d = _delim(cmd)
    return f"cat <<'{d}' | sh\n{cmd}\n{d}"


def _no_backtick(build: Callable[[str], str]) -> Rewrite:
    return lambda cmd: None if "`" in cmd else build(cmd)


def _no_heredoc(build: Callable[[str], str]) -> Rewrite:
    return lambda cmd: None if "<<" in cmd else build(cmd)


q = shlex.quote

MUTATIONS: tuple[Mutation, ...] = (
    # the program word
    Mutation("name_empty_quotes", _on_head(lambda h: h[0] + "''" + h[1:])),
    Mutation("name_double_quotes", _on_head(lambda h: '"' + h + '"')),
    Mutation("name_split_quotes", _on_head(lambda h: h[0] + '"' + h[1:] + '"')),
    Mutation("name_backslash", _on_head(lambda h: "\\" + h)),
    Mutation("name_inner_backslash", _on_head(lambda h: h[0] + "\\" + h[1:])),
    Mutation("name_ansi_hex", _on_head(lambda h: f"$'\\x{ord(h[0]):02x}'" + h[1:])),
    Mutation("name_ansi_octal", _on_head(lambda h: f"$'\\{ord(h[0]):03o}{h[1:]}'")),
    Mutation("name_ansi_plain", _on_head(lambda h: f"$'{h}'")),
    Mutation("name_locale", _on_head(lambda h: f'$"{h}"')),
    Mutation("name_abs_path", _on_head(lambda h: "/usr/bin/" + h)),
    Mutation("name_rel_path", _on_head(lambda h: "./../../usr/bin/" + h)),
    Mutation("name_dotted_path", _on_head(lambda h: "/usr/./bin//" + h)),
    Mutation("name_continuation", _on_head(lambda h: h[0] + "\\\n" + h[1:])),
    Mutation("after_name_continuation", _with_head(lambda h, r: h + " \\\n" + r if r.strip() else None)),
    # the subcommand word
    Mutation("sub_empty_quotes", _on_sub(lambda s: s[0] + "''" + s[1:])),
    Mutation("sub_double_quotes", _on_sub(lambda s: '"' + s + '"')),
    Mutation("sub_backslash", _on_sub(lambda s: "\\" + s)),
    Mutation("sub_ansi_hex", _on_sub(lambda s: f"$'\\x{ord(s[0]):02x}'" + s[1:])),
    Mutation("sub_ansi_plain", _on_sub(lambda s: f"$'{s}'")),
    Mutation("sub_continuation", _on_sub(lambda s: s[0] + "\\\n" + s[1:])),
    # the program word from a variable, a function, an alias, a substitution
    Mutation("var_name", _with_head(lambda h, r: f"X={h}; $X{r}")),
    Mutation("var_braced", _with_head(lambda h, r: f"X={h}; ${{X}}{r}")),
    Mutation("var_quoted", _with_head(lambda h, r: f'X={h}; "$X"{r}')),
    Mutation("var_declare", _with_head(lambda h, r: f"declare X={h}; $X{r}"), harmless=False),
    Mutation("var_readonly", _with_head(lambda h, r: f"readonly X={h}; $X{r}")),
    Mutation("var_export", _with_head(lambda h, r: f"export X={h}; $X{r}")),
    Mutation("var_local", _with_head(lambda h, r: f"f() {{ local X={h}; $X{r}\n}}; f"), harmless=False),
    Mutation("var_prefix_same_line", _with_head(lambda h, r: f"X={h} eval '$X'{r}"), harmless=False),
    Mutation("var_array", _simple(lambda c: f'a=({c}); "${{a[@]}}"'), harmless=False),
    Mutation("var_array_index", _simple(lambda c: f"a=({c}); ${{a[*]}}"), harmless=False),
    Mutation("var_whole_line", _simple(lambda c: f"X={q(c)}; $X"), harmless=False),
    Mutation("args_array", _simple(lambda c: _split_head(c, 'a=({r}); {h} "${{a[@]}}"')), harmless=False),
    Mutation("args_set", _simple(lambda c: _split_head(c, 'set -- {r}; {h} "$@"')), harmless=False),
    Mutation("args_function_call", _with_head(lambda h, r: f'f() {{ {h} "$@"; }}; f $X{r}'), harmless=False),
    Mutation(
        "function_wrapper", _with_head(lambda h, r: None if "$" in r or "`" in r else f'f() {{ {h} "$@"; }}; f{r}')
    ),
    Mutation("function_wrapper_dynamic", _with_head(lambda h, r: f'f() {{ {h} "$@"; }}; f{r}'), harmless=False),
    Mutation("function_positionals", _simple(_positionals)),
    Mutation("function_body", lambda c: f"f() {{\n{c}\n}}; f"),
    Mutation("alias_name", _with_head(lambda h, r: f"shopt -s expand_aliases; alias x={h}; x{r}"), harmless=False),
    Mutation("subst_name", _with_head(lambda h, r: f"$(echo {h}){r}"), harmless=False),
    Mutation("backtick_name", _with_head(lambda h, r: f"`echo {h}`{r}"), harmless=False),
    Mutation("printf_name", _with_head(lambda h, r: f"$(printf %s {h}){r}"), harmless=False),
    Mutation("ifs_words", _simple(lambda c: _ifs(c) or c), harmless=False),
    Mutation("brace_words", _simple(lambda c: _brace(c) or c), harmless=False),
    # comments
    Mutation("comment_before", lambda c: f"# note\n{c}"),
    Mutation("comment_after", _no_heredoc(lambda c: f"{c} # note")),
    # the whole line carried by another construct
    Mutation("whole_subshell", lambda c: f"(\n{c}\n)"),
    Mutation("whole_group", lambda c: f"{{\n{c}\n}}"),
    Mutation("whole_subst", lambda c: f'echo "$(\n{c}\n)"'),
    Mutation("whole_backtick", _no_backtick(lambda c: f"x=`{c}`")),
    Mutation("whole_pipe_in", lambda c: f"true | {{\n{c}\n}}"),
    Mutation("whole_pipe_out", lambda c: f"{{\n{c}\n}} | cat"),
    Mutation("whole_and", lambda c: f"true && {{\n{c}\n}}"),
    Mutation("whole_bash_c", lambda c: f"bash -c {q(c)}"),
    Mutation("whole_sh_c_dq", lambda c: f"sh -c {dq(c)}"),
    Mutation("whole_bash_c_ansi", lambda c: f"bash -c {ansi(c)}"),
    Mutation("whole_bash_lc", lambda c: f"bash -lc {q(c)}"),
    Mutation("whole_bash_e_c", lambda c: f"bash -e -o pipefail -c {q(c)}"),
    Mutation("whole_nested_c", lambda c: f"bash -c {q('sh -c ' + q(c))}"),
    Mutation("whole_eval", lambda c: f"eval {q(c)}", harmless=False),
    Mutation("whole_herestring", lambda c: f"bash <<< {q(c)}"),
    Mutation("whole_heredoc", _heredoc("sh")),
    Mutation("whole_heredoc_s", _heredoc("bash -s")),
    Mutation("whole_cat_heredoc", _cat_heredoc),
    Mutation("whole_echo_pipe", lambda c: f"echo {q(c)} | bash"),
    Mutation("whole_source_psub", lambda c: f"source <(echo {q(c)})", harmless=False),
    Mutation("whole_find_exec", lambda c: f"find . -maxdepth 0 -exec sh -c {q(c)} \\;"),
    Mutation("whole_xargs", lambda c: f"echo | xargs sh -c {q(c)}"),
    Mutation("whole_parallel", lambda c: f"parallel ::: {q(c)}", harmless=False),
    Mutation("whole_watch", lambda c: f"watch -n 1 {q(c)}"),
    Mutation("whole_exec", lambda c: f"exec sh -c {q(c)}"),
    Mutation("whole_two_wrappers", lambda c: f"sudo -E timeout 5 bash -c {q(c)}"),
    Mutation("whole_env_wrappers", lambda c: f"env -i PATH=/usr/bin nice -n 5 sh -c {q(c)}"),
    # a single simple command behind wrappers and runners
    Mutation("simple_xargs", _simple(lambda c: f"echo | xargs {c}")),
    Mutation("simple_find_exec", _simple(lambda c: f"find . -maxdepth 0 -exec {c} \\;")),
    Mutation("simple_watch", _simple(lambda c: f"watch -n 1 -x {c}")),
    Mutation("simple_nested_wrappers", _simple(lambda c: f"sudo -u root env A=1 nohup nice -n 5 {c}")),
    Mutation("simple_command_builtin", _simple(lambda c: f"command {c}")),
    Mutation("simple_exec", _simple(lambda c: f"exec {c}")),
)


def _value(opt: str) -> str:
    return "root" if opt in ("-u", "--user", "--userspec") else "1"


def _spec_prefixes(name: str, spec: WrapperSpec) -> list[tuple[str, bool]]:
    """``name [option] [positionals]`` for each option of ``spec``; the flag says it switches directory."""
    pos = " ".join(["1"] * spec.positionals)
    lead = " ".join(["x86_64"] * spec.lead)
    out: list[tuple[str, bool]] = []

    def add(opts: str, chdir: bool = False) -> None:
        parts = [p for p in (name, lead, opts, pos) if p]
        out.append((" ".join(parts), chdir or spec.chdir_positional))

    add("")
    for opt in sorted(spec.short_flag | spec.long_flag):
        if opt not in spec.stop and opt not in spec.chdir:
            add(opt)
    for opt in sorted(spec.short_val | spec.long_val):
        if opt in spec.stop or opt in spec.split or opt in spec.shell_string:
            continue
        sep = " " if opt.startswith("-") and not opt.startswith("--") else "="
        add(f"{opt}{sep}{'/' if opt in spec.chdir else _value(opt)}", opt in spec.chdir)
    return out


def wrapper_prefixes() -> list[tuple[str, bool]]:
    """Every wrapper, launcher and runner with each of its options (and whether it switches directory)."""
    out: list[tuple[str, bool]] = []
    for name, spec in sorted({**WRAPPERS, **LAUNCHERS}.items()):
        if name in ("su", "runuser", "flock", "coproc", "watch", "xargs", "setarch", "busybox"):
            continue  # run their command through a shell string or take other forms: covered above
        # (`entr -s`, `watchexec`, `sem`, `pueue add` too, their words joined: tests/unit/test_command_carriers.py)
        out.extend(p for p in _spec_prefixes(name, spec) if not runs_joined(name, tuple(p[0].split()[1:])))
    for (prog, sub), spec in sorted(RUNNERS.items()):
        runner = f"{prog} {sub}"
        out.extend(p for p in _spec_prefixes(runner, spec) if not runs_joined(runner, tuple(p[0].split()[2:])))
    return out


def simple_prefix(prefix: str, cmd: str) -> str | None:
    """``prefix cmd`` when ``cmd`` is a single simple command (a wrapper takes one command)."""
    return _simple(lambda c: f"{prefix} {c}")(cmd)
