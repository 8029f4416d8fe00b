"""The statements a shell command sends to a database that does not speak SQL, given as the SQL
statements that do the same to the data (the ``database_*`` rules are written in SQL): Redis
(``_db_redis``), MongoDB (``_db_mongo``), etcd and InfluxDB, and the MongoDB tools that drop
collections.

* ``etcdctl del --prefix ""`` (every key) is an unfiltered ``DELETE FROM etcd``, ``del k`` a
  ``DELETE … WHERE``, ``put`` an ``UPDATE … WHERE``, ``get``/``watch`` a ``SELECT``, ``lease
  revoke`` a ``DELETE`` (its keys go), ``user``/``role delete`` a ``DROP ROLE``, the other
  commands that change the cluster (``member remove``, ``auth disable``, ``compaction``…) database
  commands; ``txn`` reads its operations from stdin.
* ``influx bucket delete`` is ``DROP DATABASE <bucket>`` (``org delete`` too), ``influx delete``
  a ``DELETE FROM <bucket>`` (filtered by ``--predicate``/``--start``/``--stop``), ``influx
  write`` an ``INSERT``, ``influx query`` a ``SELECT`` (Flux's ``to()`` an ``INSERT``), ``restore
  --full`` a ``DROP DATABASE *``; InfluxDB 1's ``influx -execute 'InfluxQL'`` is read as SQL.
* ``mongorestore --drop``/``mongoimport --drop`` drop each collection they load (``DROP TABLE``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from goalrail.policies.builtins._db_clients import fed_text
from goalrail.policies.builtins._db_mongo import MONGO_SHELLS, mongo_sent
from goalrail.policies.builtins._db_redis import REDIS_CLIS, redis_lines, redis_sent
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["NATIVE_CLIENTS", "native_sent"]

_Sent = tuple[tuple[str, ...], bool]
_NAME = re.compile(r"[^A-Za-z0-9_:./*-]")

_ETCD_VALUE = names(
    "--endpoints --cacert --cert --key --user --password --dial-timeout --command-timeout --keepalive-time "
    "--keepalive-timeout --discovery-srv --discovery-srv-name -w --write-out --lease --rev --limit --sort-by "
    "--order --consistency --prev-kv-limit"
)
_ETCD_READS = names("get watch endpoint version check snapshot elect lock make-mirror")
_ETCD_LISTS = names("list get status timetolive keep-alive grant")


def _words(cmd: SimpleCommand, value: frozenset[str]) -> tuple[list[str], list[str], bool]:
    """(operands, options, whether a word is known only at run time)."""
    operands: list[str] = []
    options: list[str] = []
    unknown, i, n = False, 1, len(cmd.argv)
    while i < n:
        word, dyn = cmd.argv[i], cmd.dynamic[i]
        i += 1
        if dyn and not word.startswith("-"):
            unknown = True
            operands.append("?")
        elif word.startswith("-") and word != "-":
            options.append(word)
            if word in value and i < n:
                options.append(cmd.argv[i])
                i += 1
        else:
            operands.append(word)
    return operands, options, unknown


def _key(word: str) -> str:
    return _NAME.sub("_", word)[:128]


def _etcd(cmd: SimpleCommand) -> _Sent:
    operands, options, unknown = _words(cmd, _ETCD_VALUE)
    if not operands:
        return (), unknown
    sub, rest = operands[0], operands[1:]
    return _etcd_op(sub, rest, options, cmd), unknown or (sub == "txn" and fed_text(cmd)[1])


def _etcd_op(sub: str, rest: list[str], options: list[str], cmd: SimpleCommand) -> tuple[str, ...]:
    if sub == "del":
        everything = "--from-key" in options or "--prefix" in options or "--prefix=true" in options
        if not rest or (everything and rest[0] in ("", "/", "\0")):
            return ("DELETE FROM etcd",)
        return (f"DELETE FROM etcd WHERE key = '{_key(rest[0])}'",)
    if sub == "put":
        return (f"UPDATE etcd SET value = 1 WHERE key = '{_key(rest[0]) if rest else '?'}'",)
    if sub == "txn":  # its operations on stdin, one a line
        out: list[str] = []
        for text in fed_text(cmd)[0]:
            for line in text.splitlines():
                words = line.split()
                if words and words[0] in ("del", "put", "get"):
                    out += _etcd_op(words[0], [w.strip("\"'") for w in words[1:]], words, cmd)
        return tuple(out)
    if sub in _ETCD_READS:
        return ("SELECT * FROM etcd",) if sub in ("get", "watch") else ()
    action = rest[0] if rest else ""
    if action in _ETCD_LISTS:
        return ()
    if sub == "lease" and action == "revoke":
        return ("DELETE FROM etcd WHERE lease = id",)
    if sub in ("user", "role") and action == "delete":
        return ("DROP ROLE etcd_user",)
    return (f"ALTER SYSTEM SET etcd_{_key(sub)}",)


_INFLUX_VALUE = names(
    "--host --token -t --org -o --org-id --bucket -b --bucket-id --name -n --id -i --start --stop --predicate "
    "-p --configs-path --active-config -c --http-debug --file -f --format --precision --retention -r "
    "-host -port -username -password -database -format -precision -consistency -type -path -execute"
)
#: InfluxDB 2's resources whose deletion drops a database's data, and the statement it is
_INFLUX_DROPS = {"bucket": "DROP DATABASE {}", "org": "DROP DATABASE {}", "user": "DROP ROLE {}"}


def _influx(cmd: SimpleCommand) -> _Sent:
    operands, options, unknown = _words(cmd, _INFLUX_VALUE)
    values = dict(pairwise(options))
    for word in options:  # InfluxDB 1: `-execute 'InfluxQL'`
        if word in ("-execute", "--execute"):
            return (values.get(word, ""),), unknown
        if word.startswith(("-execute=", "--execute=")):
            return (word.split("=", 1)[1],), unknown
        if word in ("-import", "-f", "--file") or word.startswith(("-path", "--file=")):
            unknown = True  # a file of statements or points
    if not operands:
        return (), unknown
    name = _key(values.get("--bucket") or values.get("-b") or values.get("--name") or values.get("-n") or "?")
    sub, action = operands[0], operands[1] if len(operands) > 1 else ""
    if sub == "delete":
        bounded = any(o in values for o in ("--predicate", "-p", "--start", "--stop"))
        return (f"DELETE FROM {name}{' WHERE filter' if bounded else ''}",), unknown
    if sub == "write":
        return (f"INSERT INTO {name} VALUES (1)",), unknown
    if sub == "query":
        flux = " ".join(operands[1:])
        return (("INSERT INTO flux SELECT 1" if re.search(r"\bto\s*\(", flux) else "SELECT * FROM flux"),), unknown
    if sub == "restore":
        return (("DROP DATABASE *" if "--full" in options else "INSERT INTO restored VALUES (1)"),), unknown
    drop = _INFLUX_DROPS.get(sub)
    if drop is not None and action == "delete":
        return (drop.format(name),), unknown
    if drop is not None and action in ("create", "update"):
        return (f"ALTER DATABASE {name}",), unknown
    return (), unknown


def _mongo_tools(cmd: SimpleCommand) -> _Sent:
    """``mongorestore``/``mongoimport``: an ``INSERT``, with ``--drop`` a ``DROP TABLE`` first."""
    words = cmd.argv[1:]
    coll = "collection"
    for j, word in enumerate(words):
        if word in ("-c", "--collection") and j + 1 < len(words):
            coll = _NAME.sub("_", words[j + 1])
        elif word.startswith("--collection="):
            coll = _NAME.sub("_", word.split("=", 1)[1])
    out = [f"INSERT INTO {coll} VALUES (1)"]
    if "--drop" in words:
        out.insert(0, f"DROP TABLE {coll}")
    if "--mode=delete" in words or ("--mode" in words and "delete" in words):
        out.append(f"DELETE FROM {coll} WHERE filter")
    return tuple(out), False


#: Redis's ports: text a raw connection sends there is read as Redis's commands
_REDIS_PORTS = ("6379", "6380", "16379")
_NETCAT = names("nc ncat netcat telnet")


def _raw(cmd: SimpleCommand) -> _Sent | None:
    """``echo FLUSHALL | nc db 6379`` (``ncat``, ``telnet``, ``socat - TCP:db:6379``): what is
    fed to Redis's port is a command; None when the command reaches no such port."""
    if not any(w in _REDIS_PORTS or w.rsplit(":", 1)[-1] in _REDIS_PORTS for w in cmd.argv[1:]):
        return None
    fed, doubt = fed_text(cmd)
    texts, hidden = redis_lines(fed)
    return texts, doubt or hidden


def _dev_tcp(cmd: SimpleCommand) -> _Sent | None:
    """``echo FLUSHALL > /dev/tcp/db/6379``: bash's connection, written to by the command's output."""
    for r in cmd.redirects:
        port = r.target.rsplit("/", 1)[-1]
        if r.op in (">", ">>", ">|", "<>") and r.target.startswith("/dev/tcp/") and port in _REDIS_PORTS:
            if cmd.name == "printf" and len(cmd.argv) > 1 and not any(cmd.dynamic):
                return redis_lines([cmd.argv[1].replace("\\r", "").replace("\\n", "\n")])
            if cmd.name != "echo" or any(cmd.dynamic):
                return (), True  # another program's output
            return redis_lines([" ".join(w for w in cmd.argv[1:] if not w.startswith("-"))])
    return None


#: Elasticsearch's and OpenSearch's ports, and the paths that change an index's documents
_SEARCH_URL = re.compile(r"^(?:https?://)?[^/\s]*:(?:9200|9243)(/[^?#\s]*)?|/_(?:delete|update)_by_query\b")
_INDEX_PATH = re.compile(r"^(?:https?://)?[^/\s]*(?:/([^/?#\s]*))?(?:/([^?#\s]*))?")


def _search(cmd: SimpleCommand) -> _Sent | None:
    """``curl -X DELETE http://es:9200/logs`` is ``DROP TABLE logs`` (``/_all``, ``/*``: ``DROP
    DATABASE *``); ``POST …/_delete_by_query`` a ``DELETE FROM logs`` (``WHERE`` unless it matches
    all); ``_update_by_query`` an ``UPDATE``; None when no URL is a search engine's."""
    words = cmd.argv[1:]
    urls = [w for w in words if _SEARCH_URL.search(w)]
    if not urls:
        return None
    method, body, unknown = "GET", "", False
    for j, word in enumerate(words):
        after = words[j + 1] if j + 1 < len(words) else ""
        if word in ("-X", "--request"):
            method, unknown = after.upper(), unknown or cmd.dynamic[j + 2 : j + 3] == (True,)
        elif word.startswith("-X") or word.startswith("--request="):
            method = word.removeprefix("-X").removeprefix("--request=").upper()
        elif word in ("-d", "--data", "--data-raw", "--data-binary", "--json"):
            body = after
    out: list[str] = []
    for url in urls:
        m = _INDEX_PATH.match(url)
        index, rest = (m.group(1) or "", m.group(2) or "") if m else ("", "")
        name = _key(index) or "*"
        if "_delete_by_query" in url:
            bounded = body and "match_all" not in body and '"query"' in body
            out.append(f"DELETE FROM {name}{' WHERE filter' if bounded else ''}")
        elif "_update_by_query" in url:
            out.append(f"UPDATE {name} SET doc = 1")
        elif method == "DELETE":
            whole = index in ("", "_all", "*") or "*" in index
            out.append("DROP DATABASE *" if whole else f"DELETE FROM {name} WHERE id" if rest else f"DROP TABLE {name}")
    return tuple(out), unknown


NATIVE_CLIENTS: dict[str, Callable[[SimpleCommand], _Sent | None]] = {
    **dict.fromkeys(REDIS_CLIS, redis_sent),
    **dict.fromkeys(MONGO_SHELLS, mongo_sent),
    "etcdctl": _etcd,
    "influx": _influx,
    "mongorestore": _mongo_tools,
    "mongoimport": _mongo_tools,
    **dict.fromkeys(_NETCAT, _raw),
    "socat": _raw,
    "curl": _search,
}


def native_sent(cmd: SimpleCommand) -> _Sent | None:
    """(the SQL statements ``cmd`` sends to a database that speaks another language, whether it
    also sends commands not readable before it runs); None when it is no such client."""
    reader = NATIVE_CLIENTS.get(cmd.name)
    if reader is not None:
        return reader(cmd)
    return _dev_tcp(cmd) if cmd.redirects else None
