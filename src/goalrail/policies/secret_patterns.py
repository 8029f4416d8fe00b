"""The secret formats: a pattern per kind of token, shared by the PII scan (which counts) and the
redactor (which replaces), and the screen that tells whether a text may hold one.

Each kind has its pattern and its needles: a text holding none of a kind's needles cannot match
its pattern (the scan and the redactor check the needles first, at C speed).  Tokens whose
prefix names them (``ghp_``, ``glpat-``, ``npm_``, ``xoxb-``, ``sk_live_``…) are also found cut
short (:data:`CUT_SHORT`, from eight characters after the prefix on): a message quoting the
first characters of a value still has them redacted.

A private key is found by its PEM header however it is spelled (``-----BEGIN RSA PRIVATE
KEY-----``, four dashes or none, lower case, doubled spaces) and without any header by the
first bytes every key of its format starts with, in base64 (PKCS#1 and PKCS#8 RSA, EC,
Ed25519, encrypted PKCS#8, OpenSSH, PuTTY): a public key or a certificate starts otherwise.
"""

from __future__ import annotations

import re

#: the first bytes of a private key's DER or OpenSSH body, in base64 (no header needed)
KEY_BODY = (
    r"MII[A-Za-z0-9+/]{3}IBAAKC[A-Za-z0-9+/]"  # PKCS#1 RSA: version 0, then the modulus
    r"|MII[A-Za-z0-9+/]{3}IBADANBgkqhkiG9w0BAQEFAAS"  # PKCS#8 RSA
    r"|MI[A-Za-z0-9+/]{2,4}AgEAMBMGByqGSM49AgEG"  # PKCS#8 EC
    r"|MC4CAQAwBQYDK2Vw"  # PKCS#8 Ed25519
    r"|MHcCAQEEI[A-Za-z0-9+/]|MIGkAgEBBDA"  # SEC1 EC (P-256, P-384)
    r"|MII[A-Za-z0-9+/]{2}[A-Za-z0-9+/]{0,4}BgkqhkiG9w0BBQ0w"  # encrypted PKCS#8 (PBES2)
    r"|b3BlbnNzaC1rZXktdjE"  # openssh-key-v1
    r"|PuTTY-User-Key-File-\d"
)
KEY_BODY_NEEDLES = (
    "IBAAKC",
    "IBADANBgkqhkiG9w0BAQEFAAS",
    "AgEAMBMGByqGSM49",
    "MC4CAQAwBQYDK2Vw",
    "MHcCAQEEI",
    "MIGkAgEBBDA",
    "BgkqhkiG9w0BBQ0w",
    "b3BlbnNzaC1rZXktdjE",
    "PuTTY-User-Key-File-",
)
#: a PEM private key's header as spelled, mangled or not (dashes optional when a line break follows)
PEM_HEADER = (
    r"(?i:(?:-{2,}[ \t]*|(?<![\w-]))BEGIN[ \t_]+(?:[A-Z0-9]+[ \t_]+){0,3}PRIVATE[ \t_]+KEY(?:[ \t_]+BLOCK)?"
    r"(?:[ \t]*-{2,}|[ \t]*(?=\r?\n|\\n)))"
)
PEM_FOOTER = r"(?i:-{0,}[ \t]*END[ \t_]+(?:[A-Z0-9]+[ \t_]+){0,3}PRIVATE[ \t_]+KEY(?:[ \t_]+BLOCK)?(?:[ \t]*-{2,})?)"

#: A key's body holds a digit and a capital within its first 256 characters.  Every look-ahead here
#: reads 256 characters at most: a text repeating a prefix (``sk-sk-sk-…``, ``npm_npm_…``) starts
#: a match at each repetition, and a look-ahead that read to the end of the run from each of them
#: cost time quadratic in the run (100,000 characters took minutes; what a lower level asks of
#: the decision path may not cost it CPU without bound).
_DIGIT_AND_CAPITAL = r"(?=[\w-]{0,256}\d)(?=[\w-]{0,256}[A-Z])"

#: secret type → (pattern, needles: the text holds one of them when the pattern can match)
SECRET_PATTERNS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "aws_access_key": (
        re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
        ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
    ),
    "github_token": (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})\b"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    # a random body holds a digit and a capital (``sk-learn-utils-for-everyone`` holds neither)
    "openai_key": (
        re.compile(rf"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?{_DIGIT_AND_CAPITAL}[A-Za-z0-9_-]{{20,}}"),
        ("sk-",),
    ),
    "anthropic_key": (re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), ("sk-ant-",)),
    "slack_token": (
        re.compile(
            r"\b(?:xox[abposre]-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})"
            r"|hooks\.slack\.com/(?:services|workflows)/T[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{16,}"
        ),
        ("xox", "xapp-", "hooks.slack.com/"),
    ),
    "private_key": (
        re.compile(rf"{PEM_HEADER}(?:\s|\\[nr])*(?:{KEY_BODY})?|(?<![A-Za-z0-9+/])(?:{KEY_BODY})"),
        ("BEGIN", "begin", "Begin", *KEY_BODY_NEEDLES),
    ),
    # a header, a payload (a JSON object, spaced or not) and a signature (empty: ``alg: none``)
    "jwt": (
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.e[wy][A-Za-z0-9_-]{8,}\.(?:[A-Za-z0-9_-]{8,}|(?![A-Za-z0-9_-]))"),
        ("eyJ",),
    ),
    "google_api_key": (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), ("AIza",)),
    "stripe_key": (
        re.compile(r"\b(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[0-9A-Za-z+/]{24,})\b"),
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"),
    ),
    "gitlab_token": (
        re.compile(r"\bgl(?:pat|dt|ptt|rt|oas)-[A-Za-z0-9][A-Za-z0-9_-]{19,}"),
        ("glpat-", "gldt-", "glptt-", "glrt-", "gloas-"),
    ),
    "npm_token": (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), ("npm_",)),
    "pypi_token": (re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"), ("pypi-AgE",)),
    "sendgrid_key": (re.compile(r"\bSG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"), ("SG.",)),
    "twilio_key": (re.compile(r"\bSK[0-9a-f]{32}\b"), ("SK",)),
    "huggingface_token": (re.compile(r"\bhf_[A-Za-z0-9]{34,40}\b"), ("hf_",)),
}

#: What splits a token a terminal wrapped (a line's end, a ``\\`` continuation) or a writer spaced
#: out, before a next part that looks random: a whole word of four characters or more holding a
#: letter and a digit or a capital after a small letter (``rm``, ``echo``, ``Hello`` or ``1111``
#: do not)
RANDOM_PART = r"(?=[0-9_-]*[A-Za-z])(?=[A-Za-z_-]*\d|[A-Z_-]*[a-z][A-Za-z_-]*[A-Z])[A-Za-z0-9_-]"
#: The same, each look-ahead reading 256 characters at most (the parts it starts are no longer),
#: for the patterns tried at each repetition of a prefix (``npm_npm_…``: see ``_DIGIT_AND_CAPITAL``)
RANDOM = RANDOM_PART.replace("*", "{0,256}")
WRAP = rf"(?:(?:[ \t]*\\?\r?\n[ \t]*|[ \t]+){RANDOM}{{4,256}}+(?![^\s\"'`;|&)\]}}]))"
#: a wrap at a line's end only (what a token whose prefix could start a word, ``sk-``, goes on
#: over): the next line's first word holding a digit
LINE_WRAP = r"(?:[ \t]*\\?\r?\n[ \t]*(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{4,256}+)"
_B = r"(?<![A-Za-z0-9])"
#: kind → (prefix, body, whether the prefix may stand before a split alone or with a part that
#: looks random (:data:`RANDOM`): it names a token unmistakably, ``ghp_`` or ``npm_``, where
#: ``sk-`` or ``AKIA`` could start a word)
_PREFIXED = {
    "aws_access_key": (r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)", r"[A-Z0-9]{8,16}", False),
    "github_token": (r"(?:gh[pousr]_|github_pat_)", r"[A-Za-z0-9_]{8,255}", True),
    "openai_key": (r"sk-(?!ant-)(?:proj-|svcacct-|admin-)?", rf"{_DIGIT_AND_CAPITAL}[A-Za-z0-9_-]{{20,}}", False),
    "anthropic_key": (r"sk-ant-", r"[A-Za-z0-9_-]{8,}", False),
    "slack_token": (r"(?:xox[abposre]-|xapp-\d-)", r"[A-Za-z0-9-]{8,}", True),
    "google_api_key": (r"AIza", r"[0-9A-Za-z_-]{8,35}", False),
    "stripe_key": (r"(?:(?:sk|rk)_(?:live|test)_|whsec_)", r"[0-9A-Za-z+/]{8,}", True),
    "gitlab_token": (r"gl(?:pat|dt|ptt|rt|oas)-", r"(?=[\w-]{0,256}\d)[A-Za-z0-9][A-Za-z0-9_-]{7,}", True),
    "npm_token": (r"npm_", r"(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{8,36}", True),
    "huggingface_token": (r"hf_", r"(?=[a-z]*[A-Z0-9])[A-Za-z0-9]{8,40}", True),
    "pypi_token": (r"pypi-AgE", r"[A-Za-z0-9_-]{8,}", True),
}
#: Tokens whose prefix names them are redacted from 8 characters after the prefix on, not only at
#: their full length, with the parts a wrap or spaces split off (``SECRET_PATTERNS`` stays exact:
#: it counts secrets for a verdict; the scan joins the parts first).
CUT_SHORT = {
    **{
        kind: re.compile(
            rf"{_B}{prefix}(?:{body}{WRAP if alone else LINE_WRAP}*+"
            + (rf"|(?:{RANDOM}{{1,7}}+)?{WRAP}++" if alone else "")
            + ")"
        )
        for kind, (prefix, body, alone) in _PREFIXED.items()
    },
    "jwt": SECRET_PATTERNS["jwt"][0],
}
CUT_SHORT["slack_token"] = re.compile(
    CUT_SHORT["slack_token"].pattern + "|" + SECRET_PATTERNS["slack_token"][0].pattern
)
#: the prefixes of the kinds whose prefix alone may stand before a split (for the scan's joining)
SPLIT_PREFIXES = tuple(prefix for prefix, _, alone in _PREFIXED.values() if alone)
#: the needles of those kinds
SPLIT_NEEDLES = tuple(n for kind, (_, _, alone) in _PREFIXED.items() if alone for n in SECRET_PATTERNS[kind][1])


def may_hold_token(text: str) -> bool:
    """Whether ``text`` holds one of the needles of every secret type's but a private key's
    (exactly; the PII scan asks it too).  Substring checks spelled out (each a C-speed scan;
    ``any(map(…))`` over a tuple costs three times more, a regex of the prefixes more again per
    character), grouped under a character or two each needle holds (``_``, ``-``, ``S``, ``A``…)
    and the whole needle after, so that ``task``, ``ask``, ``high`` or ``through`` stop there."""
    return (
        (
            "_" in text
            and (
                (
                    "gh" in text
                    and ("ghp_" in text or "gho_" in text or "ghu_" in text or "ghs_" in text or "ghr_" in text)
                )
                or "github_pat_" in text
                or (
                    "k_" in text
                    and ("sk_live_" in text or "sk_test_" in text or "rk_live_" in text or "rk_test_" in text)
                )
                or "npm_" in text
                or "hf_" in text
                or "whsec_" in text
            )
        )
        or (
            "-" in text
            and (
                "sk-" in text
                or "xapp-" in text
                or (
                    "gl" in text
                    and ("glpat-" in text or "gldt-" in text or "glptt-" in text or "glrt-" in text or "gloas-" in text)
                )
                or "pypi-AgE" in text
            )
        )
        or "xox" in text
        or "eyJ" in text
        or (
            "A" in text
            and (
                "AIza" in text
                or ("IA" in text and ("AKIA" in text or "ASIA" in text))
                or ("PA" in text and ("AGPA" in text or "ANPA" in text or "AIPA" in text))
                or "AIDA" in text
                or "AROA" in text
                or "ANVA" in text
            )
        )
        or ("S" in text and ("SK" in text or "SG." in text))
        or "hooks.slack.com/" in text
    )


def may_hold_key(text: str) -> bool:
    """Whether ``text`` may hold a private key: a header's ``BEGIN`` in any case, or a key body's
    first bytes (each begins with ``M`` but OpenSSH's and PuTTY's)."""
    return (
        "EGIN" in text
        or "egin" in text
        or (
            "M" in text
            and (
                "IBAAKC" in text
                or "IBADANBgkqhkiG9w0BAQEFAAS" in text
                or "AgEAMBMGByqGSM49" in text
                or "MC4CAQAwBQYDK2Vw" in text
                or "MHcCAQEEI" in text
                or "MIGkAgEBBDA" in text
                or "BgkqhkiG9w0BBQ0w" in text
            )
        )
        or "b3BlbnNzaC1rZXktdjE" in text
        or "PuTTY-User-Key-File-" in text
    )
