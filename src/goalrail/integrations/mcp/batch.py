"""A stdio MCP transport that also takes JSON-RPC batches (an array of messages on one line).

The MCP SDK's stdio transport reads one message per line and drops a line holding
an array (a JSON-RPC 2.0 batch, part of MCP 2025-03-26) as unreadable: the client
never gets an answer.  Here each member of a batch goes to the server as a message
of its own, so every ``tools/call`` in it is judged exactly as a single call is, and
the answers to its requests go back together as one batch response (an array, in
the order of the requests), once the last one is in.  (The transport is the SDK's stdio one otherwise:
the same validation, the same answer to an unreadable line.)

* Each request of a batch is given a private id (``goalrail-batch:<n>:<i>``) while
  the server handles it, so a batch's ids never meet another request's; its answer
  goes back under the client's own id.  A ``notifications/cancelled`` naming a
  request of a pending batch is passed on under the private id.
* A member that is not a JSON-RPC request, notification or response, or a request
  whose id is not a string or an integer, or that repeats an id of the same batch,
  is not handed to the server: its answer is an ``Invalid Request`` error (-32600).
* An empty batch is answered with one ``Invalid Request`` error; a batch of
  notifications and responses alone gets no answer (JSON-RPC 2.0).
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager, suppress
from io import TextIOWrapper

import anyio
import mcp_types as types
from mcp.shared._context_streams import create_context_streams
from mcp.shared._stream_protocols import ReadStream, WriteStream
from mcp.shared.message import SessionMessage

from goalrail.jsontypes import JsonObject, JsonValue

_PREFIX = "goalrail-batch:"


def _invalid(id_: JsonValue, why: str) -> JsonObject:
    return {"jsonrpc": "2.0", "id": id_, "error": {"code": -32600, "message": f"invalid request: {why}"}}


class _Batch:
    """The answers of one batch: a slot per request, in order, filled as they come."""

    __slots__ = ("answers", "missing")

    def __init__(self) -> None:
        self.answers: list[JsonObject | None] = []
        self.missing = 0


class Batches:
    """What is in flight: the pending batches, by their number, and the private ids in use."""

    def __init__(self) -> None:
        self.pending: dict[int, _Batch] = {}
        self.private: dict[tuple[JsonValue, int], str] = {}  # (client id, batch) → private id
        self._next = 0

    def split(self, batch: list[JsonValue]) -> tuple[list[str], object]:
        """(the lines to hand to the server, an answer to write now or None)."""
        if not batch:
            return [], _invalid(None, "empty batch")
        self._next += 1
        number, entry, lines, seen = self._next, _Batch(), [], set()
        for member in batch:
            kind = _kind(member)
            if kind is None or not isinstance(member, dict):
                entry.answers.append(_invalid(_given_id(member), "not a JSON-RPC message"))
                continue
            if kind == "request":
                id_ = member["id"]
                key = (type(id_).__name__, id_)
                if key in seen:
                    entry.answers.append(_invalid(id_, f"id `{id_}` is used twice in one batch"))
                    continue
                seen.add(key)
                private = f"{_PREFIX}{number}:{len(entry.answers)}"
                self.private[(id_, number)] = private
                entry.answers.append({"id": id_, _PREFIX: private})
                entry.missing += 1
                member = {**member, "id": private}
            elif kind == "notification" and member.get("method") == "notifications/cancelled":
                member = self._cancelled(member)
            lines.append(json.dumps(member, separators=(",", ":")))
        if entry.missing:
            self.pending[number] = entry
            return lines, None
        done = [a for a in entry.answers if a is not None]
        return lines, done or None

    def _cancelled(self, note: JsonObject) -> JsonObject:
        params = note.get("params")
        if not isinstance(params, dict):
            return note
        for (id_, _number), private in self.private.items():
            if id_ == params.get("requestId") and type(id_) is type(params.get("requestId")):
                return {**note, "params": {**params, "requestId": private}}
        return note

    def answer(self, message: JsonObject) -> list[JsonObject] | None:
        """Take the server's answer to a private id: its batch's whole answer once complete, else None."""
        private = message.get("id")
        if not isinstance(private, str) or not private.startswith(_PREFIX):
            return None
        number_text, _, slot_text = private[len(_PREFIX) :].partition(":")
        entry = self.pending.get(int(number_text))
        if entry is None:
            return None
        slot = entry.answers[int(slot_text)]
        if slot is None or slot.get(_PREFIX) != private:
            return None
        entry.answers[int(slot_text)] = {**message, "id": slot["id"]}
        self.private.pop((slot["id"], int(number_text)), None)
        entry.missing -= 1
        if entry.missing:
            return []
        del self.pending[int(number_text)]
        return [a for a in entry.answers if a is not None]


def _given_id(member: object) -> JsonValue:
    id_ = member.get("id") if isinstance(member, dict) else None
    return id_ if isinstance(id_, (str, int)) and not isinstance(id_, bool) else None


def _kind(member: object) -> str | None:
    """``request``, ``notification``, ``response`` or None for anything else."""
    if not isinstance(member, dict) or member.get("jsonrpc") != "2.0":
        return None
    if isinstance(member.get("method"), str):
        if "id" not in member:
            return "notification"
        id_ = member["id"]
        ok = isinstance(id_, (str, int)) and not isinstance(id_, bool)
        params = member.get("params")
        return "request" if ok and (params is None or isinstance(params, dict)) else None
    if "id" in member and ("result" in member or "error" in member):
        return "response"
    return None


class _Input:
    """The client's lines as the SDK's transport reads them, each batch split into its members."""

    def __init__(self, lines: AsyncIterable[str], batches: Batches, output: _Output) -> None:
        self._lines, self._batches, self._output = lines, batches, output

    def __aiter__(self) -> AsyncIterator[str]:
        return self._members()

    async def _members(self) -> AsyncIterator[str]:
        async for line in self._lines:
            if not line.lstrip().startswith("["):
                yield line
                continue
            try:
                parsed = json.loads(line)
            except ValueError:
                yield line  # unreadable: the SDK's own handling
                continue
            if not isinstance(parsed, list):
                yield line
                continue
            lines, now = self._batches.split(parsed)
            if now is not None:
                await self._output.send(now)
            for member in lines:
                yield member + "\n"


class _Output:
    """The server's messages to the client; answers to a batch's requests are held until it is complete."""

    def __init__(self, stream: anyio.AsyncFile[str], batches: Batches) -> None:
        self._stream, self._batches = stream, batches
        self._lock = anyio.Lock()

    async def write(self, text: str) -> None:
        if self._batches.pending and _PREFIX in text:
            message = json.loads(text)
            whole = self._batches.answer(message) if isinstance(message, dict) else None
            if whole is not None:
                if whole:
                    await self.send(whole)
                return
        async with self._lock:
            await self._stream.write(text)

    async def send(self, answer: object) -> None:
        async with self._lock:
            await self._stream.write(json.dumps(answer, separators=(",", ":")) + "\n")
            await self._stream.flush()

    async def flush(self) -> None:
        async with self._lock:
            await self._stream.flush()


@asynccontextmanager
async def batching_stdio_server() -> AsyncIterator[
    tuple[ReadStream[SessionMessage | Exception], WriteStream[SessionMessage]]
]:
    """The SDK's ``stdio_server`` on this process's stdin/stdout, reading batches too."""
    stdin = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
    batches = Batches()
    output = _Output(anyio.wrap_file(TextIOWrapper(sys.stdout.buffer, encoding="utf-8")), batches)
    read_writer, read_stream = create_context_streams[SessionMessage | Exception](0)
    write_stream, write_reader = create_context_streams[SessionMessage](0)

    async def read() -> None:
        with suppress(anyio.ClosedResourceError):
            async with read_writer:
                async for line in _Input(stdin, batches, output):
                    try:
                        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except Exception as exc:  # the SDK's answer to an unreadable message
                        await read_writer.send(exc)
                        continue
                    await read_writer.send(SessionMessage(message))

    async def write() -> None:
        with suppress(anyio.ClosedResourceError):
            async with write_reader:
                async for sent in write_reader:
                    await output.write(sent.message.model_dump_json(by_alias=True, exclude_unset=True) + "\n")
                    await output.flush()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        tasks.start_soon(write)
        yield read_stream, write_stream
