"""Redis's commands as the SQL statements the ``database_*`` rules read, and the commands a
``redis-cli`` (``valkey-cli``, ``keydb-cli``) call sends.

A rule on databases is written in SQL; Redis speaks its own language.  Each command is given as
the statement that does the same to the data: ``FLUSHALL`` is ``DROP DATABASE *`` (``FLUSHDB``
drops the one database ``-n`` selects), ``DEL k`` a ``DELETE … WHERE key = 'k'``, ``SET k v`` an
``UPDATE … WHERE key = 'k'``, ``GET k`` a ``SELECT``, ``KEYS *``/``SCAN`` an unfiltered
``SELECT * FROM redis``, ``CONFIG SET`` an ``ALTER SYSTEM``, ``MODULE LOAD`` a ``CREATE
EXTENSION``, ``SHUTDOWN``/``DEBUG``/``CLIENT KILL`` themselves (a database command), a
command this table does not know a database command too.  ``EVAL`` runs Lua: each
``redis.call('CMD', …)`` it makes is read when the command is a plain string; a script that
names its command otherwise (a variable, an escape, ``redis[…]``, ``loadstring``) or that is not
shown (``EVALSHA``, ``FCALL``, ``--eval file.lua``) cannot be read before it runs.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._db_clients import fed_text
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._wrappers import names

__all__ = ["REDIS_CLIS", "redis_lines", "redis_sent", "redis_sql", "split_line"]

REDIS_CLIS = names("redis-cli valkey-cli keydb-cli")

_READS = names(
    "GET MGET GETRANGE SUBSTR STRLEN LCS HGET HMGET HGETALL HKEYS HVALS HLEN HEXISTS HSCAN HSTRLEN HRANDFIELD "
    "HTTL HPTTL HEXPIRETIME LRANGE LINDEX LLEN LPOS SMEMBERS SISMEMBER SMISMEMBER SCARD SSCAN SRANDMEMBER "
    "SINTER SUNION SDIFF SINTERCARD ZRANGE ZRANGEBYSCORE ZRANGEBYLEX ZREVRANGE ZREVRANGEBYSCORE ZREVRANGEBYLEX "
    "ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT ZRANK ZREVRANK ZSCAN ZRANDMEMBER ZINTER ZUNION ZDIFF ZINTERCARD "
    "XRANGE XREVRANGE XLEN XREAD XPENDING EXISTS TYPE TTL PTTL EXPIRETIME PEXPIRETIME DUMP GETBIT BITCOUNT "
    "BITPOS BITFIELD_RO PFCOUNT GEOPOS GEODIST GEOHASH GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH SORT_RO "
    "TOUCH OBJECT XINFO"
)
#: reads of every key (an unfiltered ``SELECT``)
_SCANS = names("KEYS SCAN RANDOMKEY DBSIZE MONITOR")
#: touch no data: a transaction's bounds, the connection, the server's own state
_NOTHING = names(
    "MULTI EXEC DISCARD WATCH UNWATCH SELECT AUTH HELLO PING ECHO QUIT RESET READONLY READWRITE INFO TIME "
    "LASTSAVE ROLE COMMAND LOLWUT SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE SUNSUBSCRIBE PUBSUB "
    "WAIT WAITAOF LATENCY SLOWLOG MEMORY ASKING EXIT HELP CLEAR CONNECT"
)
_WRITES = names(
    "SET SETNX SETEX PSETEX MSET MSETNX APPEND INCR INCRBY INCRBYFLOAT DECR DECRBY GETSET GETEX SETRANGE "
    "SETBIT BITFIELD BITOP HSET HSETNX HMSET HINCRBY HINCRBYFLOAT HEXPIRE HPEXPIRE HEXPIREAT HPEXPIREAT "
    "HPERSIST LPUSH RPUSH LPUSHX RPUSHX LINSERT LSET LMOVE BLMOVE RPOPLPUSH BRPOPLPUSH SADD SMOVE SINTERSTORE "
    "SUNIONSTORE SDIFFSTORE ZADD ZINCRBY ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZRANGESTORE XADD XCLAIM "
    "XAUTOCLAIM XACK XSETID EXPIRE PEXPIRE EXPIREAT PEXPIREAT PERSIST RENAME RENAMENX COPY MOVE RESTORE "
    "PFADD PFMERGE GEOADD GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER SORT PUBLISH SPUBLISH"
)
_DELETES = names(
    "DEL UNLINK GETDEL HDEL LPOP RPOP BLPOP BRPOP LMPOP BLMPOP LREM LTRIM SPOP SREM ZREM ZPOPMIN ZPOPMAX "
    "BZPOPMIN BZPOPMAX ZMPOP BZMPOP ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX XDEL XTRIM MIGRATE HGETDEL"
)
_CLUSTER_READS = names(
    "INFO NODES SLOTS SHARDS MYID MYSHARDID KEYSLOT COUNTKEYSINSLOT GETKEYSINSLOT LINKS REPLICAS SLAVES "
    "COUNT-FAILURE-REPORTS HELP"
)
#: a command whose first argument says what it does: subcommand → statement (``*``: any other)
_SUBCOMMANDS: dict[str, dict[str, str]] = {
    "CONFIG": {"GET": "SHOW config", "HELP": "", "*": "ALTER SYSTEM SET config"},
    "CLIENT": dict.fromkeys(names("KILL PAUSE UNPAUSE NO-EVICT UNBLOCK"), "KILL client") | {"*": ""},
    "MODULE": {"LOAD": "CREATE EXTENSION module", "LOADEX": "CREATE EXTENSION module"}
    | {"UNLOAD": "DROP EXTENSION module", "*": ""},
    "ACL": {"SETUSER": "CREATE ROLE acl_user", "DELUSER": "DROP ROLE acl_user"}
    | dict.fromkeys(names("LOAD SAVE"), "ALTER SYSTEM SET acl")
    | {"*": "SHOW acl"},
    "SCRIPT": {"LOAD": "CREATE FUNCTION script", "FLUSH": "DROP FUNCTION *", "KILL": "KILL script", "*": ""},
    "FUNCTION": dict.fromkeys(names("LOAD RESTORE"), "CREATE FUNCTION function")
    | dict.fromkeys(names("DELETE FLUSH"), "DROP FUNCTION *")
    | {"KILL": "KILL function", "*": ""},
    "CLUSTER": dict.fromkeys(_CLUSTER_READS, "") | {"*": "ALTER SYSTEM SET cluster"},
    "XGROUP": {"DESTROY": "DELETE FROM redis WHERE consumer_group", "DELCONSUMER": "DELETE FROM redis WHERE consumer"}
    | {"*": "UPDATE redis SET consumer_group = 1 WHERE key = ?"},
}
#: commands that are one statement whatever their arguments
_FIXED = {
    "FLUSHALL": "DROP DATABASE *",
    "SWAPDB": "ALTER DATABASE db RENAME",
    "SHUTDOWN": "SHUTDOWN",
    "DEBUG": "DEBUG",
    "FAILOVER": "ALTER SYSTEM FAILOVER",
    "SAVE": "CHECKPOINT",
    "BGSAVE": "CHECKPOINT",
    "BGREWRITEAOF": "CHECKPOINT",
}
#: commands that run a script the command does not show
_HIDDEN = names("EVALSHA EVALSHA_RO FCALL FCALL_RO")
_KEY = re.compile(r"[^A-Za-z0-9_:.*-]")
#: Lua: a name of the Redis API, a way to reach a name this reading cannot follow
_LUA_API = re.compile(r"\b(redis|server)\b")
_LUA_NAME = re.compile(r"\s*[.:]\s*([A-Za-z_]\w*)")
_LUA_HIDING = re.compile(r"(?<![.:\w])(_G|_ENV|getfenv|setfenv|rawget|loadstring|load|dofile|loadfile|require)\b")
_LUA_LITERAL = re.compile(r"""\s*\(\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")""")
_LUA_ARGS = re.compile(r"""\s*,\s*(?:'([^'\\\n]*)'|"([^"\\\n]*)")""")
#: the Redis API's names that run no command (``redis.log``, ``redis.sha1hex``…)
_LUA_SAFE = names(
    "log sha1hex error_reply status_reply setresp set_repl replicate_commands breakpoint debug acl_check_cmd "
    "register_function LOG_DEBUG LOG_VERBOSE LOG_NOTICE LOG_WARNING REPL_ALL REPL_AOF REPL_REPLICA REPL_SLAVE "
    "REPL_NONE REDIS_VERSION REDIS_VERSION_NUM"
)
#: commands whose first argument decides what they do
_DECIDED = frozenset(_SUBCOMMANDS) | names("EVAL EVAL_RO REPLICAOF SLAVEOF")
#: nested scripts read this deep at most
_MAX_DEPTH = 2

_VALUE = names(
    "-h -p -s -a -u -r -i -n -d -D -t --user --pass --sni --cacert --cacertdir --cert --key --tls-ciphers "
    "--tls-ciphersuites --pattern --quoted-pattern --count --rdb --functions-rdb --pipe-timeout "
    "--memkeys-samples --intrinsic-latency --lru-test --show-pushes --cluster-replicas --cluster-from "
    "--cluster-to --cluster-slots --cluster-weight --cluster-threshold --cluster-timeout --cluster-pipeline "
    "--cluster-search-multiple-owners"
)


def redis_sql(words: list[str], db: str = "0", depth: int = 0) -> tuple[list[str], bool]:
    """(the statements Redis command ``words`` is, whether it runs commands not readable
    before it runs); no statement for a command that touches no data."""
    if not words:
        return [], False
    verb = words[0].upper()
    args = words[1:]
    key = _KEY.sub("_", args[0])[:128] if args else "?"
    if verb in _READS:
        return [f"SELECT * FROM redis WHERE key = '{key}'"], False
    if verb in _WRITES:
        return [f"UPDATE redis SET value = 1 WHERE key = '{key}'"], False
    if verb in _DELETES:
        return [f"DELETE FROM redis WHERE key = '{key}'"], False
    if verb in _SCANS:
        return ["SELECT * FROM redis"], False
    if verb in _NOTHING:
        return [], False
    if verb == "FLUSHDB":
        return [f"DROP DATABASE {_KEY.sub('_', db)}"], False
    if verb in ("REPLICAOF", "SLAVEOF"):  # a replica discards its data for its master's
        stop = [a.upper() for a in args[:2]] == ["NO", "ONE"]
        return ["ALTER SYSTEM SET replicaof = none" if stop else "DROP DATABASE *"], False
    if verb in ("EVAL", "EVAL_RO"):
        return _lua(args[0], db, depth) if args else ([], False)
    if verb in _HIDDEN:
        return [], True
    fixed = _FIXED.get(verb)
    if fixed is not None:
        return [fixed], False
    table = _SUBCOMMANDS.get(verb)
    if table is not None:
        sub = args[0].upper() if args else ""
        found = table.get(sub, table["*"])
        return ([found] if found else []), False
    return [f"CALL redis_{_KEY.sub('_', verb)[:64]}"], False  # a command this table does not know


def _lua(script: str, db: str, depth: int) -> tuple[list[str], bool]:
    """The commands a Lua script runs through ``redis.call``/``redis.pcall``; unreadable when one
    names its command any other way."""
    if depth >= _MAX_DEPTH or _LUA_HIDING.search(script) or "\\" in script:
        return [], True
    out: list[str] = []
    for m in _LUA_API.finditer(script):
        before = script[m.start() - 1 : m.start()]
        after = script[m.end() : m.end() + 1]
        if before in "'\"" and before and after == before:  # the word in a string ('redis')
            continue
        name = _LUA_NAME.match(script, m.end())
        if name is None:
            return [], True  # `local r = redis`, `redis[...]`
        if name.group(1) in _LUA_SAFE:
            continue
        if name.group(1) not in ("call", "pcall"):
            return [], True
        first = _LUA_LITERAL.match(script, name.end())
        if first is None:
            return [], True
        words = [first.group(1) or first.group(2) or ""]
        more = _LUA_ARGS.match(script, first.end())
        if more is not None:
            words.append(more.group(1) or more.group(2) or "")
        texts, hidden = redis_sql(words, db, depth + 1)
        if hidden:
            return [], True
        out += texts
    return out, False


def split_line(line: str) -> list[str]:
    """A line of commands as ``redis-cli`` splits it (``sdssplitargs``): double quotes with
    ``\\xHH`` and ``\\n`` escapes, single quotes; an unbalanced quote sends nothing."""
    out: list[str] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in " \t\r\n\0":
            i += 1
        if i >= n:
            return out
        cur: list[str] = []
        quote = ""
        while i < n:
            c = line[i]
            if quote == '"' and c == "\\" and i + 1 < n:
                hexa = line[i + 2 : i + 4]
                if line[i + 1] == "x" and len(hexa) == 2 and all(h in "0123456789abcdefABCDEF" for h in hexa):
                    cur.append(chr(int(hexa, 16)))
                    i += 4
                    continue
                cur.append({"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}.get(line[i + 1], line[i + 1]))
                i += 2
            elif quote == "'" and c == "\\" and line[i + 1 : i + 2] == "'":
                cur.append("'")
                i += 2
            elif quote and c == quote:
                i += 1
                if i < n and line[i] not in " \t\r\n\0":
                    return []
                quote = ""
                break
            elif quote:
                cur.append(c)
                i += 1
            elif c in " \t\r\n\0":
                break
            elif c in "\"'":
                quote = c
                i += 1
            else:
                cur.append(c)
                i += 1
        if quote:
            return []
        out.append("".join(cur))


def _resp(text: str) -> list[list[str]]:
    """Commands written in Redis's protocol (``*2\\r\\n$3\\r\\nDEL\\r\\n$1\\r\\nk\\r\\n``) or as
    lines, as ``redis-cli --pipe`` sends them."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[list[str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("*") and line[1:].isdigit():
            words = []
            for _ in range(int(line[1:])):
                if i + 1 < len(lines) and lines[i].startswith("$"):
                    words.append(lines[i + 1])
                i += 2
            out.append(words)
        else:
            out.append(split_line(line))
    return out


def redis_sent(cmd: SimpleCommand) -> tuple[tuple[str, ...], bool]:
    """(the statements a ``redis-cli`` call sends, whether it also sends commands not readable
    before it runs: stdin from a file or another program, ``--eval`` of a file, a word set at
    run time that names the command)."""
    argv, dynamic = cmd.argv, cmd.dynamic
    words: list[str] = []
    db, unknown, pipe, stdin_value, quoted, cluster = "0", False, False, False, False, ""
    i, n = 1, len(argv)
    while i < n:
        word, dyn = argv[i], dynamic[i]
        i += 1
        if words or dyn or not word.startswith("-"):
            if dyn and (not words or (len(words) == 1 and words[0].upper() in _DECIDED)):
                unknown = True  # the command, its subcommand or its script set at run time
            words.append(word)
            continue
        if word in _VALUE:
            value = argv[i] if i < n else ""
            i += 1
            db = value if word == "-n" else db
        elif word == "--eval":  # a Lua file: its keys and arguments follow
            return (), True
        elif word == "--cluster":
            cluster, i = (argv[i] if i < n else ""), i + 1
        else:
            pipe = pipe or word == "--pipe"
            stdin_value = stdin_value or word == "-x"
            quoted = quoted or word == "--quoted-input"
    if quoted:
        words = [w for word in words for w in split_line(word)]
    if cluster:
        if cluster != "call":
            return (("ALTER SYSTEM SET cluster",) if cluster not in ("check", "info", "help") else ()), unknown
        words = words[1:]  # `--cluster call host:port CMD …`: on every node
    commands: list[list[str]] = [words] if words else []
    if not words or stdin_value:
        fed, doubt = fed_text(cmd)
        if words:  # `-x`: stdin is the command's last argument (a script for `EVAL`, else a value)
            commands = [[*words, *fed]]
            unknown = unknown or (doubt and words[0].upper() in _DECIDED)
        else:
            unknown = unknown or doubt
            commands = [c for text in fed for c in (_resp(text) if pipe else map(split_line, text.splitlines()))]
    found, hidden = _commands(commands, db)
    return found, unknown or hidden


def _commands(commands: list[list[str]], db: str) -> tuple[tuple[str, ...], bool]:
    texts: list[str] = []
    unknown = False
    for command in commands:
        if command and command[0].isdigit():  # `3 PING`: repeated
            command = command[1:]
        found, hidden = redis_sql(command, db)
        texts += found
        unknown = unknown or hidden
    return tuple(texts), unknown


def redis_lines(texts: list[str]) -> tuple[tuple[str, ...], bool]:
    """The statements texts of Redis's commands (lines, or its protocol) are."""
    return _commands([c for text in texts for c in _resp(text)], "0")
