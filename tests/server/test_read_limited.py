"""``read_limited``: the request body whole, or None once it exceeds the limit (one message or many)."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.server.limits import declared_length, read_limited, request_headers


def _receive(*messages: dict[str, Any]) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    return receive


@pytest.mark.parametrize(
    ("messages", "limit", "expected"),
    [
        ([{"type": "http.request", "body": b"abc"}], 3, b"abc"),
        ([{"type": "http.request", "body": b"abcd"}], 3, None),
        ([{"type": "http.request"}], 3, b""),
        (
            [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.request", "body": b"c"}],
            3,
            b"abc",
        ),
        (
            [{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.request", "body": b"cd"}],
            3,
            None,
        ),
        ([{"type": "http.request", "body": b"ab", "more_body": True}, {"type": "http.disconnect"}], 3, b"ab"),
        ([{"type": "http.disconnect"}], 3, b""),
    ],
)
async def test_read_limited(messages: list[dict[str, Any]], limit: int, expected: bytes | None) -> None:
    assert await read_limited(_receive(*messages), limit) == expected


def test_the_first_of_each_header_is_read() -> None:
    scope = {"headers": [(b"content-length", b"12"), (b"host", b"a"), (b"content-length", b"99"), (b"host", b"b")]}
    assert request_headers(scope) == {b"content-length": b"12", b"host": b"a"}
    assert request_headers({"headers": iter([(b"x", b"1"), (b"x", b"2")])}) == {b"x": b"1"}
    assert declared_length(request_headers(scope)) == 12
    assert declared_length({b"content-length": b"twelve"}) is None
    assert declared_length({}) is None
