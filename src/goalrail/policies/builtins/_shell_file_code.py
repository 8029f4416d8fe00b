"""The files interpreter code on a shell line reads, writes and deletes (``python3 -c …``,
``node -e …``, a heredoc fed to ``ruby``), for ``_shell_file_effects``.

A quoted string in the code that looks like a path is read (a glob's too: ``glob.glob('~/.aws/*')``,
what it may name; with every file under it when the code copies or archives a tree:
``shutil.copytree``, ``make_archive``, ``tarfile``, ``FileUtils.cp_r``, ``fs.cpSync``); written when
the code writes anything, deleted when it deletes anything (recursively when it removes trees).
The calls ``_code_files`` reads (``shutil.rmtree('/')``, ``fs.rmSync(process.env.HOME, …)``) add
their own paths, or an unknown one.  ``perl``/``ruby``
with ``-n``/``-p`` read their operands, and ``-i`` edits them in place.  With no code on the line
(``python3 f``), the script file is read and handed its words (``python -m json.tool`` as its twin).
"""

from __future__ import annotations

import posixpath
import re

from goalrail.policies.builtins._code_files import code_files
from goalrail.policies.builtins._glob_rules import is_glob
from goalrail.policies.builtins._interpreter_code import Linear
from goalrail.policies.builtins._interpreters import inline_code
from goalrail.policies.builtins._shell_file_awk import awk_assignment, awk_files, awk_text
from goalrail.policies.builtins._shell_file_edscripts import EDITOR_SCRIPTS, editor_files
from goalrail.policies.builtins._shell_file_filters import MODULES, run_module
from goalrail.policies.builtins._shell_file_operands import letters
from goalrail.policies.builtins._shell_file_programs import DELETE, READ, WRITE, Adds
from goalrail.policies.builtins._shell_file_sed import sed_files
from goalrail.policies.builtins._shell_file_sql import SQL_CLIENTS, sql_client
from goalrail.policies.builtins._shell_file_words import UNKNOWN
from goalrail.policies.builtins._shell_types import SimpleCommand, Word

__all__ = ["code_effects", "script_effects"]

#: a quoted string in code that looks like a path: starts with /, ~, ./, ../ or a dot-name
_CODE_PATH = re.compile(r"""(["'])((?:/|~|\.{1,2}/|\.[\w-])[^"'\s]{0,4095})\1""")
#: (RE2: ``open(`` then ``[^)]*`` was quadratic in ``re`` over thousands of unclosed ``open(``)
_CODE_WRITES = Linear(
    r"""\b(write\w*|unlink\w*|remove|rmtree|rmdir|rename\w*|replace|chmod\w*|truncate|copy\w*|move|extract\w*|unpack\w*|open\w*\s*\([^)]*["'][wax+])""",
    ignorecase=False,
)
_CODE_DELETES = re.compile(r"\b(unlink\w*|remove|rmtree|rmdir|rm_rf|rm|delete)\b")
_CODE_TREES = re.compile(r"rmtree|rm_rf|rm_r\b|remove_tree|remove_dir|recursive")
#: calls that copy or archive a directory whole: the paths the code names are read with every file under them
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})
#: the options giving awk or sed its program beside a script file (``gawk -f lib.awk -e 'BEGIN{…}'``)
_CODE_GIVEN = frozenset({"-e", "--source", "--expression"})
_CODE_TREE_READS = re.compile(r"copytree|copy_tree|make_archive|tarfile|cp_r\b|copy_entry|cpSync|fs\.cp\b|dircopy")


def code_effects(
    line: Adds,
    out: list[tuple[str, str, int, str]],
    cmd: SimpleCommand,
    prog: str,
    words: list[Word],
    ops: list[Word],
    flags: set[str],
    base: str | None,
) -> None:
    """What ``cmd`` (``prog`` with its ``words``, operands ``ops`` and option ``flags``) does to files,
    added to ``line``; a path the code names only at run time appended to ``out`` as unknown."""
    doc = next(((r.target, r.dynamic) for r in cmd.redirects if r.op in ("<<", "<<-", "<<<")), None)
    if prog in SQL_CLIENTS:  # `psql -c "\\o F"`, `mysql -e "… INTO OUTFILE 'F'"`: the files its SQL names
        sql_client(line, prog, words, doc, base)
        return
    found = inline_code(prog, words, doc)
    if found is None:  # `python3 f`: a script file run, its text read, and what it is handed
        if ops and ops[0][0] in MODULES and not ops[0][1] and "m" in letters(flags):  # `python -m json.tool`
            run_module(line, ops[0][0], words[words.index(ops[0]) + 1 :], base)
        if ops:
            line.add(READ, ops[0], base=base)
            line.hand(posixpath.basename(ops[0][0]), ops[1:], base)
        return
    code = found
    text = "\n".join(c for c, _ in code)
    writes = _CODE_WRITES.found(text)
    deletes = writes and _CODE_DELETES.search(text) is not None
    trees = deletes and _CODE_TREES.search(text) is not None  # (`getattr(shutil, 'rmtree')('/')`)
    whole = _CODE_TREE_READS.search(text) is not None  # (`shutil.copytree('/home/me/.mozilla', d)`)
    for m in _CODE_PATH.finditer(text):  # (a glob's: `glob.glob('~/.aws/*')`, `Dir.glob(…)`, what it may name)
        line.add(READ, (m.group(2), is_glob(m.group(2))), tree=whole, base=base)
        if writes:
            line.add(WRITE, (m.group(2), False), base=base)
        if deletes:
            line.add(DELETE, (m.group(2), False), tree=trees, base=base)
    for kind, path, tree in code_files(prog, text):  # `shutil.rmtree('/')`, `fs.rmSync(process.env.HOME, …)`
        if path is None:
            out.append((kind, "*", UNKNOWN, ""))
        else:
            line.add(kind, (path, False), tree=tree, base=base)
    switches = letters(flags)
    if prog in ("perl", "ruby") and code and any(c in switches for c in "inp"):  # `perl -ne …`, `-pi`
        codes = {c for c, _ in code}
        for w in ops:
            if w[0] not in codes:
                line.add(READ, w, base=base)
                if "i" in switches:  # edited in place
                    line.add(WRITE, w, base=base)


def script_effects(line: Adds, cmd: SimpleCommand, name: str, words: list[Word], base: str | None) -> None:
    """The files an awk or sed program on the line names in its text (``_shell_file_awk``,
    ``_shell_file_sed``), and a line editor's script (``_shell_file_edscripts``)."""
    family = "awk" if name in _AWKS else "sed" if name in ("sed", "gsed") else None
    if family is None and name not in EDITOR_SCRIPTS:
        return
    doc = next(((r.target, r.dynamic) for r in cmd.redirects if r.op in ("<<", "<<-", "<<<")), None)
    if family is None:  # ed's, ex's, vim's commands (`w F`, `r F`, `e F`)
        for kind, word in editor_files(cmd, name, words, doc):
            line.add(kind, word, base=base)
        return
    code = inline_code(name, words, doc)
    if code is None and any(w.partition("=")[0] in _CODE_GIVEN for w, _ in words):  # `gawk -f x.awk -e …`
        code = inline_code(name, _without_script_files(words), doc)
    if code == [("", False)] and family == "sed":  # BSD `sed -i '' SCRIPT F`: the script after the suffix
        code = words[words.index(("", False)) + 1 :][:1]
    for text, dyn in code or ():
        if family == "sed":
            for kind, path in sed_files(text):
                line.add(kind, (path, dyn and "$" in path), base=base)
            continue
        for kind, path, held in awk_files(text, _awk_given(words)):
            line.add(kind, (path, held or (dyn and "$" in path)), base=base)


def _without_script_files(words: list[Word]) -> list[Word]:
    """``words`` without their ``-f FILE``/``--file=FILE`` options."""
    out: list[Word] = []
    skip = False
    for text, dyn in words:
        if not skip and not text.startswith("--file=") and text not in ("-f", "--file"):
            out.append((text, dyn))
        skip = text in ("-f", "--file") and not skip
    return out


def _awk_given(words: list[Word]) -> dict[str, list[tuple[str, bool]]]:
    """The literals awk's command line gives its variables: ``-v NAME=VALUE``, ``--assign=…``, a
    ``NAME=VALUE`` operand."""
    given: dict[str, list[tuple[str, bool]]] = {}
    for text, dyn in words:
        if text.startswith("--assign="):
            value = text.removeprefix("--assign=")
        elif text.startswith("-v") and len(text) > 2:  # (`-vNAME=VALUE`)
            value = text[2:]
        elif not text.startswith("-"):  # (`-v NAME=VALUE`'s value, an operand)
            value = text
        else:
            continue
        if (pair := awk_assignment(value)) is not None:
            given.setdefault(pair[0], []).append((awk_text(pair[1]), dyn))
    return given
