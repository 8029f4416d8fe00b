"""MongoDB's shell code as the SQL statements the ``database_*`` rules read, and the code a
``mongosh`` (``mongo``) call runs.

Each method the code names is given as the statement that does the same to the data:
``db.dropDatabase()`` is ``DROP DATABASE <db>``, ``db.c.drop()`` is ``DROP TABLE c``,
``db.c.deleteMany({})`` an unfiltered ``DELETE FROM c`` (``deleteMany({a: 1})`` a ``DELETE … WHERE``),
``updateMany({}, …)`` an unfiltered ``UPDATE``, ``insertOne`` an ``INSERT``, ``find`` a ``SELECT``
(``aggregate`` with ``$out``/``$merge`` an ``INSERT … SELECT``), ``createIndex``/
``renameCollection``/``createUser``/``shutdownServer``/``rs.stepDown()`` database commands, and
``db.runCommand({drop: …})`` by the command it names.  A method is read wherever its name stands
in the code (``const {dropDatabase} = db`` too); code that reaches a method by a name it builds
(``db["drop" + "Database"]()``, ``x[m]()``), runs other code (``eval``, ``load("f.js")``,
``Function``, a template's ``${…}``) or spells a name with an escape cannot be read before it
runs, nor can a script file (``mongosh f.js``, ``--file``) or code from another program.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._db_clients import fed_text
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["MONGO_SHELLS", "mongo_sent", "mongo_sql"]

MONGO_SHELLS = names("mongosh mongo")

#: a method's name → the statement it is (``{c}``: its collection, ``{db}``: the database,
#: ``{w}``: `` WHERE filter`` when its first argument filters)
_METHODS = {
    "dropDatabase": "DROP DATABASE {db}",
    "drop": "DROP TABLE {c}",
    **dict.fromkeys(("deleteMany", "deleteOne", "remove", "findOneAndDelete", "findAndRemove"), "DELETE FROM {c}{w}"),
    **dict.fromkeys(
        ("updateMany", "updateOne", "update", "replaceOne", "findOneAndUpdate", "findOneAndReplace", "findAndModify"),
        "UPDATE {c} SET doc = 1{w}",
    ),
    **dict.fromkeys(("insertOne", "insertMany", "insert", "save", "bulkWrite"), "INSERT INTO {c} VALUES (1)"),
    **dict.fromkeys(("mapReduce", "$out", "$merge"), "INSERT INTO {c}_out SELECT * FROM {c}"),
    **dict.fromkeys(
        ("find", "findOne", "countDocuments", "count", "estimatedDocumentCount", "distinct", "aggregate", "watch"),
        "SELECT * FROM {c}{w}",
    ),
    "renameCollection": "ALTER TABLE {c} RENAME",
    "convertToCapped": "ALTER TABLE {c}",
    **dict.fromkeys(("createCollection", "createView"), "CREATE TABLE {c}"),
    **dict.fromkeys(("createIndex", "createIndexes", "ensureIndex"), "CREATE INDEX ON {c}"),
    **dict.fromkeys(("dropIndex", "dropIndexes"), "DROP INDEX ON {c}"),
    **dict.fromkeys(("dropUser", "dropAllUsers", "dropRole", "dropAllRoles"), "DROP ROLE {c}"),
    **dict.fromkeys(("createUser", "createRole"), "CREATE ROLE {c}"),
    **dict.fromkeys(
        ("updateUser", "updateRole", "grantRolesToUser", "revokeRolesFromUser", "grantPrivilegesToRole"),
        "GRANT ROLE",
    ),
    **dict.fromkeys(("changeUserPassword", "setProfilingLevel", "fsyncLock", "fsyncUnlock"), "ALTER SYSTEM SET {c}"),
    **dict.fromkeys(("shutdownServer", "killOp", "repairDatabase", "cloneDatabase", "copyDatabase"), "SHUTDOWN"),
}
#: ``runCommand``/``adminCommand``'s command name → the method it is
_COMMANDS = {
    "drop": "drop",
    "dropDatabase": "dropDatabase",
    "delete": "deleteMany",
    "update": "updateMany",
    "findAndModify": "findAndModify",
    "insert": "insert",
    "find": "find",
    "aggregate": "aggregate",
    "count": "count",
    "distinct": "distinct",
    "create": "createCollection",
    "createIndexes": "createIndex",
    "dropIndexes": "dropIndexes",
    "renameCollection": "renameCollection",
    "shutdown": "shutdownServer",
    "dropUser": "dropUser",
    "dropAllUsersFromDatabase": "dropUser",
    "createUser": "createUser",
}
#: commands that only read the server's state
_COMMAND_READS = names(
    "ping hello isMaster ismaster buildInfo buildinfo serverStatus listDatabases listCollections listIndexes "
    "dbStats collStats connectionStatus hostInfo getLog getParameter replSetGetStatus whatsmyuri currentOp "
    "explain usersInfo rolesInfo"
)
#: ``rs.*``/``sh.*`` helpers that only read
_HELPER_READS = names(
    "status conf config isMaster hello help printReplicationInfo printSecondaryReplicationInfo "
    "printSlaveReplicationInfo getBalancerState isBalancerRunning printShardingStatus"
)
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
#: what stands before a ``/`` that opens a regex literal (else it divides)
_REGEX_BEFORE = re.compile(r"(?:^|[(,=:\[!&|?{};+\-*%<>~^])\s*\Z")
_HIDING = re.compile(r"\]\s*\??\.?\s*\(|(?<![.\w$])(eval|Function|load|require|import|Reflect|globalThis|this)\b")
#: a computed member (``x[…]`` after a name, a call or another member): its key
_INDEX = re.compile(r"(?<=[\w$)\]])\s*\[([^\[\]]*)\]")
_NESTED_INDEX = re.compile(r"(?<=[\w$)\]])\s*\[[^\]]*\[")
_LITERAL = re.compile(r"""\s*(["'`])([\w$]*)\1\s*""")
_HELPER = re.compile(r"(?<![.\w$])(rs|sh)\s*\??\.\s*([A-Za-z_$][\w$]*)")
_COMMAND = re.compile(
    r"""(?:runCommand|adminCommand)\s*\(\s*(?:\{\s*(["'`]?)([A-Za-z_$][\w$]*)\1\s*:|(["'`])([A-Za-z_$][\w$]*)\3\s*[,)])"""
)
_RECEIVER = re.compile(
    r"""(?:\.\s*([A-Za-z_$][\w$]*)|getCollection\s*\(\s*(["'`])([^"'`]*)\2\s*\)|\[\s*(["'`])([^"'`]*)\4\s*\])\s*\??\s*\.\s*$"""
)
_DB_OF = re.compile(r"""get(?:SiblingDB|DB)\s*\(\s*(["'`])([^"'`]*)\1\s*\)\s*\??\s*\.\s*$""")
#: a first argument that filters: an object literal whose first key is a plain name
_FILTERS = re.compile(r"""\s*\??\.?\s*\(\s*\{\s*(["'`]?)[\w$.]+\1\s*:""")
_USE = re.compile(r"(?m)^\s*use\s+([\w.-]+)\s*;?\s*$")
_OUT = re.compile(r"\$(out|merge)\b")
_NAME = re.compile(r"[^A-Za-z0-9_]")


def _masked(code: str) -> str | None:
    """``code`` with the inside of each string replaced by ``_`` and each comment by spaces (the
    same length); None when a template runs code (``${…}``) or an escape spells a name."""
    out = list(code)
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c in "'\"`":
            j = i + 1
            while j < n and code[j] != c:
                if c == "`" and code.startswith("${", j):
                    return None
                j += 2 if code[j] == "\\" else 1
            out[i + 1 : min(j, n)] = "_" * (min(j, n) - i - 1)
            i = j + 1
        elif code.startswith("//", i) or code.startswith("/*", i):
            end = code.find("\n" if code[i + 1] == "/" else "*/", i + 2)
            j = n if end < 0 else end + (0 if code[i + 1] == "/" else 2)
            out[i:j] = " " * (j - i)
            i = j
        elif c == "/" and _REGEX_BEFORE.search(code, 0, i):  # a regex literal (`{name: /^a\\d/}`)
            j = _regex_end(code, i)
            out[i + 1 : j] = "_" * (j - i - 1)
            i = j + 1
        elif c == "\\":
            return None
        else:
            i += 1
    return "".join(out)


def _regex_end(code: str, i: int) -> int:
    """The index of the ``/`` closing the regex literal opening at ``i`` (or of its line's end)."""
    j, n, in_class = i + 1, len(code), False
    while j < n and code[j] != "\n":
        c = code[j]
        if c == "\\":
            j += 2
            continue
        if c == "/" and not in_class:
            return j
        in_class = (in_class or c == "[") and c != "]"
        j += 1
    return min(j, n)


def mongo_sql(code: str, db: str = "test") -> tuple[list[str], bool]:
    """(the statements MongoDB shell code runs, whether it runs code not readable before it runs)."""
    masked = _masked(code)
    if masked is None or _HIDING.search(masked) or _NESTED_INDEX.search(masked):
        return [], True
    use = _USE.search(code)
    db = use.group(1) if use else db
    out: dict[str, None] = {}
    named_at = [(m.group(), m.start(), m.end()) for m in _IDENT.finditer(masked)]
    for m in _INDEX.finditer(masked):  # `x["drop"]` is `x.drop`; `x[i]`, `x[f()]` a name not known
        literal = _LITERAL.fullmatch(code[m.start(1) : m.end(1)])
        if literal is not None:
            named_at.append((literal.group(2), m.start(), m.end()))
        elif not m.group(1).strip().isdigit():
            return [], True
    for name, start, end in named_at:
        if name in ("runCommand", "adminCommand"):
            cmd = _COMMAND.match(code, start)
            if cmd is None:
                return [], True
            named = cmd.group(2) or cmd.group(4)
            if named in _COMMAND_READS:
                continue
            name = _COMMANDS.get(named, "")
            if not name:
                out[f"CALL mongo_{_NAME.sub('_', named)[:64]}"] = None
                continue
        template = _METHODS.get(name)
        if template is None:
            continue
        out[_statement(code, masked, start, end, template, db)] = None
    hidden = _hidden_names(code, masked)
    if hidden:
        return list(out), True
    for m in _OUT.finditer(code):
        out[_statement(code, masked, m.start(), m.end(), _METHODS["$out"], db)] = None
    for m in _HELPER.finditer(masked):
        if m.group(2) not in _HELPER_READS:
            out[f"ALTER SYSTEM SET {m.group(1)}_{m.group(2)}"] = None
    return list(out), False


def _hidden_names(code: str, masked: str) -> bool:
    """Whether the code names a method that changes data (one no text spells by chance:
    ``deleteMany``, not ``drop``) only where this reading saw text — a string, a comment, a
    regex: a reading that took code for text would miss it."""
    seen = set(_IDENT.findall(masked))
    for name in set(_IDENT.findall(code)) - seen:
        if name in _METHODS and name != name.lower() and not _METHODS[name].startswith("SELECT"):
            return True
        if name in ("runCommand", "adminCommand"):
            return True
    return False


def _statement(code: str, masked: str, start: int, end: int, template: str, db: str) -> str:
    before = code[max(0, start - 200) : start]
    receiver = _RECEIVER.search(before)
    coll = "collection"
    if receiver is not None:
        coll = receiver.group(1) or receiver.group(3) or receiver.group(5) or coll
    of = _DB_OF.search(before)
    if of is not None:
        db = of.group(2)
    where = " WHERE filter" if _FILTERS.match(masked, end) else ""  # (a comment, `{}`, a variable: none)
    return template.format(c=_NAME.sub("_", coll)[:128], db=_NAME.sub("_", db)[:128] or "test", w=where)


_VALUE = names(
    "--host --port -u --username -p --password --authenticationDatabase --authenticationMechanism "
    "--awsIamSessionToken --gssapiServiceName --sspiHostnameCanonicalization --sspiRealmOverride --tlsCAFile "
    "--tlsCertificateKeyFile --tlsCertificateKeyFilePassword --tlsCertificateSelector --tlsCRLFile "
    "--tlsDisabledProtocols --apiVersion --csfleLibraryPath --cryptSharedLibPath --keyVaultNamespace --kmsURL "
    "--awsAccessKeyId --awsSecretAccessKey --awsSessionToken --oidcFlows --oidcRedirectUri --browser "
    "--sslCAFile --sslPEMKeyFile --sslPEMKeyPassword --sslCRLFile --gssapiHostName"
)
_FILES = names("-f --file")


def mongo_sent(cmd: SimpleCommand) -> tuple[tuple[str, ...], bool]:
    """(the statements a ``mongosh``/``mongo`` call runs, whether it also runs code not readable
    before it runs: a script file, stdin from a file or another program, a word set at run time)."""
    argv, dynamic = cmd.argv, cmd.dynamic
    codes: list[str] = []
    db, unknown, address = "test", False, False
    i, n = 1, len(argv)
    while i < n:
        word, dyn = argv[i], dynamic[i]
        i += 1
        option, value = word.split("=", 1) if word.startswith("--") and "=" in word else (word, None)
        if option in ("--eval", *_FILES) or (option in _VALUE and not dyn):
            if value is None and i < n and not (argv[i].startswith("-") and option in _VALUE):
                value, dyn = argv[i], dynamic[i]
                i += 1
            if option == "--eval":
                codes.append(value or "")
            unknown = unknown or (option != "--eval" and option not in _VALUE) or (dyn and option == "--eval")
        elif dyn:
            unknown = True
        elif not word.startswith("-"):
            if address or word.endswith((".js", ".mjs", ".cjs")):
                unknown = True  # a script file
            else:
                path = word.split("?", 1)[0].split("://", 1)[-1]
                address, db = True, path.split("/", 1)[1] if "/" in path else ("test" if "://" in word else path)
    if not codes and not unknown:
        codes, unknown = fed_text(cmd)
    texts: list[str] = []
    for code in codes:
        found, hidden = mongo_sql(code, db or "test")
        texts += found
        unknown = unknown or hidden
    return tuple(texts), unknown
