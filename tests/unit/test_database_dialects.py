"""A database's destructive or bulk command meets the ``database_*`` rules in whatever language
it is written: Redis's (``redis-cli FLUSHALL`` is ``DROP DATABASE *``), MongoDB's shell code
(``db.dropDatabase()``, ``deleteMany({})``), CQL (``cqlsh -e 'DROP KEYSPACE k'``), etcd's and
InfluxDB's commands, and what a database tool nobody mapped sends.  Commands that cannot be read
before they run (a Lua or JavaScript file, stdin from a program, a command set at run time,
code that builds a method's name) are asked."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.policies.builtins._db_mongo import mongo_sql
from goalrail.policies.builtins._db_redis import redis_sql, split_line
from goalrail.policies.builtins.patterns import pattern_policy
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2_ALL, STRICT, event, tool_verdict, verdict
from tests.unit.shell_support import SOC2_AVAILABILITY as SOC2

SOC2_PI = pattern_policy(policy="soc2_compliant", criteria=["processing_integrity"])
USER_RULES = pattern_policy(
    inline={
        "name": "no_drops",
        "default_action": "allow",
        "patterns": [
            {"id": "no_drop", "action_type": "database_execute", "pattern": r"^\s*DROP\s+TABLE\b", "action": "deny"},
            {
                "id": "no_wipe",
                "action_type": "database_delete",
                "pattern": r"^\s*DELETE\s+FROM\s+\w+\s*$",
                "action": "deny",
            },
        ],
    }
)
NO_MAPPING = ActionMapper()

#: (policy, line, verdict): each ALLOW under every policy on base
SHELL_CASES = [
    # Redis: the command as arguments, its clients, a database by number, over ssh and in a container
    (SOC2, "redis-cli FLUSHALL", "DENY"),
    (PERMISSIVE, "redis-cli FLUSHALL", "DENY"),
    (STRICT, "redis-cli FLUSHALL", "ASK"),
    (SOC2, "redis-cli -h prod flushdb", "DENY"),
    (PERMISSIVE, "redis-cli -h prod -p 6380 -a s3cret -n 3 FlushDB", "DENY"),
    (SOC2, "valkey-cli flushall", "DENY"),
    (SOC2, "keydb-cli --tls --cacert ca.pem flushall async", "DENY"),
    (SOC2, "redis-cli --cluster call 127.0.0.1:7000 FLUSHALL", "DENY"),
    (SOC2, "redis-cli REPLICAOF evil.example 6379", "DENY"),  # a replica discards its data
    (SOC2, "ssh cache1 redis-cli FLUSHALL", "DENY"),
    (SOC2, "docker exec -it redis redis-cli FLUSHALL", "DENY"),
    (SOC2, "timeout 5 /usr/bin/redis-cli FLUSHALL", "DENY"),
    # Redis: commands on stdin, as lines (with redis-cli's own quoting) or in its protocol
    (SOC2, "echo FLUSHALL | redis-cli", "DENY"),
    (SOC2, "redis-cli <<< 'flushall'", "DENY"),
    (SOC2, "redis-cli -h prod <<EOF\nSET a 1\nFLUSHDB\nEOF", "DENY"),
    (SOC2, "redis-cli <<< '\"\\x46LUSHALL\"'", "DENY"),
    (SOC2, "printf '*1\\r\\n$8\\r\\nFLUSHALL\\r\\n' | redis-cli --pipe", "DENY"),
    (SOC2, "redis-cli --quoted-input '\"FLUSH\\x41LL\"'", "DENY"),
    # Redis: a raw connection to its port
    (SOC2, "echo FLUSHALL | nc localhost 6379", "DENY"),
    (SOC2, "printf 'FLUSHALL\\r\\n' | ncat db1 6379", "DENY"),
    (SOC2, "echo FLUSHALL | socat - TCP:db1:6379", "DENY"),
    (SOC2, "echo FLUSHALL > /dev/tcp/127.0.0.1/6379", "DENY"),
    (SOC2, "cat commands.txt | nc db1 6379", "ASK"),
    # Redis: deletes, writes and commands on the server
    (STRICT, "redis-cli DEL session:1", "DENY"),
    (STRICT, "redis-cli UNLINK a b", "DENY"),
    (STRICT, "redis-cli SET k v", "ASK"),
    (STRICT, "redis-cli CONFIG SET dir /etc", "ASK"),
    (STRICT, "redis-cli SHUTDOWN NOSAVE", "ASK"),
    (STRICT, "redis-cli DEBUG SEGFAULT", "ASK"),
    (STRICT, "redis-cli MODULE LOAD /tmp/x.so", "ASK"),
    (SOC2_ALL, "redis-cli MODULE LOAD /tmp/x.so", "ASK"),  # CREATE EXTENSION: a schema change
    (HIPAA, "redis-cli DEL patient:42", "DENY"),
    # Redis: what cannot be read before it runs
    (SOC2, "redis-cli --eval wipe.lua", "ASK"),
    (SOC2, "redis-cli EVALSHA 3f2a 0", "ASK"),
    (SOC2, "redis-cli FCALL wipe 0", "ASK"),
    (SOC2, "cat commands.txt | redis-cli", "ASK"),
    (SOC2, "redis-cli < commands.txt", "ASK"),
    (SOC2, "redis-cli $CMD", "ASK"),
    (PERMISSIVE, "redis-cli -x EVAL 0 < wipe.lua", "ASK"),
    # MongoDB: --eval, stdin, the database the address names
    (SOC2, 'mongosh --eval "db.dropDatabase()"', "DENY"),
    (PERMISSIVE, 'mongosh --eval "db.dropDatabase()"', "DENY"),
    (STRICT, 'mongosh --eval "db.dropDatabase()"', "ASK"),
    (SOC2, "mongo prod --eval 'db.dropDatabase()'", "DENY"),
    (SOC2, "mongosh mongodb://db1:27017/prod --quiet --eval 'db.getSiblingDB(\"x\").dropDatabase()'", "DENY"),
    (SOC2, "mongosh -u admin -p --eval 'db.dropDatabase()'", "DENY"),
    (SOC2, "mongosh --eval='db.dropDatabase()'", "DENY"),
    (SOC2, "mongosh prod --eval 'db.users.drop()'", "DENY"),
    (SOC2, "mongosh --eval 'db.getCollection(\"users\").drop()'", "DENY"),
    (SOC2, "mongosh --eval 'db.runCommand({drop: \"users\"})'", "DENY"),
    (SOC2, "mongosh --eval 'db.runCommand({\"dropDatabase\": 1})'", "DENY"),
    (SOC2, "mongosh --eval 'const {dropDatabase} = db; dropDatabase.call(db)'", "DENY"),
    (SOC2, "echo 'db.dropDatabase()' | mongosh prod", "DENY"),
    (SOC2, "mongosh prod <<'EOF'\nuse prod\ndb.dropDatabase()\nEOF", "DENY"),
    (SOC2, "ssh db1 \"mongosh prod --eval 'db.dropDatabase()'\"", "DENY"),
    # MongoDB: unfiltered deletes and updates, as SQL's unbounded DELETE and UPDATE
    (SOC2_ALL, "mongosh --eval 'db.users.deleteMany({})'", "ASK"),
    (SOC2_ALL, "mongosh --eval 'db.users.deleteMany({ /* everyone */ })'", "ASK"),
    (SOC2_ALL, "mongosh --eval 'db.users.remove({})'", "ASK"),
    (SOC2_ALL, "mongosh --eval 'db.users.updateMany({}, {$set: {admin: true}})'", "ASK"),
    (USER_RULES, "mongosh --eval 'db.users.deleteMany(q)'", "DENY"),  # a variable: not known to filter
    (STRICT, "mongosh --eval 'db.users.deleteOne({_id: 1})'", "DENY"),
    (STRICT, "mongosh --eval 'db.users.insertOne({a: 1})'", "ASK"),
    (STRICT, "mongosh --eval 'db.users.createIndex({a: 1})'", "ASK"),
    (STRICT, "mongosh --eval 'db.adminCommand({shutdown: 1})'", "ASK"),
    (HIPAA, "mongosh --eval 'db.patients.find()'", "ASK"),  # an unfiltered read of a PHI table
    (STRICT, "mongosh --eval 'db.users.aggregate([{$match: {}}, {$out: \"copy\"}])'", "ASK"),
    # MongoDB: what cannot be read before it runs
    (SOC2, 'mongosh --eval \'db["drop" + "Database"]()\'', "ASK"),
    (SOC2, "mongosh --eval 'db.users[m]({})'", "ASK"),
    (SOC2, "mongosh --eval 'eval(atob(x))'", "ASK"),
    (SOC2, "mongosh --eval 'load(\"wipe.js\")'", "ASK"),
    (SOC2, "mongosh --eval 'db.drop\\u0044atabase()'", "ASK"),
    (SOC2, "mongosh --eval 'db.runCommand(cmd)'", "ASK"),
    (SOC2, "mongosh prod wipe.js", "ASK"),
    (SOC2, "mongosh --file wipe.js", "ASK"),
    (SOC2, "cat wipe.js | mongosh prod", "ASK"),
    (SOC2, 'mongosh --eval "$JS"', "ASK"),
    (SOC2, "mongorestore --drop dump/", "DENY"),
    (SOC2, "mongosh --eval \"x = /'/; db.dropDatabase(); y = /'/\"", "DENY"),  # a regex literal's quote
    (SOC2, "mongosh --eval 'db.users.find({note: \"db.dropDatabase()\"})'", "ASK"),  # code or text: asked
    (SOC2, "mongosh --eval 'f = db.users[\"drop\"]; f.call(db.users)'", "DENY"),
    (SOC2, "mongosh --eval 'db.users[[\"drop\"][0]].call(db.users)'", "ASK"),
    (SOC2, "mongosh --eval 'db.users[(\"drop\")].call(db.users)'", "ASK"),
    # Elasticsearch and OpenSearch over HTTP
    (PERMISSIVE, "curl -XDELETE 'localhost:9200/_all'", "DENY"),
    (SOC2, "curl -X DELETE http://localhost:9200/logs", "DENY"),
    (SOC2_PI, 'curl -XPOST http://es:9200/idx/_delete_by_query -d \'{"query":{"match_all":{}}}\'', "ASK"),
    (STRICT, "curl -X DELETE http://localhost:9200/logs/_doc/1", "DENY"),
    (SOC2, "curl -X $M http://es:9200/logs", "ASK"),
    # CQL, etcd, InfluxDB
    (SOC2, "cqlsh -e 'DROP KEYSPACE prod'", "DENY"),
    (PERMISSIVE, "cqlsh db1 9042 -e 'drop keyspace prod'", "DENY"),
    (SOC2, "cqlsh -e 'TRUNCATE ks.users'", "DENY"),
    (SOC2, "echo 'DROP TABLE ks.users;' | cqlsh", "DENY"),
    (SOC2, "cqlsh -f drop.cql", "ASK"),
    (SOC2_ALL, 'etcdctl del --prefix ""', "ASK"),
    (SOC2_ALL, "etcdctl --endpoints=http://e1:2379 del '' --from-key", "ASK"),
    (STRICT, "etcdctl del /config/app", "DENY"),
    (STRICT, "etcdctl put /config/app x", "ASK"),
    (STRICT, "etcdctl member remove 8e9e05c52164694d", "ASK"),
    (SOC2, "influx bucket delete -n prod", "DENY"),
    (SOC2, "influx -execute 'DROP DATABASE prod'", "DENY"),
    (SOC2_ALL, "influx delete --bucket metrics", "ASK"),
    (STRICT, "influx write -b metrics 'cpu v=1'", "ASK"),
]

#: benign near-misses: ALLOW under the policy named
SHELL_CONTROLS = [
    (STRICT, "redis-cli GET k", "ALLOW"),
    (STRICT, "redis-cli ping", "ALLOW"),
    (STRICT, "redis-cli -h $HOST -n 2 DBSIZE", "ALLOW"),
    (STRICT, "redis-cli KEYS 'user:*'", "ALLOW"),
    (STRICT, "redis-cli --scan --pattern 'session:*'", "ALLOW"),
    (STRICT, "redis-cli INFO memory", "ALLOW"),
    (STRICT, "redis-cli CONFIG GET maxmemory", "ALLOW"),
    (STRICT, 'redis-cli GET "user:$ID"', "ALLOW"),  # (a key known at run time; `$KEY` is a secret's name)
    (SOC2, "redis-cli DEL session:1", "ALLOW"),
    (SOC2, "echo 'GET flushall' | redis-cli", "ALLOW"),
    (STRICT, 'mongosh --eval "db.users.find().limit(5)"', "ALLOW"),
    (STRICT, "mongosh --quiet prod --eval 'db.users.countDocuments({active: true})'", "ALLOW"),
    (STRICT, "mongo prod --eval 'printjson(db.stats())'", "ALLOW"),
    (STRICT, "mongosh --eval 'db.logs.find({action: \"drop\"}).sort({at: -1})'", "ALLOW"),
    (STRICT, "mongosh --eval 'db.users.find({name: /^a\\d+/})'", "ALLOW"),
    (SOC2, "echo PING | nc localhost 6379", "ALLOW"),
    (SOC2, "echo hello | nc localhost 8080", "ALLOW"),
    (SOC2_ALL, "mongosh --eval 'db.users.deleteMany({age: {$lt: 18}})'", "ALLOW"),
    (SOC2_ALL, "mongosh --eval 'db.users.updateOne({_id: 1}, {$set: {a: 1}})'", "ALLOW"),
    (STRICT, "cqlsh -e 'SELECT * FROM ks.users LIMIT 5'", "ALLOW"),
    (STRICT, 'etcdctl get --prefix ""', "ALLOW"),
    (STRICT, "etcdctl member list", "ALLOW"),
    (STRICT, "influx query 'from(bucket:\"b\") |> range(start: -1h)'", "ALLOW"),
    (STRICT, "grep FLUSHALL notes.md", "ALLOW"),
    # (under strict a request to localhost meets `strict_net_internal`, as a WebFetch does)
    (SOC2, "curl http://localhost:9200/_cat/indices", "ALLOW"),
    (SOC2, "curl -s localhost:9200/logs/_search?q=x", "ALLOW"),
    # (not database commands; an HTTP DELETE and a delete-by-query destroy outside the file system:
    # soc2 holds them for approval, denies them with `availability`)
    (SOC2, "curl -X DELETE https://api.example.com/items/1", "DENY"),
    (SOC2_PI, 'curl -XPOST http://es:9200/idx/_delete_by_query -d \'{"query":{"term":{"u":1}}}\'', "ASK"),
    (STRICT, "mongosh --eval 'db.users.find().toArray()[0]'", "ALLOW"),
    (SOC2, "echo 'db.dropDatabase()' > notes.md", "ALLOW"),
    (STRICT, "redis-server --port 6380 --daemonize yes", "ALLOW"),
]


@pytest.mark.parametrize(("policy", "line", "expected"), SHELL_CASES + SHELL_CONTROLS)
def test_a_command_in_another_database_language_meets_the_database_rules(policy: Any, line: str, expected: str) -> None:
    assert verdict(policy, line) == expected


#: (policy, unmapped tool, arguments, verdict)
TOOL_CASES = [
    (SOC2, "mcp__postgres__query", {"sql": "DROP DATABASE prod"}, "DENY"),
    (STRICT, "mcp__postgres__query", {"sql": "DROP DATABASE prod"}, "ASK"),
    (PERMISSIVE, "mcp__db__run_query", {"query": "select 1; drop database prod"}, "DENY"),
    (SOC2, "execute_sql", {"query": "DROP TABLE users"}, "DENY"),
    (SOC2, "mcp__supabase__execute_sql", {"query": "/* cleanup */ DROP TABLE users"}, "DENY"),
    (SOC2, "mcp__redis__command", {"command": "FLUSHALL"}, "DENY"),
    (SOC2, "redisCommand", {"command": "FLUSHDB"}, "DENY"),
    (SOC2, "mcp__redis__execute", {"command": "EVAL", "args": ["return redis.call('FLUSHALL')", "0"]}, "DENY"),
    (SOC2, "mcp__mongodb__eval", {"code": "db.dropDatabase()"}, "DENY"),
    (SOC2, "mcp__mongo__run", {"script": "db[name + 'Database']()"}, "ASK"),
]
TOOL_CONTROLS = [
    (STRICT, "mcp__postgres__query", {"sql": "SELECT count(*) FROM users"}, "ALLOW"),
    (STRICT, "mcp__redis__get", {"key": "k"}, "ALLOW"),
    (STRICT, "mcp__redis__command", {"command": "GET k"}, "ALLOW"),
    (STRICT, "mcp__brave__search", {"query": "how to drop database in postgres"}, "ALLOW"),
    (STRICT, "mcp__notion__query_database", {"query": "project plans"}, "ALLOW"),
    (STRICT, "query", {"query": "DROP DATABASE prod"}, "ALLOW"),  # no word of its name says database
]


@pytest.mark.parametrize(("policy", "tool", "arguments", "expected"), TOOL_CASES + TOOL_CONTROLS)
def test_an_unmapped_database_tool_is_judged_by_what_it_sends(
    policy: Any, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    assert tool_verdict(policy, tool, arguments, NO_MAPPING) == expected


def test_the_reason_names_the_client_not_the_keys() -> None:
    res = SOC2(event("Bash", {"command": "redis-cli -a hunter2 FLUSHALL"}))
    assert res is not None and res["result"] == "DENY"
    assert "redis-cli" in res["reason"] and "hunter2" not in res["reason"]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["FLUSHALL"], (["DROP DATABASE *"], False)),
        (["flushdb"], (["DROP DATABASE 0"], False)),
        (["DEL", "a b"], (["DELETE FROM redis WHERE key = 'a_b'"], False)),
        (["KEYS", "*"], (["SELECT * FROM redis"], False)),
        (["MULTI"], ([], False)),
        (
            ["EVAL", "redis.call('SET', 'k', 1); return redis.pcall(\"FLUSHALL\")", "0"],
            (
                ["UPDATE redis SET value = 1 WHERE key = 'k'", "DROP DATABASE *"],
                False,
            ),
        ),
        (["EVAL", "return redis.call(KEYS[1])", "0"], ([], True)),
        (["EVAL", "return redis.call('\\70LUSHALL')", "0"], ([], True)),
        (["EVAL", "return redis['call']('FLUSHALL')", "0"], ([], True)),
        (["EVAL", "return loadstring(ARGV[1])()", "0"], ([], True)),
        (["EVAL", "redis.log(redis.LOG_WARNING, 'redis'); return 1", "0"], ([], False)),
        (["XYZZY"], (["CALL redis_XYZZY"], False)),
    ],
)
def test_redis_commands_as_statements(words: list[str], expected: tuple[list[str], bool]) -> None:
    assert redis_sql(words) == expected


def test_redis_cli_splits_a_line_as_redis_does() -> None:
    assert split_line("SET \"a b\" 'c d'") == ["SET", "a b", "c d"]
    assert split_line('"\\x46LUSHALL"') == ["FLUSHALL"]
    assert split_line('SET "unbalanced') == []


def test_mongo_code_as_statements() -> None:
    assert mongo_sql("db.users.deleteMany({})", "prod") == (["DELETE FROM users"], False)
    assert mongo_sql("db.users.deleteMany({a: 1})", "prod") == (["DELETE FROM users WHERE filter"], False)
    assert mongo_sql("db.getSiblingDB('x').dropDatabase()", "prod") == (["DROP DATABASE x"], False)
    assert mongo_sql("db.users.find({}).forEach(printjson)") == (["SELECT * FROM users"], False)
    assert mongo_sql("`${db.dropDatabase()}`") == ([], True)
