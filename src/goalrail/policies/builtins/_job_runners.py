"""Job runners that build the commands they run from their arguments.

* GNU ``parallel CMD ::: ARGS``: each job is the command template with its replacement strings
  (``{}``, ``{.}``, ``{/}``, ``{//}``, ``{/.}``, ``{1}``…) filled in (the arguments appended
  when it has none), run by a shell; ``parallel ::: CMD…`` (no template) runs each argument as a
  command; arguments on stdin are those of a shown text (``printf '%s\\n' a b | parallel …``);
* ``concurrently 'CMD' …`` and ``hyperfine 'CMD' …`` (with its ``--prepare``, ``--setup``,
  ``--cleanup``, ``--conclude``): each argument a command line run by a shell;
* file watchers' command options (``nodemon --exec CMD``, ``chokidar -c CMD``, ``watchman-make
  --run CMD``): the command line a shell runs on every change;
* ``xargs`` fed a text the line shows (``echo / | xargs rm -rf``, ``printf '/\\n' | xargs -I{} sh
  -c 'rm -rf {}'``): the commands it runs with those arguments.

The commands built are parsed as scripts, so a job is judged as that command typed.  ``parallel``
stays unknown all the same (ASK where a rule denies some command): its jobs come from files,
stdin or options (``--pipe``, ``-S``, ``-a``) this reading does not follow.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import shlex
from typing import Protocol

from goalrail.policies.builtins._interpreters import quoted
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["JOB_RUNNERS", "job_scripts", "xargs_jobs"]


class Walker(Protocol):
    def flag(self, reason: str) -> None: ...

    def script(self, text: str, via: str) -> None: ...


#: parallel's options that take a value (as the next word unless attached: ``-j4``, ``--jobs=4``)
_PARALLEL_VALUED = names(
    "-j --jobs -P --max-procs -n --max-args -N -L --max-lines -l -I -i --replace -E --eof -d --delimiter -C "
    "--colsep -S --sshlogin --slf --sshloginfile --delay --timeout --joblog --results --res --halt "
    "--halt-on-error --retries --tagstring --tag-string --workdir --wd --tmpdir --basefile --bf --transferfile "
    "--tf --return --env --load --memfree --nice --rpl --arg-sep --arg-file-sep -a --arg-file --block "
    "--block-size --recstart --recend --header --limit --termseq --shellquote --id -s --max-chars --sql "
    "--sqlmaster --sqlworker --ssh --sshdelay --tmux --tmuxpane --plus"
)
#: options that make the jobs' arguments (or their commands) come from somewhere not read here
_PARALLEL_ELSEWHERE = names("-a --arg-file --pipe --spreadstdin --pipepart --sql --sqlmaster --sqlworker --plus")
_SEPARATORS = frozenset({":::", "::::", ":::+", "::::+"})
#: a replacement string: ``{}``, ``{.}``, ``{/}``, ``{//}``, ``{/.}``, ``{#}``, ``{%}``, ``{3}``, ``{3/.}``
_REPLACEMENT = re.compile(r"\{(\d*)(\.|/|//|/\.|#|%)?\}")
#: at most this many jobs are built from one line
_MAX_JOBS = 16
#: ``hyperfine``'s options whose value is a command line, and those that take another value
_HYPERFINE_SCRIPTS = names("-p --prepare -s --setup -c --cleanup --conclude")
_HYPERFINE_VALUED = names(
    "-w --warmup -m --min-runs -M --max-runs -r --runs -S --shell -L --parameter-list -D --parameter-step-size "
    "-n --command-name --export-asciidoc --export-csv --export-json --export-markdown --export-orgmode --style "
    "--sort -u --time-unit --output --input --reference"
)
_CONCURRENTLY_VALUED = names(
    "-n --names -c --prefix-colors -p --prefix -l --prefix-length -t --timestamp-format -s --success "
    "--kill-signal --restart-tries --restart-after --max-processes -m --name-separator --handle-input-to"
)
#: file watchers' options whose value is the command line run on every change
_WATCHERS = {"nodemon": names("-x --exec"), "chokidar": names("-c --command"), "watchman-make": names("-r --run")}
JOB_RUNNERS = frozenset({"parallel", "concurrently", "hyperfine", *_WATCHERS})


def job_scripts(walker: Walker, base: str, words: list[Word], stdin: str | None) -> None:
    """Parse the commands ``base`` (a :data:`JOB_RUNNERS` program) runs as scripts."""
    if base == "parallel":
        walker.flag("parallel builds commands at run time")
        _parallel(walker, words, stdin)
        return
    if base == "hyperfine":
        scripts, valued = _HYPERFINE_SCRIPTS, _HYPERFINE_VALUED
    elif base == "concurrently":
        scripts, valued = frozenset(), _CONCURRENTLY_VALUED
    else:  # a watcher: only its command options' values run (its operands are paths, globs)
        scripts, valued = _WATCHERS[base], frozenset()
    i = 1
    while i < len(words):
        word, dynamic = words[i]
        name, eq, value = word.partition("=")
        if word.startswith("-") and (name in scripts or name in valued):
            if not eq and i + 1 < len(words):
                i += 1
                value, dynamic = words[i]
            if name in scripts:
                _run(walker, base, value, dynamic)
        elif base not in _WATCHERS and (not word.startswith("-") or word == "-"):
            _run(walker, base, word, dynamic)
        i += 1


def _run(walker: Walker, base: str, text: str, dynamic: bool) -> None:
    if dynamic:
        walker.flag(f"`{base}` runs a command known only at run time")
    else:
        walker.script(text, base)


def _parallel(walker: Walker, words: list[Word], stdin: str | None) -> None:
    """``parallel [options] [CMD …] ::: ARGS …``: each job built (see the module doc) and parsed."""
    i, n, replace = 1, len(words), "{}"
    while i < n and words[i][0].startswith("-") and words[i][0] not in _SEPARATORS:
        word = words[i][0]
        name, eq, value = word.partition("=")
        if name in _PARALLEL_ELSEWHERE or words[i][1]:
            return
        if name in _PARALLEL_VALUED and not eq:
            value = words[i + 1][0] if i + 1 < n else ""
            i += 1
        elif not name.startswith("--") and len(name) > 2 and name[:2] in _PARALLEL_VALUED:
            value = name[2:]  # `-j4`, `-I{}`
            name = name[:2]
        if name in ("-I", "--replace"):
            replace = value
        elif name in ("-i",):
            replace = value or "{}"
        i += 1
    cut = next((k for k in range(i, n) if words[k][0] in _SEPARATORS and not words[k][1]), n)
    template = words[i:cut]
    groups = _groups(words[cut:])
    if groups is None:
        return  # `:::: FILE`: the arguments are a file's lines
    if not groups and stdin is not None and stdin != "\0pipe":
        groups = [[(line, False) for line in stdin.splitlines() if line]]  # `printf 'a\nb\n' | parallel …`
    if not template:  # `parallel ::: 'cmd one' 'cmd two'`: each argument is a command
        for text, dynamic in [w for g in groups for w in g][:_MAX_JOBS]:
            _run(walker, "parallel", text, dynamic)
        return
    text = " ".join(w for w, _ in template)
    if replace != "{}":
        text = text.replace(replace, "{}")
    if not groups:
        if any(d for _, d in template):
            walker.flag("`parallel` runs a command known only at run time")
        else:
            walker.script(_REPLACEMENT.sub("", text), "parallel")  # arguments from stdin: not known
        return
    for job in itertools.islice(itertools.product(*groups), _MAX_JOBS):
        if any(d for _, d in template):
            walker.flag("`parallel` runs a command known only at run time")
            return
        walker.script(_filled(text, job), "parallel")


def _groups(words: list[Word]) -> list[list[Word]] | None:
    """The argument groups after ``:::`` (each a list of words); None when one is a file (``::::``)."""
    groups: list[list[Word]] = []
    for word in words:
        if word[0] in _SEPARATORS and not word[1]:
            if word[0].startswith("::::"):
                return None
            groups.append([])
        elif groups:
            groups[-1].append(word)
    return [g for g in groups if g]


def _filled(text: str, job: tuple[Word, ...]) -> str:
    """The template ``text`` with ``job``'s arguments in its replacement strings (appended when none)."""
    spelled = [w if d else quoted(w) for w, d in job]  # a run-time word stays as written (`*.log`, `$x`)

    def value(m: re.Match[str]) -> str:
        index, how = m.group(1), m.group(2) or ""
        if how in ("#", "%"):
            return "1"
        if index and not 0 < int(index) <= len(job):
            return m.group(0)
        if not index and len(job) > 1:  # `{}` with several groups: every argument
            return " ".join(spelled)
        word, dynamic = job[int(index) - 1] if index else job[0]
        if dynamic:
            return word
        if how in ("/", "/."):
            word = posixpath.basename(word)
        elif how == "//":
            word = posixpath.dirname(word)
        if how.endswith("."):
            word = posixpath.splitext(word)[0]
        return quoted(word)

    filled, count = _REPLACEMENT.subn(value, text)
    return filled if count else " ".join([text, *spelled])


#: xargs options after which its arguments are not the shown stdin's words (a file, an end marker)
_XARGS_ELSEWHERE = ("-a", "--arg-file", "-E", "--eof", "-e")


def xargs_jobs(options: tuple[str, ...], words: list[Word], stdin: str) -> list[list[Word]]:
    """The commands ``xargs`` (with ``options``, as ``_shell_unwrap`` records them) runs from
    ``words`` when fed the text ``stdin``: each line in the replace string's place (``-I R``,
    ``-i``), else the text's words appended (``-n``/``-L`` batches run the same arguments)."""
    replace, delimiter = None, None
    for option in options:
        flag, _, value = option.replace("=", " ", 1).partition(" ")
        if flag in _XARGS_ELSEWHERE:
            return []
        if flag in ("-I", "--replace"):
            replace = value or "{}"
        elif flag == "-i":
            replace = "{}"
        elif flag in ("-0", "--null"):
            delimiter = "\0"
        elif flag in ("-d", "--delimiter"):
            delimiter = value.replace("\\n", "\n").replace("\\t", "\t") or None
    if replace is not None:
        lines = [x.strip() for x in (stdin.split(delimiter) if delimiter else stdin.splitlines()) if x.strip()]
        return [[(w.replace(replace, line), d and replace not in w) for w, d in words] for line in lines[:_MAX_JOBS]]
    try:
        items = [x for x in stdin.split(delimiter) if x] if delimiter else shlex.split(stdin)
    except ValueError:
        return []
    return [[*words, *((item, False) for item in items[:64])]] if items else []
