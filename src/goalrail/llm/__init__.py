"""A tiny OpenAI-compatible client that policies receive as ``event["llm_client"]``.

May import ``goalrail.errors`` only (plus httpx).
"""

from goalrail.llm.client import LLMClientError, OpenAICompatClient

__all__ = ["LLMClientError", "OpenAICompatClient"]
