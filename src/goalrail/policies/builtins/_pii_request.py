"""The text of a user message or an LLM request that a PII scan must read.

Every string leaf of the structure is read (bounded depth and count), whatever
the provider's shape: OpenAI chat ``messages`` and Responses ``input`` items,
Anthropic content blocks (``text``, ``document`` with a text or content source,
``tool_result``), Gemini ``contents[].parts[]`` and ``systemInstruction``,
attachments of any shape.  What is skipped: identifiers and metadata
(``id``, ``type``, ``role``, ``model``, ``mime_type``…), binary payloads
(base64 sources, ``inline_data`` that is not text, image URLs), and messages
whose role is not selected — a role is compared case-insensitively, with
``human`` read as ``user``, ``model``/``ai``/``bot`` as ``assistant`` and
``function``/``ipython`` as ``tool``; a message with no or an unknown role counts
as ``user``.  Tool results carried inside a user message (Anthropic
``tool_result`` blocks, Responses ``function_call_output`` items) count as
``tool``.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_DEPTH = 24
MAX_LEAVES = 20_000

ROLE_ALIASES = {
    "user": "user",
    "human": "user",
    "end_user": "user",
    "customer": "user",
    "system": "system",
    "developer": "developer",
    "assistant": "assistant",
    "model": "assistant",
    "ai": "assistant",
    "bot": "assistant",
    "chatbot": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
    "tool_result": "tool",
}

#: keys whose values are identifiers or metadata, never message text
_META_KEYS = frozenset(
    {
        "id",
        "type",
        "role",
        "model",
        "name",
        "mime_type",
        "mimetype",
        "media_type",
        "mediatype",
        "cache_control",
        "signature",
        "index",
        "tool_use_id",
        "tool_call_id",
        "call_id",
        "status",
        "session_id",
        "user",
        "user_id",
        "metadata",
        "encoding",
        "file_id",
        "image_url",
        "file_uri",
        "fileuri",
    }
)
_TOOL_BLOCKS = frozenset(
    {"tool_result", "function_call_output", "tool_response", "functionresponse", "function_response"}
)
#: items that are the model's own output (its tool calls, reasoning) when they carry no role
_ASSISTANT_BLOCKS = frozenset(
    {
        "function_call",
        "tool_use",
        "tool_call",
        "reasoning",
        "thinking",
        "redacted_thinking",
        "computer_call",
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "local_shell_call",
        "mcp_call",
        "functioncall",
    }
)
_MESSAGE_LISTS = ("messages", "input", "contents", "conversation", "history", "turns")
_SYSTEM_KEYS = ("system", "instructions", "systeminstruction", "system_instruction", "system_prompt", "preamble")
_SKIP_TOP = frozenset({"tools", "tool_choice", "functions", "function_declarations", "response_format", "stop"})


def role_of(value: object) -> str:
    """The canonical role a message's ``role`` value means (``user`` when absent or unknown)."""
    if not isinstance(value, str):
        return "user"
    return ROLE_ALIASES.get(value.strip().lower(), "user")


def _binary(node: Mapping[object, object]) -> bool:
    """A base64 source, inline bytes or a media part that is not text."""
    kind = node.get("type")
    if isinstance(kind, str) and kind.lower() in ("base64", "image", "image_url", "input_image", "input_audio"):
        return True
    for key in ("mime_type", "mimeType", "media_type", "mediaType"):
        mime = node.get(key)
        if isinstance(mime, str) and not mime.lower().startswith(("text/", "application/json", "application/xml")):
            return "data" in node or "bytes" in node
    return False


class _Collector:
    __slots__ = ("leaves", "out", "roles")

    def __init__(self, roles: frozenset[str], out: list[str]) -> None:
        self.roles = roles
        self.out = out
        self.leaves = 0

    def strings(self, value: object, depth: int = 0) -> None:
        """Every text leaf under ``value`` (metadata and binary payloads skipped)."""
        if depth > MAX_DEPTH or self.leaves >= MAX_LEAVES:
            return
        if isinstance(value, str):
            self.leaves += 1
            if value and not (value.startswith("data:") and ";base64," in value[:200]):
                self.out.append(value)
        elif type(value) is dict or isinstance(value, Mapping):  # the exact type first: no ABC check
            if _binary(value):
                return
            kind = value.get("type")
            if isinstance(kind, str) and kind.lower() in _TOOL_BLOCKS and "tool" not in self.roles:
                return
            if "role" in value and depth > 0:
                self.message(value, depth)
                return
            for key, item in value.items():
                low = key.lower() if isinstance(key, str) else ""
                if low in _META_KEYS or (low in _TOOL_BLOCKS and "tool" not in self.roles):
                    continue
                self.strings(item, depth + 1)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.strings(item, depth + 1)

    def message(self, msg: Mapping[object, object], depth: int = 0) -> None:
        kind = msg.get("type")
        role = role_of(msg.get("role"))
        if "role" not in msg and isinstance(kind, str) and kind.lower() in _ASSISTANT_BLOCKS:
            role = "assistant"
        if role not in self.roles:
            if "tool" in self.roles and role == "user":
                self.tool_blocks(msg.get("content"), depth + 1)
            return
        for key, item in msg.items():
            low = key.lower() if isinstance(key, str) else ""
            if low in _META_KEYS or (low in _TOOL_BLOCKS and "tool" not in self.roles):
                continue
            self.strings(item, depth + 1)

    def tool_blocks(self, value: object, depth: int) -> None:
        """Only the tool results inside an unselected user turn (``scan_roles`` with ``tool``)."""
        if depth > MAX_DEPTH or not isinstance(value, (list, tuple)):
            return
        for item in value:
            kind = item.get("type") if isinstance(item, Mapping) else None
            if isinstance(kind, str) and kind.lower() in _TOOL_BLOCKS:
                self.strings(dict(item), depth + 1)

    def messages(self, value: object) -> None:
        if isinstance(value, str):
            if "user" in self.roles:
                self.strings(value)
            return
        if type(value) is dict or isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, (list, tuple)):
            return
        for item in value:
            if type(item) is dict or isinstance(item, Mapping):
                kind = item.get("type")
                if isinstance(kind, str) and kind.lower() in _TOOL_BLOCKS:
                    if "tool" in self.roles:
                        self.strings(dict(item), 1)
                    continue
                self.message(item, 1)
            elif "user" in self.roles:
                self.strings(item, 1)


def llm_request_texts(data: Mapping[object, object], roles: frozenset[str]) -> list[str]:
    """Text of the selected roles in an LLM request of any common provider shape."""
    out: list[str] = []
    c = _Collector(roles, out)
    for key, value in data.items():
        low = key.lower() if isinstance(key, str) else ""
        if low in _MESSAGE_LISTS or low == "prompt":
            c.messages(value)
        elif low in _SYSTEM_KEYS:
            if "system" in roles:
                c.strings(value, 1)
        elif low in ("documents", "attachments", "files", "context"):
            if "user" in roles:
                c.strings(value, 1)
        elif low in _SKIP_TOP or low in _META_KEYS:
            continue
        elif "user" in roles:  # a field of a shape we do not know: read it rather than miss it
            c.strings(value, 1)
    return out


def request_texts(data: object) -> list[str]:
    """Every text leaf of a user message (its content, attachments of any shape)."""
    out: list[str] = []
    _Collector(_ALL_ROLES, out).strings(data)
    return out


_ALL_ROLES = frozenset(ROLE_ALIASES.values())
