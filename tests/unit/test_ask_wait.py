"""integrations.ask_wait: the hook's wait loop against a scripted server."""

from __future__ import annotations

from typing import Any

from goalrail.integrations import ask_wait

ASK = {"result": "ASK", "reason": "gate: shell", "policy": "gate", "approval_id": "apr_1"}
EVENT = {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}


class Server:
    """Answers in order; records what was asked; a clock that each GET advances by its wait."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, str]] = []
        self.now = 0.0

    def send(self, method: str, path: str, body: Any, timeout: float) -> tuple[int, Any]:
        self.calls.append((method, path))
        if method == "GET":
            self.now += float(path.rpartition("wait=")[2])
        return self.answers.pop(0)

    def clock(self) -> float:
        return self.now


def run(server: Server, wait: float) -> tuple[int, Any]:
    return ask_wait.evaluate(server.send, "s 1", EVENT, wait_s=wait, timeout_s=10, clock=server.clock)


def test_waits_past_the_server_cap_then_posts_the_call_again() -> None:
    allowed = {"result": "ALLOW", "asked": {"result": "ASK"}, "approval_id": "apr_1"}
    server = Server((200, ASK), (200, {"status": "pending"}), (200, {"status": "approved"}), (200, allowed))
    assert run(server, 100) == (200, allowed)
    assert server.calls == [
        ("POST", "/v1/sessions/s%201/events?wait=30"),
        ("GET", "/v1/approvals/apr_1?wait=30"),
        ("GET", "/v1/approvals/apr_1?wait=30"),
        ("POST", "/v1/sessions/s%201/events"),  # the identical call: the server uses the approval up
    ]


def test_still_pending_at_the_end_is_marked_pending() -> None:
    server = Server((200, ASK), (200, {"status": "pending"}))
    status, body = run(server, 2)
    assert status == 200 and body["result"] == "ASK" and body["pending"] is True
    reason = ask_wait.pending_reason(body, 2, "http://127.0.0.1:6767/")
    assert "not approved within 2s" in reason and "http://127.0.0.1:6767/approvals#apr_1" in reason


def test_refusals_end_the_wait_as_deny() -> None:
    for status_name, words in (("denied", "refused in Goalrail"), ("answered_in_client", "answered in the client")):
        _, body = run(Server((200, ASK), (200, {"status": status_name})), 60)
        assert body["result"] == "DENY" and words in body["reason"]


def test_no_wait_and_errors_pass_through() -> None:
    server = Server((200, ASK))
    assert run(server, 0) == (200, ASK) and server.calls == [("POST", "/v1/sessions/s%201/events")]
    assert run(Server((503, None)), 30) == (503, None)
    _, body = run(Server((200, ASK), (404, {"code": "not_found"})), 30)
    assert body["pending"] is True  # cannot see the approval: refused with the link, never allowed
