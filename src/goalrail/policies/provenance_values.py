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
from urllib.parse import SplitResult, unquote, urlsplit

from goalrail.policies.provenance_disguises import (
    active_links,
    bare_domains,
    decode_host,
    decoded,
    ip_hosts,
    is_active,
    is_bare_domain,
    is_ipv4,
    spelled_emails,
    vanity_phones,
)
from goalrail.policies.provenance_memo import ReadTexts

MAX_PER_EVENT = 1000
MAX_TEXT = 120
_MAX_SCAN_CHARS = 200_000
_MAX_DEPTH = 20

#: Addresses, internationalised ones included (a look-alike domain must be found to be checked); the local
#: part is possessive: it holds no `@`, so backtracking into it could never match.
_EMAIL = re.compile(r"(?:\"[^\"\r\n]{1,64}\"|[\w.%+\-]++)@[^\W_][\w\-]*(?:\.[\w\-]+)*\.[^\W\d_]{2,}")
#: Links as a browser follows them: any scheme with ``//``, a web scheme with one slash or backslash
#: (``https:/evil.example``), and protocol-relative ``//evil.example/x`` (in an ``href``, a reference link;
#: also an IP literal: ``//2130706433/``, ``//0x7f000001/``, ``//[::1]/``).
_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.\-]*:[/\\]{2}|\b(?:https?|wss?|ftp):[/\\]|(?<![\w:/\\])//(?=[\w\-]+\.[\w\-]|(?:0x[0-9a-f]{4,}|\d{6,})\b|\[))"
    r"[^\s<>\"'`)\]}]+",
    re.IGNORECASE,
)
_NO_HOST = re.compile(r"[a-z][a-z0-9+.\-]*:[/\\]+", re.IGNORECASE)
#: What joins a scheme to a host built apart: ``'https://' + host``, ``"https://"$H``, ``'%s' % …``, ``.format``.
_JOINED = re.compile(r"[\"'`]?\s*(?:[+%$]|\.\s*(?:format|concat)\b)")
#: A web scheme followed by any run of slashes and backslashes reads as ``scheme://``.
_WEB_SCHEME = re.compile(r"^(https?|wss?|ftp):[/\\]*", re.IGNORECASE)
#: Full stops a browser reads as ``.`` in a host name that NFKC leaves alone.
_DOTS = str.maketrans({"\u3002": ".", "\uff61": "."})
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
#: Other spellings (lower case, ``-`` or ``.`` between groups) count as an IBAN only with a valid checksum.
_IBAN_LOOSE = re.compile(
    r"\b[A-Za-z]{2}\d{2}(?:[ \-.]?[A-Za-z0-9]{4}){2,7}(?:[ \-.]?[A-Za-z0-9]{1,3})?\b(?![\-.]?[A-Za-z0-9])"
)
_IBAN_SEPARATORS = str.maketrans("", "", " -.")
#: Groups apart by spaces, brackets, ``-``, ``.``, a middle dot or a dash (``/`` too after a ``+``).
_PHONE = re.compile(  # (a date, also with its time, is no phone number: `2026-06-12 14:00`)
    r"(?<![\w+])(?!\d{4}-\d\d-\d\d(?:[ T]\d\d?:\d\d)?(?![\d\-]))"
    r"(?:\+\d[\d ()\-./\u00b7\u2010-\u2015]{6,18}|\d[\d ()\-.\u00b7\u2010-\u2015]{6,18})\d(?!\w)"
)
_DIGIT = re.compile(r"\d")
#: Identifier-like tokens: at least 3 characters, holding a digit, `_` or `-`.
_ID = re.compile(r"(?<![\w\-.:/#])(?=[\w\-.:/#]*[\d_\-])[A-Za-z0-9][\w\-.:/#]*[A-Za-z0-9]")
_WORD = re.compile(r"[^\W_]{3,}", re.UNICODE)
_WORD_ASCII = re.compile(r"[a-z0-9]{3,}")  # ``_WORD`` over lower-cased ASCII text
#: Digit runs with single separators (``2,381.55``, ``4111-1111 …``): secrets are also compared as bare digits.
_NUMBER = re.compile(r"\d(?:[ ,.'\-]?\d)+")
MIN_NUMBER_DIGITS = 5


def nfkc(text: str) -> str:
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_DOTS)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def norm_email(v: str) -> str:
    v = v.strip().strip(".").lower()
    if "xn--" in v:
        local, _, host = v.rpartition("@")
        return f"{local}@{decode_host(host)}"
    return v


def norm_domain(v: str) -> str:
    v = decode_host(v.strip().strip(".").lower())
    return v[4:] if v.startswith("www.") else v


def _split(v: str) -> SplitResult:
    """``urlsplit`` as a browser reads the URL: a backslash is a slash (``https://evil.example\\@corp.example``
    opens evil.example, so does ``https:/evil.example``), and a percent-encoded host is decoded."""
    v = v.replace("\\", "/") if "\\" in v else v
    return urlsplit(_WEB_SCHEME.sub(r"\1://", v, 1) if v[:1] in "hHwWfF" else v)


def norm_url(v: str) -> str:
    v = v.strip().rstrip(".,;:!?")
    try:
        parts = _split(v)
    except ValueError:
        return v.lower()
    host = _host(parts)
    if host.startswith("www."):
        host = host[4:]
    port = f":{parts.port}" if _safe_port(parts) else ""
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    user = parts.netloc.rpartition("@")[0] + "@" if "@" in parts.netloc else ""  # userinfo is data sent along
    scheme = parts.scheme.lower() or "https"  # `//evil.example/x`, protocol-relative, opens over https
    return f"{scheme}://{user}{host}{port}{path}{query}"


def _host(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower()
    host = unquote(host).lower() if "%" in host else host
    return decode_host(host)


def _safe_port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def url_host(v: str) -> str | None:
    try:
        host = _host(_split(v.strip()))
    except ValueError:
        return None
    return norm_domain(host) if host else None


def norm_iban(v: str) -> str:
    return "".join(v.split()).upper()


def loose_iban(v: str) -> str | None:
    """An IBAN spelled in lower case or with ``-`` or ``.`` between groups, normalised, if its checksum holds."""
    iban = v.translate(_IBAN_SEPARATORS).upper()
    if not 15 <= len(iban) <= 34 or not iban.isalnum() or not iban.isascii():
        return None
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return iban if int(digits) % 97 == 1 else None


def norm_phone(v: str) -> str:
    digits = re.sub(r"\D", "", v)
    return ("+" if v.strip().startswith("+") else "") + digits


def numbers_of(text: str) -> set[str]:
    """Digit runs of at least ``MIN_NUMBER_DIGITS`` digits, separators dropped, whole and split at spaces:
    ``Card 4111-1111-1111-1111`` and ``X 448 1920`` read as ``4111111111111111`` and ``4481920``."""
    out: set[str] = set()
    for m in _NUMBER.finditer(text):
        run = m.group(0)
        for part in (run, *run.split(" ")) if " " in run else (run,):
            digits = "".join(ch for ch in part if ch.isdigit())
            if len(digits) >= MIN_NUMBER_DIGITS:
                out.add(digits)
    return out


def norm_text(v: str) -> str:
    return " ".join(nfkc(v).casefold().split())


def extract_values(text: str, *, words: bool, _depth: int = 0) -> list[tuple[str, str]]:
    """``(kind, normalised value)`` pairs found in a piece of text, in order; also the destinations
    its other spellings name (``provenance_disguises``).  A text read recently is answered from
    :data:`READ` (the same pairs: they depend on the text alone)."""
    if _depth == 0 and type(text) is str:
        return READ.values(text, words)
    return _extract(text, words, _depth)


def _extract(text: str, words: bool, _depth: int) -> list[tuple[str, str]]:
    text = nfkc(text[:_MAX_SCAN_CHARS])
    out: list[tuple[str, str]] = []
    add = out.append
    spans: list[tuple[int, int]] = []
    if "//" in text or ":/" in text or ":\\" in text:
        for m in _URL.finditer(text):
            if _NO_HOST.fullmatch(m.group(0)) and not _JOINED.match(text, m.end()):
                continue  # ``startswith('https://')``: a scheme, no destination (``'https://' + host`` is one)
            spans.append(m.span())
            add(("url", norm_url(m.group(0))))
            host = url_host(m.group(0))
            if host:
                add(("domain", host))
            if _depth < 2 and _NESTED.search(m.group(0)):  # a link inside a link (`?url=`): a destination too
                out += _nested(m.group(0), _depth)
    if ":" in text:
        for span, link in active_links(text):
            spans.append(span)
            add(("url", link))
    if "@" in text:
        for m in _EMAIL.finditer(text):
            spans.append(m.span())
            email = norm_email(m.group(0))
            add(("email", email))
            add(("domain", email.rsplit("@", 1)[1]))
    for span, email in spelled_emails(text) if len(text) >= 8 else ():
        if not _inside(span, spans):
            spans.append(span)
            add(("email", norm_email(email)))
            add(("domain", email.rsplit("@", 1)[1]))
    digits = _digits(text)
    out += [("domain", ip) for ip in ip_hosts(text, spans, digits)]
    if "." in text:
        for span, host in bare_domains(text, spans):
            if not _inside(span, spans):
                add(("domain", norm_domain(host)))
    if digits >= 2:
        for m in _IBAN.finditer(text):
            iban = norm_iban(m.group(0))
            if 15 <= len(iban) <= 34:
                spans.append(m.span())
                add(("iban", iban))
        for m in _IBAN_LOOSE.finditer(text) if digits >= 10 else ():  # (an IBAN holds 10 digits or more)
            if not _inside(m.span(), spans) and (loose := loose_iban(m.group(0))):
                spans.append(m.span())
                add(("iban", loose))
    if digits >= 7:
        for m in _PHONE.finditer(text):
            if _inside(m.span(), spans):
                continue
            phone = norm_phone(m.group(0))
            if 7 <= len(phone.lstrip("+")) <= 15:
                add(("phone", phone))
    if digits >= 3 and ("-" in text or "(" in text or "." in text):
        out += [("phone", phone) for _, phone in vanity_phones(text)]
    if digits or "_" in text or "-" in text:
        for m in _ID.finditer(text):
            if not spans or not _inside(m.span(), spans):
                add(("id", m.group(0).lower()))
    if words:
        if text.isascii():  # the same words, found and case-folded faster
            out += [("word", w) for w in _WORD_ASCII.findall(text.lower())]
        else:
            out += [("word", w.casefold()) for w in _WORD.findall(text)]
        if len(text) <= MAX_TEXT:
            flat = norm_text(text)
            if flat:
                add(("text", flat))
    if _depth < 2 and len(text) >= 16:
        for other in decoded(text):
            out += [kv for kv in _extract(other, False, _depth + 1) if kv[0] in _DESTINATIONS]
    return out


#: The values of texts read recently (``provenance_memo``): what :func:`extract_values` answers first.
READ = ReadTexts(lambda text, words: tuple(_extract(text, words, 0)))
_DESTINATIONS = frozenset({"url", "email", "domain", "iban", "phone"})
_NESTED = re.compile(r"//.*(?://|%2f|@|%40)|[?#].*(?:%3a|:/)", re.IGNORECASE)


def _nested(url: str, depth: int) -> list[tuple[str, str]]:
    """The links and addresses a link carries after its host (a redirect's ``?url=``), percent-decoded."""
    rest = url.split("//", 1)[1]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    inner = unquote(rest[cut:])
    return [kv for kv in _extract(inner, False, depth + 1) if kv[0] in ("url", "email")]


def _digits(text: str) -> int:
    """How many digits ``text`` holds (99 for a long text: then every digit pass runs)."""
    if len(text) >= 2000:
        return 99
    if text.isascii():
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, b"0123456789"))
    return len(_DIGIT.findall(text))


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


def _leaves(
    value: object, path: str = "", depth: int = 0, out: list[tuple[str, str]] | None = None
) -> list[tuple[str, str]]:
    """(field path, string) for every string leaf, in order; JSON held in strings is opened."""
    out = [] if out is None else out
    if depth > _MAX_DEPTH:
        return out
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[") and len(s) < _MAX_SCAN_CHARS:
            try:
                parsed = json.loads(s)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                return _leaves(parsed, path, depth + 1, out)
        out.append((path, value))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _leaves(v, f"{path}.{k}" if path else str(k), depth + 1, out)
    elif isinstance(value, (list, tuple)):
        item_path = f"{path}[*]" if path else "[*]"
        for item in value:
            _leaves(item, item_path, depth + 1, out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append((path, str(value)))
    return out


def collect(value: object, *, words: bool, numbers: bool = False, limit: int = MAX_PER_EVENT) -> dict[str, list[str]]:
    """Normalised value → ``[kind, first field path]`` for everything in ``value``; with ``numbers``
    (sensitive output) also its digit runs (:func:`numbers_of`, kind ``num``)."""
    out: dict[str, list[str]] = {}
    for path, text in _leaves(value):
        found = extract_values(text, words=words)
        if numbers:
            found += [("num", n) for n in sorted(numbers_of(text))]
        for kind, v in found:
            key = kind + ":" + v
            if key not in out:
                if len(out) >= limit:
                    return out
                out[key] = [kind, path]
    return out


def kinds_for(value: str) -> list[str]:
    """The keys a raw value is looked up under."""
    v = nfkc(value).strip()
    keys: list[str] = []
    digit = _DIGIT.search(v) is not None  # (an IBAN and a phone number hold digits)
    if "@" in v and (email := _address(v)):
        keys.append(f"email:{norm_email(email)}")
    elif ("//" in v or ":/" in v or ":\\" in v) and _URL.fullmatch(v):
        keys.append(f"url:{norm_url(v)}")
    elif digit and (_IBAN.fullmatch(v.upper()) or (len(norm_iban(v)) >= 15 and _IBAN.fullmatch(norm_iban(v)))):
        keys.append(f"iban:{norm_iban(v)}")
    elif digit and _IBAN_LOOSE.fullmatch(v) and (iban := loose_iban(v)):
        keys.append(f"iban:{iban}")
    elif digit and _PHONE.fullmatch(v) and 7 <= len(norm_phone(v).lstrip("+")) <= 15 and not is_ipv4(v):
        keys.append(f"phone:{norm_phone(v)}")
    elif digit and (vanity := _whole(vanity_phones(v), v)):
        keys.append(f"phone:{vanity}")
    elif " " in v and (spelled := _whole(spelled_emails(v), v)):
        keys.append(f"email:{norm_email(spelled)}")
    elif ":" in v and is_active(v):
        keys.append(f"url:{v.split(':', 1)[0].lower()}:{v.split(':', 1)[1]}")
    elif ("." in v or "::" in v or v[:1] == "[") and " " not in v and is_bare_domain(v):  # (or an IP host)
        keys.append(f"domain:{norm_domain(v.strip('[]'))}")
    low = v.lower()
    if " " not in low and len(low) >= 3 and _id_like(low, digit):
        keys.append(f"id:{low}")
    flat = norm_text(v)
    if flat:
        keys.append(f"text:{flat}")
        if " " not in flat:
            keys.append(f"word:{flat}")
    return keys


def _whole(found: Iterator[tuple[tuple[int, int], str]], v: str) -> str | None:
    """The value found if it spans all of ``v``."""
    span, value = next(found, ((0, 0), ""))
    return value if span == (0, len(v)) else None


#: An address with a display name: ``"Bob" <bob@x.example>``, ``Bob Smith <bob@x.example>``.
_NAMED = re.compile(r"(?:\"[^\"]*\"|[^<>@\"]*)\s*<([^<>\s]+)>")


def _address(v: str) -> str | None:
    """The address ``v`` is, also with a display name: ``"Bob" <bob@x.example>`` is looked up as bob@x.example."""
    if _EMAIL.fullmatch(v):
        return v
    named = _NAMED.fullmatch(v)
    return named[1] if named and _EMAIL.fullmatch(named[1]) else None


def _id_like(low: str, digit: bool) -> bool:
    if "_" in low or "-" in low or (digit and low.isascii()):
        return True
    return not low.isascii() and any(ch.isdigit() for ch in low)


def kind_of(value: str) -> str:
    """The kind a sink value is checked as: email, url, iban, phone, domain, id or text."""
    return kinds_for(value)[0].split(":", 1)[0] if value.strip() else "text"


def words_of(value: str) -> list[str]:
    """The words (3+ letters or digits) of ``value``, case-folded, as recorded."""
    return [w.casefold() for w in _WORD.findall(nfkc(value))]
