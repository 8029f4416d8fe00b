"""Files a command line writes and then runs: ``echo 'git push …' > x.sh && sh x.sh``.

A script in a file is an ordinary program run: its text is not on the command line.  When the
same line wrote that file first, its text is (or where it came from is), so the run is judged
like that text handed over directly:

* text the line shows (``cat > f <<EOF``, ``echo '…' > f``, ``echo '…' | tee f``), run by a
  shell (``sh f``, ``bash < f``, ``. f``, ``./f``, ``at -f f``) is parsed as that shell's script; run by an
  interpreter (``python3 f``, or ``./f`` with such a ``#!`` line) it is read as its code;
* text the line does not show — a download (``curl -o f``, ``wget``, ``scp host:f``), a program's
  output (``gen > f``), an append to a file not written here, ``printf %s`` — is reported, as ``curl
  … | sh`` is; so is a file a program reads its commands from at start: a makefile before ``make``,
  a ``justfile``, ``package.json`` before ``npm``/``pnpm``/``yarn``/``bun``, a crontab (its commands
  parsed too), a shell's start-up files (``~/.zshenv``, ``~/.bashrc``/``~/.profile``…);
* a copy (``cp``/``mv``/``install``/``ln``/``dd if=``) carries what is known of its source: a
  copy of a file already on disk is that file (an ordinary program run).

Files are matched by their path as written (``./x.sh`` and ``x.sh`` are one file, ``$HOME/`` is
``~/``), taken in each directory a ``cd``/``pushd`` of the line may have moved to (see ``Files``);
``make SHELL=./x`` runs ``./x``; a shell reading a descriptor (``exec 3<f; bash <&3``,
``bash /dev/fd/3``) on a line that writes files is reported.
"""

from __future__ import annotations

import posixpath
import re
from typing import Protocol

from goalrail.policies.builtins._interpreters import program, read_code
from goalrail.policies.builtins._interpreters_windows import script_operand as windows_operand
from goalrail.policies.builtins._privilege_configs import (
    config_code,
    config_files,
    fed_files,
    reads_config,
    reads_stdin,
    shown_stdin,
)
from goalrail.policies.builtins._script_operands import env_preloads, preloads, runner_script, script_operand
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand
from goalrail.policies.builtins._shell_words import shown_text
from goalrail.policies.builtins._task_scripts import more_runs
from goalrail.policies.builtins._terminals import crontab_commands
from goalrail.policies.builtins._wrappers import SHELLS, names

_WRITE_OPS = frozenset({">", ">|", "&>", ">>", "&>>"})
_HEREDOC = frozenset({"<<", "<<-", "<<<"})
#: programs that read their commands from a file they find by name: (files, how)
_NODE_FILES = ("package.json", ".npmrc", ".yarnrc", ".yarnrc.yml", "bunfig.toml")  # scripts, script-shell, yarnPath
_TASK_FILES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(names("make gmake bmake remake"), ("GNUmakefile", "makefile", "Makefile")),
    "just": ("justfile", "Justfile", ".justfile"),
    **dict.fromkeys(names("npm pnpm yarn bun npx"), _NODE_FILES),
    # a build a package installer runs (`setup.py`, a `pyproject.toml` backend), cargo's build script
    **dict.fromkeys(names("pip pip3 uv pipx"), ("setup.py", "pyproject.toml", "setup.cfg")),
    "cargo": ("build.rs", "Cargo.toml", ".cargo/config.toml"),
    "rake": ("Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb"),  # Ruby code
    "pre-commit": (".pre-commit-config.yaml",),
    **dict.fromkeys(names("task go-task"), ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml")),
}
_FILE_OPTIONS = frozenset({"-f", "--file", "--makefile", "--justfile", "--rakefile", "--taskfile"})
_SCRIPT_SHELL = "npm_config_script_shell="
_STARTUP = {
    "zsh": ("~/.zshenv",),
    "interactive": ("~/.bashrc", "~/.bash_aliases", "~/.zshrc", "~/.kshrc", "~/.mkshrc"),
    "login": ("~/.profile", "~/.bash_profile", "~/.bash_login", "~/.zprofile", "~/.zlogin"),
}
_COPIERS = names("cp mv install ln")
_REMOTE_COPIERS = names("scp rsync")
_WRITERS = frozenset({"tee", "dd", "curl", "wget", *_COPIERS, *_REMOTE_COPIERS})

_CHDIRS = frozenset({"cd", "pushd"})
#: a descriptor a shell reads its script from: ``bash <&3``, ``bash /dev/fd/3``
_DESCRIPTORS = ("/dev/fd/", "/proc/self/fd/")
_DESCRIPTOR = "\0fd"  # a file opened elsewhere in the line (``exec 3<f``), read through its descriptor
_ANYWHERE = "\0"  # a directory named at run time (``cd "$D"``)


class Files:
    """The files a line writes: path → its text, or None when the line does not show it.

    A relative path is taken in every directory the line may be in by then (``cd``/``pushd``
    add to them; ``popd``/``cd -`` go back to one already there); after a ``cd`` to a
    directory named at run time, a relative path matches a written file of the same name.
    """

    __slots__ = ("dirs", "texts")

    def __init__(self) -> None:
        self.dirs: list[str] = [""]
        self.texts: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return bool(self.texts)

    def _keys(self, path: str) -> list[str]:
        key = _path(path)
        if key.startswith(("/", "~")):
            return [key]
        return [posixpath.normpath(posixpath.join(d, key)) if d else key for d in self.dirs if d != _ANYWHERE]

    def put(self, path: str, text: str | None) -> None:
        for key in self._keys(path):
            self.texts[key] = text

    def drop(self, path: str) -> None:
        for key in self._keys(path):
            self.texts.pop(key, None)

    def find(self, path: str) -> tuple[str, str | None] | None:
        """The written file ``path`` may name, and its text."""
        for key in self._keys(path):
            if key in self.texts:
                return key, self.texts[key]
        if _ANYWHERE in self.dirs and not _path(path).startswith(("/", "~")):
            base = posixpath.basename(_path(path))
            for key, text in self.texts.items():
                if posixpath.basename(key) == base:
                    return key, text
        return None

    def chdir(self, cmd: SimpleCommand) -> None:
        """Follow ``cd DIR``/``pushd DIR``: one more directory the line may be in."""
        operands = [(a, d) for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if a != "--"]
        operands = [(a, d) for a, d in operands if d or a == "-" or not a.startswith("-")]
        if any(a == "-" for a, _ in operands):  # `cd -`: back to a directory already followed
            return
        target, dynamic = operands[0] if operands else ("~", False)
        for new in [_ANYWHERE] if dynamic else self._keys(target):
            if new not in self.dirs:
                self.dirs.append(new)


class Walker(Protocol):
    psubs: dict[str, str]
    held: list[Redirect]

    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str, redirects: tuple[Redirect, ...] = (), stdin: str | None = None) -> None: ...


def _path(text: str) -> str:
    for home in ("$HOME/", "${HOME}/"):
        if text.startswith(home):
            text = "~/" + text[len(home) :]
    return posixpath.normpath(text) if text else ""


def _shown(cmd: SimpleCommand) -> str | None:
    """The text ``cmd`` writes to its stdout when the line shows it (``cat <<EOF``, ``echo …``)."""
    doc = next((r for r in cmd.redirects if r.op in _HEREDOC and not r.dynamic), None)
    if cmd.name == "cat" and len(cmd.argv) == 1 and doc is not None:
        return doc.target
    if cmd.name == "echo" and not any(cmd.dynamic) and not any(a.startswith("-") for a in cmd.args[:1]):
        return " ".join(cmd.args) + "\n"
    if cmd.name == "printf":  # its format without `%`, escapes decoded where they are echo -e's
        return shown_text(list(zip(cmd.argv, cmd.dynamic, strict=True)))
    return None


def _redirected(cmd: SimpleCommand, files: Files) -> None:
    shown = _shown(cmd)
    for r in cmd.redirects:
        if r.op not in _WRITE_OPS or (r.dynamic and not r.target.startswith(("$HOME/", "${HOME}/"))):
            continue
        if r.op in (">>", "&>>"):  # appended to: the text before is shown only if written here
            before = (files.find(r.target) or ("", None))[1]
            files.put(r.target, before + shown if before is not None and shown is not None else None)
        else:
            files.put(r.target, shown)


def _downloads(cmd: SimpleCommand, files: Files) -> None:
    """``curl -o F``/``-O``, ``wget [-O F]``: files whose text comes from elsewhere."""
    args = list(cmd.args)
    named = False
    for i, a in enumerate(args):
        short = a.startswith("-") and not a.startswith("--")
        if a in ("--output", "--output-document") or (short and a.endswith("o" if cmd.name == "curl" else "O")):
            if i + 1 < len(args):
                files.put(args[i + 1], None)
                named = True
        elif a.startswith(("--output=", "--output-document=")):
            files.put(a.partition("=")[2], None)
            named = True
    if cmd.name == "curl":  # `-O`: each URL saved under its last segment; wget does so unless `-O F`
        named = not any(a.startswith("--remote-name") or (a[:1] == "-" and a[1:2] != "-" and "O" in a) for a in args)
    if not named:
        for a in args:
            if "://" in a:
                files.put(posixpath.basename(a.split("?", 1)[0]) or "index.html", None)


def _copies(cmd: SimpleCommand, files: Files) -> None:
    """A copy carries what is known of its source; a copy from another host is a download."""
    operands = [a for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if not d and not a.startswith("-")]
    if cmd.name == "dd":
        source = next((a[3:] for a in cmd.args if a.startswith("if=")), None)
        dests = [a[3:] for a in cmd.args if a.startswith("of=")]
    elif len(operands) >= 2:
        source, dests = operands[0], [operands[-1]]
    else:
        return
    remote = source is None or (cmd.name in _REMOTE_COPIERS and ":" in source.partition("/")[0])
    for dest in dests:
        if dest in (".", "..") or dest.endswith("/"):  # into a directory, under the source's name
            dest = posixpath.join(dest, posixpath.basename((source or "").rpartition(":")[2]))
        known = None if remote else files.find(source or "")
        if remote:
            files.put(dest, None)
        elif known is not None:
            files.put(dest, known[1])
        else:
            files.drop(dest)


def _writes(cmd: SimpleCommand, files: Files) -> None:
    """Record the files ``cmd`` writes (see the module doc)."""
    _redirected(cmd, files)
    if cmd.name == "tee":  # what a pipe, a here-document or a here-string feeds it
        doc = next((r for r in reversed(cmd.redirects) if r.op in _HEREDOC), None)
        fed = (None if doc.dynamic else doc.target + ("\n" if doc.op == "<<<" else "")) if doc else cmd.stdin
        text = fed if fed != "\0pipe" and "-a" not in cmd.args else None
        for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True):
            if not d and not a.startswith("-"):
                files.put(a, text)
    elif cmd.name in ("curl", "wget"):
        _downloads(cmd, files)
    elif cmd.name in _COPIERS or cmd.name in _REMOTE_COPIERS or cmd.name == "dd":
        _copies(cmd, files)


def _startup(name: str, args: list[str]) -> list[str]:
    """The start-up files a shell started as ``name args`` sources."""
    found = list(_STARTUP["zsh"]) if name == "zsh" and "-f" not in args else []
    letters = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    if "i" in letters or "--interactive" in args:
        found += _STARTUP["interactive"]
    if "l" in letters or "--login" in args:
        found += _STARTUP["login"]
    return found


def _runs(cmd: SimpleCommand) -> list[tuple[str, str]]:
    """The files ``cmd`` runs as code: (path, how: "sh", an interpreter, "read" for a program's
    own command files, "exec" for a path run directly)."""
    name, args = cmd.name, [a for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if not d]
    if not cmd.argv or cmd.dynamic[0]:
        return []
    extra = env_preloads(cmd.assignments) if cmd.assignments else []
    if name in _CONFIG_READERS:
        extra += _configs(cmd, name, args)
    extra += more_runs(cmd, name, args) + config_files(cmd, args)
    return extra + _runs_of(cmd, name, args) if extra else _runs_of(cmd, name, args)


#: programs that run commands their configuration names (``core.pager``, ``ProxyCommand``), and the
#: files they read it from unasked
_CONFIG_READERS = {
    "git": ("~/.gitconfig", "~/.config/git/config"),
    **dict.fromkeys(names("ssh scp sftp autossh"), ("~/.ssh/config",)),
}
_GIT_CONFIG_FILES = ("GIT_CONFIG_GLOBAL=", "GIT_CONFIG_SYSTEM=", "GIT_CONFIG=")
_GIT_INCLUDE = re.compile(r"^(?:include|includeif\..*)\.path=(.+)$", re.I | re.S)


def _configs(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    """The configuration files ``git``/``ssh`` read: their defaults, ``ssh -F FILE``, ``git -c
    include.path=FILE``, ``GIT_CONFIG_GLOBAL=FILE``; one the line wrote holds commands not shown here."""
    found = [(f, "read") for f in _CONFIG_READERS[name]]
    if name == "git":
        found += [(a.partition("=")[2], "read") for a in cmd.assignments if a.startswith(_GIT_CONFIG_FILES)]
        for i, a in enumerate(args[:-1]):
            m = _GIT_INCLUDE.match(args[i + 1]) if a == "-c" else None
            if m:
                found.append((m.group(1), "read"))
    else:
        found += [(args[i + 1], "read") for i, a in enumerate(args[:-1]) if a == "-F"]
        found += [(a[2:], "read") for a in args if a.startswith("-F") and len(a) > 2]
    return found


def _runs_of(cmd: SimpleCommand, name: str, args: list[str]) -> list[tuple[str, str]]:
    if cmd.wrappers and (script := runner_script(cmd)) is not None:  # `uv run x.py`, `bun ./x.ts`
        return [script]
    if "/" in cmd.argv[0]:
        return [(cmd.argv[0], "exec")]
    if name in _TASK_FILES or name in ("crontab", "at", "batch"):
        given = [args[i + 1] for i, a in enumerate(args[:-1]) if a in _FILE_OPTIONS]
        given += [a.partition("=")[2] for a in args if a.startswith(("--file=", "--makefile=", "--justfile="))]
        given += [a for a in args if not a.startswith("-")] if name == "crontab" else []
        shells = [(a[6:], "exec") for a in args if a.startswith("SHELL=")]  # `make SHELL=./x`
        # `npm run build --script-shell ./x`, `npm_config_script_shell=./x npm …`: the shell of every script
        shells += [(a.partition("=")[2], "exec") for a in args if a.startswith("--script-shell=")]
        shells += [(args[i + 1], "exec") for i, a in enumerate(args[:-1]) if a == "--script-shell"]
        shells += [(a.partition("=")[2], "exec") for a in cmd.assignments if a.lower().startswith(_SCRIPT_SHELL)]
        how = "sh" if name in ("at", "batch") else "crontab" if name == "crontab" else "read"
        found = [(f, how) for f in given or _TASK_FILES.get(name, ())]
        for d in _task_dirs(args) if not given else ():  # `pip install ./pkg`, `make -C d`, `npm --prefix d`
            found += [(posixpath.join(d, f), "read") for f in _TASK_FILES.get(name, ())]
        return found + shells
    how = "sh" if name in SHELLS or name in ("source", ".") else (program(name) or "")
    if not how:
        return []
    found = [(f, "read") for f in _startup(name, args)] if name in SHELLS else []
    found += [(r.target, how) for r in cmd.redirects if r.op == "<" and not r.dynamic]
    found += [(_DESCRIPTOR, how) for r in cmd.redirects if r.op == "<&" and r.target not in ("0", "-")]
    found += [(f, how) for f in preloads(how, args)]  # `node -r ./hook.js app.js`: both run
    operand = script_operand(how, args)  # (not an option's value)
    if how in ("pwsh", "powershell", "cmd"):  # `pwsh -File F`, `cmd /c F.bat`
        operand = windows_operand(how, args, operand)
    if operand is not None and operand.startswith(_DESCRIPTORS) and operand[-1:].isdigit():
        operand = _DESCRIPTOR
    if operand is not None and not (how == "sh" and any(a.startswith("-") and "c" in a for a in args)):
        found.append((operand, how))
    return found


def _task_dirs(args: list[str]) -> list[str]:
    """The directories a task runner or installer reads its task files in: a local operand
    (``./pkg``, ``.``, ``/x``, ``~/x``), ``-C``/``--directory``/``--prefix``/``-e`` values."""
    out = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-C", "--directory", "--prefix", "-e", "--editable")]
    out += [a.partition("=")[2] for a in args if a.startswith(("--directory=", "--prefix=", "--editable="))]
    out += [a for a in args if a[:1] in (".", "/", "~") and not a.endswith((".whl", ".tar.gz", ".zip"))]
    return [d for d in out if d and d != "."][:8]


def _shebang(text: str) -> str:
    """How a file run directly runs its text: its ``#!`` program, ``sh`` without one."""
    if not text.startswith("#!"):
        return "sh"
    words = text[2:].partition("\n")[0].split()
    if words and words[0].rsplit("/", 1)[-1] == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
    first = words[0].rsplit("/", 1)[-1] if words else ""
    return "sh" if first in SHELLS else (program(first) or "")


def written_then_run(walker: Walker, commands: list[SimpleCommand]) -> tuple[tuple[str, str], ...]:
    """Judge every file ``commands`` run after writing it (see the module doc).  Gives the files the
    line writes whose text it shows, with that text — as a command ran it, for one run — for the
    readers a file written earlier meets (``_pattern_written``: a module the run imports, a script
    a written script runs)."""
    fed: dict[int, list[tuple[str, str]]] = {}  # `cat pod.yaml | kubectl apply -f -`: the files read
    for i, cmd in enumerate(commands):  # a compose file or manifest read from the line (`kubectl apply -f - <<EOF`)
        if not (cmd.redirects or cmd.stdin) or not reads_stdin(cmd):
            continue
        shown = shown_stdin(cmd)
        read = config_code(cmd, shown) if shown is not None else None
        if read is not None and read[1]:
            walker.script(read[1], "the configuration the command reads")
        piped = fed_files(commands[i - 1] if i else None, cmd) if shown is None else []
        if piped is None:
            walker.flag(f"`{cmd.name}` reads its configuration from a program's output (`-f -`)")
        elif piped:
            fed[i] = piped
    if not any(c.redirects or c.name in _WRITERS for c in commands):
        return ()
    files = Files()
    ran: dict[str, str] = {}
    for i, cmd in enumerate(list(commands)):
        if cmd.name in _CHDIRS:
            files.chdir(cmd)
        for path, how in _runs(cmd) + fed.get(i, []) if files else ():
            if path == _DESCRIPTOR:  # which file it is was not followed: any written one may be
                walker.flag("runs code read through a file descriptor on a line that writes files")
                continue
            found = files.find(path)
            if found is None:
                continue
            path, text = found
            if text is not None and path[:1] != _DESCRIPTOR[:1]:
                ran[path] = text
            if how == "exec" and text is not None:
                how = _shebang(text)
            if how == "read" and text is not None and reads_config(cmd):  # a compose file, an ssh config
                read = config_code(cmd, text)
                how, text = read if read is not None else ("read", None)
            if text is None or how in ("read", ""):
                walker.flag(f"runs `{path[:40]}`, a file this command line writes")
            elif how == "sh":
                walker.script(text, "a script written earlier in the line")
            elif how == "crontab":  # the commands it schedules, as typed; installing them is asked
                walker.flag(f"runs `{path[:40]}`, a file this command line writes")
                walker.script(crontab_commands(text), "a crontab written earlier in the line")
            else:
                read_code(walker, how, [], (), text)
        _writes(cmd, files)
    for path, text in files.texts.items():
        if text is not None and path not in ran and path[:1] != _DESCRIPTOR[:1]:
            ran[path] = text
    return tuple(ran.items())


#: for the files a session wrote in earlier calls (``_shell_written``, ``_pattern_written``)
runs, writes, shebang = _runs, _writes, _shebang
CHDIRS, COPIERS, WRITERS, DESCRIPTOR = _CHDIRS, _COPIERS, _WRITERS, _DESCRIPTOR
