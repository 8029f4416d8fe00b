"""``information_flow``'s reasons, and what an argument nobody declared is by its name.

A write tool's metadata may not declare every argument that chooses where data goes:
``wire_transfer(to_account=…)``, ``add_calendar_event_participants(participants=…)``,
``dm_user(user_id=…)``, ``send_text(number=…)``.  An undeclared argument is read by its
name (its own key, or a key it sits under):

- a **destination** (``recipient``, ``to``, ``cc``, ``email``, ``participants``, ``user``,
  ``channel``, ``account``, ``iban``, ``payee``, ``phone``, ``webhook``, ``share_with``, …):
  its whole value must be grounded, as a declared sink's is (a name word by word), whatever
  its spelling (a Slack id, a sort code, an account number in a national format);
- a **credential** (``password``, ``passcode``, ``pin``, ``secret``, …): a value only untrusted
  text gave takes the account over; it is judged like a destination, and never shown;
- an **exposure** (``visibility: public``, ``access: anyone_with_link``, ``public: true``): making
  something public sends it to everyone; the word must come from the user or trusted data.

Dates, times and values without a word of three letters or digits (``me``) are not destinations.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache

from goalrail.policies.provenance import Provenance, extract_values, kind_of, kinds_for, numbers_of
from goalrail.policies.provenance_values import words_of

_NOUNS = {"email": "recipient", "url": "link", "iban": "IBAN", "phone": "phone number", "domain": "domain"}
_MAX_DEPTH = 4

#: Words of an argument's name that make it choose where data goes.
_DESTINATION = frozenset(
    [
        "recipient",
        "recipients",
        "to",
        "cc",
        "bcc",
        "email",
        "emails",
        "mail",
        "address",
        "addresses",
        "addr",
        "forward",
        "forwarding",
        "forwardto",
        "participant",
        "participants",
        "invitee",
        "invitees",
        "attendee",
        "attendees",
        "guest",
        "guests",
        "member",
        "members",
        "user",
        "users",
        "userid",
        "username",
        "usernames",
        "sharewith",
        "sharedwith",
        "grantee",
        "grantees",
        "collaborator",
        "collaborators",
        "channel",
        "channels",
        "chat",
        "chatid",
        "conversation",
        "iban",
        "account",
        "accountnumber",
        "acct",
        "payee",
        "beneficiary",
        "sortcode",
        "routing",
        "bic",
        "swift",
        "phone",
        "mobile",
        "msisdn",
        "sms",
        "whatsapp",
        "fax",
        "webhook",
        "endpoint",
        "url",
        "uri",
        "host",
        "server",
        "destination",
        "dest",
        "target",
        "contact",
        "contacts",
        "owner",
        "assignee",
        "delegate",
        # a number to call or text, by its whole name (an `invoice_number` is none)
        "number",
        "tonumber",
        "phonenumber",
        "mobilenumber",
        "contactnumber",
        "telnumber",
    ]
)
_CREDENTIAL = frozenset(["password", "passwd", "passphrase", "passcode", "pin", "secret", "credential", "credentials"])
#: Values that open something to everyone (after case-folding and dropping ``-``, ``_`` and spaces).
_EXPOSURE = frozenset(
    [
        "public",
        "publicread",
        "publicreadwrite",
        "anyone",
        "anyonewithlink",
        "anyonewiththelink",
        "anyonewithlinkcanview",
        "everyone",
        "world",
        "worldreadable",
        "unlisted",
        "allusers",
        "anonymous",
    ]
)
#: Words after a name's head that say how it is given, not what it is (``user_id``, ``account_number``).
_GENERIC = frozenset(
    ["id", "ids", "name", "names", "handle", "handles", "list", "number", "numbers", "address", "addresses", "value"]
)
_EXPOSURE_KEY = frozenset(["public", "ispublic", "makepublic", "publicly", "sharepublicly", "anyone", "anyonecanview"])
_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|\d{1,2}:\d{2}")
_JOINTS = frozenset(".@:/")
_FOLD = str.maketrans("", "", "-_ .")


@lru_cache(maxsize=1024)
def role_of(key: str) -> str | None:
    """``destination``, ``credential``, ``exposure`` (a flag such as ``public``) or None, by an argument's name:
    its head word (the last, or the one before a generic ``id``, ``name``, ``number``, …), or all of it joined
    (``share_with``, ``to_number``): ``user_id`` and ``channel_id`` choose a destination, ``user_note`` and
    ``target_language`` do not."""
    tokens = [t.lower() for t in _TOKENS.findall(key) if not t.isdigit()]
    joined = "".join(tokens)
    if joined in _EXPOSURE_KEY:
        return "exposure"
    while len(tokens) > 1 and tokens[-1] in _GENERIC:
        tokens.pop()
    head = tokens[-1] if tokens else ""
    if head in _CREDENTIAL or joined in _CREDENTIAL:
        return "credential"
    if head in _DESTINATION or joined in _DESTINATION:
        return "destination"
    return None


def named(args: Mapping[str, object], covered: set[str]) -> Iterator[tuple[str, str, str]]:
    """(role, argument, value) for every undeclared argument that is a destination, a credential or an
    exposure by its name or value (``covered``: the declared top-level arguments)."""
    texts = [(k, v) for k, v in args.items() if k not in covered and isinstance(v, str) and v]
    # a piece of a destination split over two arguments (`host: wiki`, `suffix: .corp.example`) is judged joined
    pairs = [(j, k) for (j, a), (k, b) in itertools.pairwise(texts) if a[-1] in _JOINTS or b[0] in _JOINTS]
    parts = {name for pair in pairs for name in pair}
    for key, value in args.items():
        if key not in covered and key not in parts:
            yield from _walk(key, key, None, value, 0)


def _walk(top: str, key: str, role: str | None, value: object, depth: int) -> Iterator[tuple[str, str, str]]:
    role = role_of(key) or role
    if isinstance(value, str):
        text = value.strip()
        if text.translate(_FOLD).lower() in _EXPOSURE:
            yield "exposure", key, text
        elif role in ("destination", "credential") and text and not _DATE.fullmatch(text) and _worded(text, role):
            yield role, key, text
    elif value is True and role == "exposure":
        yield "exposure", key, key
    elif depth < _MAX_DEPTH and isinstance(value, Mapping):
        for k, v in value.items():
            yield from _walk(top, str(k), role, v, depth + 1)
    elif depth < _MAX_DEPTH and isinstance(value, list):
        for v in value:
            yield from _walk(top, key, role, v, depth + 1)


def _worded(text: str, role: str) -> bool:
    return role == "credential" or kind_of(text) != "text" or bool(words_of(text))


def named_problems(
    prov: Provenance, bad: Callable[[Provenance, str], str | None], args: Mapping[str, object], covered: set[str]
) -> tuple[list[str], list[str]]:
    """Reasons for the ungrounded destinations, credentials and exposures undeclared arguments name, and
    the destinations they name (for secrecy)."""
    problems: list[str] = []
    destinations: list[str] = []
    for role, key, value in named(args, covered):
        if role == "destination":
            destinations.append(value)
            if (b := bad(prov, value)) is not None:
                problems.append(explain(prov, key, b))
        elif role == "credential":
            if bad(prov, value) is not None:
                problems.append(f"`{label(key)}` sets a credential to a value not given by the user or trusted data")
        elif not prov.grounded_words(value.replace("_", " ").replace("-", " ")):
            problems.append(f"`{label(key)}` makes it public (`{value[:40]}`), which the user did not ask for")
    return list(dict.fromkeys(problems)), destinations


def label(path: str) -> str:
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return leaf or path


def explain(prov: Provenance, path: str, value: str, *, inside: bool = False) -> str:
    noun = _NOUNS.get(kind_of(value), "value")
    where = f"in `{label(path)}`" if inside else f"(argument `{label(path)}`)"
    if prov.sensitive_sources(value) or (prov.sensitive_seen and sensitive_in(prov, value)):
        return f"{noun} {where} is not grounded in the user's request or trusted data"
    shown = _shown(value) if noun == "link" else value
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    origin = prov.origin(value)
    if origin is not None:
        return f"{noun} `{shown}` {where} first appeared in {origin.trust} output of `{origin.name}`"
    return f"{noun} `{shown}` {where} does not appear in the user's request or trusted data"


def _shown(url: str) -> str:
    """A link as a reason shows it: without its query, where data rides along."""
    head, sep, _ = url.partition("?")
    return head + "?…" if sep else head


def sensitive_in(prov: Provenance, text: str) -> list[str]:
    """The sensitive tools whose output ``text`` carries (digit runs, addresses, identifiers)."""
    names: list[str] = []
    keys = [f"num:{n}" for n in numbers_of(text)]
    keys += [key for kind, value in extract_values(text, words=False) if kind != "domain" for key in kinds_for(value)]
    for key in keys:
        for src in prov.index.get(key, ()):
            if src.trust == "sensitive" and src.name not in names:
                names.append(src.name)
    return names
