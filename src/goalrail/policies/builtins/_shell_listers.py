"""The paths a program that lists files prints, as globs: what ``… | xargs cat`` then reads.

``find ~/.aws -name 'cred*' | xargs cat`` reads ``~/.aws/**/cred*``; ``locate credentials |
xargs cat`` reads ``/**credentials**`` (a path holding the word anywhere); ``rg --files -g
'*.pem' | xargs cat`` reads ``./**/*.pem``; ``fd -H credentials -x cat`` (fd runs ``cat`` on each)
reads ``./**/*credentials*``.  The globs are judged as a shell glob is (``_pattern_globs``), so a
rule on a secret's name meets the line where the listing may name the secret.  Per program:

* ``find START… TESTS``: ``-name P``/``-iname P`` is ``START/**/P``; ``-path P``/``-ipath``/
  ``-wholename`` and ``-regex R``/``-iregex R`` match the whole path (``*`` crossing ``/``: read
  as ``**``; a regex read as a glob where it is simple: ``.*`` → ``**``, ``.`` → ``?``, ``\\.`` →
  ``.``, a bracket kept; else the listing is not narrowed); no such test: ``START/**``;
* ``fd``/``fdfind [PATTERN] [DIR…]``: the pattern (a regex found in the name, or with ``-g`` a
  glob of the name; with ``-p`` of the whole path) under each directory (``.`` by default);
  ``-e EXT`` is ``*.EXT``;
* ``locate``/``plocate``/``mlocate``/``slocate PATTERN…``: a pattern without a wildcard is found
  anywhere in the path (``/**P**``), one with a wildcard is the whole path, ``-r`` a regex;
* ``rg``/``grep`` printing file names (``rg --files``, ``rg -l``, ``grep -rl``): ``rg``'s ``-g``
  globs (negations ``!…`` left out) under each directory, or every file under each;
* ``ls`` and ``echo``/``printf`` of a glob or a path: the words themselves.

A word that is one substitution of a listing (``cat $(find ~/.aws -type f)``, `` cat `locate
x` ``) stands for the same globs (:func:`listed_output`), and ``xargs -I R PROG R`` reads what
it is fed as ``xargs PROG`` does (:func:`replace_marks`).

Not listed (None): any other program; a listing the line does not narrow (a variable, an
unreadable regex) adds nothing and stays a file named at run time.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from goalrail.policies.builtins._shell_types import SimpleCommand, Word
from goalrail.policies.builtins._wrappers import names

__all__ = [
    "fd_runs",
    "find_globs",
    "find_starts",
    "listed",
    "listed_output",
    "may_list",
    "prints_nul",
    "regex_glob",
    "replace_marks",
]

_FIND_NAMES = names("-name -iname")
_FIND_PATHS = names("-path -ipath -wholename -iwholename")
_FIND_REGEX = names("-regex -iregex")
_LOCATES = names("locate plocate mlocate slocate")
_LOCATE_VALUED = names("-d --database -l -n --limit --regexp")
_FD_VALUED = names(
    "-e --extension -t --type -d --max-depth --min-depth -E --exclude -S --size -c --color -j --threads "
    "--changed-within --changed-before -o --owner --base-directory --search-path --max-results --format "
    "--path-separator --ignore-file"
)
_FD_EXEC = names("-x --exec -X --exec-batch")
_RG_VALUED = names(
    "-g --glob --iglob -t --type -T --type-not -e --regexp -f --file -m --max-count -d --max-depth -j --threads "
    "-A -B -C --context --after-context --before-context -M --max-columns --color --colors --sort --sortr "
    "--type-add --encoding -E --pre --pre-glob --ignore-file --path-separator"
)
_LISTS_MATCHES = names("-l --files-with-matches -L --files-without-match --files")
_LEADERS = names("sudo doas nice nohup command time stdbuf ionice")
_REGEX_SIMPLE = re.compile(r"^(?:\.\*|\.\+|\.|\\.|\[[^\]]*\]|[^.*+?()|{}\[\]\\^$])*$")
_REGEX_PART = re.compile(r"\.\*|\.\+|\.|\\.|\[[^\]]*\]|[^.*+?()|{}\[\]\\^$]")


def regex_glob(regex: str, anywhere: bool) -> str | None:
    """``regex`` (simple: literals, ``.``, ``.*``, ``.+``, escapes, brackets, ``^``/``$`` at the
    ends) as a glob over whole paths; with ``anywhere``, found anywhere (unanchored); None else."""
    head, tail = regex.startswith("^"), regex.endswith("$") and not regex.endswith("\\$")
    body = regex[int(head) : len(regex) - int(tail)]
    if _REGEX_SIMPLE.match(body) is None:
        return None
    out: list[str] = []
    for part in _REGEX_PART.findall(body):
        if part == ".*":
            out.append("**")
        elif part == ".+":
            out.append("?**")
        elif part == ".":
            out.append("?")
        elif part[0] == "\\":
            out.append("\\" + part[1] if part[1] in "*?[]\\" else part[1])
        else:
            out.append(part)
    glob = "".join(out)
    if anywhere:
        glob = ("" if head else "**") + glob + ("" if tail else "**")
    return glob


def _below(start: str, name: str) -> list[str]:
    """A name matched at any depth under ``start``: in it, or further down (``**/`` is one or more)."""
    head = start.rstrip("/")
    return [f"{head}/{name}", f"{head}/**/{name}"]


def _whole(pattern: str, start: str) -> str:
    """A pattern over a whole path (``*`` crossing ``/``) as a glob, below ``start`` when relative."""
    glob = re.sub(r"\*+", "**", pattern)
    if glob[:1] in ("/", "~"):
        return glob
    if glob.startswith("**"):
        return f"{start.rstrip('/') or ''}/{glob}"
    return posixpath.join(start, glob[2:] if glob.startswith("./") else glob)


def find_globs(words: list[Word]) -> list[str]:
    """The globs ``find``'s tests (``words``: its arguments) narrow its listing to; none when none does."""
    got = _find(words)
    return [] if all(g.endswith("/**") and "*" not in g[:-3] for g in got) else got


#: ``find``'s options before its start paths (``-L``: follow links), besides ``-D X`` and ``-O3``
_FIND_LEADING = names("-H -L -P")


def find_starts(words: list[Word]) -> tuple[list[Word], int]:
    """``find``'s start paths among its arguments ``words``, after its leading options (``find -L
    ~/.aws -name x`` starts at ``~/.aws``), and the index where its expression begins."""
    i = 0
    while i < len(words) and not words[i][1]:
        text = words[i][0]
        if text in _FIND_LEADING or (text[:2] == "-O" and text[2:].isdigit()) or (text[:2] == "-D" and text != "-D"):
            i += 1
        elif text == "-D":
            i += 2
        else:
            break
    start = i
    while i < len(words) and (words[i][1] or not words[i][0].startswith(("-", "(", "!"))):
        i += 1
    return words[start:i], i


def _find(words: list[Word]) -> list[str]:
    starts = [text for text, _ in find_starts(words)[0]] or ["."]
    out: list[str] = []
    narrowed = False
    for i, (text, _) in enumerate(words[:-1]):
        value, negated = words[i + 1][0], i > 0 and words[i - 1][0] in ("!", "-not")
        if text in _FIND_NAMES or text in _FIND_PATHS or text in _FIND_REGEX:
            narrowed = True
            if negated:
                continue
            for start in starts:
                if text in _FIND_NAMES:
                    out += _below(start, value)
                    continue
                glob = value if text in _FIND_PATHS else regex_glob(value, False)
                if glob is None:
                    return [f"{s.rstrip('/')}/**" for s in starts]
                whole, below = _whole(glob, start), f"{start.rstrip('/')}/**/"
                out.append(whole)
                if whole.startswith(below):  # (`*/x` matches `START/x` too: `**/` is one or more)
                    out.append(f"{start.rstrip('/')}/{whole[len(below) :]}")
    return out if narrowed else [f"{s.rstrip('/')}/**" for s in starts]


def _split(words: list[Word], valued: frozenset[str]) -> tuple[list[str], dict[str, list[str]]]:
    ops: list[str] = []
    given: dict[str, list[str]] = {}
    skip = False
    for i, (text, _) in enumerate(words):
        if skip:
            skip = False
            continue
        if text.startswith("-") and len(text) > 1:
            flag, eq, value = text.partition("=")
            if flag in valued:
                if not eq:
                    value, skip = (words[i + 1][0] if i + 1 < len(words) else ""), True
                given.setdefault(flag, []).append(value)
            else:
                given.setdefault(flag, [])
            continue
        ops.append(text)
    return ops, given


def _fd(words: list[Word]) -> list[str]:
    cut = next((i for i, (t, _) in enumerate(words) if t in _FD_EXEC), len(words))
    ops, given = _split(words[:cut], _FD_VALUED)
    dirs = ops[1:] or given.get("--search-path") or ["."]
    exts = given.get("-e", []) + given.get("--extension", [])
    pattern = ops[0] if ops else ""
    if "-g" in given or "--glob" in given:
        name = pattern or "*"
    else:
        name = (regex_glob(pattern, True) if pattern else None) or "*"
    full = "-p" in given or "--full-path" in given
    names_ = [f"{name.rstrip('*')}*.{e}" if name != "*" else f"*.{e}" for e in exts] if exts else [name]
    return [g for d in dirs for n in names_ for g in ([_whole(n, d)] if full else _below(d, n))]


def _locate(words: list[Word]) -> list[str]:
    ops, given = _split(words, _LOCATE_VALUED)
    regexes = given.get("--regexp", [])
    if "-r" in given:
        regexes, ops = regexes + ops[:1], ops[1:]
    out: list[str] = []
    for rx in regexes:
        glob = regex_glob(rx, True)
        out.append("/**" if glob is None else "/" + glob.lstrip("/"))
    basename = "-b" in given or "--basename" in given
    for p in ops:
        wild = re.search(r"[*?\[]", p) is not None
        if basename:
            out.append(f"/**/{p}" if wild else f"/**/*{p}*")
        else:
            out.append(("/" + re.sub(r"\*+", "**", p).lstrip("/")) if wild else f"/**{p}**")
    return out


def _searched(words: list[Word], rg: bool) -> list[str] | None:
    ops, given = _split(words, _RG_VALUED if rg else names("-e --regexp -f --file -m --max-count"))
    flags = set(given) | {f"-{c}" for t in given if t[:2] != "--" for c in t[1:]}
    if not flags & _LISTS_MATCHES:
        return None
    has_pattern = "--files" not in flags and not ({"-e", "--regexp", "-f", "--file"} & set(given))
    dirs = ops[1:] if has_pattern else ops
    dirs = dirs or ["."]
    globs = [g for g in given.get("-g", []) + given.get("--glob", []) + given.get("--iglob", []) if g[:1] != "!"]
    if not globs:
        return [f"{d.rstrip('/')}/**" for d in dirs]
    return [
        x for d in dirs for g in globs for x in ([f"{d.rstrip('/')}/{g.lstrip('/')}"] if "/" in g else _below(d, g))
    ]


#: a command's text that may be a listing (the words are read only then: `grep -rn x . | sort` is none)
_MAY_LIST = re.compile(
    rb"^(?:\S*/)?(?:(?:sudo|doas|nice|nohup|command|time|stdbuf|ionice)\s+(?:\S*/)?)*"
    rb"(?:(?:find|fd|fdfind|locate|plocate|mlocate|slocate|ls|echo|printf)\b"
    rb"|(?:rg|e?grep|fgrep)\s(?:.*\s)?(?:-[A-Za-z]*[lL]|--files))"
)


def may_list(text: bytes) -> bool:
    """Whether a command spelled ``text`` may list files (a cheap test before its words are read)."""
    return _MAY_LIST.match(text) is not None


_SUBSTITUTION = re.compile(r"^(?:\$\(([^()$`;&|<>]*)\)|`([^`$();&|<>]*)`)$")


def listed_output(text: str) -> tuple[tuple[str, ...], bool] | None:
    """A word that is one substitution of a listing (``$(find ~/.aws -name 'cred*')``, `` `locate
    x` ``, ``$(ls ~/.aws/*)``): its globs, as :func:`listed`'s; None for any other word."""
    m = _SUBSTITUTION.match(text)
    if m is None:
        return None
    try:
        words = shlex.split(m.group(1) if m.group(1) is not None else m.group(2))
    except ValueError:
        return None
    return listed([(w, False) for w in words[:64]])


def listed(words: list[Word]) -> tuple[tuple[str, ...], bool] | None:
    """The globs the paths a listing program's ``words`` print may match (module doc), and whether
    they are the line's own words (``ls``, ``echo``: judged as the shell's globs are), or None."""
    while words and words[0][0] in _LEADERS:
        words = words[1:]
    if not words or words[0][1]:
        return None
    prog, rest = posixpath.basename(words[0][0]), words[1:]
    got: list[str] | None
    if prog == "find":
        got = _find(rest)
    elif prog in ("fd", "fdfind"):
        got = _fd(rest)
    elif prog in _LOCATES:
        got = _locate(rest)
    elif prog in ("rg", "grep", "egrep", "fgrep"):
        got = _searched(rest, prog == "rg")
    elif prog in ("ls", "echo", "printf"):
        got = [t for t, _ in rest if not t.startswith("-") and "%" not in t]
    else:
        return None
    own = prog in ("ls", "echo", "printf")
    return (tuple(g for g in got if g), own) if got else None


#: a listing's words that print something besides its paths (``find -printf``, what ``-exec`` runs)
_FIND_PRINTS = names("-print -printf -fprint -fprint0 -fprintf -ls -fls -exec -execdir -ok -okdir")
_GREP_FLAGS = frozenset("rRlLiIwsHnvZ")


def prints_nul(words: list[Word]) -> bool:
    """Whether a listing's ``words`` (all known before run time) print its paths NUL-separated and
    nothing else: ``find … -print0``, ``fd -0``, ``locate -0``, ``rg --files -0``/``rg -l --null``,
    ``grep -rlZ``.  ``xargs -0`` then hands on exactly those paths, whatever their names hold (one
    named ``a .env b.py`` stays one path, where a whitespace split hands ``.env`` on)."""
    while words and words[0][0] in _LEADERS:
        words = words[1:]
    if not words or any(dyn for _, dyn in words):
        return False
    prog, texts = posixpath.basename(words[0][0]), {text for text, _ in words[1:]}
    if prog == "find":
        return "-print0" in texts and not _FIND_PRINTS & texts
    if prog in ("fd", "fdfind"):
        return bool(texts & {"-0", "--print0"}) and not _FD_EXEC & texts
    if prog in _LOCATES or prog == "rg":
        return bool(texts & {"-0", "--null"})
    if prog in ("grep", "egrep", "fgrep"):
        return "--null" in texts or any(
            t[:1] == "-" and t[1:2] != "-" and "Z" in t and set(t[1:]) <= _GREP_FLAGS for t in texts
        )
    return False


def fd_runs(name: str, words: list[Word]) -> tuple[str, ...]:
    """``fd … -x PROG``/``-X PROG`` (``name``, its arguments ``words``): the globs of the files fd
    hands to the program (none without ``-x``)."""
    if name not in ("fd", "fdfind") or not any(t in _FD_EXEC for t, _ in words):
        return ()
    return (listed([(name, False), *words]) or ((), False))[0]


def replace_marks(cmd: SimpleCommand) -> tuple[str, ...]:
    """``xargs -I R``/``--replace=R``/``-i``'s replace string ``R`` (what each line read stands for)."""
    marks: tuple[str, ...] = ()
    for wrapper in cmd.wrappers:
        for opt in wrapper.args if wrapper.name == "xargs" else ():
            if opt.startswith(("-I ", "--replace=")):
                marks += (opt[3:] if opt.startswith("-I ") else opt.partition("=")[2] or "{}",)
            elif opt in ("-i", "--replace"):
                marks += ("{}",)
    return marks
