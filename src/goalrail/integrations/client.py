"""The HTTP client every integration uses to talk to a Goalrail server.

Sync (:class:`GoalrailClient`) and async (:class:`AsyncGoalrailClient`) share
the request descriptions below.  Connection errors, timeouts and 5xx answers
raise :class:`goalrail.errors.Unavailable`, so callers fail closed; 4xx answers
raise the matching error from ``goalrail.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from goalrail import errors
from goalrail.integrations.endpoint import resolve_token, resolve_url
from goalrail.jsontypes import JsonObject, JsonValue

DEFAULT_DEADLINE_S = 10.0

_BY_STATUS: dict[int, type[errors.GoalrailError]] = {
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    413: errors.PayloadTooLarge,
    422: errors.InvalidRequest,
}


@dataclass
class Call:
    """One REST call: method, path, query, body and its own timeout."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: object = None
    timeout: float = DEFAULT_DEADLINE_S


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def evaluate_call(session: str, event: Mapping[str, object], wait: float | None, deadline: float) -> Call:
    params = {"wait": _num(wait)} if wait else {}
    return Call("POST", f"/v1/sessions/{_seg(session)}/events", params, event, deadline + (wait or 0))


def dry_run_call(session: str, event: Mapping[str, object], deadline: float) -> Call:
    """The events route's body, judged without changing anything (``POST …/evaluate``)."""
    return Call("POST", f"/v1/sessions/{_seg(session)}/evaluate", {}, event, deadline)


def usage_call(session: str, usage: dict[str, object], deadline: float) -> Call:
    return Call("POST", f"/v1/sessions/{_seg(session)}/usage", {}, usage, deadline)


def approval_call(approval_id: str, wait: float | None, deadline: float) -> Call:
    params = {"wait": _num(wait)} if wait else {}
    return Call("GET", f"/v1/approvals/{_seg(approval_id)}", params, None, deadline + (wait or 0))


def _num(value: float | None) -> str:
    return f"{float(value or 0):g}"


def check(resp: httpx.Response) -> JsonValue:
    """The decoded body of a 2xx answer, else the matching Goalrail error."""
    status = resp.status_code
    if status >= 500:
        raise errors.Unavailable(f"goalrail server answered {status}")
    body: JsonValue
    try:
        body = resp.json() if resp.content else None
    except ValueError:
        body = None
    if status < 300:
        return body
    fields = body if isinstance(body, dict) else {}
    code, message, listed = fields.get("code"), fields.get("message"), fields.get("errors")
    if message is None:
        message = fields.get("detail")
    detail = [d for d in listed if isinstance(d, dict)] if isinstance(listed, list) else None
    cls = errors.error_class(code if isinstance(code, str) else None) or _BY_STATUS.get(status) or errors.InvalidRequest
    raise cls(message if isinstance(message, str) and message else f"goalrail server answered {status}", detail)


def _object(body: JsonValue) -> JsonObject:
    """An answer that must be a JSON object; anything else breaks the API's contract, so fail closed."""
    if not isinstance(body, dict):
        raise errors.Unavailable(f"goalrail server answered {type(body).__name__}, not a JSON object")
    return body


class _Base:
    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        deadline: float = DEFAULT_DEADLINE_S,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = resolve_url(url)
        self.token = resolve_token(token)
        self.deadline = deadline
        self.headers = {"Accept": "application/json", **(headers or {})}
        if self.token:
            self.headers["Authorization"] = f"Bearer {self.token}"

    def _usage(self, model: str, input_tokens: int, output_tokens: int, extra: dict[str, object]) -> dict[str, object]:
        return {"model": model, "input_tokens": int(input_tokens), "output_tokens": int(output_tokens), **extra}


class GoalrailClient(_Base):
    """Blocking client (SDK decorator, CLI commands)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        deadline: float = DEFAULT_DEADLINE_S,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, deadline=deadline, headers=headers)
        self._http = httpx.Client(base_url=self.url, headers=self.headers, transport=transport)

    def send(self, call: Call) -> JsonValue:
        try:
            resp = self._http.request(
                call.method, call.path, params=call.params or None, json=call.body, timeout=call.timeout
            )
        except httpx.HTTPError as exc:
            raise errors.Unavailable(f"goalrail server at {self.url} is unreachable ({type(exc).__name__})") from exc
        return check(resp)

    def evaluate(self, session: str, event: Mapping[str, object], *, wait: float | None = None) -> JsonObject:
        return _object(self.send(evaluate_call(session, event, wait, self.deadline)))

    def record_usage(
        self, session: str, model: str, input_tokens: int = 0, output_tokens: int = 0, **extra: object
    ) -> JsonObject:
        return _object(
            self.send(usage_call(session, self._usage(model, input_tokens, output_tokens, extra), self.deadline))
        )

    def wait_approval(self, approval_id: str, wait: float | None = None) -> JsonObject:
        return _object(self.send(approval_call(approval_id, wait, self.deadline)))

    def get(self, path: str) -> JsonValue:
        return self.send(Call("GET", path, timeout=self.deadline))

    def post(self, path: str, body: object) -> JsonValue:
        return self.send(Call("POST", path, body=body, timeout=self.deadline))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GoalrailClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncGoalrailClient(_Base):
    """Non-blocking client (MCP proxy, chat server, LLM proxy)."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        deadline: float = DEFAULT_DEADLINE_S,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, token, deadline=deadline, headers=headers)
        self._http = httpx.AsyncClient(base_url=self.url, headers=self.headers, transport=transport)

    async def send(self, call: Call, *, token: str | None = None) -> JsonValue:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            resp = await self._http.request(
                call.method,
                call.path,
                params=call.params or None,
                json=call.body,
                timeout=call.timeout,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            raise errors.Unavailable(f"goalrail server at {self.url} is unreachable ({type(exc).__name__})") from exc
        return check(resp)

    async def evaluate(
        self, session: str, event: Mapping[str, object], *, wait: float | None = None, token: str | None = None
    ) -> JsonObject:
        return _object(await self.send(evaluate_call(session, event, wait, self.deadline), token=token))

    async def dry_run(self, session: str, event: Mapping[str, object], *, token: str | None = None) -> JsonObject:
        """What ``evaluate`` would answer, changing nothing (no state, approval or audit entry)."""
        return _object(await self.send(dry_run_call(session, event, self.deadline), token=token))

    async def record_usage(
        self,
        session: str,
        model: str,
        input_tokens: int = 0,
        output_tokens: int = 0,
        *,
        token: str | None = None,
        **extra: object,
    ) -> JsonObject:
        call = usage_call(session, self._usage(model, input_tokens, output_tokens, extra), self.deadline)
        return _object(await self.send(call, token=token))

    async def wait_approval(
        self, approval_id: str, wait: float | None = None, *, token: str | None = None
    ) -> JsonObject:
        return _object(await self.send(approval_call(approval_id, wait, self.deadline), token=token))

    async def registry(self) -> list[JsonObject]:
        body = await self.get("/v1/policy-registry")
        entries = body.get("data", body) if isinstance(body, dict) else body
        if not isinstance(entries, list):
            raise errors.Unavailable(f"goalrail server answered {type(entries).__name__}, not a list of policies")
        return [_object(entry) for entry in entries]

    async def session_policies(self, session: str) -> JsonObject:
        return _object(await self.get(f"/v1/sessions/{_seg(session)}/policies"))

    async def add_session_policy(self, session: str, body: Mapping[str, object]) -> JsonObject:
        return _object(await self.post(f"/v1/sessions/{_seg(session)}/policies", body))

    async def get(self, path: str, *, token: str | None = None) -> JsonValue:
        return await self.send(Call("GET", path, timeout=self.deadline), token=token)

    async def post(self, path: str, body: object, *, token: str | None = None) -> JsonValue:
        return await self.send(Call("POST", path, body=body, timeout=self.deadline), token=token)

    async def aclose(self) -> None:
        await self._http.aclose()
