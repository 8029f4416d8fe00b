"""The agent's answer as a chat client shows it: the images it fetches by itself (``information_flow``).

A markdown image (inline or by reference), an HTML ``src`` or a CSS ``url(…)``
in an answer is fetched when the answer is rendered, without a click: its link
is a destination.  The text of a model's answer (an ``llm_response``) is read in
the shapes the LLM proxy and harnesses post it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from goalrail.policies.arguments import leaf_strings
from goalrail.policies.provenance import extract_values

#: What a chat client fetches by itself when it shows an answer: markdown images (inline and by reference),
#: HTML ``src`` attributes and CSS ``url(…)``.
_FETCHED = re.compile(
    r"!\[[^\]]*\]\(\s*<?([^\s)>]+)|!\[[^\]]*\]\[([^\]]*)\]|\bsrc\s*=\s*[\"']?([^\"'\s>]+)|\burl\(\s*[\"']?([^\"')\s]+)",
    re.IGNORECASE,
)
_INERT_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp|avif)[;,]", re.IGNORECASE)


def answer_images(etype: str, data: object) -> Iterator[str]:
    """The links of the images an answer shows (``response`` data, or an ``llm_response``'s text), each once
    per place; not an inline picture (``data:image/png``) nor a link naming no host (the client's own origin)."""
    if etype == "llm_response":  # the model's answer as the LLM proxy (or a harness) posts it
        texts = list(_model_texts(data))
    else:
        texts = (
            [data] if isinstance(data, str) else [s.strip() for s in leaf_strings(data, skip_blank=True, max_depth=8)]
        )
    for text in texts:
        if "!" not in text and "src" not in text.lower() and "url(" not in text.lower():
            continue
        for link in _fetched(text):
            if not _INERT_IMAGE.match(link) and _names_host(link):
                yield link


def _model_texts(data: object) -> Iterator[str]:
    """The text of an ``llm_response``: ``text`` (the LLM proxy's), OpenAI's ``choices[].message.content``
    (a string or text parts) and Anthropic's ``content`` text blocks; never tool calls or usage."""
    if isinstance(data, str):
        yield data
        return
    if not isinstance(data, Mapping):
        return
    if isinstance(data.get("text"), str):
        yield data["text"]
    yield from _content_texts(data.get("content"))
    choices = data.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        message = choice.get("message") or choice.get("delta") if isinstance(choice, Mapping) else None
        if isinstance(message, Mapping):
            yield from _content_texts(message.get("content"))


def _content_texts(content: object) -> Iterator[str]:
    """A message's content: a string, or parts (``{"type": "text", "text": …}``, ``output_text``) or strings."""
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for part in content:
            if isinstance(part, str):
                yield part
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                yield part["text"]


_REFERENCE = re.compile(r"^\s*\[([^\]]+)\]:\s*<?([^\s>]+)", re.MULTILINE)


def _fetched(text: str) -> Iterator[str]:
    refs: dict[str, str] | None = None
    for m in _FETCHED.finditer(text):
        link = m.group(1) or m.group(3) or m.group(4)
        if m.group(2) is not None:  # `![x][ref]` with `[ref]: https://…` somewhere in the answer
            if refs is None:
                refs = {r[1].strip().lower(): r[2] for r in _REFERENCE.finditer(text)}
            link = refs.get(m.group(2).strip().lower())
        if link:
            yield link


def _names_host(link: str) -> bool:
    return any(kind in ("url", "domain") for kind, _ in extract_values(link, words=False))
