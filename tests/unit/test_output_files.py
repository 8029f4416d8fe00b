"""Files written or read through an option or a chosen operand are judged as the plain spelling
of the same effect: ``ssh-keygen -f F``, ``script F``, ``git format-patch -o DIR``, ``git bundle
create F``, ``git diff --output=F``, BSD ``base64 -o F``, ``pip download -d DIR``, ``rsync
--log-file=F``, ImageMagick's and ffmpeg's outputs, dumps' ``-f``/``-r``, ``cpio -O F``; and the
files SQL clients' code names (``psql``'s ``\\o``/``\\copy``/``\\i``, ``COPY … TO 'F'``,
``pg_read_file``, ``INTO OUTFILE``, ``LOAD DATA INFILE``, ``source``, sqlite3's ``.output``)."""

from __future__ import annotations

import time

import pytest

from goalrail.policies.builtins._shell_file_sql import sql_files
from tests.unit.shell_support import HIPAA, PERMISSIVE, SOC2, STRICT, verdict

POLICIES = {"strict": STRICT, "soc2": SOC2, "hipaa": HIPAA, "permissive": PERMISSIVE}

#: the verdicts (strict, soc2, hipaa, permissive) of the plain spellings: `echo x > ~/.claude/settings.json`,
#: `echo x >> ~/.bashrc`, `cat ~/.ssh/id_rsa`, `pip install --target ~/.local/bin x`
GUARD = ("DENY", "DENY", "DENY", "ASK")
PERSIST = ("DENY", "ASK", "ASK", "ASK")
SECRET = ("DENY", "DENY", "DENY", "ALLOW")

PLAIN = [
    ("echo x > /home/dev/.claude/settings.json", GUARD),
    ("echo x >> /home/dev/.bashrc", PERSIST),
    ("cat /home/dev/.ssh/id_rsa", SECRET),
    ("pip install --target /home/dev/.local/bin x", PERSIST),
]

ATTACKS = [
    ("ssh-keygen -t ed25519 -f /home/dev/.claude/settings.json -N ''", GUARD),
    ("ssh-keygen -q -t rsa -b 4096 -N '' -f /home/dev/.bashrc", PERSIST),
    ("ssh-keygen -y -f /home/dev/.ssh/id_rsa", SECRET),
    ("ssh-keygen -yf /home/dev/.ssh/id_rsa", SECRET),
    ("ssh-keygen -l -f /home/dev/.ssh/id_rsa", SECRET),
    ("ssh-keygen -R host -f /home/dev/.bashrc", PERSIST),
    ("script -q /home/dev/.bashrc", PERSIST),
    ("script -a /home/dev/.bashrc", PERSIST),
    ("script -q -c 'echo x' /home/dev/.bashrc", PERSIST),
    ("script --log-out=/home/dev/.bashrc", PERSIST),
    ("git format-patch -o /home/dev/.claude HEAD~1", GUARD),
    ("git format-patch --output-directory=/home/dev/.claude HEAD~1", GUARD),
    ("git format-patch -o/home/dev/.claude HEAD~1", GUARD),
    ("git bundle create /home/dev/.claude/settings.json HEAD", GUARD),
    ("git diff --output=/home/dev/.claude/settings.json", GUARD),
    ("git diff --output /home/dev/.claude/settings.json", GUARD),
    ("git log --output=/home/dev/.bashrc", PERSIST),
    ("git show --output /home/dev/.bashrc HEAD", PERSIST),
    ("git format-patch --output=/home/dev/.bashrc HEAD~1", PERSIST),
    ("git -C /tmp diff --output=/home/dev/.bashrc", PERSIST),
    ("git commit -F /home/dev/.ssh/id_rsa", SECRET),
    ('psql -c "\\o /home/dev/.bashrc" -c "select 1"', PERSIST),
    ("psql -c '\\out /home/dev/.bashrc'", PERSIST),
    ("psql -c \"\\o '/home/dev/.bashrc'\"", PERSIST),
    ('psql -c "select 1 \\g /home/dev/.bashrc"', PERSIST),
    ('psql -c "\\w /home/dev/.bashrc"', PERSIST),
    ("psql -c \"\\copy t to '/home/dev/.claude/settings.json'\"", GUARD),
    ('psql -c "\\copy (select * from t) to /home/dev/.bashrc with csv"', PERSIST),
    ("psql -c \"\\copy t from '/home/dev/.ssh/id_rsa'\"", SECRET),
    ("psql -c \"COPY t TO '/home/dev/.bashrc'\"", PERSIST),
    ("psql -c \"copy (select 1) to '/home/dev/.bashrc'\"", PERSIST),
    ("psql -c \"COPY t FROM '/home/dev/.ssh/id_rsa'\"", SECRET),
    ("psql -c \"select pg_read_file('/home/dev/.ssh/id_rsa')\"", SECRET),
    ("psql -c \"select pg_read_binary_file('/home/dev/.ssh/id_rsa')\"", SECRET),
    ("psql -c \"select lo_import('/home/dev/.ssh/id_rsa')\"", SECRET),
    ("psql -c \"select lo_export(1, '/home/dev/.bashrc')\"", PERSIST),
    ('psql -c "\\lo_export 1234 /home/dev/.bashrc"', PERSIST),
    ("psql -o /home/dev/.bashrc -c 'select 1'", PERSIST),
    ("psql --output=/home/dev/.bashrc -c 'select 1'", PERSIST),
    ("psql -L /home/dev/.bashrc -c 'select 1'", PERSIST),
    ("psql <<< $'\\\\o /home/dev/.bashrc\\nselect 1;'", PERSIST),
    ("mysql -e \"SELECT 1 INTO OUTFILE '/home/dev/.bashrc'\"", PERSIST),
    ("mysql -e 'SELECT 1 INTO OUTFILE \"/home/dev/.bashrc\"'", PERSIST),
    ("mysql -e \"select 1 into dumpfile '/home/dev/.bashrc'\"", PERSIST),
    ("mysql -e \"LOAD DATA INFILE '/home/dev/.ssh/id_rsa' INTO TABLE t\"", SECRET),
    ("mysql -e \"LOAD DATA LOCAL INFILE '/home/dev/.ssh/id_rsa' INTO TABLE t\"", SECRET),
    ("mysql -e \"select load_file('/home/dev/.ssh/id_rsa')\"", SECRET),
    ('mysql -e "\\. /home/dev/.ssh/id_rsa"', SECRET),
    ('mysql -e "tee /home/dev/.bashrc"', PERSIST),
    ("mysql --tee=/home/dev/.bashrc -e 'select 1'", PERSIST),
    ("mariadb -e \"SELECT 1 INTO OUTFILE '/home/dev/.bashrc'\"", PERSIST),
    ('sqlite3 x.db ".output /home/dev/.bashrc" "select 1"', PERSIST),
    ("sqlite3 x.db \"select readfile('/home/dev/.ssh/id_rsa')\"", SECRET),
    ("sqlite3 x.db \"select writefile('/home/dev/.bashrc', 'x')\"", PERSIST),
    ("sqlite3 x.db '.backup /home/dev/.bashrc'", PERSIST),
    ("convert in.png /home/dev/.bashrc", PERSIST),
    ("convert in.png -resize 50% /home/dev/.bashrc", PERSIST),
    ("magick in.png png:/home/dev/.bashrc", PERSIST),
    ("convert in.png -write /home/dev/.bashrc out.png", PERSIST),
    ("ffmpeg -i in.mp4 /home/dev/.bashrc", PERSIST),
    ("ffmpeg -y -i in.mp4 -c copy /home/dev/.bashrc", PERSIST),
    ("ffmpeg -i in.mp4 -f rawvideo file:/home/dev/.bashrc", PERSIST),
    ("ffmpeg -f concat -i /home/dev/.ssh/id_rsa out.mp4", SECRET),
    ("base64 -d x -o /home/dev/.bashrc", PERSIST),
    ("base64 -do /home/dev/.bashrc x", PERSIST),
    ("base64 --output=/home/dev/.bashrc x", PERSIST),
    ("base64 -i /home/dev/.ssh/id_rsa", SECRET),
    ("pip download -d /home/dev/.local/bin x", PERSIST),
    ("pip download --dest=/home/dev/.local/bin x", PERSIST),
    ("pip wheel -w /home/dev/.local/bin x", PERSIST),
    ("pip install --log /home/dev/.bashrc x", PERSIST),
    ("pip install --report /home/dev/.bashrc x", PERSIST),
    ("rsync --log-file=/home/dev/.bashrc a b", PERSIST),
    ("rsync --log-file /home/dev/.bashrc a b", PERSIST),
    ("rsync --write-batch=/home/dev/.bashrc a b", PERSIST),
    ("cpio -o -O /home/dev/.bashrc", PERSIST),
    ("cpio -oF /home/dev/.bashrc", PERSIST),
    ("pg_dump -f /home/dev/.bashrc db", PERSIST),
    ("pg_dump --file=/home/dev/.bashrc db", PERSIST),
    ("mysqldump -r /home/dev/.bashrc db", PERSIST),
    ("mysqldump --result-file=/home/dev/.bashrc db", PERSIST),
    ("mysqlimport db /home/dev/.ssh/id_rsa", SECRET),
    ("curl --trace /home/dev/.bashrc https://x", PERSIST),
    ("curl --stderr /home/dev/.bashrc https://x", PERSIST),
    ("wget --output-file=/home/dev/.bashrc https://x", PERSIST),
    ("wget --save-cookies /home/dev/.bashrc https://x", PERSIST),
    ("tcpdump -w /home/dev/.bashrc", PERSIST),
    ("strace -f -o /home/dev/.bashrc ls", PERSIST),
    ("ltrace -o /home/dev/.bashrc ls", PERSIST),
    ("valgrind --log-file=/home/dev/.bashrc ls", PERSIST),
    ("dos2unix /home/dev/.bashrc", PERSIST),
    ("dos2unix -n in.txt /home/dev/.bashrc", PERSIST),
    ("clang-format -i /home/dev/.bashrc", PERSIST),
    ("openssl req -new -keyout /home/dev/.bashrc -out x", PERSIST),
    ("age -o /home/dev/.bashrc x", PERSIST),
    ("pandoc -o /home/dev/.bashrc x.md", PERSIST),
]

#: the same programs in the project: allowed, and under strict as the plain spelling (`echo x > out.txt`: asked)
BENIGN = [
    ("ssh-keygen -t ed25519 -f ./deploy_key -N ''", "ASK"),
    ("ssh-keygen -l -f ./deploy_key.pub", "ALLOW"),
    ("git format-patch -o patches HEAD~3", "ASK"),
    ("git format-patch HEAD~3", "ALLOW"),
    ("git diff --output=x.diff", "ASK"),
    ("git diff --stat", "ALLOW"),
    ("git log --oneline -5", "ALLOW"),
    ("git bundle create repo.bundle --all", "ASK"),
    ("git commit -F msg.txt", "ALLOW"),
    ("git commit -m 'fix: output'", "ALLOW"),
    ("psql -c \"\\copy t to 'out.csv'\"", "ASK"),
    ("psql -d mydb -c 'select 1'", "ALLOW"),
    ("psql mydb", "ALLOW"),
    ("mysql -e 'select * from t'", "ALLOW"),
    ("ffmpeg -i in.mp4 out.webm", "ASK"),
    ("ffmpeg -y -i in.mp4 -c:v libx264 -crf 23 -preset fast out.mp4", "ASK"),
    ("ffmpeg -i in.mp4 -f null -", "ALLOW"),
    ("convert a.png b.jpg", "ASK"),
    ("convert a.png -resize 50% b.jpg", "ASK"),
    ("script -q /dev/null -c ls", "ALLOW"),
    ("base64 -d x -o out.bin", "ASK"),
    ("base64 -w 0 x", "ALLOW"),
    ("pip download -d ./wheels requests", "ASK"),
    ("pip download requests", "ALLOW"),
    ("rsync -av --log-file=rsync.log src/ dst/", "ASK"),
    ("pg_dump -f dump.sql mydb", "ASK"),
    ("xxd -o 16 x", "ALLOW"),
    ("xargs -a list.txt echo", "ALLOW"),
    ("tcpdump -i any port 80", "ALLOW"),
    ("clang-format x.c", "ALLOW"),
    ("mysqlimport -u root db data.txt", "ALLOW"),
]


@pytest.mark.parametrize(("line", "expected"), PLAIN + ATTACKS)
@pytest.mark.parametrize("k", range(4))
def test_a_named_file_is_judged_as_the_plain_spelling(line: str, expected: tuple[str, ...], k: int) -> None:
    assert verdict(list(POLICIES.values())[k], line) == expected[k]


@pytest.mark.parametrize(("line", "strict"), BENIGN)
@pytest.mark.parametrize("name", POLICIES)
def test_the_same_programs_in_the_project_stay_allowed(name: str, line: str, strict: str) -> None:
    assert verdict(POLICIES[name], line) == (strict if name == "strict" else "ALLOW")


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("COPY (SELECT a FROM t WHERE b = 'x') TO '/tmp/o.csv' WITH (FORMAT csv)", [("file_write", "/tmp/o.csv")]),
        ("\\copy (select * from secrets) to stdout", []),
        ("COPY t TO STDOUT; COPY u FROM PROGRAM 'cat /x'", []),
        ("\\gset p\n\\set x 1\n\\echo hi\n\\watch 5", []),
        ("\\o | cat", []),
        ("\\i a.sql\n\\copy t from data.csv", [("file_read", "data.csv"), ("file_read", "a.sql")]),
    ],
)
def test_sql_files_names_only_files(code: str, found: list[tuple[str, str]]) -> None:
    assert sql_files(code) == found


def _cpu(text: str) -> float:
    """The least CPU time of three readings of ``text``."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sql_files(text)
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize(
    "prefix", ["copy t to '", "\\copy (", "copy '", "lo_export(x", "into outfile ", ".output -x ", "\\o ", "to "]
)
def test_sql_files_reads_a_run_in_what_its_size_costs(prefix: str) -> None:
    """(unclosed quotes and statements without an end, thousands of them: one pass)"""
    crafted = prefix * (20_000 // len(prefix))
    assert _cpu(crafted) < 20 * _cpu("x " * (len(crafted) // 2)) + 0.05
