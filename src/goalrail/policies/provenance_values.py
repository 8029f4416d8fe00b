"""Finding and normalising the values provenance records: addresses, links, IBANs,
phone numbers, identifiers, and (from trusted sources) words and short strings.

Spelling variants must compare equal, so every value is normalised the same way
when it is recorded (:func:`collect`, from a payload) and when it is looked up
(:func:`kinds_for`, from a policy's argument).  Pure functions over text: the
record itself is ``goalrail.policies.provenance``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from urllib.parse import SplitResult, urlsplit

MAX_PER_EVENT = 1000
MAX_TEXT = 120
_MAX_SCAN_CHARS = 200_000
_MAX_DEPTH = 20

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


def nfkc(text: str) -> str:
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


def _safe_port(parts: SplitResult) -> int | None:
    try:
        return parts.port
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
    return " ".join(nfkc(v).casefold().split())


def extract_values(text: str, *, words: bool) -> Iterator[tuple[str, str]]:
    """``(kind, normalised value)`` pairs found in a piece of text."""
    text = nfkc(text[:_MAX_SCAN_CHARS])
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


def _leaves(value: object, path: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
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


def collect(value: object, *, words: bool, limit: int = MAX_PER_EVENT) -> dict[str, list[str]]:
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


def kinds_for(value: str) -> list[str]:
    """The keys a raw value is looked up under."""
    v = nfkc(value).strip()
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
    return kinds_for(value)[0].split(":", 1)[0] if value.strip() else "text"


def words_of(value: str) -> list[str]:
    """The words (3+ letters or digits) of ``value``, case-folded, as recorded."""
    return [w.casefold() for w in _WORD.findall(nfkc(value))]
