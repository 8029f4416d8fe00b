"""A minimal HTTP/1.1 JSON POST over a socket, for the hook's start-up budget.

``http.client`` alone costs ~35 ms of imports, more than the hook's whole
budget; plain http needs only the C module ``_socket`` (not even ``socket``,
whose enums cost ~5 ms); https URLs import ``socket`` and ``ssl`` lazily.
One request per connection (``Connection: close``).
"""

from __future__ import annotations

import _socket
import time

from goalrail.integrations.claude_code import fastjson

TYPE_CHECKING = False  # avoid importing typing (~5 ms) on the hook's hot path
if TYPE_CHECKING:
    import ssl

    from goalrail.jsontypes import JsonValue

    #: what a TCP connection needs here: a plain ``_socket.socket`` or an ``ssl.SSLSocket``
    Sock = _socket.socket | ssl.SSLSocket


class WireError(Exception):
    """The server could not be reached, timed out, or answered garbage."""


def post_json(url: str, path: str, body: object, *, token: str | None, timeout: float) -> tuple[int, JsonValue]:
    """POST ``body`` as JSON to ``url + path``; returns (status, decoded JSON or None)."""
    return request_json("POST", url, path, body, token=token, timeout=timeout)


def request_json(
    method: str, url: str, path: str, body: object = None, *, token: str | None, timeout: float
) -> tuple[int, JsonValue]:
    """``method`` ``url + path`` with ``body`` as JSON (none for GET); returns (status, decoded JSON or None)."""
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest:
        raise WireError(f"unsupported server URL {url!r}")
    hostport, _, prefix = rest.partition("/")
    host, port = _split_host(hostport, 443 if scheme == "https" else 80)
    payload = b"" if body is None and method == "GET" else fastjson.dumps(body).encode()
    lines = [
        f"{method} /{prefix.strip('/') + '/' if prefix.strip('/') else ''}{path.lstrip('/')} HTTP/1.1",
        f"Host: {hostport}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
    deadline = time.monotonic() + timeout
    try:
        sock = _connect_tls(host, port, timeout) if scheme == "https" else _connect(host, port, timeout)
        try:
            sock.sendall(request)
            raw = _read_all(sock, deadline)
        finally:
            sock.close()
    except OSError as exc:  # refused, unreachable, timeout (socket.timeout is an OSError)
        raise WireError(f"{type(exc).__name__}: {exc}") from exc
    return _parse(raw)


def _literal(host: str, port: int) -> list[tuple[int, int, int, str, tuple[str, int]]]:
    """An IP literal needs no resolver (getaddrinfo loads NSS: several ms in a fresh process)."""
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            _socket.inet_pton(family, host)
        except OSError:
            continue
        return [(family, _socket.SOCK_STREAM, 0, "", (host, port))]
    return []


def _connect(host: str, port: int, timeout: float) -> Sock:
    error: OSError | None = None
    candidates = _literal(host, port) or _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM)
    for family, kind, proto, _, addr in candidates:
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(addr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError(f"cannot resolve {host}")


def _connect_tls(host: str, port: int, timeout: float) -> Sock:
    import socket
    import ssl

    raw = socket.create_connection((host, port), timeout=timeout)
    return ssl.create_default_context().wrap_socket(raw, server_hostname=host)


def _split_host(hostport: str, default: int) -> tuple[str, int]:
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        return host, int(tail[1:]) if tail.startswith(":") else default
    host, sep, port = hostport.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return hostport, default


def _read_all(sock: Sock, deadline: float) -> bytes:
    """The whole response: up to Content-Length when given (no wait for the close), else EOF."""
    data = b""
    expected = -1
    while True:
        if expected < 0:
            head, sep, _ = data.partition(b"\r\n\r\n")
            if sep:
                expected = len(head) + 4 + _content_length(head)
        if 0 <= expected <= len(data):
            return data[:expected]
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer before the deadline")
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def _content_length(head: bytes) -> int:
    """Content-Length of a response head, or a huge number when absent (read to EOF)."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return int(value.strip())
    return 1 << 62


def _parse(raw: bytes) -> tuple[int, JsonValue]:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise WireError("malformed HTTP response")
    header_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(header_lines[0].split(" ", 2)[1])
    except (IndexError, ValueError) as exc:
        raise WireError("malformed HTTP status line") from exc
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines[1:])}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    if not body:
        return status, None
    try:
        return status, fastjson.loads(body.decode("utf-8"))
    except ValueError:
        return status, None


def _dechunk(body: bytes) -> bytes:
    out = []
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        body = rest[size + 2 :]
    return b"".join(out)
