"""Destinations not spelled as links: what ``goalrail.policies.provenance_values`` also reads.

- scheme-less domains under any top-level domain (``evil.zip/login``, ``alfama.онлайн``,
  internationalised labels such as ``coгp.example``), punycode hosts read as the
  names they encode (``xn--mller-bau-q9a.example`` is ``müller-bau.example``);
- addresses spelled out: ``bob at evil dot example``, ``bob [at] evil [dot] example``,
  ``bob(at)evil(dot)example``;
- vanity phone numbers (``1-800-FLOWERS``, read as the digits a keypad dials);
- active links (``javascript:``, ``vbscript:``, a ``data:`` URL of a type a browser runs);
- text re-encoded: percent-encoding, HTML character references, base64 and hex runs
  are decoded and read again (:func:`decoded`).

Pure functions over text, applied alike when values are recorded and when they are
looked up, so the same spelling always gives the same value.
"""

from __future__ import annotations

import binascii
import html
import ipaddress
import re
from collections.abc import Iterator
from urllib.parse import unquote

from goalrail.policies.provenance_tlds import TLDS

_LISTED = """
com org net io dev app co uk de fr ch eu us info biz me ai example test local internal corp xyz top site
online shop store club live link click ru cn cc tv ly gg nl es pl se jp br au ca edu gov
"""
#: The top-level domains read before this module, in any case (``Evil.COM``); the others only in one case.
LISTED = frozenset(_LISTED.split())
_FILE_LIKE_TEXT = "zip mov md sh py rs so in ps pm ml mk am ac tf gd st ms mp ws"
#: Top-level domains that are also file extensions: ``notes.md`` is a file unless a path or ``www.`` follows.
_FILE_LIKE = frozenset(_FILE_LIKE_TEXT.split())

#: Not inside a name: after a dot only when the dot follows no name either (``$(id).evil.example``,
#: ``'.evil.example'``: the domain a shell substitution or a string concatenation completes).
_CANDIDATE = re.compile(
    r"(?<![@\w\-/])(?<![@\w.\-/\\]\.)(www\.)?((?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+([^\W\d_]{2,63}|xn--[a-z0-9\-]{1,59}))(?![\w\-])",
    re.IGNORECASE,
)
_IDENTIFIERS = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_DOMAIN_HINT = re.compile(r"[^\W_]\.[^\W\d_]{2}")
#: A scheme-less IPv4 host (``45.77.12.9:8080/up``): a destination, like a domain (a fifth number is no host).
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)"
)
#: A scheme-less IPv6 host: in brackets (``[2001:db8::66]:8080/up``), or bare with ``::``
#: (``nc 2001:db8::66 443``); kept only when it parses and has three groups or more (``x[::2]`` is a slice).
_IPV6 = re.compile(
    r"(?<![\w:\[])\[([0-9A-Fa-f:.]{4,45})(?:%[\w.]+)?\](?=[:/\s\"'<>,;)]|$)"
    r"|(?<![\w:.\[])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3})(?![\w:.\]])"
)
_BRACKET_AT = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_SPELLED_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_LABEL = r"[^\W_][\w\-]*"
#: ``local [at] domain.tld`` with any dots, ``local at domain dot tld`` with at least one spelled ``dot``
#: (``sign in again at corp.example`` and ``at home.Then`` are no addresses).
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+\-])([\w.+\-]+)(?:{_BRACKET_AT}((?:{_LABEL}(?:{_SPELLED_DOT}|\.))+[^\W\d_]{{2,63}})"
    rf"|\s+at\s+((?:{_LABEL}(?:{_SPELLED_DOT}|\.))*{_LABEL}{_SPELLED_DOT}[^\W\d_]{{2,63}}))(?![\w\-])",
    re.IGNORECASE,
)
#: A bracketed ``at`` or a spelled ``dot``: what every spelled address holds (``at`` alone is English).
_AT_HINT = re.compile(r"[\[({<]\s*at\s*[\])}>]|\sdot\s|[\[({<]\s*dot\s*[\])}>]", re.IGNORECASE)
_DOT_WORD = re.compile(_SPELLED_DOT, re.IGNORECASE)
#: ``1-800-FLOWERS``, ``+1 (800) GOT-JUNK``, ``888-FLY-DEALS``: letters in upper case, 7 to 10 keys after the area code.
_VANITY = re.compile(
    r"(?<![\w+])(\+?1[ \-.]?)?(\(\d{3}\) ?|\d{3}[\-.])"
    r"((?=[A-Z0-9\-.]*[A-Z]{3})[A-Z0-9]{2,}(?:[\-.][A-Z0-9]{2,}){0,2})(?![\w\-])"
)
_CAPS = re.compile(r"[A-Z]{3}")
_KEYPAD = str.maketrans(
    {
        ch: str(d)
        for d, keys in enumerate(("", "", "ABC", "DEF", "GHI", "JKL", "MNO", "PQRS", "TUV", "WXYZ"))
        for ch in keys
    }
)
#: ``javascript:`` and ``vbscript:`` links, and ``data:`` URLs (their media type decides whether they run).
_ACTIVE = re.compile(
    r"(?<![\w\-.])(?:(?:javascript|vbscript):[^\s<>\"'`]+|data:[\w.+\-]+/[\w.+\-]+[;,][^\s<>\"'`)]+)", re.IGNORECASE
)
_ACTIVE_HINT = re.compile(r"(?:script|data):", re.IGNORECASE)
_INERT_DATA = re.compile(
    r"data:(?:image/(?:png|gif|jpe?g|webp|bmp|avif|x-icon)|audio/|video/|text/(?:plain|csv)[;,])", re.I
)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")
#: Runs of base64 holding an upper-case letter (as base64 of text does: ``aHR0cHM6…``), or of hex digits.
_B64 = re.compile(
    r"(?<![\w+/=\-])(?:(?=[\w+/\-]*?[A-Z])[A-Za-z0-9+/\-_]{16,}={0,2}|(?:[0-9A-Fa-f]{2}){10,})(?![\w+/=\-])"
)
_RUN_HINT = re.compile(r"[\w+/\-]{16}")
_HEX = re.compile(r"(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){10,}(?![0-9A-Fa-f])")
_HINT = re.compile(r"[.@:/]")  # a decoded text that holds none of these holds no destination


def decode_host(host: str) -> str:
    """A host with its punycode labels (``xn--…``) read as the names they encode; unchanged if one does not decode."""
    if "xn--" not in host:
        return host
    labels = []
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode").casefold()
            except (UnicodeError, ValueError):
                return host
        labels.append(label)
    return ".".join(labels)


def bare_domains(text: str, spans: list[tuple[int, int]] | None = None) -> Iterator[tuple[tuple[int, int], str]]:
    """(span, host) of every scheme-less domain: any top-level domain in one case, the listed ones in any
    (only looked for when a label and a dot show outside ``spans``, the links and addresses found)."""
    hints = _DOMAIN_HINT.finditer(text)
    if not any(not any(a <= h.start() < b for a, b in spans or ()) for h in hints):
        return
    for m in _CANDIDATE.finditer(text):
        if _is_domain(m, text):
            yield m.span(2), m.group(2)


def is_bare_domain(value: str) -> bool:
    m = _CANDIDATE.fullmatch(value)
    return (m is not None and _is_domain(m, value)) or is_ipv4(value) or is_ipv6(value) is not None


def is_ipv4(value: str) -> bool:
    return _IPV4.fullmatch(value) is not None


def ip_hosts(text: str, spans: list[tuple[int, int]], digits: int) -> Iterator[str]:
    """Scheme-less IPv4 hosts (``digits``: how many ``text`` holds), then IPv6 hosts as a link's host is
    read (``[2001:db8::66]`` is ``2001:db8::66``), outside ``spans`` (each added to them: its digits are no
    phone number)."""
    found = list(_IPV4.finditer(text)) if digits >= 4 and "." in text else []
    found += _IPV6.finditer(text) if "::" in text or "[" in text else ()
    for m in found:
        host = m.group(0) if m.re is _IPV4 else is_ipv6(f"[{m.group(1)}]" if m.group(1) else m.group(2))
        if host and not any(a <= m.start() and m.end() <= b for a, b in spans):
            spans.append(m.span())
            yield host


def is_ipv6(value: str) -> str | None:
    """``value`` as a host (lower case, without brackets) if it is an IPv6 address of three groups or more,
    bare only with ``::`` (``2001:db8::66``, ``[2001:db8:4::9]``)."""
    bracketed = value[:1] == "[" and value[-1:] == "]"
    value = value[1:-1] if bracketed else value
    if not bracketed and "::" not in value:
        return None
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    return value.lower() if sum(1 for g in value.split(":") if g) >= 3 else None


def _is_domain(m: re.Match[str], text: str) -> bool:
    raw_tld, start, end = m.group(3), m.start(), m.end()
    if text[end : end + 1] == "(" and _IDENTIFIERS.fullmatch(m.group(0)):
        return False  # a call in code (``requests.post(url)``, ``logging.info(…)``), not a host
    if raw_tld.lower() in LISTED:
        return True
    if start and text[start - 1] == ".":
        return False  # after ``).`` or ``'.`` only the listed ones (``df[c].dt.date`` is an attribute)
    if decode_host(raw_tld.lower()) not in TLDS or not (raw_tld.islower() or raw_tld.isupper()):
        return False  # (``done.Now`` is a sentence)
    return raw_tld.lower() not in _FILE_LIKE or bool(m.group(1)) or text[m.end() : m.end() + 1] in ("/", ":")


def spelled_emails(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """(span, address) of addresses spelled out: ``bob at evil dot example``, ``bob [at] evil [dot] example``."""
    if not _AT_HINT.search(text):
        return
    for m in _SPELLED_EMAIL.finditer(text):
        domain = _DOT_WORD.sub(".", m.group(2) or m.group(3)).lower()
        if decode_host(domain.rsplit(".", 1)[1]) in TLDS:
            yield m.span(), f"{m.group(1).lower()}@{domain}"


def vanity_phones(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """(span, digits) of phone numbers spelled with letters, as the keypad dials them."""
    for m in _VANITY.finditer(text) if _CAPS.search(text) else ():
        keys = "".join(ch for ch in m.group(3) if ch.isalnum())
        if 7 <= len(keys) <= 10:
            country = "1" if m.group(1) else ""
            area = "".join(ch for ch in m.group(2) if ch.isdigit())
            yield m.span(), country + area + keys.translate(_KEYPAD)[:7]


def active_links(text: str) -> Iterator[tuple[tuple[int, int], str]]:
    """(span, link) of ``javascript:``/``vbscript:`` links and ``data:`` URLs a browser would run."""
    for m in _ACTIVE.finditer(text) if _ACTIVE_HINT.search(text) else ():
        link = m.group(0).rstrip(".,;")
        if not _INERT_DATA.match(link):
            yield m.span(), norm_active(link)


def norm_active(link: str) -> str:
    scheme, _, rest = link.partition(":")
    return f"{scheme.lower()}:{rest}"


def is_active(value: str) -> bool:
    m = _ACTIVE.fullmatch(value)
    return m is not None and not _INERT_DATA.match(value)


def decoded(text: str) -> list[str]:
    """Other readings of ``text`` that may hold a destination: percent-decoded, HTML references resolved,
    and each base64 or hex run decoded (only printable ASCII text is kept)."""
    out: list[str] = []
    if "%" in text and _PERCENT.search(text):
        out.append(unquote(text))
    if "&" in text and _ENTITY.search(text):
        out.append(html.unescape(text))
    for m in _B64.finditer(text) if len(text) >= 16 and _RUN_HINT.search(text) else ():
        run = m.group(0)
        if len(run) % 2 == 0 and _HEX.fullmatch(run):
            plain = _hex(run)
        elif run.islower() or len(run.rstrip("=")) % 4 == 1:
            continue  # (an identifier such as ``ref-read_file-00017``; no base64 is 4n+1 long)
        else:
            plain = _b64(run)
        if plain is not None:
            out.append(plain)
    return [t for t in out if _HINT.search(t)]


def _printable(raw: bytes, least: int = 8) -> str | None:
    if len(raw) < least or not raw.isascii():
        return None
    text = raw.decode("ascii")
    return text if text.isprintable() else None


def _hex(run: str) -> str | None:
    try:
        return _printable(bytes.fromhex(run))
    except ValueError:
        return None


def _b64(run: str) -> str | None:
    if "-" in run or "_" in run:
        run = run.replace("-", "+").replace("_", "/")
    run = run.rstrip("=")
    try:
        if not _printable(binascii.a2b_base64(run[:8], strict_mode=True), least=6):
            return None  # (the first six bytes tell most runs that are no text)
        return _printable(binascii.a2b_base64(run + "=" * (-len(run) % 4), strict_mode=True))
    except (binascii.Error, ValueError):
        return None
