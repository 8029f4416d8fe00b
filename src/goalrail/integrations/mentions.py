"""Files a prompt's ``@path`` mentions make the harness read, as ``file_read`` events.

Claude Code and Gemini CLI read a file the user's prompt mentions (``summarise @.env``) and put
its content in the model request themselves, with no tool call: no ``PreToolUse``/``BeforeTool``
fires, so no file rule would meet the read.  The prompt hook (``UserPromptSubmit``,
``BeforeAgent``) sees the prompt first, so each mention is judged there as the harness's own read
tool would be (``Read``, ``read_file``: canonical ``sys_os_read``, action ``file_read``), and a
DENY blocks the prompt.  Mentions are found as each harness parses them:

* Claude Code (closed source; its 2.1.332 behaviour): an ``@`` at the start or after white space;
  ``@"a b.txt"`` quoted; the path ends at white space, trailing ``. , ; : ! ?`` and closing
  brackets and a ``#L1-2`` line range are dropped (``\\ `` read as an escaped space too, though
  2.1.332 did not); ``~/`` is the home directory.  A file is read
  whole (as ``Read``), a directory is listed (``ls DIR``): judged as a read of ``DIR/``.
* Gemini CLI (``atCommandProcessor.ts``, 0.61): an ``@`` not preceded by ``\\`` (``a@b.com``
  *is* a mention of ``b.com``), the path as ``AT_COMMAND_PATH_REGEX_SOURCE`` reads it (``\\ ``
  escapes a space; ``, ; ! ? ( ) [ ] { }`` and a final ``.`` end it).  By ``BeforeAgent`` the
  prompt is already expanded: each mention rewritten to what it resolved to (a directory as
  ``DIR/**``, a name not found to the first file a ``**/*name*`` search found) and each file
  read listed after ``--- Content from referenced files ---`` as ``Content from @PATH:``.  Both
  are judged; a directory also as every file beneath it (Gemini reads them all).

Every mention is judged in each spelling that may name the file: as written, made absolute from
the session's directory (``~`` expanded) and, when it is a link, where it leads.  Cost is paid
only by a prompt holding an ``@``.  Standard library only: it runs in the hook.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from goalrail.jsontypes import JsonObject

#: paths per event (``engine.targets.MAX_TARGETS``: a call's targets beyond it are not judged)
CHUNK = 64
#: files beneath a mentioned directory judged one by one; a larger tree is judged as ``DIR/**`` too
MAX_TREE_FILES = 512

#: what ends a Claude Code mention's path (dropped from its end) and a Gemini CLI mention's
_CLAUDE_TAIL = ".,;:!?)]}>'\""
_GEMINI_STOP = frozenset(" \t\n\r,;!?()[]{}")
_SPACE = " \t\n\r"
_GEMINI_REFERENCES = "\n--- Content from referenced files ---"
_GEMINI_HEADER = "Content from @"
# Scanned by hand, not with ``re``: importing it costs a hook ≈ 26 M instructions.


def _unescape(text: str) -> str:
    """``\\x`` → ``x`` (a backslash escapes the next character)."""
    if "\\" not in text:
        return text
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def _line_range(path: str) -> str:
    """``path`` without a ``#L1`` or ``#L1-5`` line range at its end."""
    mark = path.rfind("#L")
    if mark < 0:
        return path
    first, dash, last = path[mark + 2 :].partition("-")
    return path[:mark] if first.isdigit() and (not dash or last.isdigit()) else path


def claude_mentions(prompt: str) -> list[str]:
    """The paths Claude Code reads for a prompt's ``@`` mentions, as written (see the module doc)."""
    out: list[str] = []
    at, n = prompt.find("@"), len(prompt)
    while at >= 0:
        i = at + 1
        if at == 0 or prompt[at - 1].isspace():
            found: tuple[str, ...] = ()
            close = prompt.find('"', i + 1) if i < n and prompt[i] == '"' else -1
            if close > i + 1 and "\n" not in prompt[i + 1 : close]:
                found, i = (prompt[i + 1 : close],), close + 1
            else:
                j = i
                while j < n and (not prompt[j].isspace() or (prompt[j] == " " and prompt[j - 1] == "\\")):
                    j += 1
                bare = prompt[i:j]
                unescaped = _unescape(bare)
                found, i = (bare, unescaped, _line_range(unescaped.rstrip(_CLAUDE_TAIL))), j
            for path in found:
                if path and path not in out:
                    out.append(path)
        at = prompt.find("@", i)
    return out


def _gemini_path(query: str, i: int) -> int:
    """Where the path of a Gemini mention starting at ``i`` ends (``AT_COMMAND_PATH_REGEX_SOURCE``)."""
    n = len(query)
    while i < n:
        c = query[i]
        if c == '"' and (close := query.find('"', i + 1)) > 0:
            i = close + 1
        elif c == "\\" and i + 1 < n and query[i + 1] != "\n":
            i += 2
        elif c in _GEMINI_STOP or (c == "." and (i + 1 == n or query[i + 1] in _SPACE)):
            return i
        else:
            i += 1
    return i


def gemini_mentions(prompt: str) -> list[str]:
    """The paths Gemini CLI read for a ``BeforeAgent`` prompt's mentions (see the module doc)."""
    query, marker, references = prompt.partition(_GEMINI_REFERENCES)
    out: list[str] = []
    at = query.find("@")
    while at >= 0:
        i = at + 1
        if at == 0 or query[at - 1] != "\\":
            end = _gemini_path(query, i)
            path = _unescape(query[i:end])
            if len(path) > 1 and path[0] == '"' and path[-1] == '"':
                path = path[1:-1]
            if path and path not in out:
                out.append(path)
            i = max(end, i)
        at = query.find("@", i)
    if marker:
        for line in references.split("\n"):
            if line.startswith(_GEMINI_HEADER) and line.endswith(":") and len(line) > len(_GEMINI_HEADER) + 1:
                path = line[len(_GEMINI_HEADER) : -1]
                if path not in out:
                    out.append(path)
    return out


def spellings(path: str, cwd: str | None, home: str | None, *, local: bool = True) -> tuple[list[str], str | None]:
    """(every spelling of ``path`` to judge, the directory it names when it is one on this machine);
    not ``local`` (the server answering an ``http`` hook): the agent's files are not looked at."""
    tree = path.endswith("/**")
    written = path[:-3] or "/" if tree else path
    out = [written]
    full = written
    if full == "~" or full.startswith("~/"):
        full = home + full[1:] if home else full
    elif not full.startswith("/") and cwd:
        full = f"{cwd.rstrip('/')}/{full}"
    if full.startswith("/"):
        full = os.path.normpath(full)
        if full not in out:
            out.append(full)
        real = os.path.realpath(full) if local else full
        if real not in out:
            out.append(real)
        if tree or (local and os.path.isdir(full)):
            return [p.rstrip("/") + "/" for p in out], full
    return out, None


def tree_files(directory: str) -> tuple[list[str], bool]:
    """(the files beneath ``directory``, at most ``MAX_TREE_FILES``, a link's target after it;
    whether there are more)."""
    out: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            if len(out) >= MAX_TREE_FILES:
                return out, True
            path = f"{root}/{name}"
            out.append(path)
            if os.path.islink(path):
                out.append(os.path.realpath(path))
    return out, False


def read_events(
    tool: str,
    mentioned: list[str],
    context: JsonObject,
    *,
    whole_trees: bool,
    home: str | None = None,
    local: bool = True,
) -> list[JsonObject]:
    """The events a prompt's mentioned paths are judged as: ``tool`` (the harness's file read tool)
    called on each spelling; a directory's files too when the harness reads them (``whole_trees``).
    ``local``: run on the agent's machine (the hook command), so links and directories are seen."""
    cwd = context.get("cwd")
    where = cwd if isinstance(cwd, str) else None
    home = home if home is not None or not local else os.environ.get("HOME")
    paths: list[str] = []
    for mention in mentioned:
        spelled, directory = spellings(mention, where, home, local=local)
        paths.extend(p for p in spelled if p not in paths)
        if directory is not None and whole_trees and local:
            files, more = tree_files(directory)
            paths.extend(p for p in files if p not in paths)
            if more:
                paths.append(directory.rstrip("/") + "/**")
    events: list[JsonObject] = []
    for start in range(0, len(paths), CHUNK):
        chunk = paths[start : start + CHUNK]
        arguments: JsonObject = {"file_path": chunk[0]} if len(chunk) == 1 else {"file_paths": list(chunk)}
        data: JsonObject = {"name": tool, "arguments": arguments}
        events.append({"type": "tool_call", "target": tool, "data": data, "context": dict(context)})
    return events
