"""The CLI's HTTP client for a running server (sync httpx; imported only by client commands).

URL: ``--url``, else ``GOALRAIL_URL``, else http://127.0.0.1:6767.
Token: ``--token``, else ``GOALRAIL_TOKEN``, else ``~/.goalrail/token``, else the
server's console token file (``~/.goalrail/console-token``, readable only by the
server's OS user).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from goalrail import errors
from goalrail.defaults import DEFAULT_URL, goalrail_home
from goalrail.jsontypes import JsonObject, JsonValue

if TYPE_CHECKING:
    import httpx


def add_client_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--url", help=f"server URL (default $GOALRAIL_URL or {DEFAULT_URL})")
    p.add_argument("--token", help="API token (default $GOALRAIL_TOKEN, ~/.goalrail/token, or the console token)")
    p.add_argument("--json", action="store_true", help="print JSON")


def resolve_token(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get("GOALRAIL_TOKEN"):
        return os.environ["GOALRAIL_TOKEN"]
    for name in ("token", "console-token"):
        try:
            text = (Path(goalrail_home()) / name).read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if text:
            return text
    return None


class Client:
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 30.0) -> None:
        import httpx

        self.url = (url or os.environ.get("GOALRAIL_URL") or DEFAULT_URL).rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def request(
        self, method: str, path: str, *, json: object = None, params: Mapping[str, str] | None = None
    ) -> JsonValue:
        return self._answer(self._send(method, path, json=json, params=params))

    def text(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        content_type: str = "application/x-ndjson",
    ) -> str:
        """A request whose answer is text (a JSON Lines trace); errors as ``request``."""
        headers = {"Content-Type": content_type} if content is not None else None
        r = self._send(method, path, content=content, params=params, headers=headers)
        if r.status_code >= 400:
            self._answer(r)
        return str(r.text)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        import httpx

        try:
            return self._http.request(method, path, json=json, content=content, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise errors.Unavailable(f"cannot reach the goalrail server at {self.url}: {exc}") from None

    def _answer(self, r: httpx.Response) -> JsonValue:
        body: JsonValue
        try:
            body = r.json()
        except ValueError:
            body = None
        if r.status_code >= 400:
            if isinstance(body, dict) and "code" in body:
                exc_type = errors.error_class(str(body["code"])) or errors.GoalrailError
                listed = body.get("errors")
                details = [d for d in listed if isinstance(d, dict)] if isinstance(listed, list) else []
                err = exc_type(str(body.get("message")), details)
                err.code = str(body["code"])
                raise err
            raise errors.GoalrailError(f"server answered HTTP {r.status_code}")
        return body

    def _object(
        self, method: str, path: str, *, json: object = None, params: Mapping[str, str] | None = None
    ) -> JsonObject:
        """A request whose answer is a JSON object (every resource of the REST API is)."""
        body = self.request(method, path, json=json, params=params)
        if not isinstance(body, dict):
            raise errors.GoalrailError(f"server answered {type(body).__name__} to {method} {path}, not a JSON object")
        return body

    def get(self, path: str, **params: str | None) -> JsonObject:
        return self._object("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: object = None, **params: str | None) -> JsonObject:
        return self._object("POST", path, json=body, params={k: v for k, v in params.items() if v is not None})

    def patch(self, path: str, body: object) -> JsonObject:
        return self._object("PATCH", path, json=body)

    def delete(self, path: str) -> JsonObject:
        return self._object("DELETE", path)


def listed(answer: JsonObject) -> list[JsonObject]:
    """The items of a list answer (``{"object": "list", "data": [...]}``)."""
    data = answer.get("data")
    if not isinstance(data, list):
        raise errors.GoalrailError("server answered a list without its `data`")
    return objects(data)


def objects(value: JsonValue) -> list[JsonObject]:
    """The objects of a JSON list (none when ``value`` is not a list)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def client_from_args(args: argparse.Namespace) -> Client:
    return Client(getattr(args, "url", None), resolve_token(getattr(args, "token", None)))
