"""Code a command line hands to a shell or to git as *text*, found and parsed.

Besides ``bash -c`` and ``eval`` (``_shell_runs``), bash runs strings through
builtins (``mapfile -C``, ``trap``, ``complete -C``/``compgen -C``/``-W``,
``fc``, ``bind -x``, ``source`` of a process substitution), through variables
(``PROMPT_COMMAND``, ``PS0``–``PS4``, ``BASH_ENV``/``ENV``, ``SHELLOPTS``,
exported ``BASH_FUNC_*``), through options that turn a word into a ``cd``
(``shopt -s autocd``/``cdable_vars``, ``CDPATH``), and git runs commands named
in its configuration and environment (``-c core.fsmonitor=…``,
``GIT_SSH_COMMAND``…).  Each is parsed when its text is static (so a
``cd``/``git push`` inside is judged like any other) and reported in
``unknown`` otherwise — and always when the text cannot be fully seen (a
sourced file, a history re-run).  A mixin of the walker: ``flag``, ``script``
and ``psubs`` come from it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from goalrail.policies.builtins._git_config import ENV_COMMANDS, command_text, config_risk
from goalrail.policies.builtins._shell_embedded import pager_command, reads_data_as_code
from goalrail.policies.builtins._shell_fds import descriptor_path
from goalrail.policies.builtins._shell_types import Redirect, Word, Wrapper
from goalrail.policies.builtins._wrappers import names

#: variables whose value the shell runs as commands (or expands with command substitution)
SCRIPT_VARS = names("PROMPT_COMMAND PS0 PS1 PS2 PS3 PS4") | ENV_COMMANDS
#: variables holding a pager's options, which may hold ``+cmd`` start-up keys
_PAGER_VARS = names("LESS MORE")
#: variables naming a file a shell sources at start-up
FILE_VARS = names("BASH_ENV ENV")
#: variables that switch shell options on in every child shell, or redirect relative cds
OPTION_VARS = names("SHELLOPTS BASHOPTS CDPATH")
#: shopt options that make ordinary words run or change directory
DANGEROUS_SHOPTS = names("autocd cdable_vars expand_aliases extdebug")
#: zsh's options that do (any case, underscores, a `no` prefix: `setopt AUTO_CD`, `unsetopt noautocd`)
_ZSH_CD_OPTIONS = names("autocd cdablevars")


def changes_cd(option: str) -> bool:
    """Whether a zsh option name (``AUTO_CD``, ``--autocd``, ``no_auto_cd``) is one that makes a
    directory name typed as a command, or a variable's name, a ``cd``."""
    name = option.lower().replace("_", "").lstrip("-+")
    return name in _ZSH_CD_OPTIONS or (name.startswith("no") and name[2:] in _ZSH_CD_OPTIONS)


#: make and its kin: ``--eval`` text and a makefile read from stdin are recipes (shell lines)
_MAKES = names("make gmake bmake remake")
_MAKE_EVAL = re.compile(r"^-[a-zA-Z]*E")
_MAKE_FILE = re.compile(r"^-[a-zA-Z]*f$")
#: files that are the current stdin of the shell reading them
STDIN_FILES = names("/dev/stdin /dev/fd/0 /proc/self/fd/0")
#: ``a[$(cmd)]`` in text: arithmetic evaluation (``(( x ))``, ``[[ x -eq 1 ]]``, ``let``) runs it
_ARITH_SUBST = re.compile(r"\[[^\]]*(?:\$\(|`)")
#: builtins that assign the variable a word names: ``NAME[SUBSCRIPT]`` there is arithmetic
_SUBSCRIPT_TARGETS = frozenset({"printf", "read", "declare", "typeset", "local", "export", "readonly"})
#: files git runs or reads commands from: writing them is writing code for a later git call
GIT_CODE_FILE = re.compile(r"(?:^|/)\.git/(?:hooks(?:/|$)|config$)")
_WRITERS = names("cp mv ln install tee sed perl rsync dd chmod truncate touch patch")
_WRITE_OPS = frozenset({">", ">>", "&>", "&>>", ">|"})
#: programs that write the files a patch names (Codex's ``apply_patch``, ``patch``, ``git apply``)
_PATCHERS = names("apply_patch applypatch patch")
#: the file a patch line names: ``*** Add File: p`` (Codex), ``+++ b/p``, ``diff --git a/p b/p``
_PATCH_TARGET = re.compile(
    r"^(?:\*\*\* (?:Add|Update|Delete) File:|\*\*\* Move to:|\+\+\+|---|diff --git|rename to|copy to)\s+(.+)$", re.M
)


def patch_targets(text: str) -> list[str]:
    """The paths a patch text names (each word of a ``diff --git a/x b/y`` line)."""
    return [p for m in _PATCH_TARGET.finditer(text) for p in m.group(1).split()]


def is_code_var(name: str) -> bool:
    return name in SCRIPT_VARS or name in FILE_VARS or name in OPTION_VARS or name.startswith("BASH_FUNC_")


def _short_opts(words: list[Word], with_value: str) -> tuple[dict[str, list[Word]], int]:
    """getopt-style options of a builtin: ``{letter: [values]}`` and the index of the first operand."""
    opts: dict[str, list[Word]] = {}
    i, n = 1, len(words)
    while i < n:
        w, d = words[i]
        if w == "--":
            return opts, i + 1
        if d or not w.startswith("-") or len(w) < 2:
            break
        j = 1
        while j < len(w):
            ch = w[j]
            if ch in with_value:
                if j + 1 < len(w):
                    opts.setdefault(ch, []).append((w[j + 1 :], d))
                elif i + 1 < n:
                    i += 1
                    opts.setdefault(ch, []).append(words[i])
                break
            opts.setdefault(ch, []).append(("", False))
            j += 1
        i += 1
    return opts, i


class Evals:
    __slots__ = ()
    psubs: dict[str, str]

    def flag(self, reason: str) -> None:
        raise NotImplementedError

    def script(self, text: str, via: str, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None:
        raise NotImplementedError

    def code(self, text: str, dynamic: bool, via: str) -> None:
        """Parse ``text`` as a script when static; report it otherwise."""
        if dynamic:
            echoed = self.psubs.get(text)
            if echoed is None:
                self.flag(f"{via} runs code known only at run time")
                return
            text = echoed
        if text.strip():
            self.script(text, via)

    def assigned(self, name: str, value: str, dynamic: bool) -> None:
        """``NAME=value`` anywhere (prefix, statement, ``export``, ``env``)."""
        if _ARITH_SUBST.search(value) and not (dynamic and value.startswith(("`", "$("))):
            # (a value that is one command substitution holds its output, not this text)
            self.flag(f"`{name}` holds a command substitution that arithmetic would run")
            if not dynamic:
                self.script(value, "arithmetic")
        if name in SCRIPT_VARS:
            if name in ENV_COMMANDS and not dynamic and reads_data_as_code(value):  # `PAGER=sh`
                self.flag(f"`{name}` names a shell or interpreter, which runs the text it is handed")
            self.code(value, dynamic, f"`{name}`")
        elif name in _PAGER_VARS and "+" in value:  # LESS='+!cmd': start-up keys of every less
            pager_command(self, name.lower(), value[value.index("+") :], dynamic)
        elif name in FILE_VARS:
            echoed = self.psubs.get(value) if dynamic else None
            if echoed is not None:
                self.script(echoed, f"`{name}`")
            self.flag(f"`{name}` makes a shell source a file")
        elif name in OPTION_VARS:
            self.flag(f"`{name}` changes how the shell runs commands")
        elif name.startswith("BASH_FUNC_"):
            self.flag("exported shell function (`BASH_FUNC_…`)")
            if not dynamic and value.lstrip().startswith("()"):
                self.script(f"_exported{value}", "exported function")  # its body, as a definition

    def arithmetic_word(self, text: str | None) -> None:
        """A quoted word bash evaluates as arithmetic (``_shell_words.quoted_arithmetic``)."""
        if text is not None:
            self.flag("a quoted array subscript in arithmetic runs its command substitution")
            self.script(text, "arithmetic")

    def named_targets(self, base: str, words: list[Word]) -> None:
        """``read``/``printf -v``/``declare -n``… writing a variable that runs code."""
        if base == "printf":
            opts, _ = _short_opts(words, "v")
            targets = opts.get("v", [])
        elif base in ("read", "getopts", "let"):
            targets = [(w, d) for w, d in words[1:] if not d]  # their other words are data
        else:
            targets = [(w, d) for w, d in words[1:] if d or not w.startswith(("-", "+"))]
        # (`read -p 'name [$(whoami)]: '`: a prompt, not a variable)
        named = words[_short_opts(words, "adinNptu")[1] :] if base == "read" else targets
        for w, d in targets:
            name = w.split("[", 1)[0].split("=", 1)[0]
            if d:
                self.flag(f"`{base}` sets a variable named only at run time")
                return
            if base in _SUBSCRIPT_TARGETS and _ARITH_SUBST.search(w) and (w, d) in named:
                # `printf -v 'a[$(cmd)]' x`, `read 'a[$(cmd)]'`, `declare 'a[$(cmd)]=1'`: the
                # subscript is evaluated when the element is assigned, its substitution run
                self.flag(f"`{base}` assigns an array element whose subscript runs a command substitution")
                self.script(w, "arithmetic")
            if is_code_var(name):
                self.flag(f"`{base}` sets `{name}`")

    def makefile_text(self, base: str, words: list[Word]) -> None:
        """``make --eval=TEXT``/``-E TEXT``, or a makefile read from stdin: recipes written on the
        command line run shell lines (a makefile in a file is an ordinary program run)."""
        for i, (w, d) in enumerate(words[1:], 1):
            nxt = words[i + 1] if i + 1 < len(words) else ("", False)
            if w == "--":
                return
            if w.startswith("--eval") or _MAKE_EVAL.match(w):
                self.flag(f"`{base} --eval` runs recipes written on the command line")
                return
            file = (w.partition("=")[2], d) if w.startswith(("--file=", "--makefile=")) else None
            if w in ("--file", "--makefile") or _MAKE_FILE.match(w):
                file = nxt
            elif w.startswith("-f") and len(w) > 2:
                file = (w[2:], d)
            if file is not None and (file[1] or file[0] in ("-", *STDIN_FILES) or descriptor_path(file[0])):
                self.flag(f"`{base}` reads a makefile from stdin or one known only at run time")
                return

    def builtin_strings(self, base: str, words: list[Word], reds: tuple[Redirect, ...]) -> None:
        """Builtins that evaluate one of their arguments as shell code."""
        if base in ("mapfile", "readarray"):
            opts, _ = _short_opts(words, "CcdnOsu")
            for text, d in opts.get("C", []):
                self.code(text, d, f"`{base} -C`")
                self.flag(f"`{base} -C` runs a callback with arguments known only at run time")
        elif base == "trap":
            opts, i = _short_opts(words, "")
            if "p" in opts or "l" in opts:
                return
            if len(words) - i < 2:  # `trap $X`: the handler and its signals may be one word
                if any(d for _, d in words[i:]):
                    self.flag("`trap` argument known only at run time")
                return
            text, d = words[i]
            if text != "-":
                self.code(text, d, "`trap`")
        elif base in ("complete", "compgen"):
            opts, _ = _short_opts(words, "ACGWFXPSIo")
            for text, d in opts.get("C", []):
                self.code(text, d, f"`{base} -C`")
            for text, d in opts.get("W", []):
                if d or "$" in text or "`" in text:
                    self.code(f": {text}", d, f"`{base} -W`")
        elif base == "fc":
            opts, _ = _short_opts(words, "e")
            if "l" not in opts:
                self.flag("`fc` re-runs commands from the history")
        elif base == "bind" and any(w.startswith("-") and "x" in w for w, _ in words[1:]):
            self.flag("`bind -x` binds a key to a command")
        elif base == "shopt":
            self.shopt(words)
        elif base in ("setopt", "unsetopt", "set") and any(not d and changes_cd(w) for w, d in words[1:]):
            self.flag(f"`{base}` turns on a zsh option that makes a plain word change directory")
        elif base in ("source", "."):
            self.source(words, reds)
        elif base in ("read", "printf", "getopts", "declare", "typeset", "local", "export", "readonly", "let"):
            self.named_targets(base, words)
        elif base in _MAKES:
            self.makefile_text(base, words)
        for w, d in words[1:]:
            if not d and _ARITH_SUBST.search(w) and base in ("let", "declare", "typeset", "local", "test", "["):
                self.flag(f"`{base}` evaluates a command substitution in arithmetic")
                self.script(w, "arithmetic")

    def git_code_writes(self, base: str, words: list[Word], reds: tuple[Redirect, ...]) -> None:
        """Writing ``.git/hooks/*`` or ``.git/config``: code a later git command runs."""
        hit = any(r.op in _WRITE_OPS and GIT_CODE_FILE.search(r.target) for r in reds)
        if not hit and base in _WRITERS:
            hit = any(GIT_CODE_FILE.search(w) for w, _ in words[1:])
        if not hit and (base in _PATCHERS or (base == "git" and "apply" in (w for w, _ in words[1:]))):
            texts = [w for w, _ in words[1:]] + [r.target for r in reds if r.op in ("<<", "<<-", "<<<")]
            hit = any(GIT_CODE_FILE.search(p) for t in texts for p in patch_targets(t))
        if hit:
            self.flag("writes `.git/hooks` or `.git/config` (git runs what they name)")

    def shopt(self, words: list[Word]) -> None:
        opts, i = _short_opts(words, "")
        if "u" in opts or "p" in opts or "q" in opts:
            return
        for w, d in words[i:]:
            if d:
                self.flag("`shopt` option known only at run time")
            elif w in DANGEROUS_SHOPTS:
                self.flag(f"`shopt -s {w}` changes what a plain word does")

    def shell_options(self, letter: str, value: Word) -> None:
        """``bash -O autocd`` / ``-o`` value."""
        name, d = value
        if d or (letter == "O" and name in DANGEROUS_SHOPTS) or changes_cd(name):
            self.flag(f"shell started with `-{letter} {name[:30]}`")

    def source(self, words: list[Word], reds: tuple[Redirect, ...]) -> None:
        self.flag(f"`{words[0][0]}` runs a script that cannot be inspected")
        if len(words) < 2:
            return
        path, d = words[1]
        if d and path in self.psubs:
            self.script(self.psubs[path], "source")
        elif not d and (path in STDIN_FILES or descriptor_path(path)):
            for r in reds:
                if r.op in ("<<", "<<<", "<<-"):
                    self.script(r.target, "source")

    def unit_properties(self, base: str, wrapper: Wrapper) -> Wrapper:
        """``systemd-run -p WorkingDirectory=/etc``: the unit's directory (a directory switch) and
        the commands its ``Exec…=`` properties run."""
        for opt in wrapper.args:
            if opt.startswith("--property="):
                prop = opt[11:]
            elif opt.startswith(("-p ", "--property ")):
                prop = opt.partition(" ")[2]
            else:
                continue
            key, _, value = prop.partition("=")
            if key in ("WorkingDirectory", "RootDirectory"):
                wrapper = replace(wrapper, chdir=value.lstrip("-!+~") or "~")
            elif key.startswith("Exec"):
                self.code(value.lstrip("-@:+!"), False, f"`{base} -p {key[:30]}`")
        return wrapper

    def git_configs(self, configs: list[tuple[str, str, bool]]) -> None:
        """Commands named by ``-c key=value`` (and ``GIT_CONFIG_KEY_n``) of one git call."""
        for key, value, d in configs:
            if config_risk(key, value) == "command":
                if not d and reads_data_as_code(command_text(key, value)):  # `core.pager=sh`
                    self.flag(f"`git -c {key[:40]}` names a shell or interpreter, which runs the text it is handed")
                self.code(command_text(key, value), d, f"`git -c {key[:40]}`")


def env_configs(assignments: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    """``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` pairs among ``NAME=value`` assignments."""
    keys: dict[str, str] = {}
    values: dict[str, str] = {}
    for a in assignments:
        name, _, value = a.partition("=")
        value = value.strip("'\"")
        if name == "GIT_CONFIG_PARAMETERS":  # what `git -c` passes to child gits: `'key=value' …`
            try:  # the assignment's own quoting, then git's
                items = shlex.split(" ".join(shlex.split(a.partition("=")[2])))
            except ValueError:
                items = [a.partition("=")[2]]
            for n, item in enumerate(items):
                keys[f"p{n}"], _, values[f"p{n}"] = item.partition("=")
        elif name.startswith("GIT_CONFIG_KEY_"):
            keys[name[15:]] = value
        elif name.startswith("GIT_CONFIG_VALUE_"):
            values[name[17:]] = value
    return [(k, values.get(n, ""), False) for n, k in keys.items()]
