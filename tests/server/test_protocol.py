"""The server's HTTP protocol: a response's head and body in one write, bytes in order.

The first half drives :class:`HeadHolder` over a transport that records what reaches
the socket; the second runs real uvicorn with :class:`CoalescingProtocol` and talks
HTTP/1.1 to it over raw sockets: streamed, HEAD, 204, ``Expect: 100-continue``,
pipelined and failing responses still arrive whole and in order.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from goalrail.server.protocol import COPY_LIMIT, CoalescingProtocol, HeadHolder

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recorder(asyncio.Transport):
    """The socket's side: every call that reaches it, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.calls.append(("write", bytes(data)))

    def writelines(self, list_of_data: Any) -> None:
        self.calls.append(("writelines", b"|".join(bytes(d) for d in list_of_data)))

    def close(self) -> None:
        self.closing = True
        self.calls.append(("close", b""))

    def abort(self) -> None:
        self.calls.append(("abort", b""))

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 7


def _holder() -> tuple[HeadHolder, Recorder, asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    inner = Recorder()
    return HeadHolder(inner, loop), inner, loop


def _spin(loop: asyncio.AbstractEventLoop) -> None:
    loop.run_until_complete(asyncio.sleep(0))


def test_head_and_body_leave_in_one_write() -> None:
    holder, inner, loop = _holder()
    try:
        holder.write(HEAD)
        assert inner.calls == []
        assert holder.get_write_buffer_size() == 7 + len(HEAD)
        holder.write(b"{}")
        assert inner.calls == [("write", HEAD + b"{}")]
        _spin(loop)  # the scheduled flush finds nothing left to send
        assert inner.calls == [("write", HEAD + b"{}")]
    finally:
        loop.close()


def test_a_head_without_body_yet_leaves_within_one_loop_iteration() -> None:
    holder, inner, loop = _holder()
    try:
        holder.write(HEAD)
        _spin(loop)
        assert inner.calls == [("write", HEAD)]
        holder.write(b"{}")
        assert inner.calls == [("write", HEAD), ("write", b"{}")]
    finally:
        loop.close()


def test_other_bytes_pass_straight_through() -> None:
    holder, inner, loop = _holder()
    try:
        holder.write(b"5\r\nhello\r\n")
        holder.write(bytearray(b"HTTP/1.1 200 OK\r\n\r\n"))  # only bytes are held
        holder.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")  # a head with its body
        assert [c[1] for c in inner.calls] == [
            b"5\r\nhello\r\n",
            b"HTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}",
        ]
    finally:
        loop.close()


def test_a_long_body_is_not_copied_behind_the_head() -> None:
    holder, inner, loop = _holder()
    try:
        body = b"x" * COPY_LIMIT
        holder.write(HEAD)
        holder.write(body)
        assert inner.calls == [("writelines", HEAD + b"|" + body)]
    finally:
        loop.close()


def test_closing_sends_a_kept_head_first() -> None:
    holder, inner, loop = _holder()
    try:
        holder.write(HEAD)
        holder.close()
        assert inner.calls == [("write", HEAD), ("close", b"")]
        holder.write(HEAD)  # the socket is closing: a head kept now is never sent
        holder.close()
        _spin(loop)
        assert inner.calls == [("write", HEAD), ("close", b""), ("close", b"")]
    finally:
        loop.close()


def test_abort_drops_a_kept_head() -> None:
    holder, inner, loop = _holder()
    try:
        holder.write(HEAD)
        holder.abort()
        _spin(loop)
        assert inner.calls == [("abort", b"")]
    finally:
        loop.close()


# --- real uvicorn, raw HTTP/1.1 -------------------------------------------------------------

RELEASE = threading.Event()


async def _read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    path = scope["path"]
    if path == "/stream":  # no content-length: chunked, first chunk only once released
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        while not RELEASE.is_set():
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await send({"type": "http.response.body", "body": b"second"})
    elif path == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/crash":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        raise RuntimeError("the app fails after its head")
    else:  # echo the request body, or the path
        body = await _read_body(receive) or path.encode()
        headers = [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = int(s.getsockname()[1])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free, http=CoalescingProtocol, lifespan="off", log_level="critical"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield free
    RELEASE.set()
    server.should_exit = True
    thread.join(timeout=10)


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_until(sock: socket.socket, buf: bytearray, marker: bytes) -> bytes:
    while marker not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(bytes(buf))
        buf += chunk
    end = buf.index(marker) + len(marker)
    out = bytes(buf[:end])
    del buf[:end]
    return out


def _read_exact(sock: socket.socket, buf: bytearray, n: int) -> bytes:
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(bytes(buf))
        buf += chunk
    out = bytes(buf[:n])
    del buf[:n]
    return out


def test_pipelined_requests_get_whole_answers_in_order(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"".join(f"GET /r{i} HTTP/1.1\r\nhost: x\r\n\r\n".encode() for i in range(5)))
        buf = bytearray()
        for i in range(5):
            head = _read_until(sock, buf, b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n") and f"content-length: {len(f'/r{i}')}".encode() in head
            assert _read_exact(sock, buf, len(f"/r{i}")) == f"/r{i}".encode()


def test_a_streamed_head_arrives_before_its_first_chunk(port: int) -> None:
    RELEASE.clear()
    with _connect(port) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
        buf = bytearray()
        head = _read_until(sock, buf, b"\r\n\r\n")  # the app is still waiting for RELEASE
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"transfer-encoding: chunked" in head
        assert not RELEASE.is_set() and buf == b""
        RELEASE.set()
        assert _read_until(sock, buf, b"0\r\n\r\n") == b"5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n"


def test_head_request_and_no_content_keep_the_connection_usable(port: int) -> None:
    with _connect(port) as sock:
        buf = bytearray()
        sock.sendall(b"HEAD /abc HTTP/1.1\r\nhost: x\r\n\r\n")
        head = _read_until(sock, buf, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 4" in head
        sock.sendall(b"GET /empty HTTP/1.1\r\nhost: x\r\n\r\n")
        head = _read_until(sock, buf, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 204 No Content\r\n") and b"content-length" not in head
        sock.sendall(b"GET /after HTTP/1.1\r\nhost: x\r\n\r\n")
        head = _read_until(sock, buf, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert _read_exact(sock, buf, 6) == b"/after" and buf == b""


def test_expect_100_continue(port: int) -> None:
    with _connect(port) as sock:
        buf = bytearray()
        sock.sendall(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n")
        assert _read_until(sock, buf, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b"hello")
        head = _read_until(sock, buf, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 5" in head
        assert _read_exact(sock, buf, 5) == b"hello"


def test_an_app_failing_after_its_head_closes_the_connection_after_the_head(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(b"GET /crash HTTP/1.1\r\nhost: x\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        assert received.startswith(b"HTTP/1.1 200 OK\r\n") and received.endswith(b"content-length: 10\r\n\r\n")
