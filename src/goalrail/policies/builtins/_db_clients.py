"""The SQL a shell command sends to a database: ``psql -c``, ``mysql -e``, ``sqlite3 db SQL``,
text fed on stdin (``echo … | psql``, ``psql <<EOF``, ``mysql <<< …``), and the programs that
are one statement by name (``dropdb prod`` is ``DROP DATABASE prod``).

:func:`sent_sql` gives a command's statements as text, and whether it also sends statements
that cannot be read before it runs: a file (``psql -f x.sql``, ``mysql < dump.sql``, sqlite's
``-init``), another program's output on stdin, a word known only at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["CLIENTS", "fed_text", "sent_sql"]


@dataclass(frozen=True, slots=True)
class Client:
    sql: frozenset[str]  # options whose value is SQL: `-c X`, `-cX`, `--command X`, `--command=X`
    files: frozenset[str] = frozenset()  # options whose value is a file of SQL (`-` is stdin)
    value: frozenset[str] = frozenset()  # other options that take a value
    positional: int | None = None  # operands from this one on are SQL (sqlite3 DB SQL…)
    stdin: bool = True  # reads statements from stdin when given none
    attached: bool = True  # `-cSELECT` (getopt); sqlite3's options are words (`-cmd`)
    secret: str = ""  # an option whose value is only ever attached (`mysql -pPASSWORD`)
    keyspace: bool = False  # CQL: a keyspace is a database (`DROP KEYSPACE k` read as `DROP DATABASE k`)


_PSQL = Client(
    names("-c --command"),
    names("-f --file"),
    names(
        "-d --dbname -h --host -p --port -U --username -v --set --variable -o --output -L --log-file "
        "-P --pset -F --field-separator -R --record-separator -T --table-attr"
    ),
)
_MYSQL = Client(
    names("-e --execute --init-command --init-command-add"),
    value=names(
        "-D --database -h --host -P --port -u --user -S --socket --default-character-set --defaults-file "
        "--defaults-extra-file --login-path --plugin-dir --ssl-ca --ssl-cert --ssl-key --character-sets-dir "
        "--connect-timeout --max-allowed-packet --protocol --tee --pager --prompt --delimiter"
    ),
    secret="-p",
)
_SQLITE = Client(
    names("-cmd --cmd"),
    names("-init --init"),
    names(
        "-separator --separator -newline --newline -nullvalue --nullvalue -vfs --vfs -maxsize --maxsize "
        "-mmap --mmap -lookaside --lookaside -pagecache --pagecache -heap --heap -escape --escape -A"
    ),
    positional=1,
    attached=False,
)
_DUCKDB = Client(
    names("-c -s -cmd --cmd"),
    names("-f -init --init"),
    names("-separator --separator -newline --newline -nullvalue --nullvalue"),
    positional=1,
    attached=False,
)
_CLICKHOUSE = Client(
    names("-q --query"),
    names("--queries-file"),
    names("-h --host --port -u --user --password -d --database --format --config-file -C --param_"),
)
_COCKROACH = Client(
    names("-e --execute"),
    names("-f --file"),
    names("--url --host --port -p --database -d --user -u --certs-dir --format --set"),
)
_SQLCMD = Client(
    names("-Q -q"),
    names("-i"),
    names("-S -U -P -d -o -s -w -h -v -W -l -t -H -a -A -e -f -k -r -y -Y -z -Z"),
    stdin=False,
)
_SNOWSQL = Client(
    names("-q --query"), names("-f --filename"), names("-a --accountname -u --username -d -s -w -r -c --config")
)
#: Cassandra's shell: CQL, read as SQL with a keyspace for a database
_CQLSH = Client(
    names("-e --execute"),
    names("-f --file"),
    names(
        "-u --username -p --password -k --keyspace --cqlshrc --cqlversion --encoding --connect-timeout "
        "--request-timeout -t --protocol-version --consistency-level --serial-consistency-level"
    ),
    keyspace=True,
)
_KEYSPACE = re.compile(r"\bKEYSPACE\b", re.I)
_TRINO = Client(names("--execute"), names("-f --file"), names("--server --catalog --schema --user --output-format"))

CLIENTS: dict[str, Client] = {
    **dict.fromkeys(("psql", "usql"), _PSQL),
    **dict.fromkeys(("mysql", "mariadb", "mycli", "litecli"), _MYSQL),
    "sqlite3": _SQLITE,
    "duckdb": _DUCKDB,
    **dict.fromkeys(("clickhouse-client", "clickhouse-local", "clickhouse client", "clickhouse local"), _CLICKHOUSE),
    "cockroach sql": _COCKROACH,
    "sqlcmd": _SQLCMD,
    "snowsql": _SNOWSQL,
    **dict.fromkeys(("trino", "presto"), _TRINO),
    "cqlsh": _CQLSH,
}
#: programs that are one statement by name: (statement, the operand it names)
_BY_NAME = {
    "dropdb": "DROP DATABASE",
    "createdb": "CREATE DATABASE",
    "dropuser": "DROP ROLE",
    "createuser": "CREATE ROLE",
}
_ADMIN_VALUE = names("-h --host -p --port -U --username -u --user -P -S --socket --maintenance-db -T --template")
_MYSQLADMIN = {"drop": "DROP DATABASE", "create": "CREATE DATABASE", "shutdown": "SHUTDOWN", "kill": "KILL"}


def sent_sql(cmd: SimpleCommand) -> tuple[tuple[str, ...], bool] | None:
    """(the SQL texts ``cmd`` sends, whether it sends statements not readable before it runs);
    None when ``cmd`` is no database client."""
    name = cmd.name
    argv, dynamic = list(cmd.argv), list(cmd.dynamic)
    if name in ("clickhouse", "cockroach") and len(argv) > 1 and argv[1] in ("client", "local", "sql"):
        name, argv, dynamic = f"{name} {argv[1]}", argv[1:], dynamic[1:]
    if name == "bq":
        return _bq(argv, dynamic)
    if name in _BY_NAME or name == "mysqladmin":
        return _by_name(name, argv, dynamic)
    client = CLIENTS.get(name)
    if client is None:
        return None
    texts: list[str] = []
    operands: list[tuple[str, bool]] = []
    unknown, from_stdin = False, False
    i, n = 1, len(argv)
    while i < n:
        word, dyn = argv[i], dynamic[i]
        i += 1
        if dyn:  # an option or operand known only at run time (`psql $ARGS`)
            unknown = True
            continue
        if word == "--" or not word.startswith("-") or word == "-":
            operands.append((word, dyn))
            continue
        option, value, given = _option(word, client)
        if option is None:
            continue
        if not given:
            if i >= n:
                break
            value, vdyn = argv[i], dynamic[i]
            i += 1
            if vdyn and option in client.sql | client.files:
                unknown = True
                continue
        if option in client.sql:
            texts.append(value)
        elif option in client.files:
            from_stdin = from_stdin or value == "-"
            unknown = unknown or value != "-"
    if client.positional is not None:
        texts += [w for w, _ in operands[client.positional :] if w != "--"]
    if from_stdin or (client.stdin and not texts and not _any_file(client, argv)):
        fed, doubt = fed_text(cmd)
        texts += fed
        unknown = unknown or doubt
    if client.keyspace:
        texts = [_KEYSPACE.sub("DATABASE", t) for t in texts]
    return tuple(texts), unknown


def _option(word: str, client: Client) -> tuple[str | None, str, bool]:
    """(the option ``word`` is, if it takes a value; its value; whether the word holds it)."""
    if "=" in word and word.startswith("--"):
        option, value = word.split("=", 1)
        takes = option in client.sql or option in client.files or option in client.value
        return (option if takes else None), value, True
    if word in client.sql or word in client.files or word in client.value:
        return word, "", False
    if client.secret and word.startswith(client.secret):
        return None, "", False
    if client.attached and not word.startswith("--") and len(word) > 2:
        for j in range(1, len(word)):  # `-Atc SQL`, `-cSQL`: flags bundled, then one with a value
            short = "-" + word[j]
            if short in client.sql or short in client.files or short in client.value:
                return short, word[j + 1 :], j + 1 < len(word)
    return None, "", False


def _any_file(client: Client, argv: list[str]) -> bool:
    return any(w in client.files or w.split("=", 1)[0] in client.files for w in argv[1:])


def fed_text(cmd: SimpleCommand) -> tuple[list[str], bool]:
    """The text fed on ``cmd``'s stdin (a here-document or here-string, an ``echo``'s words), and
    whether it also reads text not known before it runs (a file, another program's output)."""
    for r in reversed(cmd.redirects):
        if r.op in ("<<", "<<-", "<<<"):
            return ([] if r.dynamic else [r.target]), r.dynamic
        if r.op == "<":
            return [], True
    if cmd.stdin == "\0pipe":
        return [], True
    return ([cmd.stdin] if cmd.stdin else []), False


def _by_name(name: str, argv: list[str], dynamic: list[bool]) -> tuple[tuple[str, ...], bool]:
    """``dropdb prod`` as ``DROP DATABASE prod``; ``mysqladmin drop prod`` likewise."""
    operands: list[str] = []
    unknown, i = False, 1
    while i < len(argv):
        word, dyn = argv[i], dynamic[i]
        i += 1
        if dyn:
            unknown = True
        elif word.startswith("-") and word != "-":
            i += 1 if word in _ADMIN_VALUE else 0
        else:
            operands.append(word)
    if name != "mysqladmin":
        return (f"{_BY_NAME[name]} {operands[0]}" if operands else _BY_NAME[name],), unknown
    texts = []
    for j, op in enumerate(operands):
        verb = _MYSQLADMIN.get(op.lower())
        if verb is not None:
            target = operands[j + 1] if verb.endswith("DATABASE") and j + 1 < len(operands) else ""
            texts.append(f"{verb} {target}".strip())
    return tuple(texts), unknown


def _bq(argv: list[str], dynamic: list[bool]) -> tuple[tuple[str, ...], bool] | None:
    """``bq query [--flags] 'SQL'``: its operands are the statement."""
    words = [(w, d) for w, d in zip(argv[1:], dynamic[1:], strict=True) if not w.startswith("-")]
    if not words or words[0][0] != "query":
        return None
    rest = words[1:]
    return tuple(w for w, d in rest if not d), any(d for _, d in rest)
