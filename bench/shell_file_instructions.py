"""A shell command judged by the file rules, under callgrind, per kind of line (load-independent).

    python bench/shell_file_instructions.py [--calls 2000] [--cold] [--policy strict|rules|shell-rules]
                                           [--written N] [--tree PATH]

``pattern_policy`` (the ``strict`` template, ``rules``: a user's five file rules and no shell
rule, or ``shell-rules``: a user's four ``shell_execute`` rules and no file rule) on one Claude
Code call per kind: a line that names no file (``git status``), one read (``cat README.md``), a
denied read (``cat ~/.ssh/id_rsa``), a line with a ``cd``, a pipe and a redirect, a glob,
interpreter code, a recursive read of a project directory (``tree``), of a home
(``home-tree``, denied: it holds ``~/.ssh``), of a browser profile (``secret-tree``, denied) and of a
directory outside the workspace that holds no secret (``outside-tree``), a git object
(``git-object``), a wrapper that runs no command after another command (``wrapper-alone``, denied),
a database client's query (``database``), a Redis and a MongoDB client's read (``redis``, ``mongo``),
an MCP tool nobody mapped (``mcp-tool``) and one whose name says database (``db-tool``),
a recursive delete of ``/`` (``delete-tree``, denied), interpreter code deleting a tree
(``code-delete``), a ``Read`` and a ``Glob`` (file tools: their glob check), and lines whose
options are read in their other spellings (``rm-options``: ``rm -r --force build/``,
``push-options``: a push with ``--force-with-lease``), ``run-written`` (``bash run.sh``),
``run-app`` (``python3 app.py``: with ``--written``, an ordinary remembered app, its code read as
``python3 -c``), ``write-run`` (a script written and run on one line: ``cat > gen.py <<'EOF' …
EOF`` then ``python3 gen.py``, its code read by every reader), ``tool-run`` (a program Goalrail
does not know handed paths: ``pytest -q tests/unit``),
``upload`` (a sender's file read: ``gh release upload v1 dist/app.tar.gz``), ``printer`` (a command
that prints a stored credential, read as its store: ``gh auth token``, denied), ``pytest-run``
(``python3 -m pytest -q``: with ``--written``, the files a Python run finds itself), ``compose-up``
(``docker compose up -d``: with ``--written``, a remembered ``compose.yaml`` read), ``cd-ls``
(``cd src && ls | wc -l``), ``fetch`` (``curl`` of an allowlisted URL: its network target),
``fetch-internal`` (``curl`` of the metadata address: denied by ``strict_net_internal``),
``cd-count`` (``cd x && ls | wc -l``), and the environment's (``_shell_env``): ``env-home`` (``ls
$HOME/.cache``, a read strict allows), ``env-secret`` (``printenv AWS_SECRET_ACCESS_KEY``, denied) and
``env-dump`` (``env | grep KEY``, denied); and content-named writes (``_shell_file_patches``):
``patch-doc`` (``git apply <<'EOF'`` of a diff of ``src/app.py``), ``apply-written`` (``git apply
fix.diff``: with ``--written``, a remembered diff read), ``git-pull`` and ``cpio`` (``cpio -idm <
deps.cpio``).
``--written N`` gives the event a record of N files the session wrote (``run.sh``, a harmless
script, and ``fix.diff`` among them), as the runtime does (``goalrail.policies.written``).
The event is built once; only the policy's call is counted (inside ``itertools.starmap``'s
``next``).  The shell parse, the derived file actions and the readings are cached by command
line (the shell builtins parse the same line); ``--cold`` clears the caches and the checker's
line memo (``FileKinds.hits``) before every call, so each call parses its line and matches its
readings.  ``--tree`` measures another checkout's ``src`` (an exported base).
"""

from __future__ import annotations

import argparse
import collections
import gc
import itertools
import sys
from pathlib import Path
from typing import Any

from callgrind import collected_in_starmap, driver, measure_tree

HERE = Path(__file__).resolve().parent
APP = "/home/dev/app"
KINDS: dict[str, tuple[str, dict[str, Any]]] = {
    "no-file": ("Bash", {"command": "git status"}),
    "one-read": ("Bash", {"command": "cat README.md"}),
    "denied": ("Bash", {"command": "cat ~/.ssh/id_rsa"}),
    "cd-pipe": ("Bash", {"command": "cd src && grep -rn TODO . | sort > /tmp/todo.txt 2>/dev/null"}),
    "glob": ("Bash", {"command": "wc -l src/*.py"}),
    "secret-glob": ("Bash", {"command": "cat ~/.aws/cred*"}),
    "find-xargs": ("Bash", {"command": "find . -name '*.py' | xargs cat"}),
    "find-nul": ("Bash", {"command": "find . -name '*.py' -print0 | xargs -0 wc -l"}),
    "find-exec": ("Bash", {"command": "find src -name '*.py' -exec sed -i 's/foo/bar/g' {} +"}),
    "code": ("Bash", {"command": "python3 -c \"print(open('setup.cfg').read())\""}),
    "tree": ("Bash", {"command": "tar -czf /tmp/src.tgz src/"}),
    "home-tree": ("Bash", {"command": "grep -r KEY ~"}),
    "secret-tree": ("Bash", {"command": "tar -czf /tmp/ff.tgz ~/.mozilla/firefox/x.default"}),
    "outside-tree": ("Bash", {"command": "cp -r /opt/data/fixtures /tmp/fixtures"}),
    "git-object": ("Bash", {"command": "git show HEAD:README.md"}),
    "database": ("Bash", {"command": "psql -h db -c 'select count(*) from users where active'"}),
    "redis": ("Bash", {"command": "redis-cli -h cache GET session:1"}),
    "mongo": ("Bash", {"command": "mongosh prod --quiet --eval 'db.users.find({active: true}).limit(5)'"}),
    "mcp-tool": ("mcp__github__get_issue", {"owner": "o", "repo": "r", "issue_number": 1}),
    "db-tool": ("mcp__postgres__query", {"sql": "SELECT count(*) FROM users WHERE active"}),
    "delete-tree": ("Bash", {"command": "find / -delete"}),
    "code-delete": ("Bash", {"command": "python3 -c \"import shutil; shutil.rmtree('build')\""}),
    "wrapper-alone": ("Bash", {"command": "cd /srv && nice sudo -i"}),
    "read-tool": ("Read", {"file_path": f"{APP}/src/main.py"}),
    "glob-tool": ("Glob", {"pattern": "**/*.py", "path": APP}),
    "rm-options": ("Bash", {"command": "rm -r --force build/"}),
    "push-options": ("Bash", {"command": "git push origin feature/x --force-with-lease"}),
    "run-written": ("Bash", {"command": "bash run.sh"}),
    "run-app": ("Bash", {"command": "python3 app.py"}),
    "write-run": (
        "Bash",
        {"command": "cat > gen.py <<'EOF'\nimport json\nprint(json.dumps({'ok': 1}))\nEOF\npython3 gen.py"},
    ),
    "tool-run": ("Bash", {"command": "pytest -q tests/unit"}),
    "printer": ("Bash", {"command": "gh auth token"}),
    "upload": ("Bash", {"command": "gh release upload v1 dist/app.tar.gz"}),
    "pytest-run": ("Bash", {"command": "python3 -m pytest -q"}),
    "compose-up": ("Bash", {"command": "docker compose up -d"}),
    "cd-ls": ("Bash", {"command": "cd src && ls | wc -l"}),
    "fetch": ("Bash", {"command": "curl -sSL https://api.github.com/repos/o/r -o /tmp/r.json"}),
    "fetch-internal": ("Bash", {"command": "curl -s http://169.254.169.254/latest/meta-data/"}),
    "cd-count": ("Bash", {"command": "cd x && ls | wc -l"}),
    "env-home": ("Bash", {"command": "ls $HOME/.cache"}),
    "env-secret": ("Bash", {"command": "printenv AWS_SECRET_ACCESS_KEY"}),
    "env-dump": ("Bash", {"command": "env | grep KEY"}),
    "patch-doc": (
        "Bash",
        {"command": "git apply <<'EOF'\n--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\nEOF"},
    ),
    "apply-written": ("Bash", {"command": "git apply fix.diff"}),
    "git-pull": ("Bash", {"command": "git pull --rebase origin main"}),
    "cpio": ("Bash", {"command": "cpio -idm < deps.cpio"}),
    "extract": ("Bash", {"command": "jar -xf lib.jar -C build/classes"}),
    "loop-glob": ("Bash", {"command": 'for f in src/*.py; do wc -l "$f"; done'}),
    "git-config": ("Bash", {"command": "git config user.name dev"}),
    "persist-git": ("Bash", {"command": "git config --global core.hooksPath /tmp/h"}),
    "persist-write": ("Bash", {"command": "echo 'export PATH=/tmp/x:$PATH' >> ~/.profile"}),
    "tunnel": ("Bash", {"command": "ssh -NfR 80:localhost:8080 serveo.net"}),
    "serve-dir": ("Bash", {"command": "python3 -m http.server 8000"}),
    "http-delete": ("Bash", {"command": "curl -sX DELETE https://api.github.com/repos/o/r"}),
    "sdk-list": ("Bash", {"command": "python3 -c \"import boto3; print(boto3.client('s3').list_buckets())\""}),
}
#: an ordinary app the session wrote (``run-app``)
APP_PY = (
    "import json\nimport sys\nfrom pathlib import Path\n\n\ndef main() -> int:\n"
    "    data = json.loads(Path('data.json').read_text())\n    print(len(data), file=sys.stderr)\n"
    "    return 0\n\n\nif __name__ == '__main__':\n    raise SystemExit(main())\n"
)
RULES = {
    "name": "files",
    "default_action": "allow",
    "patterns": [
        {"id": "ssh", "action_type": "file_read", "pattern": ".*\\.ssh/.*", "action": "deny"},
        {"id": "env", "action_type": "file_read", "pattern": "(.*/)?\\.env$", "action": "deny"},
        {"id": "etc_w", "action_type": "file_write", "pattern": "/etc/.*", "action": "deny"},
        {"id": "etc_d", "action_type": "file_delete", "pattern": "/etc/.*", "action": "deny"},
        {"id": "ww", "action_type": "file_chmod", "pattern": ".*:0?[0-7]?[0-7][2367]$", "action": "deny"},
    ],
}
#: a user's rules on programs (the shell corpora's `shell_rules`), for ``--policy shell-rules``
SHELL_RULES = {
    "name": "shell",
    "default_action": "allow",
    "patterns": [
        {
            "id": "force",
            "action_type": "shell_execute",
            "pattern": "git\\s+push\\s+(.*\\s)?(--force|-f)(\\s|$)",
            "action": "deny",
        },
        {
            "id": "rm_home",
            "action_type": "shell_execute",
            "pattern": "rm\\s+(-\\S+\\s+)*-\\w*[rR]\\w*\\s+(-\\S+\\s+)*(~|/|\\$HOME)/?(\\s|$)",
            "action": "deny",
        },
        {"id": "raw_net", "action_type": "shell_execute", "pattern": "(nc|ncat|socat|telnet)\\s", "action": "deny"},
        {
            "id": "disk",
            "action_type": "shell_execute",
            "pattern": "(mkfs(\\.\\w+)?|wipefs|mke2fs)\\s",
            "action": "deny",
        },
    ],
}


def drive(tree: str, kind: str, n: int, policy: str, cold: bool, written: int = 0) -> None:
    measure_tree(tree)
    from goalrail.engine.actions import ActionMapper
    from goalrail.engine.context import build_event, normalize_event
    from goalrail.engine.snapshot import Snapshot
    from goalrail.policies.builtins import _shell
    from goalrail.policies.builtins.patterns import pattern_policy

    try:
        from goalrail.policies.builtins._shell_file_effects import file_effects

        clears = [_shell._cached.cache_clear, file_effects.cache_clear]
    except ImportError:  # a base without derived file actions
        clears = [_shell._cached.cache_clear]
    try:
        from goalrail.policies.builtins._shell_readings import line_readings

        clears.append(line_readings.cache_clear)
    except ImportError:  # a base whose readings are cached as they are given
        try:
            from goalrail.policies.builtins._shell_readings import readings

            clears.append(readings.cache_clear)
        except ImportError:  # a base without readings
            pass
    try:
        from goalrail.policies.builtins._shell_env import _cached as env_effects

        clears.append(env_effects.cache_clear)
    except ImportError:  # a base without the environment's reads and writes
        pass
    rules = {"strict": None, "rules": RULES, "shell-rules": SHELL_RULES}[policy]
    check = pattern_policy(policy="strict") if rules is None else pattern_policy(inline=rules)
    tool, arguments = KINDS[kind]
    raw = normalize_event(
        {"type": "tool_call", "target": tool, "data": {"arguments": arguments}, "context": {"cwd": APP}}
    )
    event: dict[str, Any] = dict(build_event(raw, Snapshot("s1"), now=1.0, mapper=ActionMapper()))
    event["policy_state"] = {}
    if written:  # the files the session wrote (`goalrail.written`): `run.sh` and others
        record = {f"{APP}/f{i}.txt": "x\n" for i in range(written - 1)}
        record[f"{APP}/run.sh"] = "echo hi\n"
        record[f"{APP}/app.py"] = APP_PY
        record[f"{APP}/fix.diff"] = "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
        if kind == "compose-up":  # an ordinary compose file, read as the `docker run` it amounts to
            record[f"{APP}/compose.yaml"] = "services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n"
        event["context"] = {**event["context"], "written": record}
    check(event)  # warm
    try:  # the checker's per-line memo of matching readings (`FileKinds.hits`), emptied too when cold
        from goalrail.policies.builtins._pattern_files import FileKinds

        kept = [c.cell_contents for c in check.__closure__ or () if isinstance(c.cell_contents, FileKinds)]
        clears += [k.hits(k._last[0]).clear for k in kept if k._last[0] is not None]
    except ImportError:  # a base without the memo
        pass

    def call(ev: Any) -> Any:
        if cold:
            for clear in clears:
                clear()
        return check(ev)

    items = [(event,)] * n
    gc.collect()
    gc.disable()
    collections.deque(itertools.starmap(call, items), maxlen=0)


def main() -> None:
    if len(sys.argv) >= 7 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6] == "cold", int(sys.argv[7]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--policy", default="strict", choices=["strict", "rules", "shell-rules"])
    ap.add_argument("--cold", action="store_true", help="clear the parse caches before every call")
    ap.add_argument("--tree", default=str(HERE.parent), help="the checkout whose src is measured")
    ap.add_argument("--written", type=int, default=0, help="files the session wrote before (`run.sh` one of them)")
    args = ap.parse_args()
    mode = "cold" if args.cold else "warm"
    for kind in args.kinds.split(","):
        total = collected_in_starmap(driver(__file__, args.tree, kind, args.calls, args.policy, mode, args.written))
        print(f"{kind:<10} {total / args.calls / 1000:8.2f} k instructions per pattern_policy call", flush=True)


if __name__ == "__main__":
    main()
