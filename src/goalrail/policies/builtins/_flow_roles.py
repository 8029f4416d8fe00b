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

A name is read by class, not only by the listed words: a person an action is done to (a word in
``-ee``: ``sendee``, ``addressee``, ``consignee``), a word of receiving, notifying or mentioning
(``receiver``, ``notify``, ``mentions``), people who get to see or act on something
(``reviewers``, ``watchers``, ``viewers``), an ``…_address`` of any kind (``shipping_address``,
``wallet_address``); a key or token qualified as one (``api_token``, ``ssh_key``, ``pin_code``,
``security_answer``), and a value that is an SSH or PGP public key, are credentials; a privacy flag
turned off (``private: false``, ``invite_only: false``) or link sharing turned on is an exposure.

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
        "counterparty",
        "counterparties",
        "people",
        "person",
        "persons",
        "audience",
        "notify",
        "mention",
        "mentions",
        "dm",
        "wallet",
        "bucket",
        # a number to call or text, by its whole name (an `invoice_number` is none)
        "number",
        "tonumber",
        "phonenumber",
        "mobilenumber",
        "contactnumber",
        "telnumber",
    ]
)
_CREDENTIAL = frozenset(
    ["password", "passwd", "pwd", "pw", "passphrase", "passcode", "pin", "secret", "credential", "credentials"]
)
#: A key, token, code or answer is a credential when a word before it says so (``api_token``, ``ssh_key``,
#: ``pin_code``, ``security_answer``, ``seed_phrase``); a bare ``key`` (``key: theme``) is none.
_SECRET_HEADS = frozenset(["key", "keys", "token", "tokens", "code", "codes", "answer", "phrase"])
_SECRET_QUALIFIERS = frozenset(
    [
        "api",
        "access",
        "auth",
        "bearer",
        "refresh",
        "ssh",
        "gpg",
        "pgp",
        "deploy",
        "signing",
        "private",
        "public",
        "pub",
        "authorized",
        "security",
        "recovery",
        "backup",
        "seed",
        "mnemonic",
        *_CREDENTIAL,
    ]
)
#: Words after a credential's that say something about it, not set it (``password_hint``, ``pin_length``).
_ABOUT = frozenset(["hint", "policy", "length", "strength", "expiry", "expires", "age", "rule", "rules", "required"])
#: A value that grants whoever holds its private half access, whatever the argument is called.
_PUBLIC_KEY = re.compile(
    r"\s*(?:(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+AAAA"
    r"|-----BEGIN (?:PGP |SSH2? |OPENSSH |RSA )?PUBLIC KEY)"
)
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
#: Flags that keep something closed (``private: false``, ``invite_only: false`` open it).
_PRIVACY_KEY = frozenset(
    [
        "private",
        "isprivate",
        "restricted",
        "isrestricted",
        "inviteonly",
        "membersonly",
        "requirelogin",
        "requireauth",
        "requiresignin",
        "loginrequired",
        "authrequired",
    ]
)
#: A name/value pair: the key that names the setting, and the key that holds its value.
_NAMING_KEYS = ("key", "name", "field", "setting", "property", "attribute", "option", "parameter", "param")
_VALUE_KEYS = frozenset(["value", "new_value", "newValue", "val"])
_OPEN_WORDS = ("public", "everyone", "anyone")
_OFF = frozenset(["false", "off", "no", "0", "disabled"])
#: Link sharing left closed (``link_sharing: restricted``).
_CLOSED = frozenset([*_OFF, "none", "restricted", "private"])
#: Agent nouns of receiving and of getting to see or act on something (``receiver``, ``reviewers``,
#: ``approver``, ``editors``), and a person an action is done to (``sendee``, ``addressee``, ``consignee``).
_PEOPLE = re.compile(
    r"(?:receiv|review|approv|view|edit|watch|follow|comment|read|sign|subscrib|credit)(?:er|or)s?"
    r"|[a-z]{3,}[^r]ees?"
)
#: Words in ``-ee`` that name no one an action is done to.
_NOT_PEOPLE = frozenset(["committee", "committees", "guarantee", "guarantees", "coffee", "toffee", "settee"])
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
    if joined in _PRIVACY_KEY:
        return "privacy"
    if "link" in tokens and ("share" in tokens or "sharing" in tokens or "shared" in tokens):
        return "link sharing"
    popped = False
    while len(tokens) > 1 and tokens[-1] in _GENERIC:
        popped = tokens.pop().startswith("address") or popped
    head = tokens[-1] if tokens else ""
    if _credential(tokens, head) or joined in _CREDENTIAL:
        return "credential"
    if head in _DESTINATION or joined in _DESTINATION or popped or _person(head):
        return "destination"  # (`shipping_address`, `wallet_address`: an address of any kind is one)
    return None


def _credential(tokens: list[str], head: str) -> bool:
    if head in _SECRET_HEADS:
        return len(tokens) > 1 and tokens[-2] in _SECRET_QUALIFIERS
    return head in _CREDENTIAL or (head not in _ABOUT and any(t in _CREDENTIAL for t in tokens[:-1]))


def _person(word: str) -> bool:
    return _PEOPLE.fullmatch(word) is not None and word not in _NOT_PEOPLE


def named(args: Mapping[str, object], covered: set[str]) -> Iterator[tuple[str, str, str]]:
    """(role, argument, value) for every undeclared argument that is a destination, a credential or an
    exposure by its name or value (``covered``: the declared top-level arguments)."""
    texts = [(k, v) for k, v in args.items() if k not in covered and isinstance(v, str) and v]
    # a piece of a destination split over two arguments (`host: wiki`, `suffix: .corp.example`) is judged joined
    pairs = [(j, k) for (j, a), (k, b) in itertools.pairwise(texts) if a[-1] in _JOINTS or b[0] in _JOINTS]
    parts = {name for pair in pairs for name in pair}
    setting = _setting(args)
    for key, value in args.items():
        if key not in covered and key not in parts:
            yield from _walk(key, setting if setting and key in _VALUE_KEYS else key, None, value, 0)


def _walk(top: str, key: str, role: str | None, value: object, depth: int) -> Iterator[tuple[str, str, str]]:
    role = role_of(key) or role
    if isinstance(value, str):
        text = value.strip()
        folded = text.translate(_FOLD).lower()
        if folded in _EXPOSURE or _opened(role, folded):
            yield "exposure", key, text
        elif _PUBLIC_KEY.match(text):
            yield "credential", key, text
        elif role in ("destination", "credential") and text and not _DATE.fullmatch(text) and _worded(text, role):
            yield role, key, text
    elif value is True and role == "exposure":
        yield "exposure", key, key
    elif isinstance(value, bool) and _opened(role, str(value).lower()):
        yield "exposure", key, str(value).lower()
    elif depth < _MAX_DEPTH and isinstance(value, Mapping):
        setting = _setting(value)
        for k, v in value.items():
            yield from _walk(top, setting if setting and k in _VALUE_KEYS else str(k), role, v, depth + 1)
    elif depth < _MAX_DEPTH and isinstance(value, list):
        for v in value:
            yield from _walk(top, key, role, v, depth + 1)


def _setting(mapping: Mapping[str, object]) -> str | None:
    """The name a name/value pair gives its value (``{key: recovery_phone, value: …}``,
    ``{field: payee_account, value: …}``): its value is read as if the argument had that name."""
    if len(mapping) <= 4 and any(k in _VALUE_KEYS for k in mapping):
        for k in _NAMING_KEYS:
            if isinstance(name := mapping.get(k), str) and 0 < len(name) <= 64:
                return name
    return None


def _opened(role: str | None, setting: str) -> bool:
    """A privacy flag turned off, or link sharing turned on."""
    if role == "privacy":
        return setting in _OFF
    return role == "link sharing" and setting not in _CLOSED


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
        elif not _asked_open(prov, key, value):
            problems.append(f"`{label(key)}` makes it public (`{value[:40]}`), which the user did not ask for")
    return list(dict.fromkeys(problems)), destinations


def _asked_open(prov: Provenance, key: str, value: str) -> bool:
    """The user (or trusted data) said the word: the value's own (`anyone with link`), ``public``, ``everyone``
    or ``anyone``, or for link sharing turned on, the argument's (`link sharing`)."""
    if prov.grounded_words(value.replace("_", " ").replace("-", " ")) or any(map(prov.grounded_words, _OPEN_WORDS)):
        return True
    return role_of(key.rsplit(".", 1)[-1]) == "link sharing" and prov.grounded_words(" ".join(_TOKENS.findall(key)))


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
