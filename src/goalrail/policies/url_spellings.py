"""One URL, however it is spelled: the readings a client makes of a network target.

A rule on ``127.0.0.1`` or on ``facebook.com`` is written for one spelling of a host; a client
contacts the same host under many others.  :func:`url_spellings` gives the spellings the
rules are matched against besides the one the agent sent (``pattern_policy`` judges a call by
the strictest of them), and says when clients would not agree on where the URL goes.  It
reads nothing (no DNS, no I/O): it is lexical, as the WHATWG URL standard (browsers, Node's
``fetch``, so the harnesses' fetch tools), curl and Python's ``requests`` read a URL.

For the special schemes (``http``, ``https``, ``ws``, ``wss``, ``ftp``):

* the scheme and the host in lower case; a host's trailing dot dropped (``LOCALHOST.``);
  userinfo dropped (``https://a@facebook.com``), a default port too (``:443``);
* a host's percent-escapes decoded and its Unicode read as IDNA does (NFKC: fullwidth
  ``ｆacebook.com``, ideographic full stops) into ASCII;
* an IPv4 address in any ``inet_aton`` form (``0x7f000001``, ``2130706433``, ``0177.0.0.1``,
  ``127.1``, ``0``) as a dotted quad; an IPv6 address compressed (``[0:0:0:0:0:0:0:1]`` is
  ``[::1]``), and one that carries an IPv4 address (mapped ``::ffff:0:0/96``, compatible
  ``::/96``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) also as that address;
* the path with ``\\`` as ``/``, dot segments applied (``/x/../search``, ``/%2e%2e/``), and
  escapes of unreserved characters decoded in the path and query (``?%70hone=``).

Control characters and spaces around a URL are dropped (as WHATWG does).  A URL clients
would read differently is *unclear* (:attr:`UrlSpellings.unclear`): a backslash before its
path, a tab or newline in its scheme or authority (WHATWG drops them, others keep them),
slashes after the scheme other than ``//``, an ``@`` after a ``?`` or ``#`` with no ``/``
before it, an IPv4 part with a leading zero (octal to some, decimal to others), and one no
parser would take (an empty or malformed host, a port that is no number).  Its readings
include each client's.

Not understood: where a *name* points.  ``127.0.0.1.nip.io`` or any attacker's domain may
resolve to a loopback or metadata address; that is known only after DNS, at the client.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["UrlSpellings", "canonical_host", "url_spellings"]

#: the schemes WHATWG treats as special (an authority always, ``\\`` as ``/``), and their default ports
_DEFAULT_PORT = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
#: a URL in its canonical spelling already: the usual call makes no other reading
_PLAIN = re.compile(
    r"(?:https?|wss?)://(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*(?::(?!80(?![0-9])|443(?![0-9]))[1-9][0-9]{0,3})?"
    r"(?:/[!-\[\]-~]*)?"  # (printable ASCII but a backslash: a class sre tests by range)
)
#: a scheme (not a host) before ``:`` in a ``network_connect`` target: ``localhost:22`` is a host
_ANY_SCHEME = frozenset({"tcp", "udp", "ssh", "file", "data", "unix", "mailto", "git"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_STRIP = "".join(chr(c) for c in range(0x21))  # C0 controls and space, stripped at both ends by WHATWG
_TAB_NL = re.compile(r"[\t\n\r]")
#: a URL's scheme, slashes and authority (up to its end in any reader)
_HEAD = re.compile(r"[^/\\]*[/\\]*[^/\\?#]*")
_AUTH_END = re.compile(r"[/\\?#]")
_RFC_AUTH_END = re.compile(r"[/?#]")
#: code points WHATWG refuses in a domain (after decoding): the host cannot be told
_FORBIDDEN = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
_ASCII_HOST = re.compile(r"[a-z0-9._-]+")
_DEC = re.compile(r"[0-9]+")
_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_UNRESERVED_ESC = re.compile(r"%(?:[46][1-9A-Fa-f]|[57][0-9Aa]|3[0-9]|2[dDeE]|5[fF]|7[eE])")
_DOTS = {".": 1, "%2e": 1, "..": 2, ".%2e": 2, "%2e.": 2, "%2e%2e": 2}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPAT = ipaddress.IPv6Network("::/96")


@dataclass(frozen=True, slots=True)
class UrlSpellings:
    """``readings``: the URL as clients would contact it, where that differs from the text sent
    (each once); ``unclear``: clients would not agree on where it goes, or cannot tell."""

    readings: tuple[str, ...] = ()
    unclear: bool = False


_NONE = UrlSpellings()
_UNCLEAR = UrlSpellings(unclear=True)


def url_spellings(url: str, bare: bool = False) -> UrlSpellings:
    """The readings of a URL; with ``bare``, of a ``host[:port]`` without a scheme too (a
    ``network_connect``'s target).  Text that is neither (a search query) has none."""
    if _PLAIN.fullmatch(url) and "/." not in url and ("%" not in url or not _UNRESERVED_ESC.search(url)):
        return _NONE
    text = url.strip(_STRIP)
    unclear = False
    if _TAB_NL.search(text):  # dropped by WHATWG: unclear when in the scheme or the authority
        head = _HEAD.match(text)
        text, unclear = _TAB_NL.sub("", text), bool(head and _TAB_NL.search(head.group(0)))
    m = _SCHEME.match(text)
    if m is None or m.group(1).lower() not in _DEFAULT_PORT:
        if bare and (m is None or m.group(1).lower() not in _ANY_SCHEME) and not _AUTH_END.search(text):
            return _readings(url, "", text, "", unclear)  # a bare host[:port]
        return _NONE  # another scheme's URL, or no URL (a search query): not read
    scheme = m.group(1).lower()
    rest = text[m.end() :]
    slashes = len(rest) - len(rest.lstrip("/\\"))
    if rest[:slashes] != "//":
        unclear = True  # `https:/x`, `https:\\x`, `https:x`: WHATWG reads the host all the same
    rest = rest[slashes:]
    end = _AUTH_END.search(rest)
    authority, tail = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if tail[:1] in ("?", "#") and "@" in tail.split("/", 1)[0]:
        unclear = True  # `https://a.example#@b.example`: a naive reader takes b.example
    readings = _readings(url, scheme, authority, _path(tail), unclear)
    if "\\" in authority + tail.split("/", 1)[0] or slashes != 2:
        # RFC 3986 readers (urllib, requests) end the authority at `/`, `?`, `#` only
        rfc = text[m.end() :]
        rfc = rfc[2:] if rfc[:2] == "//" else rfc
        end = _RFC_AUTH_END.search(rfc)
        other = _readings(url, scheme, rfc[: end.start()] if end else rfc, _path(rfc[end.start() :] if end else ""))
        extra = tuple(r for r in other.readings if r not in readings.readings)
        return UrlSpellings(readings.readings + extra, True)
    return readings


def _readings(url: str, scheme: str, authority: str, tail: str, unclear: bool = False) -> UrlSpellings:
    """``scheme://host[:port]tail`` for each reading of ``authority``'s host (none: unclear)."""
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host, close, port = hostport[1:].partition("]")
        if not close or (port and port[:1] != ":"):
            return _UNCLEAR
        port = port[1:]
        hosts = _ipv6(host)
    else:
        host, _, port = hostport.partition(":")
        if ":" in port:
            return _UNCLEAR
        hosts = _hosts(host)
    if (port and (not _DEC.fullmatch(port) or int(port) > 65535)) or not hosts:
        return _UNCLEAR
    port = port.lstrip("0") or ("0" if port else "")
    if port == _DEFAULT_PORT.get(scheme):
        port = ""
    if any(h.startswith("!") for h in hosts):  # a part with a leading zero: octal to some, decimal to others
        unclear = True
        hosts = [h.lstrip("!") for h in hosts]
    prefix = f"{scheme}://" if scheme else ""
    suffix = f":{port}" if port else ""
    out = []
    for h in hosts:
        reading = f"{prefix}{h}{suffix}{tail}"
        if reading != url and reading not in out:
            out.append(reading)
    return UrlSpellings(tuple(out), unclear)


def canonical_host(host: str) -> str | None:
    """A host as a client contacts it (see the module doc): an IP address as a dotted quad or
    ``[v6]``, a name in lower-case ASCII; None when it cannot be told."""
    if host.startswith("["):
        return _ipv6(host[1:-1])[0] if host.endswith("]") and _ipv6(host[1:-1]) else None
    found = _hosts(host)
    return found[0].lstrip("!") if found else None


def _hosts(host: str) -> list[str]:
    """A domain or IPv4 host's readings (a leading ``!``: one read differently elsewhere)."""
    if "%" in host:
        try:
            host = unquote(host, errors="strict")
        except UnicodeDecodeError:
            return []
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return []
    host = host.lower()
    if host.endswith(".") and not host.endswith(".."):
        host = host[:-1]
    if not host or _FORBIDDEN.search(host):
        return []
    last = host.rpartition(".")[2]
    if _DEC.fullmatch(last) or _HEX.fullmatch(last):
        return _ipv4(host)
    return [host]


def _ipv4(host: str) -> list[str]:
    """The dotted quad ``inet_aton`` and WHATWG read (hex, octal, 1-4 parts); a leading-zero part
    also read in decimal (marked ``!``); nothing when it is no address."""
    parts = host.split(".")
    if len(parts) > 4:
        return []
    values: list[int] = []
    decimal: list[int] = []
    octal = False
    for part in parts:
        if _HEX.fullmatch(part):
            value = int(part[2:] or "0", 16)
            values.append(value)
            decimal.append(value)
        elif _DEC.fullmatch(part):
            if len(part) > 1 and part[0] == "0":
                octal = True
                if not set(part) <= set("01234567"):
                    return []
                values.append(int(part, 8))
            else:
                values.append(int(part))
            decimal.append(int(part))
        else:
            return []
    quad = _quad(values)
    if quad is None:
        return []
    if octal:
        alt = _quad(decimal)
        return ["!" + quad] + (["!" + alt] if alt and alt != quad else [])
    return [quad]


def _quad(values: list[int]) -> str | None:
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = sum(v << (8 * (3 - i)) for i, v in enumerate(head)) + last
    return str(ipaddress.IPv4Address(number))


def _ipv6(host: str) -> list[str]:
    """``[v6]`` compressed, and the IPv4 address it carries, if any."""
    if "%" in host:
        return []  # a zone id: WHATWG refuses it
    try:
        addr = ipaddress.IPv6Address(host)
    except ValueError:
        return []
    out = [f"[{addr.compressed}]"]
    v4 = addr.ipv4_mapped or addr.sixtofour
    if v4 is None and (addr in _NAT64 or (addr in _COMPAT and int(addr) > 1)):
        v4 = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if v4 is not None:
        out.append(str(v4))
    return out


def _path(tail: str) -> str:
    """The path, query and fragment as WHATWG sends them (``\\`` a slash, dot segments applied),
    escapes of unreserved characters decoded."""
    if not tail:
        return tail
    if "%" in tail:
        tail = _UNRESERVED_ESC.sub(lambda m: chr(int(m.group(0)[1:], 16)), tail)
    cut = min((i for i in (tail.find("?"), tail.find("#")) if i >= 0), default=len(tail))
    path, rest = tail[:cut].replace("\\", "/"), tail[cut:]
    if not path or "." not in path:
        return path + rest
    out: list[str] = []
    segments = path.split("/")[1:]
    for i, seg in enumerate(segments):
        dots = _DOTS.get(seg.lower())
        if dots == 2 and len(out) > 0:
            out.pop()
        if dots is not None:
            if i == len(segments) - 1:
                out.append("")
            continue
        out.append(seg)
    return "/" + "/".join(out) + rest
