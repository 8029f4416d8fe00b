"""What a forwarded conversation (an ``llm_request``'s ``messages``) shows the model, by who wrote it.

The LLM proxy forwards the whole conversation on every turn; tool output the
harness ran reaches Goalrail only there.  :func:`pieces` reads it by class, in
every spelling the OpenAI, Anthropic and Responses shapes use:

- **tool output** (untrusted unless its tool is described otherwise): a
  ``role: "tool"`` message (its tool named by the assistant's ``tool_calls``
  with the same id), a legacy ``role: "function"`` message, an Anthropic
  ``tool_result`` block and every server tool's ``*_tool_result`` block
  (``web_search_tool_result``, ``web_fetch_tool_result``, ``mcp_tool_result``…),
  a Responses ``function_call_output`` item (``*_call_output``); its content a
  string or parts (text, documents, nested blocks);
- **what the user passed on** (untrusted, source ``attachment``): a user
  message's parts that are not text (images, documents, files, search results),
  as ``request`` events' attachments are;
- **what the user typed** (trusted, source ``user``): a user message's text, a
  string or text parts, unless the message also carries a tool result (a turn
  the harness built around tool output) or the text opens with a tag of the
  harness's (``<system-reminder>``, ``<bash-stdout>``: what it pasted in): that
  text is untrusted, source ``harness``.  Tool output a harness pastes into a
  user message as plain text cannot be told from typing: it counts as typed.

The system prompt and the assistant's own text are not read: the first is the
harness's (it may hold anything the harness put there), the second the model's.
A tool call id the assistant gave two different tools is no name at all (its
result counts as a tool nobody described), so a model steered into reusing an
id cannot lend a trusted tool's name to another tool's output.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import itertools
import marshal
import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

USER, ATTACHMENT, HARNESS = "user", "attachment", "harness"
#: Keys whose strings are never text a model reads as such: binary payloads and bookkeeping.
_SKIP = frozenset(
    {"type", "id", "tool_use_id", "tool_call_id", "call_id", "media_type", "cache_control", "signature"}
    | {"encrypted_content", "encrypted_index"}
)
_BINARY = frozenset({"data", "file_data"})
_MAX_DECODED = 1 << 20  # a text document sent as base64: at most this many bytes of it are read
_TEXT_PARTS = frozenset({"text", "input_text"})
#: Text a harness wraps in a tag of its own (``<system-reminder>``, ``<bash-stdout>``, ``<command-output>``):
#: pasted by the harness (files, command output, reminders), not typed by the user.
_PASTED = re.compile(r"\s*<[A-Za-z][\w:-]*(?:\s[^>]*)?>")
#: ``marshal.dumps`` (its stub takes only the types it can write; anything else raises ValueError).
_dumps: Callable[[object], bytes] = getattr(marshal, "dumps")  # noqa: B009 (mypy: any object)


@dataclass(slots=True)
class Piece:
    """One distinct thing the model was shown: who wrote it, and its texts."""

    source: str  # ``user``, ``attachment``, ``harness`` or a tool's name ("" when no tool is named)
    tool: bool  # whether ``source`` names a tool (its trust is the tool's)
    texts: list[str]
    digest: str = ""  # who wrote it and what it says, hashed (``_piece``): the same piece resent has the same


def _piece(source: str, tool: bool, texts: list[str]) -> Piece:
    """The piece with its digest: blake2b of ``<tool>:<source>`` and each text after a NUL, hashed once."""
    data = f"{int(tool)}:{source}\x00" + "\x00".join(texts) if texts else f"{int(tool)}:{source}"
    digest = hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
    return Piece(source, tool, texts, digest)


def pieces(messages: object) -> Iterator[Piece]:
    """The pieces of ``messages`` in order (an item that is not an object is skipped)."""
    if not isinstance(messages, list):
        return
    names = _names(_notes(messages, 0))
    for msg in messages:
        yield from _message_pieces(names, msg, None, 0)


def _message_pieces(
    names: Mapping[str, str | None], msg: object, looked: dict[str, int] | None, at: int
) -> Iterator[Piece]:
    """One message's pieces (``looked``: the tool call ids their names were looked up by, noted at ``at``)."""
    if type(msg) is not dict and not isinstance(msg, Mapping):
        return
    role, kind = msg.get("role"), msg.get("type")
    if role == "tool" or role == "function" or (isinstance(kind, str) and kind.endswith("_call_output")):
        yield _tool_piece(names, msg, msg.get("content", msg.get("output")), looked, at)
    elif role == "user":
        yield from _user_pieces(names, msg.get("content"), looked, at)
    elif role == "assistant":
        content = msg.get("content")
        for block in content if isinstance(content, list) else ():
            if isinstance(block, (dict, Mapping)) and _is_result(block):
                yield _tool_piece(names, block, block.get("content"), looked, at)


def _is_result(block: Mapping[str, object]) -> bool:
    kind = block.get("type")
    return isinstance(kind, str) and (kind == "tool_result" or kind.endswith("_tool_result"))


def _user_pieces(
    names: Mapping[str, str | None], content: object, looked: dict[str, int] | None, at: int
) -> Iterator[Piece]:
    if isinstance(content, str):  # (the usual user message: its text)
        blocks: list[object] = [content]
        results = False
    else:
        blocks = content if isinstance(content, list) else []
        results = any(isinstance(b, (dict, Mapping)) and _is_result(b) for b in blocks)
    typed: list[str] = []
    pasted: list[str] = []
    for block in blocks:
        text = block if isinstance(block, str) else None
        if text is None and isinstance(block, (dict, Mapping)):
            if _is_result(block):
                yield _tool_piece(names, block, block.get("content"), looked, at)
                continue
            if block.get("type") not in _TEXT_PARTS or not isinstance(block.get("text"), str):
                yield _piece(ATTACHMENT, False, list(_texts(block)))  # an image, a document, a file: passed on
                continue
            text = str(block["text"])
        if text is not None:
            (pasted if results or _PASTED.match(text) else typed).append(text)
    if typed:
        yield _piece(USER, False, typed)
    if pasted:
        yield _piece(HARNESS, False, pasted)


def _tool_piece(
    names: Mapping[str, str | None], msg: Mapping[str, object], content: object, looked: dict[str, int] | None, at: int
) -> Piece:
    ident = msg.get("tool_call_id") or msg.get("tool_use_id") or msg.get("call_id")
    named = names.get(ident) if isinstance(ident, str) else None
    if looked is not None and isinstance(ident, str):
        looked.setdefault(ident, at)  # (this piece depends on what ``names`` holds for ``ident``)
    given = msg.get("name")
    if isinstance(given, str) and given:  # a name that disagrees with the call's is no name
        named = given if not isinstance(ident, str) or ident not in names else (named if named == given else None)
    return _piece(named or "", True, list(_texts(content)))


def _notes(messages: list[object], start: int) -> list[tuple[int, str, str]]:
    """The assistant's tool calls in ``messages`` (numbered from ``start``): (message, call id, tool name)."""
    out: list[tuple[int, object, object]] = []
    for at, msg in enumerate(messages, start):
        if type(msg) is not dict and not isinstance(msg, Mapping):
            continue
        if msg.get("type") in ("function_call", "custom_tool_call"):  # a Responses item
            out.append((at, msg.get("call_id"), msg.get("name")))
        calls = msg.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            fn = call.get("function") if isinstance(call, (dict, Mapping)) else None
            if isinstance(fn, (dict, Mapping)):
                out.append((at, call.get("id"), fn.get("name")))
        content = msg.get("content") if msg.get("role") == "assistant" else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, (dict, Mapping)) and str(block.get("type") or "").endswith("tool_use"):
                out.append((at, block.get("id"), block.get("name")))
    return [(at, i, n) for at, i, n in out if isinstance(i, str) and isinstance(n, str)]


def _names(notes: list[tuple[int, str, str]], names: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Tool call id → the tool's name, from the calls' ``notes`` in order (None for an id given to two tools)."""
    names = {} if names is None else names
    for _, ident, name in notes:
        names[ident] = name if names.get(ident, name) == name else None
    return names


def _texts(value: object, depth: int = 0) -> Iterator[str]:
    """Every string a model reads in ``value``: text, nested parts, a document's text source (also as
    base64 of a ``text/*`` type), links; not binary payloads (an image's base64, a ``data:`` URL)."""
    if isinstance(value, str):
        if not value.startswith("data:"):
            yield value
        elif value[5:10].lower() == "text/" and ";base64," in value[:80]:  # a text file as a data: URL
            yield _decoded(value.split(",", 1)[1])
        return
    if depth > 12:
        return
    if type(value) is dict or isinstance(value, Mapping):
        for key, item in value.items():
            if key in _SKIP:
                continue
            if key in _BINARY and value.get("type") == "base64":  # only a text document's is read
                if isinstance(item, str) and str(value.get("media_type") or "").startswith("text/"):
                    yield _decoded(item)
                continue
            yield from _texts(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, depth + 1)


def _decoded(data: str) -> str:
    try:
        raw = base64.b64decode(data[: _MAX_DECODED * 4 // 3 + 4], validate=False)
    except (binascii.Error, ValueError):
        return data  # not base64 after all: read as it is
    return raw.decode("utf-8", "replace")


class Walk:
    """A conversation as last walked, for the next turn to start from: private copies of its messages
    (compared with the next turn's: equal messages give the same pieces), its pieces with their digests,
    where each message's pieces start, its tool calls, and the call ids its pieces' names were looked up by.

    :func:`walk` walks only the messages after the longest prefix the next turn shares with the copies,
    unless a call the other messages add or take away changes the name a kept piece was given (then
    it walks the whole conversation): either way the pieces are exactly :func:`pieces`'s.  A message
    that cannot be copied exactly (not plain data: an in-process caller's object) ends the copies, so
    what follows it is walked again next turn.
    """

    __slots__ = ("ends", "held", "looked", "names", "notes", "pieces", "size", "starts", "walked")

    def __init__(self) -> None:
        self.held: list[object] = []  # private copies of the first messages (marshal's round trip)
        self.ends: list[int] = [0]  # ends[i]: bytes of the first i copies
        self.size = 0  # bytes of all the copies (what a cache of walks charges)
        self.pieces: list[Piece] = []
        self.starts: list[int] = [0]  # message i's pieces are pieces[starts[i]:starts[i + 1]]
        self.notes: list[tuple[int, str, str]] = []  # the calls of every message walked, in order
        self.names: dict[str, str | None] = {}  # ``_names(notes)``
        self.looked: dict[str, int] = {}  # call id -> the first message whose piece looked its name up
        self.walked = 0  # the messages walked to make this one


def walk(messages: list[object], last: Walk | None = None) -> Walk:
    """The pieces of ``messages`` (:func:`pieces`, in ``Walk.pieces``), walking only what ``last`` (a walk
    of an earlier turn of the same conversation, or None: it is updated in place) does not already hold."""
    if last is None:
        return _walked(messages, Walk(), 0, None)
    total, keep = len(last.starts) - 1, _kept(messages, last.held)
    if keep == total == len(messages):  # the same conversation again
        last.walked = 0
        return last
    if not keep:
        return _walked(messages, Walk(), 0, None)
    if keep < total:  # what the messages no longer kept held goes
        cut = bisect.bisect_left(last.notes, keep, key=_at)
        gone, last.notes = last.notes[cut:], last.notes[:cut]
        del last.held[keep:], last.ends[keep + 1 :], last.pieces[last.starts[keep] :], last.starts[keep + 1 :]
        last.size = last.ends[-1]
        before, last.names = last.names, _names(last.notes)
        last.looked = {ident: at for ident, at in last.looked.items() if at < keep}
    else:
        gone, before, last.names = [], last.names, dict(last.names)
    return _walked(messages, last, keep, (gone, before))


def _at(note: tuple[int, str, str]) -> int:
    return note[0]


_Was = tuple[list[tuple[int, str, str]], dict[str, str | None]]
_GONE = object()


def _walked(messages: list[object], into: Walk, keep: int, was: _Was | None) -> Walk:
    """``into`` (holding the first ``keep`` messages' walk) with the rest of ``messages`` walked; ``was``:
    the calls taken away and the names before, when pieces are kept (whose names must still hold)."""
    added = _notes(messages[keep:], keep) if keep < len(messages) else []
    if added:
        _names(added, into.names)
        into.notes += added
    if was is not None:
        gone, before = was
        for _, ident, _ in itertools.chain(added, gone):  # a kept piece's tool named differently now
            if into.looked.get(ident, keep) < keep and before.get(ident, _GONE) != into.names.get(ident, _GONE):
                return _walked(messages, Walk(), 0, None)
    names, looked, pieces, starts = into.names, into.looked, into.pieces, into.starts
    for at in range(keep, len(messages)):
        pieces.extend(_message_pieces(names, messages[at], looked, at))
        starts.append(len(pieces))
    into.walked = len(messages) - keep
    _copy(messages, keep, into)
    return into


def _kept(messages: list[object], held: list[object]) -> int:
    """How many first messages equal the copies ``held`` (a private copy is never one of ``messages``,
    so a message changed in place since it was walked cannot compare equal as the same object would)."""
    n = min(len(messages), len(held))
    if n == len(held) and messages[:n] == held:  # (the usual turn: the last one's messages, then new ones)
        return n
    k = 0
    while k < n and messages[k] == held[k]:
        k += 1
    return k


def _copy(messages: list[object], start: int, into: Walk) -> None:
    """Private copies of ``messages[start:]`` onto ``into.held``, up to the first that is not plain data."""
    held, ends = into.held, into.ends
    for msg in itertools.islice(messages, start, None):
        try:
            data = _dumps(msg)
        except ValueError:  # not plain data (or nested too deep): the copies end here
            break
        held.append(marshal.loads(data))
        ends.append(ends[-1] + len(data))
    into.size = ends[-1]


class Walks:
    """Each session's last walk (:func:`walk`), least recently used out first while their copies hold more
    than ``max_bytes`` in all.  Lost (another replica, a restart, the bound), a walk costs the whole
    conversation once; nothing is ever skipped."""

    def __init__(self, max_bytes: int = 32 << 20) -> None:
        self.max_bytes = max_bytes
        self._walks: OrderedDict[str, Walk] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._walks)

    def pieces(self, session_id: str, messages: list[object]) -> list[Piece]:
        """``messages``'s pieces, walked from ``session_id``'s last walk (then kept as its last)."""
        last = self._walks.pop(session_id, None)
        if last is not None:
            self._bytes -= last.size
        new = walk(messages, last)
        if new.size <= self.max_bytes:
            self._walks[session_id] = new
            self._bytes += new.size
            while self._bytes > self.max_bytes:
                self._bytes -= self._walks.popitem(last=False)[1].size
        return new.pieces

    def clear(self) -> None:
        """Forget every walk (as a restart would)."""
        self._walks.clear()
        self._bytes = 0
