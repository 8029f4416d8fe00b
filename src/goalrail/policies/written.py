"""The files a session's own calls wrote, and their text where the call showed it.

A script an agent writes with its Write tool and runs in a later call is not on that later
command line; the runtime remembers, per session, what each allowed (or approved) call wrote, so
that rules on shell commands meet it when a later line runs it (``_pattern_written``).

The record lives in the session's policy state under the reserved namespace ``goalrail.written``
(persisted, serialized per session, exact across replicas; written by the runtime only, shown to
policies read-only as ``context["written"]``).  Each key is a written file's path (canonical
absolute when the call's directory is known); its value is the file's text, or None when the text
is not known: a partial edit of a file whose text is not remembered, a patch's update, a download,
a program's output, a text too large to keep.

Bounds: ``MAX_TEXT`` characters of one file's text and ``MAX_TOTAL`` over the session (past them
a file is remembered as written with its text unknown), ``MAX_FILES`` files (past it the
``BOUND`` key is set: any file a later line runs may be one no longer remembered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from goalrail.jsontypes import JsonValue
from goalrail.policies.path_spellings import canonical_path
from goalrail.policies.schema import StateUpdate

NS = "goalrail.written"
BOUND = "#bound"
MAX_FILES = 1024
MAX_TEXT = 16 << 10
MAX_TOTAL = 256 << 10

#: argument keys holding a whole file's new text (Write, write_file, create)
_TEXT_KEYS = ("content", "file_text", "text", "contents")
#: (old, new) argument keys of one replacement (Edit, Gemini's replace, str_replace, MCP edit_file)
_EDIT_KEYS = (("old_string", "new_string"), ("old_str", "new_str"), ("oldText", "newText"))
_PATCH_KEYS = ("input", "patch", "patchText", "command")

Write = tuple[str, str | None]


#: reads what shell lines write given the record: ``(lines, record, cwd) -> (writes, directories written
#: under)``; set by ``policies.builtins._shell_written`` as builtins load (the runtime imports no builtin)
ShellReader = Callable[[list[str], Mapping[str, JsonValue], object], tuple[list[Write], list[str]]]
_SHELL: list[ShellReader] = []


def read_shell_with(reader: ShellReader) -> ShellReader:
    _SHELL[:] = [reader]
    return reader


def shell_writes(lines: list[str], state: Mapping[str, JsonValue], cwd: object) -> list[Write]:
    """What ``lines`` write (:data:`ShellReader`), with the remembered texts they may have rewritten
    made unknown (:func:`beneath`); nothing when no reader is set (no builtin shell analysis)."""
    if not _SHELL:
        return []
    writes, trees = _SHELL[0](lines, state, cwd)
    return writes + beneath(state, trees, cwd) if trees else writes


def key_of(path: str, cwd: object) -> str:
    """How the record names ``path``: canonical when it can be told, else as spelled."""
    return canonical_path(path, cwd) or path


def _replaced(text: str | None, edits: Iterable[Mapping[str, object]], replace_all: bool) -> str | None:
    for edit in edits:
        pair = next(((o, n) for o, n in _EDIT_KEYS if o in edit), None)
        old, new = (edit.get(pair[0]), edit.get(pair[1])) if pair else (None, None)
        if text is None or type(old) is not str or type(new) is not str or not old:
            return None
        count = text.count(old)
        if count == 0 or (count > 1 and not (replace_all or edit.get("replace_all") is True)):
            return None
        text = text.replace(old, new)
    return text


def _patch_adds(arguments: Mapping[str, object]) -> dict[str, str]:
    """The files an ``apply_patch`` body adds (``*** Add File: p`` and its ``+`` lines), by path."""
    out: dict[str, str] = {}
    for key in _PATCH_KEYS:
        body = arguments.get(key)
        if type(body) is not str or "*** Add File: " not in body:
            continue
        path: str | None = None
        lines: list[str] = []
        for line in [*body.splitlines(), "*** End"]:
            if line.startswith("*** "):
                if path is not None:
                    out[path] = "".join(f"{x}\n" for x in lines)
                path = line[14:].strip() if line.startswith("*** Add File: ") else None
                lines = []
            elif path is not None:
                lines.append(line[1:] if line.startswith("+") else line)
    return out


def tool_writes(
    action: Mapping[str, object], arguments: object, known: Mapping[str, JsonValue], cwd: object
) -> list[Write]:
    """What a file-writing tool call writes: each target with its new text when the call shows it
    whole (a write, an add in a patch, an exact edit of a file whose text is remembered)."""
    target = action.get("target")
    targets = action.get("targets") or ([target] if type(target) is str else [])
    if not isinstance(targets, list) or not targets or type(targets[0]) is not str:
        return []
    args: Mapping[str, object] = arguments if isinstance(arguments, Mapping) else {}
    first: str = targets[0]
    text: str | None = None
    whole = next((v for k in _TEXT_KEYS if type(v := args.get(k)) is str), None)
    if whole is not None and len(targets) <= 2:
        text = whole
    elif len(targets) <= 2:
        before = known.get(key_of(first, cwd))
        edits = args.get("edits")
        listed = edits if isinstance(edits, list) and all(isinstance(e, Mapping) for e in edits) else [args]
        text = _replaced(before if type(before) is str else None, listed, args.get("replace_all") is True)
    adds = _patch_adds(args) if len(targets) > 1 or whole is None else {}
    main = key_of(first, cwd)
    out: dict[str, str | None] = {}
    for path in targets:
        if type(path) is str and path and (key := key_of(path, cwd)) not in out:
            out[key] = adds.get(path, text if key == main and not adds else None)
    return list(out.items())


def beneath(state: Mapping[str, JsonValue], trees: list[str], cwd: object) -> list[Write]:
    """The remembered files with a known text under the directories ``trees`` (a line wrote there,
    as ``tar -x`` does): their text is no longer known.  A tree outside any directory
    (``"\0everywhere"``) reaches every file."""
    dirs = [key_of(t, cwd).rstrip("/") + "/" if t[:1] != "\0" else "" for t in trees if t]
    dirs = ["" if d in ("./", "/") and cwd is None else d for d in dirs]
    return [(k, None) for k, v in state.items() if type(v) is str and any(k.startswith(d) for d in dirs)]


def record(state: Mapping[str, JsonValue] | None, writes: list[Write], cwd: object) -> list[StateUpdate]:
    """State updates remembering ``writes`` (see the module doc for the bounds)."""
    if not writes:
        return []
    state = state or {}
    texts = {k: v for k, v in state.items() if k != BOUND}
    total = sum(len(v) for v in texts.values() if type(v) is str)
    updates: list[StateUpdate] = []
    over = False
    for path, text in writes:
        key = key_of(path, cwd)
        if text is not None and ("\0" in text or len(text) > MAX_TEXT):
            text = None  # (a NUL is no script's, and no JSON column keeps it)
        old = texts.get(key)
        size = len(text) if text is not None else 0
        if text is not None and total - (len(old) if type(old) is str else 0) + size > MAX_TOTAL:
            text, size = None, 0
        if key not in texts and len(texts) >= MAX_FILES:
            over = True
            continue
        if key in texts and old == text:
            continue
        total += size - (len(old) if type(old) is str else 0)
        texts[key] = text
        updates.append({"action": "set", "key": key, "value": text})
    if over and state.get(BOUND) is not True:
        updates.append({"action": "set", "key": BOUND, "value": True})
    return updates
