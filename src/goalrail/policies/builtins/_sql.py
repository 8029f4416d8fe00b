"""SQL text as a database reads it: one statement at a time, comments removed, each with the
action it is (``database_read``, ``database_write``, ``database_delete``, ``database_execute``).

A ``database_*`` rule is a regex on the statement a tool sends, so the text as written hides what
runs from it: ``DROP/**/TABLE t`` escapes ``DROP\\s+TABLE``, ``SELECT 1; DROP TABLE t`` escapes
``^\\s*DROP``, ``UPDATE t SET a = 1 -- WHERE id = 1`` passes ``(?!.*WHERE)``, and a tool mapped to
``database_read`` may send a ``DELETE``.  :func:`statements` splits the text at the semicolons the
database splits at (not inside quotes, quoted names, ``$$`` bodies or comments), replaces each
comment by a space, keeps what MySQL runs of an executable comment (``/*!50000 DROP TABLE t */``),
collapses whitespace, and names each statement's action by its verb.  Where two dialects read
the text differently (a backslash in a string ends it in PostgreSQL but escapes the quote in
MySQL; ``#`` starts a comment only in MySQL) both readings are given.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from goalrail.policies.builtins._wrappers import names

__all__ = ["DELETE", "EXECUTE", "READ", "UNKNOWN", "WRITE", "statements"]

READ = "database_read"
WRITE = "database_write"
DELETE = "database_delete"
EXECUTE = "database_execute"
#: a statement the text names but does not show (``\i file``, ``source file``, sqlite's ``.read``)
UNKNOWN = "unknown"
#: statements read from one text, at most (the rest are asked about as unknown)
MAX_STATEMENTS = 256
_TOO_MANY = "\0"
#: text longer than this is not split (asked about as unknown)
MAX_CHARS = 100_000

_READS = frozenset({"SELECT", "SHOW", "DESCRIBE", "DESC", "TABLE", "VALUES", "USE", "HELP", "LISTEN", "FETCH"})
_WRITES = frozenset({"INSERT", "UPDATE", "UPSERT", "REPLACE", "MERGE", "COPY", "LOAD", "IMPORT", "HANDLER"})
#: statements that change no data: a transaction's bounds
_NOTHING = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT"})
_DML = re.compile(r"\b(DELETE|UPDATE|INSERT|MERGE|UPSERT|REPLACE|TRUNCATE|DROP|ALTER|CREATE|GRANT)\b", re.I)
_VERB_KIND = {"DELETE": DELETE, "TRUNCATE": EXECUTE, "DROP": EXECUTE, "ALTER": EXECUTE, "CREATE": EXECUTE}
_VERB_KIND.update(GRANT=EXECUTE)
_INTO = re.compile(r"\bINTO\b", re.I)
_WORD = re.compile(r"[A-Za-z_]+")
_SPACE = re.compile(r"\s+")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")
_EXECUTED = re.compile(r"/\*M?!\d*(.*?)\*/", re.S)
_SPACES = ("", " ", "\t", "\r", "\n")
_PARENS = re.compile(r"[()]")
#: statements read inside one WITH or EXPLAIN ANALYZE, at most
_MAX_INNER = 8
_STOPS = re.compile(r"['\"`$\-#/;\\.]")
_DELIMITER = re.compile(r"(?im)^[ \t]*delimiter[ \t]+(\S+)[ \t]*$")
#: SQLite pragmas that take an argument and only read
_PRAGMA_READS = names(
    "table_info table_xinfo table_list index_list index_info index_xinfo foreign_key_list foreign_key_check "
    "integrity_check quick_check"
)
#: psql's commands that read a file of statements, MySQL's ``source``
_INCLUDES = frozenset({"i", "ir", "include", "include_relative"})


def _scan(text: str, mysql: bool, delimiters: tuple[str, ...]) -> list[str]:
    """``text`` cut into statements (comments as spaces); MySQL's reading when ``mysql``.  Plain
    text between the characters that matter is copied in one piece."""
    extra = re.escape("".join(d[0] for d in delimiters))
    stops = re.compile(_STOPS.pattern[:-1] + extra + "]") if delimiters else _STOPS
    out: list[str] = []
    buf: list[str] = []
    fresh = True  # nothing but whitespace in the statement yet
    i, n = 0, len(text)
    while i < n:
        m = stops.search(text, i)
        j = n if m is None else m.start()
        if j > i:
            buf.append(text[i:j])
            fresh = fresh and not text[i:j].strip()
            i = j
            if i >= n:
                break
        c = text[i]
        if c in "'\"`":
            j = _quoted_end(text, i, c, mysql and c != "`")
        elif c == "$" and not mysql and (d := _DOLLAR.match(text, i)) is not None:
            end = text.find(d.group(0), d.end())
            j = n if end < 0 else end + len(d.group(0))
        elif (c == "#" and mysql) or (text.startswith("--", i) and (not mysql or text[i + 2 : i + 3] in _SPACES)):
            j, c = _line_end(text, i), " "
        elif text.startswith("/*", i):
            j, c = _comment_end(text, i, mysql), " "
        elif c in "\\." and fresh:  # a client command: to the end of its line
            j = _line_end(text, i)
            out.append(text[i:j])
            i = j
            continue
        elif c == ";" or (delimiters and any(text.startswith(d, i) for d in delimiters)):
            if len(out) >= MAX_STATEMENTS:
                return [*out, _TOO_MANY]
            out.append("".join(buf))
            buf, fresh = [], True
            i += 1 if c == ";" else next(len(d) for d in delimiters if text.startswith(d, i))
            continue
        else:
            j = i + 1
        if c == " ":  # a comment: one space
            buf.append(c)
        else:
            buf.append(text[i:j])
            fresh = False
        i = j
    out.append("".join(buf))
    return out


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def _quoted_end(text: str, i: int, quote: str, backslash: bool) -> int:
    """The index after the quoted span opening at ``i`` (doubled quotes; ``\\`` escapes in MySQL)."""
    j, n = i + 1, len(text)
    while True:
        k = text.find(quote, j)
        if backslash:
            b = text.find("\\", j)
            if b >= 0 and (k < 0 or b < k):
                j = b + 2
                continue
        if k < 0:
            return n
        if text.startswith(quote, k + 1):
            j = k + 2
            continue
        return k + 1


def _comment_end(text: str, i: int, mysql: bool) -> int:
    """The index after the block comment opening at ``i`` (nested in PostgreSQL, not in MySQL)."""
    n = len(text)
    if mysql:
        end = text.find("*/", i + 2)
        return n if end < 0 else end + 2
    depth, j = 0, i
    while True:
        opening, closing = text.find("/*", j), text.find("*/", j)
        if closing < 0:
            return n
        if 0 <= opening < closing:
            depth, j = depth + 1, opening + 2
        else:
            depth, j = depth - 1, closing + 2
            if depth == 0:
                return j


def kind_of(statement: str) -> str | None:
    """The action ``statement`` (comments removed, one statement) is; None for a transaction's
    bounds and client commands that touch no data."""
    if statement.startswith("\\"):
        return _client_command(statement)
    if statement.startswith("."):
        return _dot_command(statement)
    words = _WORD.findall(statement[:200])
    if not words:
        return None
    verb = words[0].upper()
    if verb in _NOTHING:
        return None if verb != "START" or (len(words) > 1 and words[1].upper() == "TRANSACTION") else EXECUTE
    if verb == "SOURCE":  # MySQL's client reads a file of statements
        return UNKNOWN
    if verb == "WITH" or (verb == "EXPLAIN" and re.search(r"\bANALY[SZ]E\b", statement[:200], re.I)):
        found = [_VERB_KIND.get(v.upper(), WRITE) for v in _DML.findall(statement)]
        return _strictest(found) if found else READ
    if verb == "EXPLAIN":
        return READ
    if verb == "PRAGMA":
        name = words[-1].lower() if len(words) < 2 else words[1].lower()
        sets = "=" in statement or ("(" in statement and name not in _PRAGMA_READS)
        return EXECUTE if sets else READ
    if verb in _READS:
        return WRITE if verb == "SELECT" and _INTO.search(statement) else READ
    if verb in _WRITES:
        return EXECUTE if verb == "COPY" and re.search(r"\bPROGRAM\b", statement, re.I) else WRITE
    if verb == "DELETE":
        return DELETE
    return EXECUTE


def _client_command(statement: str) -> str | None:
    """psql's backslash commands: an include reads a file of statements; ``\\copy`` writes a table
    (``from``) or reads one; the rest (``\\d``, ``\\x``, ``\\!`` — the shell analysis reads that) none."""
    words = statement[1:].split()
    name = words[0] if words else ""
    if name in _INCLUDES:
        return UNKNOWN
    if name == "copy":
        return WRITE if re.search(r"\bfrom\b", statement, re.I) else READ
    return None


def _inner(statement: str) -> list[tuple[str, str]]:
    """The statements a ``WITH`` or ``EXPLAIN ANALYZE`` runs, each from its verb to the end of its
    parentheses: ``WITH x AS (DELETE FROM t RETURNING *) SELECT …`` holds ``DELETE FROM t
    RETURNING *``, which a rule on unbounded deletes meets."""
    out = []
    for m in islice(_DML.finditer(statement), _MAX_INNER):
        depth, end = 0, len(statement)
        for p in _PARENS.finditer(statement, m.start()):
            depth += 1 if p.group() == "(" else -1
            if depth < 0:
                end = p.start()
                break
        out.append((_VERB_KIND.get(m.group(1).upper(), WRITE), statement[m.start() : end].strip()))
    return out


#: sqlite3's and duckdb's dot commands that reach the data (any other touches none); a command
#: may be abbreviated, so a prefix is read as the strictest command it may be
_DOTS = {"read": UNKNOWN, "import": WRITE, "restore": EXECUTE, "load": EXECUTE}


def _dot_command(statement: str) -> str | None:
    word = statement[1:].split(" ", 1)[0].lower()
    found = [kind for name, kind in _DOTS.items() if word and name.startswith(word)]
    return _strictest(found) if found else None


_RANK = {READ: 0, WRITE: 1, DELETE: 2, EXECUTE: 3, UNKNOWN: 4}


def _strictest(kinds: list[str]) -> str:
    return max(kinds, key=_RANK.__getitem__)


def statements(text: str) -> tuple[tuple[str, str], ...]:
    """(action, statement) for each statement ``text`` holds, comments removed and whitespace
    collapsed, in each dialect's reading; ``(UNKNOWN, "")`` when it is too long to read.  Cached
    for texts up to 4,096 characters (the cache stays bounded in memory)."""
    return _cached(text) if len(text) <= 4096 else _statements(text)


@lru_cache(maxsize=1024)
def _cached(text: str) -> tuple[tuple[str, str], ...]:
    return _statements(text)


def _statements(text: str) -> tuple[tuple[str, str], ...]:
    if len(text) > MAX_CHARS:
        return ((UNKNOWN, ""),)
    delimiters = tuple(d for d in _DELIMITER.findall(text) if d != ";")
    if delimiters:  # MySQL's client: `DELIMITER //` then statements ending in `//`
        text = _DELIMITER.sub(" ; ", text)
    mysql = _EXECUTED.sub(r" \1 ", text)  # MySQL runs what `/*!50000 … */` holds
    pieces = _scan(text, False, delimiters) + _scan(mysql, True, delimiters)
    out: dict[tuple[str, str], None] = {}
    for piece in pieces:
        if piece is _TOO_MANY:
            out[(UNKNOWN, "")] = None
            continue
        statement = _SPACE.sub(" ", piece).strip()
        kind = kind_of(statement) if statement else None
        if kind is not None:
            out[(kind, statement)] = None
            if kind != READ and statement.split(" ", 1)[0].upper() in ("WITH", "EXPLAIN"):
                out.update(dict.fromkeys(_inner(statement)))
        if len(out) >= MAX_STATEMENTS:
            out[(UNKNOWN, "")] = None
            break
    return tuple(out)
