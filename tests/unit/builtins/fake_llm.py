"""A small OpenAI-compatible chat-completions server on 127.0.0.1, in a thread.

Behaviour is set per test through ``FakeLLM.mode``: ``trivial``, ``complex``,
``garbage`` (answers neither word), ``error`` (HTTP 500), ``malformed`` (no
choices), ``slow`` (sleeps ``delay_s`` before answering).  Every request body
and Authorization header is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeLLM:
    def __init__(self) -> None:
        self.mode = "complex"
        self.delay_s = 1.0
        self.requests: list[dict[str, Any]] = []
        self.auth: list[str | None] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(body)
                fake.auth.append(self.headers.get("Authorization"))
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": "not found"})
                    return
                mode = fake.mode
                if mode == "slow":
                    time.sleep(fake.delay_s)
                    mode = "complex"
                if mode == "error":
                    self._send(500, {"error": {"message": "boom"}})
                    return
                if mode == "malformed":
                    self._send(200, {"id": "x", "choices": []})
                    return
                text = {"trivial": "TRIVIAL", "complex": "COMPLEX", "garbage": "I cannot say."}[mode]
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11},
                    },
                )

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def reset(self, mode: str = "complex") -> None:
        self.mode = mode
        self.requests.clear()
        self.auth.clear()
