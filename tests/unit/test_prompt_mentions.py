"""A prompt's ``@path`` mentions, read as each harness reads them, become its file read tool's calls.

Claude Code (2.1.332, observed) and Gemini CLI (0.61, ``atCommandProcessor.ts``) attach a
mentioned file's content to the model request with no tool call; the prompt hook judges each
mention as the harness's ``Read``/``read_file`` on that file (``goalrail.integrations.mentions``).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from goalrail.engine.actions import ActionMapper
from goalrail.integrations import mentions
from goalrail.integrations.claude_code import translate as claude
from goalrail.integrations.gemini import translate as gemini


@pytest.mark.parametrize(
    ("prompt", "found"),
    [
        ("summarise @.env please", [".env"]),
        ("@.env", [".env"]),
        ("look at @./sub/a.txt.", ["./sub/a.txt.", "./sub/a.txt"]),
        ("see @~/.ssh/id_rsa", ["~/.ssh/id_rsa"]),
        ('check @"my notes.txt" now', ["my notes.txt"]),
        ("check @my\\ notes.txt now", ["my\\ notes.txt", "my notes.txt"]),
        ("x @p.txt, y", ["p.txt,", "p.txt"]),
        ("see @p.txt:", ["p.txt:", "p.txt"]),
        ("see @.env#L1-2", [".env#L1-2", ".env"]),
        ("two:\n@a.txt\t@/etc/passwd", ["a.txt", "/etc/passwd"]),
    ],
)
def test_claude_code_mentions(prompt: str, found: list[str]) -> None:
    assert mentions.claude_mentions(prompt) == found


@pytest.mark.parametrize(
    "prompt",
    ["mail a@b.com today", "foo@p.txt", "open (@p.txt), thanks", "no mention here", "@ alone", "x\\@y"],
)
def test_claude_code_reads_no_file_for_these(prompt: str) -> None:
    """Checked with the real CLI: an ``@`` inside a word or after ``(`` attaches nothing."""
    assert mentions.claude_mentions(prompt) == []


@pytest.mark.parametrize(
    ("prompt", "found"),
    [
        ("summarise @.env please", [".env"]),
        ("look at @./sub/a.txt.", ["./sub/a.txt"]),
        ("check @my\\ notes.txt now", ["my notes.txt"]),
        ('check @"my notes.txt" now', ["my notes.txt"]),
        ("mail a@b.com today", ["b.com"]),  # Gemini's parser: any @ not escaped is a mention
        ("open (@p.txt), thanks", ["p.txt"]),
        ("x @p.txt, y; @q.txt! @r.txt?", ["p.txt", "q.txt", "r.txt"]),
        ("escaped \\@p.txt", []),
        ("foo @sub/**", ["sub/**"]),
    ],
)
def test_gemini_mentions(prompt: str, found: list[str]) -> None:
    assert mentions.gemini_mentions(prompt) == found


def test_gemini_before_agent_prompt_names_the_files_it_read() -> None:
    """By BeforeAgent Gemini has expanded the mentions: every file read is named in a header."""
    prompt = (
        "what is in @conf/.env.local\n--- Content from referenced files ---\n"
        "Content from @conf/.env.local:\nTOKEN=x\nContent from @my notes.txt:\nnote\n--- End of content ---"
    )
    assert mentions.gemini_mentions(prompt) == ["conf/.env.local", "my notes.txt"]


def test_each_spelling_is_judged_and_a_link_where_it_leads(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("x")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "innocent.txt").symlink_to(tmp_path / "secret")
    spelled, directory = mentions.spellings("innocent.txt", str(tmp_path / "proj"), "/home/me")
    assert spelled == ["innocent.txt", f"{tmp_path}/proj/innocent.txt", f"{tmp_path}/secret"]
    assert directory is None
    assert mentions.spellings("~/.ssh/id_rsa", "/w", "/home/me")[0][:2] == ["~/.ssh/id_rsa", "/home/me/.ssh/id_rsa"]
    assert mentions.spellings("./a/../.env", "/w", None)[0][:2] == ["./a/../.env", "/w/.env"]


def test_a_directory_is_read_as_a_directory_and_gemini_reads_every_file_beneath(tmp_path: Path) -> None:
    (tmp_path / "conf" / "deep").mkdir(parents=True)
    (tmp_path / "conf" / "deep" / ".env.local").write_text("x")
    (tmp_path / "conf" / "a.txt").write_text("x")
    context = {"harness": "gemini", "cwd": str(tmp_path)}
    listed = mentions.read_events("Read", ["conf"], context, whole_trees=False)
    assert listed[0]["data"]["arguments"] == {"file_paths": ["conf/", f"{tmp_path}/conf/"]}
    (read,) = mentions.read_events("read_file", ["conf/**"], context, whole_trees=True)
    paths = read["data"]["arguments"]["file_paths"]
    assert f"{tmp_path}/conf/deep/.env.local" in paths and f"{tmp_path}/conf/a.txt" in paths


def test_a_large_tree_is_chunked_and_its_rest_judged_as_a_glob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mentions, "MAX_TREE_FILES", 100)
    for i in range(150):
        (tmp_path / f"f{i:03}").write_text("x")
    events = mentions.read_events("read_file", ["."], {"cwd": str(tmp_path)}, whole_trees=True)
    paths = [p for e in events for p in e["data"]["arguments"]["file_paths"]]
    assert all(len(e["data"]["arguments"]["file_paths"]) <= mentions.CHUNK for e in events)
    assert len(paths) == 2 + 100 + 1 and paths[-1] == f"{tmp_path}/**"


@pytest.mark.parametrize("tool", ["Read", "read_file"])
def test_a_mention_is_the_same_file_read_as_the_harness_read_tool(tool: str) -> None:
    """Canonical ``sys_os_read``, action ``file_read``, every spelling a target: every file rule meets it."""
    (event,) = mentions.read_events(tool, ["~/.ssh/id_rsa"], {"cwd": "/w"}, whole_trees=False, home="/home/me")
    action = ActionMapper().map_tool(event["target"], event["data"]["arguments"])
    assert action["type"] == "file_read"
    assert action["original"] == tool
    assert action["target"] == "~/.ssh/id_rsa"
    assert action["targets"] == ["~/.ssh/id_rsa", "/home/me/.ssh/id_rsa"]


def test_claude_code_prompt_hook_adds_a_read_per_mention() -> None:
    payload = {"session_id": "s", "hook_event_name": "UserPromptSubmit", "cwd": "/w", "prompt": "summarise @.env"}
    translated = claude.to_event(payload)
    assert translated is not None
    (read,) = claude.mention_events("summarise @.env", translated[2])
    assert read["target"] == "Read" and read["data"]["arguments"] == {"file_paths": [".env", "/w/.env"]}
    assert read["context"]["harness"] == "claude-code"
    assert claude.mention_events("mail a@b.com", translated[2]) == []


def test_gemini_before_agent_adds_a_read_per_file_it_attached() -> None:
    prompt = "hi @b.com\n--- Content from referenced files ---\nContent from @b.com:\nx\n--- End of content ---"
    call = gemini.to_call({"session_id": "s", "hook_event_name": "BeforeAgent", "cwd": "/w", "prompt": prompt})
    assert call is not None
    request, read = call.events
    assert request["type"] == "request"
    assert read["target"] == "read_file" and read["data"]["arguments"] == {"file_paths": ["b.com", "/w/b.com"]}


@pytest.mark.parametrize("prompt", ["plain prompt", "a \\@ b"])
def test_a_prompt_without_a_mention_is_one_event_as_before(prompt: str) -> None:
    call = gemini.to_call({"session_id": "s", "hook_event_name": "BeforeAgent", "cwd": "/w", "prompt": prompt})
    assert call is not None and len(call.events) == 1


def test_cursor_prompt_attachments_are_each_read() -> None:
    from goalrail.integrations.cursor import translate as cursor

    payload = {"conversation_id": "c", "hook_event_name": "beforeSubmitPrompt", "workspace_roots": ["/w"]}
    payload |= {"prompt": "summarise this", "attachments": [{"type": "file", "filePath": "/w/.env"}, {"type": "x"}]}
    call = cursor.to_call(payload)
    assert call is not None
    _, read = call.events
    assert read["target"] == "Read" and read["data"]["arguments"] == {"file_path": "/w/.env"}
    plain = cursor.to_call({**payload, "attachments": []})
    assert plain is not None and len(plain.events) == 1


def test_a_link_beneath_a_mentioned_directory_is_judged_where_it_leads(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("x")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "harmless").symlink_to(tmp_path / "key")
    (read,) = mentions.read_events("read_file", ["conf/**"], {"cwd": str(tmp_path)}, whole_trees=True)
    assert f"{tmp_path}/key" in read["data"]["arguments"]["file_paths"]


def test_the_http_hook_looks_at_no_file(tmp_path: Path) -> None:
    """The server answering Claude Code's ``http`` hook is not the agent's machine."""
    (tmp_path / "conf").mkdir()
    (read,) = mentions.read_events(
        "Read", ["conf", "~/.ssh/id_rsa"], {"cwd": str(tmp_path)}, whole_trees=False, local=False
    )
    assert read["data"]["arguments"]["file_paths"] == ["conf", f"{tmp_path}/conf", "~/.ssh/id_rsa"]


#: Gemini CLI's own expression (``(?<!\\)@`` + ``AT_COMMAND_PATH_REGEX_SOURCE``), which the hook
#: scans for by hand (importing ``re`` would cost every prompt hook ≈ 26 M instructions)
GEMINI_REGEX = re.compile(r'(?<!\\)@((?:"[^"]*"|\\[^\n]|[^ \t\n\r,;!?()\[\]{}.]|\.(?!$|[ \t\n\r]))+)')
CLAUDE_REGEX = re.compile(r"(?:^|(?<=\s))@(?:\"([^\"\n]+)\"|((?:\\ |\S)+))")


def test_the_hand_scanners_find_what_the_expressions_find() -> None:
    rng = random.Random(13)
    alphabet = ["@", '"', "\\", " ", "\n", ".", ",", "(", ")", "~", "/", "a", "b", "#", "L", "1", "-", ":"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        gemini_expected: list[str] = []
        for raw in GEMINI_REGEX.findall(text):
            path = re.sub(r"\\(.)", r"\1", raw, flags=re.DOTALL)
            path = path[1:-1] if len(path) > 1 and path[0] == path[-1] == '"' else path
            if path and path not in gemini_expected:
                gemini_expected.append(path)
        assert mentions.gemini_mentions(text) == gemini_expected, text
        claude_expected = {q or b for q, b in CLAUDE_REGEX.findall(text)}
        found = mentions.claude_mentions(text)
        assert claude_expected <= set(found), text
