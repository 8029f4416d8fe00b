"""Programs that write files named inside content, not on the line (issue 13): a diff's headers
(``patch``, ``git apply``/``am``, ``apply_patch``, with ``-p N``/``-d DIR``/``--directory``/``git -C``),
one the session wrote earlier and applies now, ``git`` commands that rewrite a named work tree
(``git -C ~/.claude pull``), and ``cpio``/``pax`` unpacking into a guarded directory meet the file
rules on the files they write, under ``strict`` and the server's own-files guard.  A diff whose text
is not seen, a whole-tree ``git`` command in the call's own directory and ordinary patches and
archives keep their verdicts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from goalrail.policies.builtins._shell_file_effects import file_effects
from tests.unit.builtins.runtime_session import Session, make_runtime, spec
from tests.unit.shell_support import STRICT, verdict
from tests.unit.test_own_files_guard import GUARD

WS = "/workspace/app"  # (strict's workspace: a write here is allowed unless a rule says otherwise)
SETTINGS = "--- a/settings.json\n+++ b/settings.json\n@@ -1 +1 @@\n-{}\n+{}\n"
CLAUDE = "--- a/.claude/settings.json\n+++ b/.claude/settings.json\n@@ -1 +1 @@\n-{}\n+{}\n"
APP = "--- a/src/app.py\n+++ b/src/app.py\n@@ -1 +1 @@\n-x\n+y\n"
GIT_CONFIG = "diff --git a/config.toml b/config.toml\n--- a/config.toml\n+++ b/config.toml\n@@ -1 +1 @@\n-a\n+b\n"
ENVELOPE = "*** Begin Patch\n*** {} File: {}\n@@\n-a\n+b\n*** End Patch\n"


def doc(command: str, text: str) -> str:
    return f"{command} <<'EOF'\n{text}EOF"


#: denied under strict (the agent's guard): the diff's files, taken where the applier takes them
STRICT_DENIED = [
    doc("patch -p1 -d ~/.claude", SETTINGS),
    doc("patch -p1 -d$HOME/.claude", SETTINGS),
    doc("patch -p1 --directory=$HOME/.codex", GIT_CONFIG),
    doc("patch --strip=1 --directory ~/.codex", GIT_CONFIG),
    doc("gpatch -p1 -d ~/.claude", SETTINGS),
    doc("env -C ~/.claude patch -p1", SETTINGS),
    doc("git -C ~/.claude apply", SETTINGS),
    doc("git -C ~/.codex apply -v", GIT_CONFIG),
    doc("git --work-tree=$HOME/.codex apply", GIT_CONFIG),
    doc("git apply --directory=.claude", SETTINGS),
    doc("git -C ~/.claude am", "From x Mon Sep 17 00:00:00 2001\nSubject: x\n\n---\n" + SETTINGS),
    doc("apply_patch", ENVELOPE.format("Update", ".claude/settings.json")),
    doc("apply_patch", ENVELOPE.format("Add", ".mcp.json")),
    doc("apply_patch", ENVELOPE.format("Delete", ".codex/config.toml")),
    doc("applypatch", ENVELOPE.format("Update", "x/.gemini/settings.json")),
    "patch -d ~/.claude settings.json < p.diff",
    # a work tree a whole-tree git command rewrites, named on the line
    "git -C ~/.claude pull",
    "git -C ~/.codex merge origin/main",
    "git -C ~/.claude cherry-pick abc123",
    "git -C ~/.claude revert HEAD",
    "git -C ~/.claude checkout main",
    "git -C ~/.claude rebase main",
    "git -C ~/.claude stash pop",
    "git --work-tree=$HOME/.claude checkout x",
    "cd ~/.codex && git reset --hard origin/main",
    "cd ~/.claude; git stash apply",
    "env -C ~/.claude git pull --rebase",
    # cpio / pax unpacking into (or naming) a guarded file
    "cpio -idm -D ~/.claude < a.cpio",
    "cpio -idD ~/.claude < a.cpio",
    "cpio --extract --directory=$HOME/.codex < a.cpio",
    "cpio -idm .claude/settings.json < a.cpio",
    "cd ~/.codex && cpio -idm < a.cpio",
    "find . | cpio -pdm ~/.claude",
    "pax -rw conf ~/.claude",
    "cd ~/.claude && pax -r -f a.pax",
]
#: denied by the server's own-files guard (absolute paths a relative header names under `-d`/`-C`)
GUARD_DENIED = [
    doc("patch -p1 -d /srv/goalrail", "--- a/config.yaml\n+++ b/config.yaml\n@@ -1 +1 @@\n-a\n+b\n"),
    doc("git -C /srv/goalrail apply", "--- a/config.yaml\n+++ b/config.yaml\n@@ -1 +1 @@\n-a\n+b\n"),
    doc("git apply --directory=goalrail", "--- a/config.yaml\n+++ b/config.yaml\n").replace(
        "git apply", "cd /srv && git apply"
    ),
    "cpio -idm -D /srv/goalrail/policies < a.cpio",
    "git -C /srv/goalrail/policies pull",
    "pax -rw p /srv/goalrail/agents",
]
#: keep their verdict (ALLOW) under strict in the workspace: ordinary patches, archives, git, and
#: what cannot be seen (a diff in a file not written in the session, one made at run time)
STRICT_ALLOWED = [
    "git apply fix.diff",
    "patch -p1 < fix.diff",
    "patch -i fix.diff",
    "git am < mail",
    "diff -u a b | patch",
    "quilt push",
    "tar xf deps.tar -C build/",
    doc("git apply", APP),
    doc("patch -p1", APP),
    doc("git apply -p2", "--- x/y/src/app.py\n+++ x/y/src/app.py\n"),
    doc("patch -p1 -d build", APP),
    doc("apply_patch", ENVELOPE.format("Update", "src/app.py")),
    "git pull",
    "git merge x",
    "git reset --keep x",  # (`git reset --hard` loses uncommitted work: strict_history_loss asks)
    "git stash pop",
    "git checkout x",
    "git -C sub pull",
    "git -C ~/.claude stash list",
    "git -C ~/.claude reset HEAD~1",
    "cpio -idm < a.cpio",
    "cpio -it < a.cpio",
    "find src | cpio -o > a.cpio",
    "cd build && cpio -idm < a.cpio",
    "pax -w -f a.pax src",
    # checking a diff writes nothing
    doc("git apply --check", CLAUDE),
    doc("git apply --stat", CLAUDE),
    doc("patch --dry-run -p1", CLAUDE),
]
#: denied on the base already, still denied (the rest of the class, probed)
STILL_DENIED = [
    "git checkout other -- .claude/settings.json",
    "git restore --source=x .claude/settings.json",
    "git show x:.claude/settings.json > .claude/settings.json",
    "patch .claude/settings.json < p.diff",
    "diff -u a b | patch .claude/settings.json",
    doc("patch -p1", CLAUDE),
    doc("git apply", "diff --git a/.claude/settings.json b/.claude/settings.json\n" + CLAUDE),
    "tar xf a.tar .claude/settings.json",
    "tar -xf a.tar -C ~/.claude",
    "bsdtar -xf a.tar -C ~/.claude",
    "unzip -o a.zip -d ~/.codex",
    "rsync -a /tmp/x/ ~/.claude/",
    "cp -r /tmp/x/. ~/.codex/",
    "ln -sf /tmp/loose.json ~/.claude/settings.json",
    "install -m 600 x ~/.claude/settings.json",
    "sed -i s/a/b/ .claude/settings.json",
    "python -c \"open('.claude/settings.json','w').write('{}')\"",
]


@pytest.mark.parametrize("line", STRICT_DENIED)
def test_strict_denies_what_the_content_names(line: str) -> None:
    assert verdict(STRICT, line, cwd=WS) == "DENY", line


@pytest.mark.parametrize("line", GUARD_DENIED)
def test_the_own_files_guard_denies_what_the_content_names(line: str) -> None:
    assert verdict(GUARD, line, cwd=WS) == "DENY", line


@pytest.mark.parametrize("line", STRICT_ALLOWED)
def test_ordinary_patches_and_archives_stay_allowed(line: str) -> None:
    assert verdict(STRICT, line, cwd=WS) == "ALLOW", line


@pytest.mark.parametrize("line", STILL_DENIED)
def test_the_rest_of_the_class_stays_denied(line: str) -> None:
    assert verdict(STRICT, line, cwd=WS) == "DENY", line


@pytest.mark.parametrize(
    ("line", "kind", "path"),
    [
        (doc("patch -p0", "--- .mcp.json\n+++ /dev/null\n"), "file_delete", ".mcp.json"),
        (doc("git apply", "diff --git a/x.txt b/x.txt\ndeleted file mode 100644\n"), "file_delete", "x.txt"),
        (doc("apply_patch", ENVELOPE.format("Delete", "y.txt")), "file_delete", "y.txt"),
        (doc("git apply -p2", "--- a/b/c.txt\n+++ a/b/c.txt\n"), "file_write", "c.txt"),
        (doc("patch -p1 -d out", APP), "file_write", "out/src/app.py"),
    ],
)
def test_a_diffs_headers_are_taken_as_the_applier_takes_them(line: str, kind: str, path: str) -> None:
    assert (kind, path) in {(k, p) for k, p, _sure, _suffix in file_effects(line)}


def _tool(name: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": name, "data": {"arguments": arguments}, "context": {"cwd": WS}}


async def _after(first: list[dict[str, Any]], line: str) -> str:
    s = Session(make_runtime(replace(spec("p", "patterns.pattern_policy", policy="strict"), timeout_ms=120_000.0)))
    for event in first:
        out = await s.send(event)
        if out.result == "ASK":
            await s.approve()
    return (await s.send(_tool("Bash", command=line))).result


def _write(path: str, text: str) -> dict[str, Any]:
    return _tool("Write", file_path=path if path[:1] == "/" else f"{WS}/{path}", content=text)


#: a diff the session wrote earlier (a Write, a shell line), applied by a later line
WRITTEN_DENIED = [
    ([_write("p.diff", CLAUDE)], "git apply p.diff"),
    ([_write("p.diff", CLAUDE)], "patch -p1 < p.diff"),
    ([_write("p.diff", CLAUDE)], "patch -p1 -i p.diff"),
    ([_write("p.diff", CLAUDE)], "patch --input=p.diff -p1"),
    ([_write("p.diff", CLAUDE)], "cat p.diff | git apply"),
    ([_write("p.diff", SETTINGS)], "patch -p1 -d ~/.claude < p.diff"),
    ([_write("p.diff", SETTINGS)], "git -C ~/.claude apply /workspace/app/p.diff"),
    ([_write("m.mbox", "From x\nSubject: y\n\n---\n" + CLAUDE)], "git am m.mbox"),
    ([_write("e.txt", ENVELOPE.format("Update", ".codex/config.toml"))], "apply_patch < e.txt"),
    ([_tool("Bash", command=doc("cat > /tmp/p.diff", CLAUDE))], "patch -p1 < /tmp/p.diff"),
]
WRITTEN_ALLOWED = [
    ([_write("fix.diff", APP)], "git apply fix.diff"),
    ([_write("fix.diff", APP)], "patch -p1 < fix.diff"),
    ([_write("p.diff", CLAUDE)], "git apply --check p.diff"),
    ([_write("p.diff", CLAUDE)], "cat p.diff"),
]


@pytest.mark.parametrize(("first", "line"), WRITTEN_DENIED)
def test_a_diff_written_earlier_is_read_where_it_is_applied(first: list[dict[str, Any]], line: str) -> None:
    assert asyncio.run(_after(first, line)) == "DENY", line


@pytest.mark.parametrize(("first", "line"), WRITTEN_ALLOWED)
def test_a_harmless_diff_written_earlier_stays_allowed(first: list[dict[str, Any]], line: str) -> None:
    assert asyncio.run(_after(first, line)) == "ALLOW", line
