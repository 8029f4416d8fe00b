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
import hashlib
import re
from collections.abc import Iterator, Mapping
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


@dataclass(slots=True)
class Piece:
    """One distinct thing the model was shown: who wrote it, and its texts."""

    source: str  # ``user``, ``attachment``, ``harness`` or a tool's name ("" when no tool is named)
    tool: bool  # whether ``source`` names a tool (its trust is the tool's)
    texts: list[str]

    @property
    def digest(self) -> str:
        """Who wrote it and what it says, hashed: the same tool output resent next turn has the same."""
        h = hashlib.blake2b(digest_size=10)
        h.update(f"{int(self.tool)}:{self.source}".encode())
        for text in self.texts:
            h.update(b"\x00")
            h.update(text.encode("utf-8", "surrogatepass"))
        return h.hexdigest()


def pieces(messages: object) -> Iterator[Piece]:
    """The pieces of ``messages`` in order (an item that is not an object is skipped)."""
    if not isinstance(messages, list):
        return
    names = _call_names(messages)
    for msg in messages:
        if not isinstance(msg, Mapping):
            continue
        role, kind = msg.get("role"), msg.get("type")
        if role == "tool" or role == "function" or (isinstance(kind, str) and kind.endswith("_call_output")):
            yield _tool_piece(names, msg, msg.get("content", msg.get("output")))
        elif role == "user":
            yield from _user_pieces(names, msg.get("content"))
        elif role == "assistant":
            content = msg.get("content")
            for block in content if isinstance(content, list) else ():
                if isinstance(block, Mapping) and _is_result(block):
                    yield _tool_piece(names, block, block.get("content"))


def _is_result(block: Mapping[str, object]) -> bool:
    kind = block.get("type")
    return isinstance(kind, str) and (kind == "tool_result" or kind.endswith("_tool_result"))


def _user_pieces(names: Mapping[str, str | None], content: object) -> Iterator[Piece]:
    blocks = [content] if isinstance(content, str) else content if isinstance(content, list) else []
    results = any(isinstance(b, Mapping) and _is_result(b) for b in blocks)
    typed: list[str] = []
    pasted: list[str] = []
    for block in blocks:
        text = block if isinstance(block, str) else None
        if isinstance(block, Mapping):
            if _is_result(block):
                yield _tool_piece(names, block, block.get("content"))
                continue
            if block.get("type") not in _TEXT_PARTS or not isinstance(block.get("text"), str):
                yield Piece(ATTACHMENT, False, list(_texts(block)))  # an image, a document, a file: passed on
                continue
            text = str(block["text"])
        if text is not None:
            (pasted if results or _PASTED.match(text) else typed).append(text)
    if typed:
        yield Piece(USER, False, typed)
    if pasted:
        yield Piece(HARNESS, False, pasted)


def _tool_piece(names: Mapping[str, str | None], msg: Mapping[str, object], content: object) -> Piece:
    ident = msg.get("tool_call_id") or msg.get("tool_use_id") or msg.get("call_id")
    named = names.get(ident) if isinstance(ident, str) else None
    given = msg.get("name")
    if isinstance(given, str) and given:  # a name that disagrees with the call's is no name
        named = given if not isinstance(ident, str) or ident not in names else (named if named == given else None)
    return Piece(named or "", True, list(_texts(content)))


def _call_names(messages: list[object]) -> dict[str, str | None]:
    """Tool call id → the tool's name, from the assistant's calls (None for an id given to two tools)."""
    names: dict[str, str | None] = {}

    def note(ident: object, name: object) -> None:
        if isinstance(ident, str) and isinstance(name, str):
            names[ident] = name if names.get(ident, name) == name else None

    for msg in messages:
        if not isinstance(msg, Mapping):
            continue
        if msg.get("type") in ("function_call", "custom_tool_call"):  # a Responses item
            note(msg.get("call_id"), msg.get("name"))
        calls = msg.get("tool_calls")
        for call in calls if isinstance(calls, list) else ():
            fn = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(fn, Mapping):
                note(call.get("id"), fn.get("name"))
        content = msg.get("content") if msg.get("role") == "assistant" else None
        for block in content if isinstance(content, list) else ():
            if isinstance(block, Mapping) and str(block.get("type") or "").endswith("tool_use"):
                note(block.get("id"), block.get("name"))
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
    if isinstance(value, Mapping):
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
