"""PII and secret detection: precompiled regexes plus validators.

``scan(text, types)`` returns ``{type: count}`` and never the matched text.
Text is first folded (``normalize``): NFKC, format characters (zero-width
spaces and joiners, soft hyphens, bidi controls) and combining marks removed,
every Unicode space read as a space, every dash as ``-``, middle dots as ``.``,
every decimal digit as its ASCII digit, Cyrillic and Greek look-alike letters as
Latin ones (``policies/secret_text.py``) — so look-alike spellings meet the
same patterns.  The secret types are also counted in the text read through its
disguises (shell quoting and line continuations joined, tokens wrapped at a
line's end, percent-encoding and base64 runs decoded).  Validators keep false positives down: credit cards must pass
Luhn and carry a known issuer prefix, SSNs follow the area/group/serial rules
(space-, dash- or dot-separated with the same separator twice, or nine bare
digits right after the words SSN / social security), IBANs pass the mod-97
check.  What is deliberately not detected is listed in docs/security.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

from goalrail.policies import secret_assembled, secret_text
from goalrail.policies.secret_patterns import (
    LINE_WRAP,
    RANDOM_PART,
    SECRET_PATTERNS,
    SPLIT_NEEDLES,
    SPLIT_PREFIXES,
    WRAP,
    may_hold_token,
)

PII_TYPES = ("ssn", "credit_card", "email", "phone", "iban")
SECRET_TYPES = tuple(SECRET_PATTERNS)
ALL_TYPES = PII_TYPES + SECRET_TYPES
GROUPS = {"pii": PII_TYPES, "secrets": SECRET_TYPES, "all": ALL_TYPES}

#: SSNs printed as examples (Woolworth's wallet card, the SSA's ad, the textbook sequence): never real
_SSN_SAMPLES = frozenset({"078051120", "219099999", "123456789"})

#: the folding every scanner reads through (``policies/secret_text.py``)
normalize = secret_text.fold


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|3(?:0[0-5]|[68])|6(?:011|5|4[4-9])|35)")


def _card(m: re.Match[str]) -> bool:
    digits = re.sub(r"[ .-]", "", m.group(0))
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and _luhn(digits)


def _ssn(m: re.Match[str]) -> bool:
    area, group, serial = m.group(1), m.group(3), m.group(4)
    if area == "000" or area == "666" or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_SAMPLES


def _iban(m: re.Match[str]) -> bool:
    raw = m.group(0).replace(" ", "").upper()
    if not 15 <= len(raw) <= 34:
        return False
    moved = raw[4:] + raw[:4]
    try:
        number = int("".join(str(int(c, 36)) for c in moved))
    except ValueError:
        return False
    return number % 97 == 1


def _phone(m: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    return 8 <= len(digits) <= 15


def _always(m: re.Match[str]) -> bool:
    return True


_Detector = tuple[re.Pattern[str], Callable[[re.Match[str]], bool], tuple[str, ...]]

#: type → (pattern, validator, needles: the text must contain one of them; empty = no needle)
_DETECTORS: dict[str, _Detector] = {
    "ssn": (re.compile(r"(?<![\d.-])(\d{3})([- .]| [-.] )(\d{2})\2(\d{4})(?![\d-]|\.\d)"), _ssn, ()),
    "credit_card": (
        re.compile(
            r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"
            r"|(?<![\d.])(?:\d{4}(?:\.\d{4}){3}(?:\.\d{1,3})?|\d{4}\.\d{6}\.\d{5})(?![\d]|\.\d)"
        ),
        _card,
        (),
    ),
    "phone": (
        re.compile(
            r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}"
            r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}|\d{3}([ .-])\d{3}\1\d{4})(?![\w-])"
        ),
        _phone,
        (),
    ),
    "email": (
        re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b"),
        _always,
        ("@",),
    ),
    "iban": (re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"), _iban, ()),
    # the secret types: their patterns are shared with what redacts them (policies/redact.py)
    **{t: (rx, _always, needles) for t, (rx, needles) in SECRET_PATTERNS.items()},
}

#: Cheap pre-scans.  The digit-based detectors only run inside runs of digits and
#: separators (one character of context either side keeps their boundary checks
#: honest); IBANs only when a country code followed by two digits appears.
_DIGIT_RUN = re.compile(r"[\d(+][\d ().+-]{7,}\d")
_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
_DIGIT_TYPES = ("ssn", "credit_card", "phone")
#: an SSN in prose: nine bare digits shortly after the words that name one
_SSN_PROSE = re.compile(
    r"(?i:\b(?:ssn|ssns|social[ -]security(?:[ -](?:number|no|#))?|soc\.?[ -]?sec\.?|ss[ -]?#|ss[ -]?no\.?))"
    r"[^\d\n]{0,24}?(?<![\d.-])(\d{3})()(\d{2})(\d{4})(?![\d-]|\.\d)"
)
_SSN_NEEDLES = ("ssn", "social", "soc", "ss#", "ss #", "ss no", "ssno")


_PROSE_REACH = 40
_NINE = re.compile(r"(?<!\d)\d{9}(?!\d)")


def _ssn_prose(text: str, run: re.Match[str], out: dict[str, int]) -> None:
    """Nine bare digits in ``run`` preceded (within a few words) by SSN / social security."""
    if not _NINE.search(run.group(0)):
        return
    start = max(0, run.start() - _PROSE_REACH)
    window = text[start : run.end() + 1]
    low = window.lower()
    if not any(n in low for n in _SSN_NEEDLES):
        return
    offset = run.start() - start
    n = sum(1 for m in _SSN_PROSE.finditer(window) if m.start(1) >= offset and _ssn(m))
    if n:
        out["ssn"] = out.get("ssn", 0) + n


def expand_types(types: Iterable[str] | None) -> tuple[str, ...]:
    """Type names with the group names (``pii``, ``secrets``, ``all``) expanded."""
    if types is None:
        return ALL_TYPES
    out: list[str] = []
    for t in types:
        for name in GROUPS.get(t, (t,)):
            if name not in _DETECTORS:
                raise ValueError(f"unknown PII type `{name}`")
            if name not in out:
                out.append(name)
    return tuple(out)


def _count(rx: re.Pattern[str], valid: Callable[[re.Match[str]], bool], text: str) -> int:
    return sum(1 for m in rx.finditer(text) if valid(m))


#: a type scanned over the whole text: (type, pattern, validator, needles)
_Whole = tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool], tuple[str, ...]]


class _Plan(NamedTuple):
    """What a scan for one list of types runs, worked out once per list."""

    digit_types: tuple[str, ...]
    ssn: bool
    #: the other types, in the order asked
    others: tuple[_Whole, ...]
    #: those of them without needles (in the same order): all a text holding no needle is scanned for
    bare: tuple[_Whole, ...]
    #: every needle of ``others``: when the text holds none, no type with needles can match
    needles: tuple[str, ...]
    #: the secret types of ``others``: also counted in the base64 runs of the text, decoded
    secrets: tuple[_Whole, ...]


@lru_cache(maxsize=64)
def _plan(wanted: tuple[str, ...]) -> _Plan:
    """The plan of a scan for ``wanted`` (``KeyError`` on a name that is no type)."""
    for t in wanted:
        if t not in _DETECTORS:
            raise KeyError(t)
    others = tuple((t, *_DETECTORS[t]) for t in wanted if t not in _DIGIT_TYPES)
    needles = tuple(dict.fromkeys(n for *_, ns in others for n in ns))
    bare = tuple(o for o in others if not o[3])
    secrets = tuple(o for o in others if o[0] in SECRET_PATTERNS)
    return _Plan(tuple(t for t in _DIGIT_TYPES if t in wanted), "ssn" in wanted, others, bare, needles, secrets)


def scan(text: str, types: Iterable[str] = ALL_TYPES, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Count each type's validated matches in ``text`` (adds to ``counts`` if given)."""
    out = {} if counts is None else counts
    if not text:
        return out
    text = normalize(text)
    wanted = tuple(types)
    plan = _plan(wanted)
    if plan.digit_types:
        for run in _DIGIT_RUN.finditer(text):
            if plan.ssn:
                _ssn_prose(text, run, out)
            span = text[max(0, run.start() - 1) : run.end() + 1]
            for t in plan.digit_types:
                rx, valid, _ = _DETECTORS[t]
                n = _count(rx, valid, span)
                if n:
                    out[t] = out.get(t, 0) + n
    # one pass over every needle at C speed (the same substring searches the types' own checks
    # make when the text holds none of them, the usual case)
    needled = any(map(text.__contains__, plan.needles))
    found: dict[str, int] = {}
    _count_others(text, plan.others if needled else plan.bare, found)
    if plan.secrets:
        _count_disguised(text, plan.secrets, found)
    for t, n in found.items():
        out[t] = out.get(t, 0) + n
    return out


def _count_disguised(text: str, secrets: tuple[_Whole, ...], found: dict[str, int]) -> None:
    """Secrets ``text`` spells once read through a disguise (``policies/secret_text.py``): a word
    split by shell quoting, a concatenation, a line break or spaces, percent-encoding or escapes,
    pieces assembled at run time (``policies/secret_assembled.py``) — each type counted as often
    as the text as written or a view holds it, whichever is more: joining can also run two tokens
    together — and each run of base64 or hexadecimal decoded, ROT13, reversed (added)."""
    views = [_unveiled(text)]
    if secret_assembled.may_be_assembled(text):
        views.append(_unveiled(secret_assembled.view(text)))
    for view in views:
        if view != text:
            seen: dict[str, int] = {}
            _count_others(view, secrets, seen)
            for t, n in seen.items():
                if n > found.get(t, 0):
                    found[t] = n
    runs = list(secret_text.runs(text))  # (every token is twenty characters or more: a run)
    if not runs:
        return
    for _, plain in (*secret_text.encoded_runs(text, runs), *secret_text.hex_runs(text)):
        _count_others(_unveiled(plain), secrets, found)
    reversing = secret_text.may_be_reversed(text)
    for start, end in runs:  # (ROT13, reversed: each run read so)
        run = text[start:end]
        if secret_text.may_be_mirrored(run):
            for mirror in (secret_text.rot13(run), run[::-1]) if reversing else (secret_text.rot13(run),):
                if may_hold_token(mirror):
                    _count_others(mirror, secrets, found)


def _unveiled(text: str) -> str:
    """``text`` percent- and escape-decoded, and when it holds a token's prefix (its quotes taken
    out, it holds every needle it holds and those only joining shows): joined where shell quoting,
    a concatenation or a line continuation splits a word, and its tokens wrapped at a line's end or
    spaced out read whole."""
    text = secret_text.unquoted(text)
    bare = secret_text.unsplit(text)
    if not may_hold_token(bare):
        return text
    if bare is not text and secret_text.may_be_split(text):
        text = secret_text.joined(text)
    return _rewrapped(text)


def _rewrapped(text: str) -> str:
    """``text`` with its tokens wrapped at a line's end or spaced out read whole: :data:`_WRAPPED`
    tried where a needle stands only (found by C-speed searches: a regex of the needles would try
    every position)."""
    spans: list[tuple[int, int]] = []
    for needle in _WRAP_NEEDLES if "\n" in text else SPLIT_NEEDLES:
        if needle not in text:
            continue
        at = text.find(needle)
        while at >= 0:
            m = _WRAPPED.match(text, at)
            if m is not None and not any(a < m.end() and m.start() < b for a, b in spans):
                spans.append(m.span())
            at = text.find(needle, m.end() if m is not None else _next_try(text, at, needle))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + _BREAK.sub("", text[start:end]) + text[end:]
    return text


def _next_try(text: str, at: int, needle: str) -> int:
    """Where to look for ``needle`` again after :data:`_WRAPPED` failed at ``at``: past the word
    the needle starts, but its last ``len(needle)`` characters.  A later start in that word reads
    a tail of what this one read (the word to its end, then the same wrap), so it fails as this one
    did, but one whose needle ends the word (it reads no part of it) or one this one's look-behind
    ruled out.  Trying each repetition of ``ghp_ghp_ghp_…`` read the word to its end from each:
    time quadratic in the word (100,000 characters: two minutes)."""
    if at and text[at - 1].isascii() and text[at - 1].isalnum():
        return at + 1  # the look-behind failed here, not what follows
    end = _WORD_END.search(text, at + len(needle))
    return max(at + 1, (len(text) if end is None else end.start()) - len(needle))


_WORD_END = re.compile(r"[^A-Za-z0-9_-]")

#: A token cut at the end of its line (a terminal's width, a ``\\`` continuation): its prefix,
#: eight characters or more after it, and the next line's first word when it holds a digit (as a
#: random token's part does; ``rm`` or ``echo`` do not); a token whose prefix names it
#: unmistakably (``ghp_``, ``npm_``: ``SPLIT_PREFIXES``) also spaced out, each next word that
#: looks random (``secret_patterns.WRAP``).
_WRAP_NEEDLES = tuple(n for t, (_, ns) in SECRET_PATTERNS.items() if t != "private_key" for n in ns)
_WRAPPED = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:"
    + "|".join(map(re.escape, _WRAP_NEEDLES))
    + rf")[A-Za-z0-9_-]{{8,}}{LINE_WRAP}++|(?:{'|'.join(SPLIT_PREFIXES)})(?:{RANDOM_PART}+)?{WRAP}++)"
)
_BREAK = re.compile(r"[ \t]*\\?\r?\n[ \t]*|[ \t]+")


def _count_others(text: str, others: tuple[_Whole, ...], out: dict[str, int]) -> None:
    for t, rx, valid, needles in others:
        if needles and not any(needle in text for needle in needles):
            continue
        if t == "iban" and not _IBAN_HINT.search(text):
            continue
        n = _count(rx, valid, text)
        if n:
            out[t] = out.get(t, 0) + n


def summary(counts: dict[str, int]) -> str:
    """``credit_card (1), email (2)`` — types and counts only."""
    return ", ".join(f"{t} ({n})" for t, n in sorted(counts.items()))
