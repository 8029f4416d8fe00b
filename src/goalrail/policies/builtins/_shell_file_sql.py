"""The files SQL clients' code names, for ``_shell_file_effects``: what ``psql -c``/``mysql -e``
(``inline_code``: options, a here-document) and ``sqlite3``'s statements read and write.

* psql's meta-commands: ``\\o F``/``\\out F``, ``\\w F``, ``\\g F``/``\\gx F``, ``\\s F``, ``\\e F``
  write ``F`` (``\\o |cmd`` is a pipe); ``\\i F``/``\\ir F``/``\\include F``, ``\\lo_import F`` read it;
  ``\\lo_export OID F`` writes it; ``\\copy … to F`` writes and ``\\copy … from F`` reads (quoted or not);
* SQL: ``COPY … TO 'F'``/``FROM 'F'`` (a file of the server: judged as this host's), ``lo_export(…, 'F')``
  write; ``pg_read_file('F')``, ``pg_read_binary_file``, ``pg_stat_file``, ``lo_import('F')``,
  ``LOAD_FILE('F')``, ``LOAD DATA [LOCAL] INFILE 'F'`` read; ``INTO OUTFILE``/``INTO DUMPFILE 'F'`` write;
* mysql's ``source F``/``\\. F`` read, ``tee F``/``\\T F`` write; sqlite3's ``.output F``/``.once F``,
  ``.backup``/``.save F``, ``.log F``, ``writefile('F', …)`` write, ``.read F``, ``.import F T``,
  ``.restore``/``.open F`` and ``readfile('F')`` read;
* the clients' options: ``psql -o F``/``-L F``, ``mysql --tee=F`` write ``F``; ``psql -f F`` reads it.

Every pattern is RE2 (``Linear``): the code is the agent's.
"""

from __future__ import annotations

from goalrail.policies.builtins._interpreter_code import Linear
from goalrail.policies.builtins._interpreters import inline_code
from goalrail.policies.builtins._shell_file_operands import operands
from goalrail.policies.builtins._shell_file_programs import READ, WRITE, Adds
from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names

__all__ = ["SQL_CLIENTS", "sql_client", "sql_files"]

SQL_CLIENTS = frozenset({"psql", "mysql", "mariadb"})
#: a quoted file name (``'F'``, ``E'F'``, MySQL's ``"F"``) or, where allowed, a bare one
_QUOTED = r"""e?'([^']*)'|"([^"]*)\""""
_BARE = r"""([^\s'"|\\;][^\s\\;]*)"""
#: SQL ``COPY`` up to its statement's end (quotes kept whole); psql's ``\copy`` up to its line's end
_COPY = Linear(r"""(?:^|[^\w\\])copy\b((?:[^;'\\]|'[^']*')*)""")
_META_COPY = Linear(r"""\\copy\b((?:[^'\n\\]|'[^']*')*)""")
_COPY_TARGET = Linear(r"\b(to|from)\s+(?:" + _QUOTED + "|" + _BARE + ")")
_COPY_KEYWORDS = frozenset({"stdin", "stdout", "pstdin", "pstdout", "program"})
_NAME = "(?:" + _QUOTED + "|" + _BARE + ")"
_META_NAME = r"(?:'([^']*)'|" + _BARE + ")"
_LINE_START = r"(?:^|[\n;])[ \t]*"
_READ_CALLS = r"pg_read_file|pg_read_binary_file|pg_stat_file|lo_import|load_file|readfile"
#: (pattern, the action on the file it names): the name is the pattern's first group that matched
_FILES: tuple[tuple[Linear, str], ...] = (
    (Linear(r"\\(?:o|out|w|write|gx?|s|e|edit)(?:[ \t]+" + _META_NAME + ")", ignorecase=False), WRITE),
    (Linear(r"\\(?:i|ir|include|include_relative|lo_import)[ \t]+" + _META_NAME, ignorecase=False), READ),
    (Linear(r"\\lo_export[ \t]+\S+[ \t]+" + _META_NAME, ignorecase=False), WRITE),
    (Linear(r"\b(?:" + _READ_CALLS + r")\s*\(\s*(?:" + _QUOTED + ")"), READ),
    (Linear(r"\blo_export\s*\([^,)]*,\s*(?:" + _QUOTED + ")"), WRITE),
    (Linear(r"\bwritefile\s*\(\s*(?:" + _QUOTED + ")"), WRITE),
    (Linear(r"\binto\s+(?:out|dump)file\s+(?:" + _QUOTED + ")"), WRITE),
    (Linear(r"\binfile\s+(?:" + _QUOTED + ")"), READ),
    (Linear(_LINE_START + r"(?:(?i:source)|\\\.)[ \t]+" + _NAME, ignorecase=False), READ),
    (Linear(_LINE_START + r"(?:(?i:tee)|\\T)[ \t]+" + _NAME, ignorecase=False), WRITE),
    (Linear(_LINE_START + r"\.(?:output|once|backup|save|log)[ \t]+(?:-\S+[ \t]+)*" + _NAME), WRITE),
    (Linear(_LINE_START + r"\.(?:read|import|restore|open)[ \t]+(?:-\S+[ \t]+)*" + _NAME), READ),
)
#: the clients' options naming a file, and their values
_OPTIONS = {
    "psql": names("-c -d -h -p -U -v -P -o -T -L -F -R -f --output --log-file --file --command --dbname"),
    "mysql": names("-e -u -h -P -D -S --tee --execute --user --host --port --database --socket"),
}
_OPTION_FILES = {"-o": WRITE, "--output": WRITE, "-L": WRITE, "--log-file": WRITE, "--tee": WRITE}


def _first(groups: tuple[str | None, ...]) -> str | None:
    return next((g for g in groups if g is not None), None)


def _way(way: str | None) -> str:
    """``TO`` a file: a write; ``FROM`` it: a read."""
    return WRITE if (way or "").lower() == "to" else READ


def _copied(text: str) -> list[tuple[str, str]]:
    """The files ``COPY``/``\\copy`` write (``TO``) and read (``FROM``): a quoted name, or a bare one after
    psql's ``\\copy`` (its last ``TO``/``FROM``: a subquery's ``FROM t`` comes before it)."""
    out: list[tuple[str, str]] = []
    for pattern, bare in ((_COPY, False), (_META_COPY, True)):
        for (segment,) in pattern.groups(text):
            targets = _COPY_TARGET.groups(segment or "")
            for way, single, double, _word in targets:
                name = single if single is not None else double
                if name is not None:
                    out.append((_way(way), name))
            way, _single, _double, word = targets[-1] if bare and targets else (None, None, None, None)
            if word is not None and word.lower() not in _COPY_KEYWORDS:
                out.append((_way(way), word))
    return out


def sql_files(text: str) -> list[tuple[str, str]]:
    """(action, file) of each file the SQL or client commands ``text`` names."""
    out = _copied(text)
    for pattern, kind in _FILES:
        out += [(kind, name) for groups in pattern.groups(text) if (name := _first(groups))]
    return out


def sql_client(line: Adds, prog: str, words: list[Word], doc: Word | None, base: str | None) -> None:
    """What ``psql``/``mysql``/``mariadb`` with ``words`` (and ``doc`` on stdin) read and write; the
    words handed to it as to a program Goalrail does not know."""
    _ops, given, _flags = operands(words, _OPTIONS.get(prog, _OPTIONS["mysql"]))
    for option, values in given.items():
        for w in values:
            if option in _OPTION_FILES and w[0] != "-":
                line.add(WRITE, w, base=base)
            elif option in ("-f", "--file") and prog == "psql":
                line.add(READ, w, base=base)
    for text, dyn in inline_code(prog, words, doc) or ():
        for kind, name in sql_files(text):
            line.add(kind, (name, dyn), base=base)
    line.hand(prog, words, base)
