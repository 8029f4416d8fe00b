"""``OpenAICompatClient``: chat completions against any OpenAI-compatible endpoint.

Configured from the server's ``llm: {base_url, model, api_key_env, timeout_s}``.
Every failure (connection, timeout, HTTP status, malformed body) raises
``LLMClientError`` with a short message that never contains the API key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class LLMClientError(RuntimeError):
    """The classifier LLM could not answer."""


class OpenAICompatClient:
    """``await client.complete(messages)`` → the first choice's text."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 10.0) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ValueError("llm base_url must be an http(s) URL")
        if not isinstance(model, str) or not model:
            raise ValueError("llm model must be a non-empty string")
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or timeout_s <= 0:
            raise ValueError("llm timeout_s must be a positive number")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = float(timeout_s)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._headers = headers

    @classmethod
    def from_config(
        cls, llm: Mapping[str, Any] | None, env: Mapping[str, str] | None = None
    ) -> OpenAICompatClient | None:
        """The client for the server config's ``llm:`` block, or None when it is absent.

        ``{base_url, model, api_key_env, timeout_s}`` (``api_key`` inline is accepted but
        ``api_key_env`` keeps secrets out of the file).  ``base_url`` defaults to OpenAI's.
        """
        if not llm:
            return None
        env = os.environ if env is None else env
        key = llm.get("api_key")
        key_env = llm.get("api_key_env")
        if key is None and key_env:
            key = env.get(str(key_env))
            if not key:
                raise ValueError(f"llm.api_key_env: environment variable `{key_env}` is not set")
        model = llm.get("model")
        if not isinstance(model, str) or not model:
            raise ValueError("llm model must be a non-empty string")
        return cls(
            str(llm.get("base_url") or DEFAULT_BASE_URL),
            model,
            api_key=key,
            timeout_s=llm.get("timeout_s", 10.0),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatClient(base_url={self.base_url!r}, model={self.model!r})"

    async def complete(
        self,
        messages: Sequence[Mapping[str, object]],
        *,
        max_tokens: int = 16,
        temperature: float = 0,
    ) -> str:
        body = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        url = f"{self.base_url}/chat/completions"
        try:
            # A client per call: classifications are cached per message, so calls are rare,
            # and a pooled client would be bound to one event loop.
            async with httpx.AsyncClient(timeout=self.timeout_s, headers=self._headers) as http:
                resp = await http.post(url, json=body)
        except httpx.TimeoutException:
            raise LLMClientError(f"llm request to {self.base_url} timed out after {self.timeout_s:g} s") from None
        except httpx.HTTPError as exc:
            raise LLMClientError(f"llm request to {self.base_url} failed: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise LLMClientError(f"llm endpoint {self.base_url} answered HTTP {resp.status_code}")
        try:
            payload = resp.json()
            content = payload["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMClientError(f"llm endpoint {self.base_url} returned a malformed completion") from None
        if not isinstance(content, str):
            raise LLMClientError(f"llm endpoint {self.base_url} returned no text")
        return content
