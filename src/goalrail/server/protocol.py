"""uvicorn's HTTP protocol with each response's head and first body bytes in one write.

uvicorn (``httptools_impl``) writes a response in two ``transport.write`` calls: the
status line and headers when the app sends ``http.response.start``, then the body.
On loopback each write is a ``send`` system call and a delivery to the peer, so a
small JSON answer costs two of each.  :class:`CoalescingProtocol` hands uvicorn a
transport (:class:`HeadHolder`) that keeps a complete response head back until the
next write, and sends both in one call.  A head is never kept past the current
iteration of the event loop: a streamed response whose first chunk is not ready
yet (the LLM proxy's server-sent events) gets its head flushed on its own by a
callback scheduled with the head.  Everything else a transport does (closing,
flow control, reading) first flushes a kept head, so bytes leave in their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Bodies at least this long are handed over with ``writelines`` instead of being
#: copied behind the head (a copy of a few kB costs less than a vectored write).
COPY_LIMIT = 64 * 1024


def _is_head(data: bytes) -> bool:
    """A response's status line and headers, complete, with no body bytes after them."""
    return data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n")


class HeadHolder(asyncio.Transport):
    """A transport that keeps one complete response head back until the next write."""

    __slots__ = ("_held", "_inner", "_loop")

    def __init__(self, inner: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._inner = inner
        self._loop = loop
        self._held: bytes | None = None

    def flush(self) -> None:
        """Send a kept head, if any (scheduled with every kept head)."""
        held = self._held
        if held is not None:
            self._held = None
            self._inner.write(held)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if len(data) < COPY_LIMIT:
                self._inner.write(held + bytes(data))
            else:
                self._inner.writelines((held, data))
        elif type(data) is bytes and _is_head(data):
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self._inner.write(data)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.flush()
        self._inner.writelines(list_of_data)

    def write_eof(self) -> None:
        self.flush()
        self._inner.write_eof()

    def can_write_eof(self) -> bool:
        return self._inner.can_write_eof()

    def close(self) -> None:
        if not self._inner.is_closing():
            self.flush()
        self._held = None
        self._inner.close()

    def abort(self) -> None:
        self._held = None
        self._inner.abort()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self._inner.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._inner.get_protocol()

    def is_reading(self) -> bool:
        return self._inner.is_reading()

    def pause_reading(self) -> None:
        self._inner.pause_reading()

    def resume_reading(self) -> None:
        self._inner.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._inner.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._inner.get_write_buffer_size() + len(self._held or b"")

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._inner.get_write_buffer_limits()


class CoalescingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a :class:`HeadHolder`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(HeadHolder(cast(asyncio.Transport, transport), self.loop))
