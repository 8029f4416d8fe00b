"""Provenance: where each value an agent has seen came from.

The runtime records values from the user's requests (trusted) and from tool
outputs (trusted, untrusted or sensitive, per the tool's metadata) and hands
every policy a :class:`Provenance` as ``context["provenance"]``.  A policy can
then ask whether an argument is *grounded* in what the user said or in trusted
data, rather than only which tool is called::

    prov = event["context"]["provenance"]
    prov.grounded("iban@example.com")   # -> ["user"] or [] (the trusted sources)
    prov.origin("x@evil.example")       # -> first source that produced it

What is recorded, normalised so that spelling variants compare equal:
e-mail addresses (lower case), URLs (scheme and host lower case, no fragment,
no trailing slash) and their domains (without ``www.``), IBANs (upper case, no
spaces), phone numbers (digits, ``+`` kept), identifiers (tokens holding a
digit, ``_`` or ``-``), and from trusted sources also words and whole short
strings.  JSON (and JSON held in strings) is walked field by field; the first
field path a value appeared under is kept for explanations.

The record lives in the session's state under the reserved namespace
``goalrail.provenance``, one entry per event that added values, so it is
persisted, serialized and exact like all other state.  It is bounded: at most
``MAX_PER_EVENT`` values per event and ``max_values`` per session (oldest
events evicted first).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from goalrail.policies.schema import StateUpdate

NS = "goalrail.provenance"
SEQ_KEY = "seq"
DEFAULT_MAX_VALUES = 5000
MAX_PER_EVENT = 1000
MAX_TEXT = 120
_MAX_SCAN_CHARS = 200_000
_MAX_DEPTH = 20
_USER = "user"

TRUSTED, UNTRUSTED, SENSITIVE = "trusted", "untrusted", "sensitive"
_STRUCTURED = ("email", "url", "domain", "iban", "phone", "id")

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`)\]}]+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![@\w.\-/])(?:www\.)?((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?:com|org|net|io|dev|app|co|uk|de|fr|ch|eu|us|info|biz|me|ai|example|test|local|internal|corp))\b",
    re.IGNORECASE,
)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d ()\-.]{6,18}\d(?!\w)")
_DIGIT = re.compile(r"\d")
#: Identifier-like tokens: at least 3 characters, holding a digit, `_` or `-`.
_ID = re.compile(r"(?<![\w\-.:/#])(?=[\w\-.:/#]*[\d_\-])[A-Za-z0-9][\w\-.:/#]*[A-Za-z0-9]")
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)


def _nfkc(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def norm_email(v: str) -> str:
    return v.strip().strip(".").lower()


def norm_domain(v: str) -> str:
    v = v.strip().strip(".").lower()
    return v[4:] if v.startswith("www.") else v


def norm_url(v: str) -> str:
    v = v.strip().rstrip(".,;:!?")
    try:
        parts = urlsplit(v)
    except ValueError:
        return v.lower()
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = f":{parts.port}" if _safe_port(parts) else ""
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{host}{port}{path}{query}"


def _safe_port(parts: Any) -> int | None:
    try:
        return parts.port  # type: ignore[no-any-return]
    except ValueError:
        return None


def url_host(v: str) -> str | None:
    try:
        host = urlsplit(v.strip()).hostname
    except ValueError:
        return None
    return norm_domain(host) if host else None


def norm_iban(v: str) -> str:
    return re.sub(r"\s+", "", v).upper()


def norm_phone(v: str) -> str:
    digits = re.sub(r"\D", "", v)
    return ("+" if v.strip().startswith("+") else "") + digits


def norm_text(v: str) -> str:
    return " ".join(_nfkc(v).casefold().split())


def extract_values(text: str, *, words: bool) -> Iterator[tuple[str, str]]:
    """``(kind, normalised value)`` pairs found in a piece of text."""
    text = _nfkc(text[:_MAX_SCAN_CHARS])
    spans: list[tuple[int, int]] = []
    if "://" in text:
        for m in _URL.finditer(text):
            spans.append(m.span())
            yield "url", norm_url(m.group(0))
            host = url_host(m.group(0))
            if host:
                yield "domain", host
    if "@" in text:
        for m in _EMAIL.finditer(text):
            spans.append(m.span())
            email = norm_email(m.group(0))
            yield "email", email
            yield "domain", email.rsplit("@", 1)[1]
    if "." in text:
        for m in _BARE_DOMAIN.finditer(text):
            if not _inside(m.span(), spans):
                yield "domain", norm_domain(m.group(0))
    digits = len(_DIGIT.findall(text)) if len(text) < 2000 else 99
    if digits >= 2:
        for m in _IBAN.finditer(text):
            iban = norm_iban(m.group(0))
            if 15 <= len(iban) <= 34:
                spans.append(m.span())
                yield "iban", iban
    if digits >= 7:
        for m in _PHONE.finditer(text):
            if _inside(m.span(), spans):
                continue
            phone = norm_phone(m.group(0))
            if 7 <= len(phone.lstrip("+")) <= 15:
                yield "phone", phone
    if digits or "_" in text or "-" in text:
        for m in _ID.finditer(text):
            if not spans or not _inside(m.span(), spans):
                yield "id", m.group(0).lower()
    if words:
        for w in _WORD.findall(text):
            yield "word", w.casefold()
        if len(text) <= MAX_TEXT:
            flat = norm_text(text)
            if flat:
                yield "text", flat


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


def _leaves(value: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(field path, string) for every string leaf; JSON held in strings is opened."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[") and len(s) < _MAX_SCAN_CHARS:
            try:
                parsed = json.loads(s)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                yield from _leaves(parsed, path, depth + 1)
                return
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item, f"{path}[*]" if path else "[*]", depth + 1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, str(value)


def collect(value: Any, *, words: bool, limit: int = MAX_PER_EVENT) -> dict[str, list[str]]:
    """Normalised value → ``[kind, first field path]`` for everything in ``value``."""
    out: dict[str, list[str]] = {}
    for path, text in _leaves(value):
        for kind, v in extract_values(text, words=words):
            key = f"{kind}:{v}"
            if key not in out:
                if len(out) >= limit:
                    return out
                out[key] = [kind, path]
    return out


@dataclass(slots=True)
class Source:
    name: str  # "user" or the tool's name
    trust: str
    seq: int
    path: str | None = None
    at: float | None = None


def _kinds_for(value: str) -> list[str]:
    """The keys a raw value is looked up under."""
    v = _nfkc(value).strip()
    keys: list[str] = []
    if _EMAIL.fullmatch(v):
        keys.append(f"email:{norm_email(v)}")
    elif _URL.fullmatch(v):
        keys.append(f"url:{norm_url(v)}")
    elif _IBAN.fullmatch(v.upper()) or (len(norm_iban(v)) >= 15 and _IBAN.fullmatch(norm_iban(v))):
        keys.append(f"iban:{norm_iban(v)}")
    elif _PHONE.fullmatch(v) and 7 <= len(norm_phone(v).lstrip("+")) <= 15:
        keys.append(f"phone:{norm_phone(v)}")
    elif "." in v and " " not in v and _BARE_DOMAIN.fullmatch(v):
        keys.append(f"domain:{norm_domain(v)}")
    low = v.lower()
    if " " not in low and len(low) >= 3 and any(ch.isdigit() or ch in "_-" for ch in low):
        keys.append(f"id:{low}")
    flat = norm_text(v)
    if flat:
        keys.append(f"text:{flat}")
        if " " not in flat:
            keys.append(f"word:{flat}")
    return keys


def kind_of(value: str) -> str:
    """The kind a sink value is checked as: email, url, iban, phone, domain, id or text."""
    return _kinds_for(value)[0].split(":", 1)[0] if value.strip() else "text"


@dataclass
class Provenance:
    """A read-only index over a session's recorded values."""

    index: dict[str, list[Source]] = field(default_factory=dict)
    tainted_by: Source | None = None
    sensitive_seen: bool = False
    keys: tuple[str, ...] = ()
    count: int = 0

    # -- building --------------------------------------------------------
    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None) -> Provenance:
        prov = cls()
        if state:
            prov._add_chunks(state, sorted(k for k in state if k != SEQ_KEY))
        return prov

    def advanced(self, state: Mapping[str, Any] | None) -> Provenance:
        """The index brought up to date with ``state`` (the session's committed record).

        Chunks are only ever appended (newest sequence number last) or evicted
        oldest first, so the chunk count and the newest key identify the set: an
        unchanged record costs O(1), new chunks cost what they add, and only an
        eviction rebuilds.  A view is meant for one evaluation; advancing may
        extend the index an older view shares.
        """
        state = state or {}
        n = len(state) - (SEQ_KEY in state)
        seq = state.get(SEQ_KEY)
        if n == len(self.keys) and (not n or (isinstance(seq, int) and self.keys[-1] == chunk_key(seq))):
            return self
        keys = sorted(k for k in state if k != SEQ_KEY)
        if self.keys and keys[: len(self.keys)] == list(self.keys):
            prov = Provenance(self.index, self.tainted_by, self.sensitive_seen, self.keys, self.count)
            prov._add_chunks(state, keys[len(self.keys) :])
            return prov
        return Provenance.from_state(state)

    def _add_chunks(self, state: Mapping[str, Any], keys: list[str]) -> None:
        for key in keys:
            chunk = state.get(key)
            if not isinstance(chunk, Mapping):
                continue
            trust = str(chunk.get("trust") or UNTRUSTED)
            name = str(chunk.get("src") or "?")
            seq = int(chunk.get("seq") or 0)
            at = chunk.get("at")
            values = chunk.get("v") or {}
            if trust == UNTRUSTED and self.tainted_by is None:
                self.tainted_by = Source(name, trust, seq, None, at)
            if trust == SENSITIVE:
                self.sensitive_seen = True
            for value_key, (_kind, path) in values.items():
                self.index.setdefault(value_key, []).append(Source(name, trust, seq, path, at))
            self.count += len(values)
        self.keys = (*self.keys, *keys)

    # -- questions policies ask -------------------------------------------
    @property
    def tainted(self) -> bool:
        """Has untrusted content been seen in this session?"""
        return self.tainted_by is not None

    def sources(self, value: str) -> list[Source]:
        out: list[Source] = []
        for key in _kinds_for(value):
            out.extend(self.index.get(key, ()))
        return out

    def grounded(self, value: str) -> list[str]:
        """The trusted sources (``user`` or a tool name) ``value`` appears in; empty if none."""
        names = [s.name for s in self.sources(value) if s.trust in (TRUSTED, SENSITIVE)]
        return list(dict.fromkeys(names))

    def grounded_words(self, value: str) -> bool:
        """Every word of a free-text value appears in trusted sources (for names like `Alice Smith`)."""
        words = [w.casefold() for w in _WORD.findall(_nfkc(value))]
        if not words:
            return False
        return all(any(s.trust != UNTRUSTED for s in self.index.get(f"word:{w}", ())) for w in words)

    def origin(self, value: str) -> Source | None:
        """The first source (by event order) that produced ``value``."""
        found = self.sources(value)
        return min(found, key=lambda s: s.seq) if found else None

    def sensitive_sources(self, value: str) -> list[Source]:
        return [s for s in self.sources(value) if s.trust == SENSITIVE]

    def values(self, limit: int = 500) -> list[dict[str, Any]]:
        """What the session remembers, for display: value, kind and sources."""
        out = []
        for key, srcs in list(self.index.items())[:limit]:
            kind, _, v = key.partition(":")
            if kind == "word":
                continue
            out.append(
                {
                    "kind": kind,
                    "value": "(sensitive)" if any(s.trust == SENSITIVE for s in srcs) else v,
                    "sources": [{"name": s.name, "trust": s.trust, "path": s.path, "seq": s.seq} for s in srcs],
                }
            )
        return out

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and bool(self.sources(value))


EMPTY = Provenance()


def chunk_key(seq: int) -> str:
    return f"e{seq:09d}"


def record(
    state: Mapping[str, Any] | None,
    payload: Any,
    *,
    source: str,
    trust: str,
    at: float,
    max_values: int = DEFAULT_MAX_VALUES,
) -> list[StateUpdate]:
    """State updates (``scope: policy`` in :data:`NS`) that remember the values in ``payload``.

    Untrusted output records only structured values (addresses, links, IBANs,
    phone numbers, identifiers); trusted output and the user's requests also
    record words and short strings, so names and channels can be grounded.
    """
    values = collect(payload, words=trust != UNTRUSTED, limit=min(MAX_PER_EVENT, max_values))
    if not values and trust == TRUSTED:
        return []  # untrusted or sensitive output is remembered even without values: it taints
    state = state or {}
    seq = int(state.get(SEQ_KEY) or 0) + 1
    key = chunk_key(seq)
    updates: list[StateUpdate] = [
        {"key": SEQ_KEY, "action": "set", "value": seq, "scope": "policy"},
        {
            "key": key,
            "action": "set",
            "value": {"src": source, "trust": trust, "seq": seq, "at": at, "v": values},
            "scope": "policy",
        },
    ]
    chunks = sorted(k for k in state if k != SEQ_KEY)
    total = len(values) + sum(len((state.get(k) or {}).get("v") or {}) for k in chunks)
    for old in chunks:
        if total <= max_values:
            break
        total -= len((state.get(old) or {}).get("v") or {})
        updates.append({"key": old, "action": "delete", "scope": "policy"})
    return updates
