"""The cost of the shell analysis' newest readers, by the work they do (issue 13), and that they
answer as before.

* A Python or JavaScript run looks up the remembered files it may find (``_written_implicit``)
  in an index of the record's keys, made once per set of keys, not by walking every key on
  every call: counted by the key methods called on a second call over the same keys.
* A path handed to a program Goalrail does not know (``mytool .env``) and a file a line reads
  (``cat README.md``) meet the policy's ``file_read`` rules through one pass of its RE2 set over
  the rules that may restrict; a path no such rule matches is not decided rule by rule
  (``Policy.decide``), counted by its calls.
* Controls (differential): the same remembered runs as the walk over every key, over generated
  records and commands; the same answers with the one-pass check switched off.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.patterns.policy import Policy
from goalrail.policies.builtins import _pattern_files, _pattern_handed, _pattern_written
from goalrail.policies.builtins._pattern_written import written_lines
from goalrail.policies.builtins.patterns import pattern_policy

APP = "/home/dev/app"
MAPPER = ActionMapper()
_TEST = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_test|conftest)\.py$")
_UNITTEST = re.compile(r"(?:^|/)test[^/]*\.py$")
_JS_TEST = re.compile(r"(?:[./](?:test|spec)|(?:^|/)__tests__/[^/]*)\.[cm]?[jt]sx?$")
#: the tests the walk over every key used (what ``Keys.under`` was handed), by kind
_OLD_TESTS: dict[str, Callable[[str], object]] = {
    "pth": lambda k: k.endswith(".pth") and "-packages/" in k,
    "py": lambda k: k.endswith(".py"),
    "test": _TEST.search,
    "unittest": _UNITTEST.search,
    "go": lambda k: k.endswith(".go"),
    "js": lambda k: k.endswith((".js", ".mjs", ".cjs")),
    "js-test": _JS_TEST.search,
}


class Walked:
    """The record's keys as they were looked up before the index: every key walked on every look."""

    def __init__(self, record: Mapping[str, object]) -> None:
        self.record = record

    def named(self, path: str) -> list[str]:
        last = path.rpartition("/")[2]
        return [k for k in self.record if k.rpartition("/")[2] == last]

    def under(self, cwd: object, test: Any) -> list[str]:
        test = _OLD_TESTS[test] if isinstance(test, str) else test
        top = cwd.rstrip("/") + "/" if isinstance(cwd, str) and cwd[:1] == "/" else ""
        return [k for k in self.record if k.startswith(top) and test(k)]


_DIRS = ("", "src/pkg/", "src/pkg/sub/", "tests/", "tests/unit/", "lib/", "node_modules/x/", ".git/hooks/", "hooks/")
_NAMES = (
    "helper.py",
    "__init__.py",
    "__main__.py",
    "test_a.py",
    "a_test.py",
    "conftest.py",
    "testing.py",
    "sitecustomize.py",
    "app.js",
    "util.js",
    "lib.mjs",
    "a.test.js",
    "jest.config.js",
    "gen.go",
    "pre-commit",
    "notes.txt",
    "run.sh",
    "pkg.py",
    "mod.py",
    "setup.py",
)
_TEXTS = (
    "import helper\nfrom pkg import sub\n",
    "from . import mod\nimport pkg.sub.helper\n",
    "import importlib\nimportlib.import_module('mod')\n",
    "const u = require('./util')\nimport x from '../lib.mjs'\n",
    "//go:generate sh run.sh\npackage main\n",
    "#!/bin/sh\ncat ~/.ssh/id_rsa\n",
    "print('hi')\n",
    None,
)
_LINES = (
    "python3 -m pytest -q",
    "pytest tests",
    "py.test -p helper",
    'python3 -c "import pkg.sub.helper"',
    "python3 -m pkg",
    "python3 helper.py",
    "python3 -m unittest",
    "python3 $f",
    "tox",
    "node app.js",
    "node $f",
    "npx jest",
    "bun test",
    "go generate ./...",
    "git commit -m x",
    "cd src && pytest",
    "./helper.py",
    "python3 -m pip install .",
)


def _record(rng: random.Random) -> dict[str, object]:
    record: dict[str, object] = {}
    for _ in range(rng.randint(1, 40)):
        top = rng.choice((f"{APP}/", "/home/dev/other/", "/usr/lib/python3/site-packages/", "", "~/"))
        record[top + rng.choice(_DIRS) + rng.choice(_NAMES)] = rng.choice(_TEXTS)
    if rng.random() < 0.3:
        record["/usr/lib/python3/site-packages/x.pth"] = "import helper\n/tmp/path\n"
    return record


def _cases() -> Iterator[tuple[int, dict[str, object], str, object]]:
    rng = random.Random(24)
    for n in range(150):
        record = _record(rng)
        for line in rng.sample(_LINES, 6):
            yield n, record, line, rng.choice((APP, f"{APP}/tests", None, "/home/dev/other"))


def test_index_gives_the_same_runs_as_the_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: over generated records, lines and directories, the lines ``written_lines`` gives
    to judge and the remembered files it names are those of the walk over every key."""
    cases = list(_cases())
    indexed = [written_lines([line], record, cwd) for _, record, line, cwd in cases]
    monkeypatch.setattr(_pattern_written, "Keys", Walked)
    walked = [written_lines([line], record, cwd) for _, record, line, cwd in cases]
    assert sum(1 for out, _ in walked if out) > 100  # (the cases run remembered files)
    for case, new, old in zip(cases, indexed, walked, strict=True):
        assert new == old, case[2:]


class _Key(str):
    """A record key that counts the string methods called on it (a key looked at)."""

    looked = 0

    def _count(self) -> None:
        _Key.looked += 1

    def rpartition(self, sep: str) -> tuple[str, str, str]:  # type: ignore[override]
        self._count()
        return str(self).rpartition(sep)

    def startswith(self, *args: Any) -> bool:  # type: ignore[override]
        self._count()
        return str(self).startswith(*args)

    def endswith(self, *args: Any) -> bool:  # type: ignore[override]
        self._count()
        return str(self).endswith(*args)


@pytest.mark.parametrize(
    "line",
    ["python3 -m pytest -q", 'python3 -c "import helper"', "python3 $f", "node $f", "npx jest", "go generate"],
)
def test_a_run_seen_again_looks_at_no_key_of_a_large_record(line: str) -> None:
    """A second call over the same 300 keys looks at the few keys of the kind a run finds (the
    tests under the directory), not at every key (on the base: every key, two or three times)."""
    record: dict[str, object] = {_Key(f"{APP}/data/{line[:6]}/f{i}.txt"): "x\n" for i in range(300)}
    record[_Key(f"{APP}/tests/test_a.py")] = "import helper\n"
    record[_Key(f"{APP}/helper.py")] = "print(1)\n"
    first = written_lines([line], record, APP)
    _Key.looked = 0
    again = written_lines([line], dict(record), APP)  # (the next call's record: the same keys)
    assert again == first
    assert _Key.looked <= 8


def _event(command: str) -> dict[str, Any]:
    raw = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}}, "context": {"cwd": APP}}
    ev = dict(build_event(normalize_event(raw), Snapshot("s1"), now=1_000.0, mapper=MAPPER))
    ev["policy_state"] = {}
    return ev


def _decided(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets ``Policy.decide`` is asked about a file read, as it is called."""
    calls: list[str] = []
    decide = Policy.decide

    def counted(self: Policy, action_type: str, target: str, *args: Any, **kwargs: Any) -> Any:
        if action_type == "file_read":
            calls.append(target)
        return decide(self, action_type, target, *args, **kwargs)

    monkeypatch.setattr(Policy, "decide", counted)
    return calls


STRICT = pattern_policy(policy="strict")
USER = pattern_policy(
    inline={
        "name": "files",
        "default_action": "allow",
        "patterns": [
            {"id": "example", "action_type": "file_read", "pattern": ".*\\.env\\.example$", "action": "allow"},
            {"id": "readme", "action_type": "file_read", "pattern": ".*README.*", "action": "allow"},
            {"id": "env", "action_type": "file_read", "pattern": "(.*/)?\\.env(\\..*)?$", "action": "deny"},
            {"id": "ssh", "action_type": "file_read", "pattern": ".*\\.ssh/.*", "action": "deny"},
            {"id": "keys", "action_type": "file_read", "pattern": ".*\\.pem$", "action": "warn"},
            {"id": "git", "action_type": "shell_execute", "pattern": "git\\s.*", "action": "allow"},
        ],
    }
)


@pytest.mark.parametrize(
    "command",
    ["pytest -q tests/unit", "gh release upload v1 dist/app.tar.gz", "cat README.md", "mytool src/main.py data/"],
)
def test_a_path_no_restricting_rule_matches_is_not_decided(monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """Under ``strict``, a path handed to an unknown program, a sender's read and a plain read,
    none of them denied, are not decided rule by rule (on the base: each spelling decided)."""
    calls = _decided(monkeypatch)
    assert STRICT(_event(command))["result"] == "ALLOW"
    assert calls == []


COMMANDS = (
    "pytest -q tests/unit",
    "mytool .env",
    "mytool .env.example",
    "mytool ~/.ssh/id_rsa",
    "mytool key.pem",
    "./upload.sh README.md .env",
    "gh release upload v1 dist/app.tar.gz",
    "gh release upload v1 .env",
    "cat README.md",
    "cat .env",
    "cat .env.example key.pem",
    "cd src && cat ../.env",
    "git status",
    "mytool 'README.md'",
)


@pytest.mark.parametrize("policy", [STRICT, USER], ids=["strict", "user"])
def test_the_one_pass_check_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch, policy: Any) -> None:
    """Control: every answer is the one a decision rule by rule gives (an ``allow`` rule before a
    ``deny`` one still wins, a ``warn`` rule still warns)."""
    fast = [policy(_event(c)) for c in COMMANDS]
    monkeypatch.setattr(_pattern_files, "only_allowed", lambda *_: False)
    monkeypatch.setattr(_pattern_handed, "only_allowed", lambda *_: False)
    slow = [policy(_event(c)) for c in COMMANDS]
    assert fast == slow
    assert {a and a["result"] for a in fast} >= {"ALLOW", "ASK"}


def test_a_denied_path_is_still_decided(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: a path a ``deny`` rule matches is decided and asked (``mytool .env``)."""
    calls = _decided(monkeypatch)
    assert USER(_event("mytool .env"))["result"] == "ASK"
    assert calls
