"""An MCP tool nobody mapped that reads, writes or moves local files or fetches a URL is judged as
that action (``engine.mcp_files``): the reference ``filesystem``, ``fetch``, Puppeteer and
Playwright servers, Desktop Commander, Serena, Chrome DevTools — so ``mcp__filesystem__read_file``
of ``~/.ssh/id_rsa`` meets the rules ``Read`` of it meets.  Its name is kept (rules on
``mcp__filesystem__*`` apply too), an explicit ``tool_mapping`` wins, an agent spec cannot undo it,
and remote-content tools (GitHub's ``get_file_contents``, Google Drive) or calls naming no path or
URL stay judged by their names only."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine.actions import ActionMapper
from tests.unit.shell_support import PERMISSIVE, READ_ONLY, SOC2, STRICT, event, tool_verdict

SSH_KEY = {"path": "/home/dev/.ssh/id_rsa"}
METADATA = {"url": "http://169.254.169.254/latest/meta-data/"}


def verdicts(tool: str, arguments: dict[str, Any], mapper: ActionMapper | None = None) -> str:
    """strict, soc2 and permissive's verdicts, one letter each (A=ALLOW, D=DENY, S=ASK)."""
    mapper = mapper or ActionMapper()
    letters = {"ALLOW": "A", "DENY": "D", "ASK": "S"}
    return "".join(letters[tool_verdict(p, tool, arguments, mapper)] for p in (STRICT, SOC2, PERMISSIVE))


def action(tool: str, arguments: dict[str, Any], mapper: ActionMapper | None = None) -> dict[str, Any]:
    found: dict[str, Any] = event(tool, arguments, mapper=mapper or ActionMapper())["context"]["action"]
    return found


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        # the reference filesystem server: reads of secrets, as Read of them is judged
        ("mcp__filesystem__read_file", SSH_KEY, "DDA"),
        ("mcp__filesystem__read_text_file", {"path": "/home/dev/.aws/credentials"}, "DDA"),
        ("mcp__filesystem__read_media_file", {"path": "/home/dev/.ssh/id_ed25519"}, "DDA"),
        ("mcp__filesystem__read_multiple_files", {"paths": ["/home/dev/app/a.py", "/home/dev/.ssh/id_rsa"]}, "DDA"),
        ("mcp__filesystem__search_files", {"path": "/home/dev", "pattern": ".ssh/*"}, "DDS"),
        # writes and moves
        ("mcp__filesystem__write_file", {"path": "/etc/passwd", "content": "x"}, "DDD"),
        ("mcp__filesystem__move_file", {"source": "/etc/passwd", "destination": "/tmp/x"}, "DAD"),  # as `mv` it
        # other servers' names for the same operations, and other spellings of a name
        ("mcp__desktop-commander__read_file", {"path": "~/.ssh/id_rsa"}, "DDA"),
        ("mcp__desktop-commander__edit_block", {"file_path": "/etc/hosts", "old_string": "a"}, "DAD"),
        ("mcp__serena__read_file", {"relative_path": "../.env"}, "DDA"),
        ("mcp__serena__create_text_file", {"relative_path": "../.ssh/authorized_keys", "content": "k"}, "DSS"),
        ("mcp__files__readFile", SSH_KEY, "DDA"),
        ("mcp__files__READ_TEXT_FILE", SSH_KEY, "DDA"),
        # URLs fetched from this machine
        ("mcp__fetch__fetch", METADATA, "DAA"),
        ("mcp__puppeteer__puppeteer_navigate", {"url": "http://169.254.169.254/"}, "DAA"),
        ("mcp__playwright__browser_navigate", {"url": "http://127.0.0.1:2375/"}, "DAA"),
        ("mcp__chrome-devtools__navigate_page", {"url": "http://169.254.169.254/"}, "DAA"),
        ("mcp__web__fetch_url", METADATA, "DAA"),
        ("mcp__http__http_request", {"method": "GET", "url": "http://169.254.169.254/"}, "DAA"),
    ],
)
def test_unmapped_file_and_fetch_tools_are_judged_as_their_action(
    tool: str, arguments: dict[str, Any], expected: str
) -> None:
    assert verdicts(tool, arguments) == expected


def test_the_same_calls_as_the_harness_tools() -> None:
    """The verdicts are those of Read, Write and WebFetch naming the same target."""
    assert verdicts("mcp__filesystem__read_file", SSH_KEY) == verdicts("Read", {"file_path": SSH_KEY["path"]})
    write = {"path": "/etc/passwd", "content": "x"}
    assert verdicts("mcp__filesystem__write_file", write) == verdicts("Write", {"file_path": "/etc/passwd"})
    assert verdicts("mcp__fetch__fetch", METADATA) == verdicts("WebFetch", {**METADATA, "prompt": "summarise"})
    search = {"path": "/home/dev", "pattern": ".ssh/*"}
    assert verdicts("mcp__filesystem__search_files", search) == verdicts("Glob", search)
    # ordinary writes, moves and navigations: as strict holds Write, a move and WebFetch outside its allowlist
    notes = "/home/dev/app/notes.txt"
    assert verdicts("mcp__filesystem__write_file", {"path": notes}) == verdicts("Write", {"file_path": notes})
    assert verdicts("mcp__filesystem__write_file", {"path": notes}) == "SAA"
    moved = {"source": "/home/dev/app/a.py", "destination": "/home/dev/app/b.py"}  # (strict: deletes its source)
    assert verdicts("mcp__filesystem__move_file", moved) == verdicts(
        "Bash", {"command": "mv {source} {destination}".format(**moved)}
    )
    assert verdicts("mcp__filesystem__move_file", moved) == "DAA"
    page = {"url": "https://example.com/"}
    assert verdicts("mcp__puppeteer__puppeteer_navigate", page) == verdicts("WebFetch", {**page, "prompt": "read"})
    assert tool_verdict(READ_ONLY, "mcp__filesystem__write_file", {"path": "/home/dev/app/out.txt"}) == "DENY"


def test_the_action_keeps_the_name_and_says_how_it_was_mapped() -> None:
    moved = action("mcp__filesystem__move_file", {"source": "/etc/passwd", "destination": "/tmp/x"})
    assert moved["tool"] == moved["original"] == "mcp__filesystem__move_file"  # rules on its name still apply
    assert (moved["type"], moved["mapped_by"]) == ("file_move", "builtin:mcp-file")
    assert moved["targets"] == ["/etc/passwd", "/tmp/x"]
    fetched = action("mcp__fetch__fetch", METADATA)
    assert (fetched["type"], fetched["target"], fetched["mapped_by"]) == (
        "network_request",
        METADATA["url"],
        "builtin:mcp-fetch",
    )
    ev = event("mcp__filesystem__read_file", SSH_KEY)
    assert ev["target"] == "mcp__filesystem__read_file" and "original_name" not in ev["data"]


def test_an_explicit_mapping_wins() -> None:
    """The operator's ``tool_mapping`` (exact or glob) decides, even naming a less strict action."""
    mapped = ActionMapper({"mcp__filesystem__read_file": "sys_os_write"})
    assert action("mcp__filesystem__read_file", SSH_KEY, mapped)["mapped_by"] == "config:mcp__filesystem__read_file"
    harmless = ActionMapper({"mcp__notes__*": "notes_tool"})
    assert action("mcp__notes__read_file", SSH_KEY, harmless)["type"] is None
    assert verdicts("mcp__notes__read_file", SSH_KEY, harmless) == "AAA"


def test_an_agent_spec_cannot_undo_it() -> None:
    """A lower level only adds: its mapping of an inferred name, exact or by a glob, is not used."""
    for lower in ({"mcp__filesystem__read_file": "notes_tool"}, {"mcp__filesystem__*": "notes_tool"}):
        spec = ActionMapper().extended(lower, None)
        assert action("mcp__filesystem__read_file", SSH_KEY, spec)["type"] == "file_read"
        assert verdicts("mcp__filesystem__read_file", SSH_KEY, spec) == "DDA"


def test_a_call_naming_no_path_or_url_is_judged_by_its_name() -> None:
    for tool, arguments in (
        ("mcp__filesystem__read_file", {"file_id": "1Abc"}),
        ("mcp__search__fetch", {"id": "doc-1"}),  # a connector's search/fetch pair: a document id
        ("mcp__docs__navigate", {"section": "install"}),
    ):
        found = action(tool, arguments)
        assert (found["type"], found["target"], found["mapped_by"]) == (None, None, None), tool
    # the name is still read as a file tool on its next call naming a path
    mapper = ActionMapper()
    assert action("mcp__filesystem__read_file", {}, mapper)["type"] is None
    assert action("mcp__filesystem__read_file", SSH_KEY, mapper)["type"] == "file_read"


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        # remote content: a repository's or a drive's path, not this machine's
        ("mcp__github__get_file_contents", {"owner": "o", "repo": "r", "path": ".ssh/id_rsa"}),
        ("mcp__github__create_or_update_file", {"owner": "o", "repo": "r", "path": "/etc/passwd", "content": "x"}),
        ("mcp__github__delete_file", {"owner": "o", "repo": "r", "path": ".ssh/id_rsa", "message": "m"}),
        ("mcp__gdrive__gdrive_read_file", {"fileId": "abc"}),
        # tools of the reference servers that read no file or URL of a call's naming
        ("mcp__memory__read_graph", {}),
        ("mcp__filesystem__list_allowed_directories", {}),
        ("mcp__git__git_status", {"repo_path": "/home/dev/app"}),
        # ordinary work through the file and fetch tools
        ("mcp__filesystem__read_file", {"path": "/home/dev/app/README.md"}),
        ("mcp__filesystem__read_multiple_files", {"paths": ["/home/dev/app/a.py", "src/b.py"]}),
        ("mcp__filesystem__list_directory", {"path": "/home/dev/app"}),
        ("mcp__filesystem__directory_tree", {"path": "/home/dev/app"}),
        ("mcp__filesystem__search_files", {"path": "/home/dev/app", "pattern": "*.py"}),
        ("mcp__filesystem__get_file_info", {"path": "/home/dev/app/a.py"}),
        ("mcp__serena__find_file", {"file_mask": "*.py", "relative_path": "src"}),
        ("mcp__fetch__fetch", {"url": "https://docs.python.org/3/"}),
    ],
)
def test_controls_stay_allowed(tool: str, arguments: dict[str, Any]) -> None:
    assert verdicts(tool, arguments) == "AAA"
