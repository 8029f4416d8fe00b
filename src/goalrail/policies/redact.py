"""Secrets out of what Goalrail shows and logs: :func:`redact`.

The secret detectors of ``safety.deny_pii_in_llm_request`` (``SECRET_PATTERNS``, shared with
``builtins/_pii.py``, which counts them) plus the spellings that carry a secret by position:
a password in a URL (``https://user:PASS@host``, ``redis://:PASS@host``), a bearer or basic
credential (``Authorization: Bearer …``), the value given to a key that names a secret
(``--password=…``, ``"api_key": "…"``, ``?token=…``, ``PGPASSWORD=…``,
``AWS_SECRET_ACCESS_KEY=…``) and the passwords of command lines and credentials files
(``mysql -pPASS``, ``curl -u user:PASS``, ``sshpass -p PASS``, ``.netrc``, ``.pgpass``:
``secret_forms.py``).  Secrets in disguise are read as the scanners read them
(``secret_text.py``): look-alike and zero-width characters folded, words split by shell
quoting or a line continuation joined, percent-encoding decoded, base64 runs decoded (a run
whose text holds a secret is redacted whole).

Only the secret itself is replaced, by a marker naming its kind — ``[redacted github_token
…abcd]``: the last four characters of a token of 20 or more, a hint to tell two keys apart that
leaves 128 bits and more unknown; none for a password, a key's value or a private key — so the
approver still sees the whole action around it (folded and joined when it hid a secret so).
Markers are never matched again (redacting twice changes nothing).  A text without secrets
costs one set lookup once seen (reasons are mostly a few fixed sentences), else a few substring
checks (the token patterns run only on a text holding one of their prefixes).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from goalrail.policies import secret_assembled, secret_forms, secret_patterns, secret_text
from goalrail.policies.secret_patterns import CUT_SHORT, SECRET_PATTERNS, may_hold_token

__all__ = ["SECRET_PATTERNS", "may_hold_token", "redact", "redact_optional", "redact_value"]

#: A private key redacted whole: its header (as spelled, mangled or not) or the first bytes of its
#: body, its body (base64, line breaks raw or escaped as in JSON text) and its footer when there is one.
_PEM_BLOCK = re.compile(
    rf"(?:{secret_patterns.PEM_HEADER}|(?<![A-Za-z0-9+/])(?:{secret_patterns.KEY_BODY}))"
    r"(?:[A-Za-z0-9+/=:,\s-]|\\[nrt])*?"
    rf"(?:{secret_patterns.PEM_FOOTER}|(?=[^A-Za-z0-9+/=:,\s\\-])|\\(?![nrt])|$)"
)
#: ``scheme://user:PASSWORD@host``: the password (group 1)
_URL_PASSWORD = re.compile(r"(?<=://)[^\s/?#@:\"'\\]{0,256}:(?!\[redacted)([^\s/?#@\"'\\]{1,256})@")
#: ``Authorization: Bearer TOKEN`` (or ``Basic``, ``Token``, ``Digest``, or no scheme and a value
#: holding a digit), ``Bearer TOKEN`` holding a digit (prose says "Bearer tokens"): the credential (group 1)
_SCHEME_CREDENTIAL = re.compile(
    r"(?i)(?:authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:(?:bearer|basic|token|digest)[ \t]+|(?=[A-Za-z._~+/-]*\d))"
    r"|\bbearer[ \t]+(?=[A-Za-z._~+/-]*\d))(?!\[redacted)([A-Za-z0-9._~+/-]{8,}=*)"
)
_SECRET_WORDS = (
    r"password|passwd|passphrase|secret|token|api[_-]?key|apikey|auth[_-]?key|private[_-]?key|credentials?"
    r"|authorization|(?<![a-z])pass(?![a-z])|(?<=[_;])pwd(?![a-z])"
    r"|account[_-]?key|shared[_-]?access[_-]?key|(?<![a-z])sig(?![a-z])|(?<![a-z])creds(?![a-z])"
)
_NOT_A_VALUE = r"(?!\[redacted|(?:bearer|basic)\s)"
#: a word naming a secret, then ``=`` or ``:``, then its value (quoted or bare: group 2, 3 or 4)
_KEYED = re.compile(
    # after ``:`` (prose says "token: invalid") only a quoted value or a bare one holding a digit
    rf"(?i)({_SECRET_WORDS})(?:[_-](?:access[_-])?key)?[\"']?[ \t]*"
    rf"(?:=|:(?=[ \t]*[\"']|[ \t]*[^\s\"'&,;<>(){{}}\[\]]*\d))[ \t]*"
    rf"(?:\"{_NOT_A_VALUE}((?:[^\"\\\n]|\\.){{1,1024}})\""
    rf"|'{_NOT_A_VALUE}([^'\n]{{1,1024}})'"
    rf"|{_NOT_A_VALUE}(?!(?:null|true|false|none|\d+)(?![^\s\"'&,;<>(){{}}\[\]]))([^\s\"'&,;<>(){{}}\[\]\x00]{{1,1024}}))"
)
#: ``--password VALUE``, ``--api-token VALUE``: a flag naming a secret and its value (group 2)
_FLAG = re.compile(rf"(?i)--[\w-]{{0,32}}?({_SECRET_WORDS})[ \t]+(?!-){_NOT_A_VALUE}([^\s\"'&;<>|]{{1,1024}})")
#: An environment variable (a ``.env`` line, ``env``/``printenv`` output, ``/proc/self/environ``)
#: named in capitals after a key or a salt (``ENCRYPTION_KEY=…``, ``STRIPE_KEY=…``) or ``PGPASS``:
#: its value (group ``v``), unless the name says public or is a database's key (``PUBLIC_KEY``,
#: ``STRIPE_PUBLISHABLE_KEY``, ``SORT_KEY``…) or the value is a path or a variable
_ENV_KEY = re.compile(
    r"(?<![A-Za-z0-9_])(?!(?:[A-Z0-9]+_)*(?:PUBLIC|PUBLISHABLE|PUB|SORT|PRIMARY|PARTITION|FOREIGN|CACHE|IDEMPOTENCY)_)"
    r"(?:[A-Z][A-Z0-9]*_)*(KEY|SALT|PGPASS)(?:_\d+)?=(?![\"']?(?:[/~$]|\[redacted))"
    r"('[^'\n]{1,1024}'|\"[^\"\n]{1,1024}\"|[^\s\"';|&<>()\x00]{1,1024})"
)
#: a mapping's key whose string value is a secret (``password``, ``GITHUB_TOKEN``, ``x-api-key``)
SECRET_KEY = re.compile(rf"(?i)(?:{_SECRET_WORDS})(?:[_-](?:access[_-])?key)?$")
#: the types :func:`redact` looks for, in order (a private key takes its whole block, below)
_TOKENS = tuple(
    (t, CUT_SHORT.get(t, rx), needles) for t, (rx, needles) in SECRET_PATTERNS.items() if t != "private_key"
)
_HINT_MIN = 20


def marker(kind: str, value: str = "") -> str:
    """``[redacted KIND …last4]`` (the hint only for a value of 20 characters or more)."""
    if len(value) >= _HINT_MIN:
        return f"[redacted {kind} …{value[-4:]}]"
    return f"[redacted {kind}]"


def _replaced(m: re.Match[str], index: int, shown: str) -> str:
    """The match with its group ``index`` replaced by ``shown``."""
    start, end = m.span(index)
    whole, base = m.group(0), m.start(0)
    return whole[: start - base] + shown + whole[end - base :]


def _credential(m: re.Match[str]) -> str:
    return _replaced(m, 1, marker("bearer_token", m.group(1)))


def _url_password(m: re.Match[str]) -> str:
    return _replaced(m, 1, marker("url_password"))


def _keyed(m: re.Match[str]) -> str:
    index = 2 if m.group(2) is not None else 3 if m.group(3) is not None else 4
    return _replaced(m, index, marker(m.group(1).lower()))


def _flag(m: re.Match[str]) -> str:
    return _replaced(m, 2, marker(m.group(1).lower()))


def _env_key(m: re.Match[str]) -> str:
    return _replaced(m, 2, marker(m.group(1).lower()))


def _token(kind: str) -> Callable[[re.Match[str]], str]:
    return lambda m: marker(kind, m.group(0))


_TOKEN_MARKS = {kind: _token(kind) for kind, _, _ in _TOKENS}


#: Texts seen without a secret (reasons are mostly a policy's few fixed sentences): one set lookup
#: each after the first.  Bounded; emptied when full.
_CLEAN: set[str] = set()
_CLEAN_MAX = 4096
_CLEAN_LEN = 512


def redact(text: str) -> str:
    """``text`` with every secret it spells replaced by its marker (``text`` itself when none)."""
    if text in _CLEAN:
        return text
    shown = _redacted(text)
    if shown == text:
        if len(text) <= _CLEAN_LEN:
            if len(_CLEAN) >= _CLEAN_MAX:
                _CLEAN.clear()
            _CLEAN.add(text)
        return text
    return shown


def _redacted(text: str) -> str:
    """``text`` redacted as the scanners read it (:mod:`secret_text`): folded, the pieces of a
    secret assembled at run time replaced (:mod:`secret_assembled`), and joined or decoded when
    that shows a secret the text as written does not; ``text`` itself when nothing is found (a
    disguised text is shown folded and joined only when it hides a secret)."""
    seen = secret_text.fold(text)
    out = seen
    # with its quotes taken out, the text holds every needle it holds, and those only joining shows
    bare = secret_text.unsplit(out)
    tokens = may_hold_token(bare)
    if secret_assembled.may_be_assembled(seen, tokens):
        for start, end in reversed(secret_assembled.pieces(seen)):
            out = out[:start] + marker("assembled_secret") + out[end:]
        if out is not seen:
            bare = secret_text.unsplit(out)
            tokens = may_hold_token(bare)
    split = tokens and bare is not out and secret_text.may_be_split(out)
    joined = secret_text.joined(out) if split else out
    out = _plain(out, tokens)
    if split:
        shown = _plain(joined)
        if _left(shown) < _left(out) - 4:  # joined, it shows less (``'ghp_'abc…``, ``"ghp_" + "abc…"``)
            out = shown
    whole = secret_text.unquoted(out)
    if whole is not out:
        shown = _plain(whole)
        if shown != whole:
            out = shown
    spans = list(secret_text.runs(out))  # (every token is twenty characters or more: a run)
    if spans:
        decoded = _encoded(out, spans)
        out = _mirrored(decoded, spans if decoded is out else list(secret_text.runs(decoded)))
    return text if out == seen else out


_MARKER = re.compile(r"\[redacted [^\]]{1,80}\]")


def _left(text: str) -> int:
    """How many characters of ``text`` are not a marker."""
    return len(_MARKER.sub("", text))


def _plain(text: str, tokens: bool | None = None) -> str:
    """``text`` with the secrets it spells as written redacted (``tokens``: whether it may hold one
    of the tokens' needles, when already known)."""
    if may_hold_token(text) if tokens is None else tokens:
        for kind, rx, needles in _TOKENS:
            if any(map(text.__contains__, needles)):
                text = rx.sub(_TOKEN_MARKS[kind], text)
    return _by_position(text)


def _encoded(text: str, runs: list[tuple[int, int]]) -> str:
    """``text`` with each run of base64 (or of gzip or zlib in base64) or of hexadecimal that
    decodes to a text holding a secret redacted whole."""
    decoded = [*secret_text.encoded_runs(text, runs), *secret_text.hex_runs(text)]
    spans = sorted({span for span, plain in decoded if _plain(secret_text.joined(plain)) != plain})
    for start, end in reversed(spans):
        text = text[:start] + marker("encoded_secret") + text[end:]
    return text


def _mirrored(text: str, runs: list[tuple[int, int]]) -> str:
    """``text`` with each token it spells in ROT13, or reversed when it reverses something
    (``| rev``, ``[::-1]``), redacted: each run of base64 characters read so (a view of the same
    length: a match's span is the token's)."""
    spans: list[tuple[int, int]] = []
    reversing = secret_text.may_be_reversed(text)
    for start, end in runs:
        run = text[start:end]
        if not secret_text.may_be_mirrored(run):
            continue
        spans += [(start + a, start + b) for a, b in _token_spans(secret_text.rot13(run))]
        if reversing:
            spans += [(end - b, end - a) for a, b in _token_spans(run[::-1])]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + marker("encoded_secret") + text[end:]
    return text


def _token_spans(view: str) -> list[tuple[int, int]]:
    if not may_hold_token(view):
        return []
    spans: list[tuple[int, int]] = []
    for _, rx, needles in _TOKENS:
        if any(map(view.__contains__, needles)):
            spans += [m.span() for m in rx.finditer(view) if not _overlaps(m.span(), spans)]
    return spans


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


def _by_position(text: str) -> str:
    """``text`` with its private keys, URL passwords, scheme credentials and keyed values redacted."""
    if secret_patterns.may_hold_key(text):
        text = _PEM_BLOCK.sub(marker("private_key"), text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(_url_password, text)
    if "earer" in text or "EARER" in text or "uthorization" in text or "UTHORIZATION" in text:
        text = _SCHEME_CREDENTIAL.sub(_credential, text)
    if secret_forms.may_hold(text):
        text = _by_command(text)
    if ":" in text and text.count(":") >= 4:
        text = secret_forms.PGPASS.sub(_form, text)
    if "=" in text or ":" in text or "--" in text:
        lower = text.lower()
        if (
            "pass" in lower
            or "secret" in lower
            or "token" in lower
            or "key" in lower
            or "credential" in lower
            or "authorization" in lower
            or "pwd" in lower
            or "sig" in lower
            or "creds" in lower
        ):
            if "--" in text:
                text = _FLAG.sub(_flag, text)
            text = _KEYED.sub(_keyed, text)
    if "=" in text and ("KEY" in text or "SALT" in text or "PGPASS" in text):
        text = _ENV_KEY.sub(_env_key, text)
    return text


def _by_command(text: str) -> str:
    """``text`` with the passwords of command lines and credentials files redacted
    (:mod:`secret_forms`; a program named in upper or mixed case read as it runs on a
    case-insensitive file system)."""
    lower = text.lower()
    for (needles, rx), (_, any_case) in zip(secret_forms.FORMS, secret_forms.FORMS_ANY_CASE, strict=True):
        for needle in needles:
            if needle in lower:
                text = (rx if needle in text else any_case).sub(_form, text)
                break
    return text


def _form(m: re.Match[str]) -> str:
    start, end = m.span("v")
    base = m.start(0)
    return m.group(0)[: start - base] + marker("password") + m.group(0)[end - base :]


#: keys seen, and whether each names a secret (bounded, emptied when full)
_KEYS: dict[str, bool] = {}


def _names_secret(key: str) -> bool:
    named = _KEYS.get(key)
    if named is None:
        if len(_KEYS) >= _CLEAN_MAX:
            _KEYS.clear()
        named = _KEYS[key] = SECRET_KEY.search(key) is not None
    return named


def redact_value(value: object) -> object:
    """A JSON-like value with :func:`redact` applied to every string in it, and the string
    given to a key naming a secret (:data:`SECRET_KEY`) replaced whole when :func:`redact`
    left it as it was (``{"password": "[redacted password]"}``).  Containers are copied only
    when something in them changed."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        out: dict[object, object] | None = None
        for k, v in value.items():
            new = redact_value(v)
            if new is v and isinstance(v, str) and v and isinstance(k, str) and _names_secret(k):
                new = marker(k[-64:].lower())
            if new is not v:
                if out is None:
                    out = dict(value)
                out[k] = new
        return value if out is None else out
    if isinstance(value, (list, tuple)):
        items = [redact_value(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def redact_optional(text: str | None) -> str | None:
    """:func:`redact` of a text that may be missing."""
    return None if text is None else redact(text)
