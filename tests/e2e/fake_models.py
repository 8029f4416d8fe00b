"""A small scripted model API for driving real agent CLIs in tests.

One local HTTP server speaks three wires: the Anthropic Messages API (Claude
Code), the OpenAI Responses API (Codex) and the Gemini API (Gemini CLI).  It is
an outside thing faked, not one of ours: the agents under test talk to it as if
it were the vendor.

The script is in the user's prompt, one directive a line:

    RUN: <shell command>          call the harness's shell tool with that command
    CALL: <tool> <json arguments> call any tool the client offered ("$SESSION": the process id
                                  the last result named, for Codex's write_stdin)

The model makes the directives' calls one per turn, in order (the n-th turn
after n tool results), then answers ``DONE``.  A request whose tools do not
include the one a directive needs (a client's side query: titles, topic
checks, next-speaker checks) gets a short text answer.  Every tool result the
client sends back is recorded, so a test can see the reason a denied call
reported to the model.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

DIRECTIVE = re.compile(r"^\s*(RUN|CALL):\s*(.+?)\s*$", re.MULTILINE)
FINAL_TEXT = "DONE"


@dataclass
class Step:
    tool: str | None  # None: the harness's shell tool
    command: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)


def parse_script(text: str) -> list[Step]:
    steps = []
    for kind, rest in DIRECTIVE.findall(text):
        if kind == "RUN":
            steps.append(Step(None, command=rest))
        else:
            name, _, args = rest.partition(" ")
            steps.append(Step(name, arguments=json.loads(args or "{}")))
    return steps


@dataclass
class Turn:
    """What one request amounts to: the prompt text, tool results so far, offered tools."""

    prompt: str
    results: list[str]
    tools: list[str]


class FakeModel:
    """The server; ``url`` once started.  Use as a context manager."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.tool_results: list[str] = []
        self._seen: set[str] = set()
        self.on_request: Callable[[], None] | None = None  # called before each scripted answer
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeModel:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.tool_results.clear()
            self._seen.clear()
            self.on_request = None

    def record(self, path: str, body: dict[str, Any], turn: Turn) -> None:
        if self.on_request is not None:
            self.on_request()
        with self._lock:
            self.requests.append((path, body))
            for result in turn.results:
                if result not in self._seen:
                    self._seen.add(result)
                    self.tool_results.append(result)

    def next_step(self, turn: Turn, shell: tuple[str, ...]) -> tuple[str, dict[str, Any]] | None:
        """The (tool, arguments) to call now, or None to answer in text."""
        steps = parse_script(turn.prompt)
        if len(turn.results) >= len(steps):
            return None
        step = steps[len(turn.results)]
        if step.tool is not None:
            return (step.tool, _with_session(step.arguments, turn.results)) if step.tool in turn.tools else None
        for name in shell:
            if name in turn.tools:
                return name, shell_arguments(name, step.command)
        return None


_SESSION_ID = re.compile(r"session ID (\d+)")


def _with_session(arguments: dict[str, Any], results: list[str]) -> dict[str, Any]:
    """``"$SESSION"`` as an argument's value: the process id the last tool result named (Codex's
    ``exec_command`` answers ``Process running with session ID N``), as ``write_stdin`` takes it."""
    if "$SESSION" not in arguments.values():
        return arguments
    ids = [int(m) for r in results for m in _SESSION_ID.findall(r)]
    return {k: (ids[-1] if ids else 0) if v == "$SESSION" else v for k, v in arguments.items()}


def shell_arguments(tool: str, command: str) -> dict[str, Any]:
    if tool == "shell":  # Codex's array form
        return {"command": ["bash", "-lc", command]}
    if tool == "exec_command":  # Codex's unified exec
        return {"cmd": command}
    if tool == "Bash":
        return {"command": command, "description": "Run the scripted command"}
    return {"command": command}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(c) for c in content)
    if isinstance(content, dict):
        for key in ("text", "output", "content", "response", "error"):
            if key in content:
                return _text(content[key])
        return json.dumps(content)
    return "" if content is None else json.dumps(content)


# --- Anthropic Messages -------------------------------------------------------------------


def anthropic_turn(body: dict[str, Any]) -> Turn:
    prompt, results = [], []
    for msg in body.get("messages") or []:
        content = msg.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        for block in blocks:
            if block.get("type") == "tool_result":
                results.append(_text(block.get("content")))
            elif block.get("type") == "text" and msg.get("role") == "user":
                prompt.append(block.get("text", ""))
    return Turn("\n".join(prompt), results, [t.get("name", "") for t in body.get("tools") or []])


def anthropic_reply(model: FakeModel, body: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    turn = anthropic_turn(body)
    step = model.next_step(turn, ("Bash",))
    msg_id = "msg_" + uuid.uuid4().hex[:20]
    usage = {"input_tokens": 20, "output_tokens": 10, "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
    if step:
        block: dict[str, Any] = {
            "type": "tool_use",
            "id": "toolu_" + uuid.uuid4().hex[:20],
            "name": step[0],
            "input": step[1],
        }
        stop = "tool_use"
    else:
        block = {"type": "text", "text": FINAL_TEXT}
        stop = "end_turn"
    message = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "claude-fake"),
        "content": [block],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
    start = dict(message, content=[], stop_reason=None, usage=dict(usage, output_tokens=1))
    if block["type"] == "tool_use":
        first = dict(block, input={})
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    else:
        first = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": first}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    model.record("anthropic", body, turn)
    return message, events


# --- OpenAI Responses ---------------------------------------------------------------------


def responses_turn(body: dict[str, Any]) -> Turn:
    prompt, results = [], []
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else items or []:
        kind = item.get("type", "message")
        if kind in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            results.append(_text(item.get("output")))
        elif kind == "message" and item.get("role") == "user":
            prompt.append(_text(item.get("content")))
    tools = [t.get("name") or t.get("type", "") for t in body.get("tools") or []]
    return Turn("\n".join(prompt), results, tools)


def responses_events(model: FakeModel, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    turn = responses_turn(body)
    step = model.next_step(turn, ("shell_command", "exec_command", "shell"))
    resp_id = "resp_" + uuid.uuid4().hex[:20]
    custom = {t.get("name") for t in body.get("tools") or [] if t.get("type") == "custom"}
    if step and step[0] in custom:  # a freeform tool (Codex's code-mode `exec`): its `input` as sent
        item: dict[str, Any] = {
            "type": "custom_tool_call",
            "id": "ctc_" + uuid.uuid4().hex[:20],
            "call_id": "call_" + uuid.uuid4().hex[:20],
            "name": step[0],
            "input": str(step[1].get("input", "")),
            "status": "completed",
        }
    elif step:
        item = {
            "type": "function_call",
            "id": "fc_" + uuid.uuid4().hex[:20],
            "call_id": "call_" + uuid.uuid4().hex[:20],
            "name": step[0],
            "arguments": json.dumps(step[1]),
            "status": "completed",
        }
    else:
        item = {
            "type": "message",
            "id": "msg_" + uuid.uuid4().hex[:20],
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": FINAL_TEXT, "annotations": []}],
        }
    usage = {
        "input_tokens": 20,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 30,
    }
    base = {
        "id": resp_id,
        "object": "response",
        "model": body.get("model", "gpt-fake"),
        "status": "in_progress",
        "output": [],
    }
    done = dict(base, status="completed", output=[item], usage=usage)
    events = [
        ("response.created", {"type": "response.created", "response": base}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": item}),
    ]
    if item["type"] == "message":
        events.append(
            (
                "response.output_text.delta",
                {"type": "response.output_text.delta", "item_id": item["id"], "output_index": 0, "delta": FINAL_TEXT},
            )
        )
    events += [
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}),
        ("response.completed", {"type": "response.completed", "response": done}),
    ]
    model.record("responses", body, turn)
    return events


# --- Gemini generateContent ---------------------------------------------------------------


def gemini_turn(body: dict[str, Any]) -> Turn:
    prompt, results = [], []
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            if "functionResponse" in part:
                results.append(_text(part["functionResponse"].get("response")))
            elif "text" in part and content.get("role", "user") == "user":
                prompt.append(part["text"])
    tools = [d.get("name", "") for t in body.get("tools") or [] for d in t.get("functionDeclarations") or []]
    return Turn("\n".join(prompt), results, tools)


def gemini_reply(model: FakeModel, body: dict[str, Any]) -> dict[str, Any]:
    turn = gemini_turn(body)
    step = model.next_step(turn, ("run_shell_command",))
    config = body.get("generationConfig") or {}
    if step:
        part: dict[str, Any] = {"functionCall": {"name": step[0], "args": step[1]}}
    elif config.get("responseMimeType") == "application/json" or "responseJsonSchema" in config:
        # side queries (next speaker, routing, loop checks) want a JSON object
        part = {"text": json.dumps({"reasoning": "scripted", "next_speaker": "user", "model_choice": "flash"})}
    else:
        part = {"text": FINAL_TEXT}
    model.record("gemini", body, turn)
    return {
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 10, "totalTokenCount": 30},
        "modelVersion": "gemini-fake",
        "responseId": uuid.uuid4().hex,
    }


# --- HTTP ---------------------------------------------------------------------------------


def _sse(events: Sequence[tuple[str | None, dict[str, Any]]]) -> bytes:
    out = []
    for name, data in events:
        out.append((f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n")
    return "".join(out).encode()


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:
            self._send(200, b"")

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path.endswith("/models"):
                self._send(200, json.dumps({"object": "list", "data": [], "models": []}).encode())
            else:
                self._send(200, b"{}")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, b'{"error": {"message": "bad json"}}')
                return
            path = parts.path
            if path.endswith("/messages/count_tokens"):
                self._send(200, b'{"input_tokens": 20}')
            elif path.endswith("/messages"):
                message, events = anthropic_reply(model, body)
                if body.get("stream"):
                    self._send(200, _sse(events), "text/event-stream")
                else:
                    self._send(200, json.dumps(message).encode())
            elif path.endswith("/responses"):
                self._send(200, _sse(responses_events(model, body)), "text/event-stream")
            elif path.endswith(":countTokens"):
                self._send(200, b'{"totalTokens": 20}')
            elif path.endswith(":streamGenerateContent"):
                self._send(200, _sse([(None, gemini_reply(model, body))]), "text/event-stream")
            elif path.endswith(":generateContent"):
                self._send(200, json.dumps(gemini_reply(model, body)).encode())
            else:
                self._send(404, json.dumps({"error": {"message": f"fake model: no route {path}"}}).encode())

    return Handler
