"""A shell line that runs a file written earlier in the session, judged as if it wrote it first.

``_shell_files`` judges a file written and run on one line like its text.  Across calls, the
runtime remembers what the session wrote (``goalrail.policies.written``: ``context["written"]``);
a line that runs one of those files (``bash x.sh``, ``./x.sh``, ``. x.sh``, ``python3 x.py``,
``make``, ``npm test``, ``just``, ``git commit`` with a hook, ``pytest`` with a ``conftest.py``,
``bash -i`` with a ``~/.bashrc``: the files ``_shell_files`` says a command runs) is read again
with those writes in front of it — ``cat > x.sh <<'…'`` with the remembered text, ``: > x.sh``
when it is not known — so its ``shell_execute`` rules meet what the file runs, and its file
rules the files that reads, writes or deletes, exactly as on one line.  A file whose text is not
known is reported there (asked where the rules deny some command); so is any file run once the
record is past its bound (``written.BOUND``).  The files a command runs without naming them
(a module ``python -c "import helper"`` imports, the tests ``pytest`` collects, a hook where
``core.hooksPath`` points: ``_written_implicit``) are put in front of a line that runs them
(``python3 f``, ``sh f``, ``node f``), and a remembered script's own runs of remembered files are
followed ``_DEPTH`` levels down.  The line readers (the network reached, the environment
variables read and set, the SQL sent: ``patterns._LineReaders``) meet the same runs
(:func:`read_written`): each script's text, each Python/JavaScript/Perl/Ruby/PHP file as its
inline code, each task file's commands as ``sh -c`` — what its one-liner would hand them.  A file
the line itself writes with a text it shows (:func:`line_record`: ``cat > x.py <<'E' … E; python3
x.py``) is read so too, as if written just before the line.

A run's path matches a remembered one by its canonical spelling in the call's directory; a
relative one, when the directory is not known or the line changes directory, by its last
components; ``~/f`` by any home's ``f``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from functools import partial

from goalrail.patterns.conditions import ActionFacts, RateLookup
from goalrail.patterns.model import EvaluationResult, Pattern
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins._pattern_files import SHELL, asked, effects_judged
from goalrail.policies.builtins._pattern_verdicts import stricter
from goalrail.policies.builtins._privilege_configs import config_code, fed_files, manifest_dir, reads_config
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_file_effects import file_effects
from goalrail.policies.builtins._shell_file_patches import patch_inputs
from goalrail.policies.builtins._shell_files import CHDIRS, COPIERS, DESCRIPTOR, runs, shebang
from goalrail.policies.builtins._shell_readings import readings
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._task_runners import runners_of
from goalrail.policies.builtins._task_scripts import task_code
from goalrail.policies.builtins._written_implicit import MAX_MODULES, MORE, Keys, finds_code, implicit
from goalrail.policies.path_spellings import canonical_path
from goalrail.policies.written import BOUND, key_of

__all__ = ["Runs", "judge_written", "line_record", "read_written", "written_lines", "written_runs"]

_HOMES = ("/home/", "/root/", "/Users/")
_RUNNERS = {"sh": "sh", "python": "python3", "node": "node"}
#: a remembered file an interpreter runs, given as that interpreter's inline code (``-c``/``-e``)
_CODE = {
    **dict.fromkeys(("python", "pypy", "ipython"), "python3 -c"),
    **dict.fromkeys(("node", "nodejs", "tsx", "ts-node", "bun", "deno"), "node -e"),
    **dict.fromkeys(("lua", "luajit"), "lua -e"),
    **dict.fromkeys(("r", "rscript"), "Rscript -e"),
    "julia": "julia -e",
    "perl": "perl -e",
    "ruby": "ruby -e",
    "php": "php -r",
    **{awk: awk for awk in ("awk", "gawk", "mawk", "nawk")},  # (the program is awk's first operand)
    "tclsh": "tclsh",
    "expect": "expect -c",
    "pwsh": "pwsh -NoProfile -Command",
    "powershell": "pwsh -Command",
    "cmd": "cmd <<<",  # a batch file: its lines on cmd's stdin
}
_DEPTH = 2  # scripts a remembered script runs, followed so deep
_HOME = re.compile(r"^(/home/[^/]+|/Users/[^/]+|/root)(?:/|$)")


def _found(keys: Keys, path: str, cwd: object, moves: bool) -> str | None:
    """The remembered file ``path`` (as a line spells it) may be."""
    if not path or path == DESCRIPTOR:
        return None
    if path in keys.record:  # (as written: `~/.bashrc` written so)
        return path
    if path.startswith(("~/", "$HOME/", "${HOME}/")):  # (before spelling it: a home is not expanded)
        rest = "/" + path.partition("/")[2]
        home = _HOME.match(cwd) if isinstance(cwd, str) else None
        if home is not None:  # the call's directory is in a home: that one
            return home.group(1) + rest if home.group(1) + rest in keys.record else None
        return next((k for k in keys.named(rest) if k.endswith(rest) and k.startswith(_HOMES)), None)
    key = canonical_path(path, cwd) or path
    if key in keys.record:
        return key
    if path[:1] == "/":  # a file written where the directory was not known
        return next((k for k in keys.named(path) if k[:1] not in ("/", "~", "#") and path.endswith("/" + k)), None)
    if not moves and isinstance(cwd, str) and cwd[:1] == "/":
        return None
    tail = "/" + (posixpath.basename(path) if moves else posixpath.normpath(path).lstrip("/"))
    return next((k for k in keys.named(tail) if k.endswith(tail) or k == tail[1:]), None)


def _sources(cmd: SimpleCommand) -> list[tuple[str, str]]:
    """The files a copy reads (``cp x.sh y.sh``, ``mv``, ``install``, ``ln``, ``dd if=``): a copy of a
    file the session wrote carries its text (``_shell_files``)."""
    if cmd.name not in COPIERS and cmd.name != "dd":
        return []
    words = [a[3:] if a.startswith("if=") else a for a, d in zip(cmd.args, cmd.dynamic[1:], strict=True) if not d]
    return [(a, "copy") for a in words if a and not a.startswith("-")]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _shown(path: str, text: object) -> str:
    """A line writing ``text`` to ``path`` the way ``_shell_files`` reads a write."""
    if type(text) is not str:
        return f": > {_quoted(path)}\n"
    end = "GOALRAIL_WRITTEN"
    lines = set(text.splitlines())
    while end in lines:
        end += "_"
    return f"cat > {_quoted(path)} <<'{end}'\n{text}{'' if text.endswith(chr(10)) or not text else chr(10)}{end}\n"


def _shell_text(how: str, text: str) -> bool:
    """Whether ``text`` run so is a shell script (for the remembered files it runs in turn)."""
    first = text.partition("\n")[0] if text.startswith("#!") else ""
    return how == "sh" or (how == "exec" and (not first or first.rstrip().endswith(("sh", "bash", "zsh", "dash"))))


def _code_how(how: str, text: object) -> str:
    """How a remembered file is run as code: a file run directly by its ``#!`` interpreter."""
    return shebang(text) if how == "exec" and type(text) is str else how


def _run_line(key: str, how: str, code: str | None) -> tuple[str, str]:
    """A line running the file ``key`` (its writes in front, the line) the way a program that
    finds it runs it; known Python, JavaScript, Perl, Ruby or PHP as ``-c``/``-e``/``-r`` code, whose file calls
    (``open('.env')``) the file rules meet."""
    if code is not None and how in _CODE:
        return "", f"{_CODE[how]} {_quoted(code)}"
    return _shown(key, code), _quoted(key) if how == "exec" else f"{_RUNNERS.get(how, 'sh')} {_quoted(key)}"


def _keyed(
    cmd: SimpleCommand, prev: SimpleCommand | None, keys: Keys, cwd: object, moves: bool
) -> list[tuple[str, str, str | None]]:
    """The files ``cmd`` runs or copies (or reads as ``-f -`` after ``prev``: ``cat pod.yaml |``),
    each with the remembered file it is (None: not one); a directory of manifests (``kubectl apply
    -f k8s/``, ``-k overlay/``, a helm chart) as the remembered manifests beneath it."""
    out: list[tuple[str, str, str | None]] = []
    patches = [(f, "patch") for f in patch_inputs(cmd, prev)]  # `git apply p.diff`: its headers, as on the line
    for path, how in runs(cmd) + _sources(cmd) + (fed_files(prev, cmd) or []) + patches:
        key = _found(keys, path, cwd, moves)
        top = canonical_path(path, cwd) if key is None and how == "read" and manifest_dir(cmd, path) else None
        if top:
            out += [(k, how, k) for k in keys.under(top, "manifest")]
        else:
            out.append((path, how, key))
    return out


def written_lines(
    lines: Iterable[str],
    record: Mapping[str, object],
    cwd: object,
    deep: bool = True,
    depth: int = 0,
    texts: list[str] | None = None,
) -> tuple[list[tuple[str, str]], list[str]]:
    """Each of ``lines`` that runs a file the session wrote, with those writes to put in front (a
    task file whose commands ``_task_scripts`` reads: its script run by ``sh -c``, nothing in front),
    and the remembered paths it runs (``BOUND`` for a file the record may have lost).  ``deep``:
    with the files run without being named (``_written_implicit``) and those the scripts run run.
    ``texts`` (when given) gathers the remembered shell scripts' texts run, at every depth."""
    out: list[tuple[str, str]] = []
    named: list[str] = []
    lost = record.get(BOUND) is True
    keys = Keys(record)
    for line in lines:
        if type(line) is not str:
            continue
        commands = analyze(line).commands
        moves = any(c.name in CHDIRS for c in commands)
        front: dict[str, object] = {}
        scripts: list[str] = []  # shell texts run, for the remembered files they run in turn
        recipes: list[str] = []  # of them, the tasks' (`sh -c` lines already)
        done: set[str] = set()
        for i, cmd in enumerate(commands):
            for path, how, key in _keyed(cmd, commands[i - 1] if i else None, keys, cwd, moves):
                if key is None:
                    if lost and path != DESCRIPTOR and how != "copy":
                        front.setdefault(path, None)
                        named.append(BOUND)
                    continue
                named.append(key)
                done.add(key)
                text = record[key]
                task = None
                if how == "read" and type(text) is str:  # a program's command file, a compose file
                    task = config_code(cmd, text) if reads_config(cmd) else task_code(path, text, runners_of(cmd))
                if task is not None:  # a makefile's recipes, a package.json's scripts
                    if task[1]:
                        out.append(("", f"{_RUNNERS[task[0]]} -c {_quoted(task[1])}"))
                        scripts += [task[1]] if task[0] == "sh" else []
                        recipes.append(task[1])
                else:
                    front.setdefault(path, None if how == "read" else text)
                    if (run_as := _code_how(how, text)) in _CODE and type(text) is str:  # its calls, as `-c` code
                        out.append(_run_line(key, run_as, text))
                    scripts += [text] if type(text) is str and _shell_text(how, text) else []
            if not deep or not finds_code(cmd):
                continue
            here = cwd if isinstance(cwd, str) and not moves else ""
            for key, how, code in implicit(cmd, keys, here, partial(_found, keys, cwd=cwd, moves=moves)):
                if key not in done and code != "":
                    done.add(key)
                    named.append(key)
                    out.append(_run_line(key, how, code))
                    scripts += [code] if code and _shell_text(how, code) else []
        if front:
            out.append(("".join(_shown(p, t) for p, t in front.items()), line))
        if scripts and texts is not None:  # (a task's recipes are given as `sh -c` lines: not again)
            texts += [t for t in scripts if t not in texts and t not in recipes]
        if scripts and deep and depth < _DEPTH:
            more, also = written_lines(scripts, record, cwd, deep, depth + 1, texts)
            out += more
            named += also
    return out, named


#: the lines a shell line's remembered files amount to (``written_lines``: each with its writes in
#: front), the remembered paths it runs, the remembered shell scripts' texts it runs, and which of
#: those paths the line itself wrote (:func:`line_record`)
Runs = tuple[list[tuple[str, str]], list[str], list[str], frozenset[str]]


def line_record(lines: Iterable[str], cwd: object) -> dict[str, str]:
    """The files ``lines`` write and then run themselves, with the text they show, keyed as the
    session's record keys a file (``cat > x.py <<'E' … E; python3 x.py``: ``_shell_files``)."""
    out: dict[str, str] = {}
    for line in lines:
        if type(line) is str:
            for path, text in analyze(line).written:
                out[key_of(path, cwd)] = text
    return out


def written_runs(lines: Iterable[str], record: Mapping[str, object], cwd: object, own: Mapping[str, str]) -> Runs:
    """What ``lines`` run of the files the session wrote (``record``) and of those they write and
    run themselves (``own``, :func:`line_record`: read as if written just before), read once for
    every rule family: the commands and file effects (:func:`judge_written`) and the line readers'
    network, variables and SQL (:func:`read_written`)."""
    texts: list[str] = []
    both = {**record, **own} if own and record else own or record
    shown, named = written_lines([line for line in lines if type(line) is str], both, cwd, texts=texts)
    return shown, named, texts, frozenset(own)


def read_written(
    read: Callable[[EvaluationResult, list[str], ActionFacts, RateLookup], EvaluationResult],
    res: EvaluationResult,
    runs: Runs,
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` made stricter by ``read`` (the readers a shell line meets after its commands and
    files: the network it reaches, the variables it reads and sets, the SQL it sends) on what the
    remembered files run — a script's text after its write, a Python or JavaScript file as its
    ``-c``/``-e`` code, a makefile's recipes as ``sh -c`` — exactly as on a one-liner (a shell
    script as its text, whose expansions a write in front would hide in a quoted here-document)."""
    shown, named, texts, own = runs
    found = read(res, [*texts, *(line for front, line in shown if not front)], facts, rate)
    return res if found is res else replace(found, reason=f"{found.reason} ({_ran(named, own)})")


def _ran(named: list[str], own: frozenset[str]) -> str:
    """Which remembered files a line runs, for a verdict's reason."""
    keys = [k for k in dict.fromkeys(named) if k not in (BOUND, MORE)]
    which = ", ".join(f"`{k[-60:]}`" for k in keys)
    when = "by the line itself" if keys and all(k in own for k in keys) else "earlier in the session"
    why = f"runs {which}, written {when}" if which else "runs a file written earlier in the session"
    if BOUND in named:
        why += "; more files were written than are remembered"
    if MORE in named:
        why += f"; it imports more than {MAX_MODULES} of them, not all followed"
    return why


def judge_written(
    policy: Policy,
    guards: tuple[Pattern, ...],
    kinds: tuple[str, ...],
    res: EvaluationResult,
    lines: Iterable[str],
    runs: Runs,
    cwd: object,
    facts: ActionFacts,
    rate: RateLookup,
) -> EvaluationResult:
    """``res`` made stricter by what the files the session wrote run when ``lines`` run them
    (``runs``, :func:`written_runs`): the commands they run meet ``guards`` (the ``shell_execute``
    rules that deny or warn), the files those commands read, write or delete meet the rules of
    ``kinds`` (``_pattern_files``)."""
    lines = [line for line in lines if type(line) is str]
    shown, named, _texts, own = runs
    if not shown:
        return res
    found = res
    for front, line in shown:
        whole = front + line
        spelled, _opened, _unresolved = readings(whole) if guards else ((), None, None)
        for reading in spelled:
            if any(g.matches(reading) for g in guards):
                hit = policy.decide(SHELL, reading, facts, rate)
                if hit.matched and hit.action != "allow":
                    found = stricter(found, replace(hit, reason=f"{hit.reason} (a command the line runs)"))
        # what the writes in front report of themselves (`writes .git/hooks`) is not the run's
        new = set(analyze(whole).unknown)
        if front:
            new = new - set(analyze(front).unknown) - set(analyze(line).unknown)
        if new and any(g.action == "deny" for g in guards):
            why = f"what it runs cannot be told ({sorted(new)[0][:80]})"
            found = stricter(found, asked(policy, why))
        if kinds:  # the files it reads, writes, deletes: not the writes in front, nor the line's own
            mine = set(file_effects(front)) | (set(file_effects(line)) if line in lines else set())
            effects = [e for e in file_effects(whole) if e[0] in kinds and e not in mine]
            found = effects_judged(policy, found, effects, facts, rate, cwd) if effects else found
    return res if found is res else replace(found, reason=f"{found.reason} ({_ran(named, own)})")
