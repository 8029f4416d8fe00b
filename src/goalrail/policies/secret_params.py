"""The values of a policy's parameters that are secrets, kept out of what the policy says.

An admin may give a custom policy a credential as a parameter (a webhook's token, an API
key for a classifier, a password for a lookup service).  A policy's reason, warning or
error is shown to the user and the agent it governs (answers, approvals, the session's
recent decisions, the audit) and logged; a policy that quotes its parameters there would
hand the credential to the lowest level.  So every string a policy was given under a key
naming a secret (``SECRET_KEY``: ``token``, ``api_key``, ``password``, ``webhook_secret``…),
and every string the redactor would redact anyway, is replaced wherever the policy's text
quotes it whole, by ``[redacted parameter …]`` — before the redactor reads the text (which
would otherwise leave a secret of no known form as it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from goalrail.policies.redact import SECRET_KEY, marker, redact

__all__ = ["MIN_CHARS", "hide", "secret_values"]

#: shorter values are not hidden: they would take every occurrence of a common word or number
MIN_CHARS = 4


def secret_values(params: Mapping[str, object] | None) -> tuple[str, ...]:
    """The parameters' secret values, the longest first (a value inside another is then
    replaced as part of it)."""
    found: set[str] = set()

    def walk(value: object, secret: bool) -> None:
        if isinstance(value, str):
            if len(value) >= MIN_CHARS and (secret or redact(value) != value):
                found.add(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if secret and len(str(value)) >= MIN_CHARS:
                found.add(str(value))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, secret or (isinstance(k, str) and SECRET_KEY.search(k) is not None))
        elif isinstance(value, Sequence):
            for v in value:
                walk(v, secret)

    walk(params or {}, False)
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


def hide(text: str, values: tuple[str, ...]) -> str:
    """``text`` with each of ``values`` it quotes replaced by a marker."""
    for value in values:
        if value in text:
            text = text.replace(value, marker("parameter", value))
    return text
