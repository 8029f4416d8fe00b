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
from goalrail.policies.builtins._shell_file_filters import MODULES, run_module
from goalrail.policies.builtins._shell_file_operands import letters
from goalrail.policies.builtins._shell_file_programs import DELETE, READ, WRITE, Adds
from goalrail.policies.builtins._shell_file_sql import SQL_CLIENTS, sql_client
from goalrail.policies.builtins._shell_file_words import UNKNOWN
from goalrail.policies.builtins._shell_types import SimpleCommand, Word

__all__ = ["code_effects"]

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
