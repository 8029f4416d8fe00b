"""URL hosts parsed, never substring-matched.

``host_of`` understands scheme URLs (userinfo and ports stripped by urllib, the host
read as a client contacts it: ``goalrail.policies.url_spellings.canonical_host``, so
``%67ithub.com``, ``ＧitHub.com.`` are ``github.com``) and scp-like git remotes
(``git@github.com:org/repo.git``).  Anything odd — a
backslash, whitespace or a control character in the authority — gives None,
which callers treat as "cannot tell".  ``host_matches`` is exact host or a
subdomain of it, so ``evil-github.com`` and ``github.com.evil.io`` never match
``github.com``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from goalrail.policies.url_spellings import canonical_host

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!//)(.*)$")
_HOST_OK = re.compile(r"^[a-z0-9.-]+$|^[0-9a-f:.]+$")
_BAD = re.compile(r"[\\\s\x00-\x1f\x7f]")

GITHUB_HOSTS = ("github.com", "www.github.com", "api.github.com", "ssh.github.com")


def split_remote(url: str) -> tuple[str, str] | None:
    """(host, path) of a URL or scp-like remote; None if it is neither or looks odd."""
    if not isinstance(url, str) or not url:
        return None
    if _SCHEME.match(url):
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return None
        if _BAD.search(parts.netloc) or not host:
            return None
        sent = host
        host = canonical_host(f"[{host}]" if ":" in host else host)  # `%67ithub.com`, `ｇithub.com.`
        host = host.strip("[]") if host else None
        if not host or not _HOST_OK.match(host) or ("xn--" in host and "xn--" not in sent):
            return None  # (a look-alike letter, `ɡithub.com`: another host, odd enough to say so)
            return None
        return host, parts.path
    m = _SCP.match(url)
    if m and "/" not in url.split(":", 1)[0]:
        host = m.group(1).rstrip(".").lower()
        if _BAD.search(url) or not _HOST_OK.match(host) or "." not in host:
            return None
        return host, "/" + m.group(2).lstrip("/")
    return None


def host_of(url: str) -> str | None:
    parsed = split_remote(url)
    return parsed[0] if parsed else None


def host_matches(host: str | None, allowed: str) -> bool:
    """Exact host or a subdomain of ``allowed``."""
    if not host:
        return False
    host = host.rstrip(".").lower()
    allowed = allowed.rstrip(".").lower()
    return host == allowed or host.endswith("." + allowed)


def looks_like_url(text: str) -> bool:
    return bool(_SCHEME.match(text)) or bool(_SCP.match(text) and "/" not in text.split(":", 1)[0])


def github_repo(url: str) -> tuple[str, str | None] | None:
    """For a URL: ("github", "owner/repo" or None) on github.com, ("other", None) elsewhere.

    None when the text is not a URL at all (a remote name, a local path).
    """
    parsed = split_remote(url)
    if parsed is None:
        return None
    host, path = parsed
    if host.startswith("file") or host == "localhost":
        return ("other", None)
    if host not in GITHUB_HOSTS:
        return ("other", None)
    parts = [p for p in path.split("/") if p]
    if "%" in path or "\\" in path or any(p in (".", "..") for p in parts):
        return ("github", None)  # dot segments / escapes: the server may normalise them
    if host == "api.github.com":
        parts = parts[1:] if parts[:1] == ["repos"] else []
    if len(parts) < 2:
        return ("github", None)
    owner, repo = parts[0], parts[1]
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not owner or not repo or owner.startswith(".") or repo.startswith("."):
        return ("github", None)
    return ("github", f"{owner}/{repo}".lower())
