"""Secrets known by where they stand on a command line or in a credentials file.

What :mod:`goalrail.policies.redact` reads beside the secret formats and the keyed values: each
pattern's group ``v`` is the secret, and the pattern runs only on a text holding one of its
needles (lower case).

- a program's password option: ``mysql -pSECRET`` (attached: ``-p db`` names a database),
  ``sshpass -p``, ``docker login -p`` (podman, nerdctl, helm registry…), ``redis-cli -a``,
  ``mongosh -p``, ``sqlcmd -P``, ``ldapsearch -w``;
- a ``user:PASSWORD`` pair given to ``curl -u``/``--user``/``--proxy-user`` (wget, httpie ``-a``,
  xh, lftp ``user,PASSWORD``), ``smbclient -U user%PASSWORD``, ``sqlplus user/PASSWORD@db``,
  OpenSSL's ``pass:PASSWORD``;
- ``htpasswd -b FILE USER PASSWORD`` (``-nb USER PASSWORD``);
- ``.netrc`` entries (``machine h login u password PASSWORD``) and ``.pgpass`` lines
  (``host:port:db:user:PASSWORD``).

A value that is a shell variable (``$PASS``, ``${PASS}``) is no secret written out: kept.
Program names are read in any letter case (``MYSQL -p…``: a case-insensitive file system runs
it), options and the files' keywords as typed.
"""

from __future__ import annotations

import re

#: a value: quoted, or bare up to a space or a shell operator; never a variable or a marker
_V = r"""(?!\$|\[redacted)(?P<v>'[^'\n]{1,1024}'|"[^"\n]{1,1024}"|[^\s"';|&<>()]{1,1024})"""
#: the rest of the program's command up to the option (no new command in between)
_REST = r"(?:[ \t][^\n;|&]*?)?[ \t]"


def _names(*names: str, any_case: bool = False) -> str:
    """The program names as a regex that begins with a literal (a C-speed scan to each
    candidate), each name at a word's start: ``c(?<![\\w./-]c)url`` (not ``libcurl``); in any
    letter case with ``any_case`` (``MYSQL``, which a case-insensitive file system runs)."""
    body = "|".join(rf"{n[0]}(?<![\w./-]{n[0]}){n[1:]}" for n in names)
    return ("(?i:" if any_case else "(?:") + body + r")(?![\w-])"


def _program(names: str, option: str, *, attached_only: bool = False) -> re.Pattern[str]:
    joint = r"(?=\S)" if attached_only else r"(?:[ \t]+|=)?"
    return re.compile(rf"{names}{_REST}{option}{joint}{_V}")


_USER = r"(?:[ \t]+|=)?[\"']?[^\s:,%\"'$]{1,256}"

_Forms = tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]


def _forms(any_case: bool) -> _Forms:
    """(needles, pattern) for each form; program names as typed, or in any case with ``any_case``."""

    def _n(*names: str) -> str:
        return _names(*names, any_case=any_case)

    login = _n("docker", "podman", "nerdctl", "buildah", "skopeo", "oras", "crane", "regctl", "helm")
    return (
        (("mysql", "mariadb"), _program(_n(r"mysql\w*", r"mariadb\w*"), "-p", attached_only=True)),
        (("sshpass",), _program(_n("sshpass"), "-p")),
        (("login",), _program(rf"{login}(?:[ \t]+registry)?[ \t]+login", "-p")),
        (("redis-cli",), _program(_n("redis-cli"), "-a")),
        (("mongo",), _program(_n(r"mongo\w*"), "-p")),
        (("sqlcmd", "bcp"), _program(_n("sqlcmd", "bcp"), "-P")),
        (("ldap",), _program(_n(r"ldap\w+"), "-w")),
        (
            ("curl", "wget", "http", "xh", "lftp", "aria2c"),
            re.compile(
                rf"{_n('curl', 'wget', 'https', 'http', 'xhs', 'xh', 'lftp', 'aria2c')}{_REST}"
                rf"(?:-u|--user|-U|--proxy-user|-a|--auth|--http-user){_USER}[:,](?!\$|\[redacted)(?P<v>[^\s\"']{{1,1024}})"
            ),
        ),
        (
            ("smbclient", "rpcclient"),
            re.compile(
                rf"{_n('smbclient', 'rpcclient')}{_REST}(?:-U|--user){_USER}%(?!\$|\[redacted)(?P<v>[^\s\"']{{1,1024}})"
            ),
        ),
        (
            ("sqlplus",),
            re.compile(rf"{_n('sqlplus')}[ \t]+[\"']?[^\s/\"'$]{{1,256}}/(?!\$|\[redacted)(?P<v>[^\s@\"']{{1,1024}})"),
        ),
        (("pass:",), re.compile(r"-pass(?<![\w-]-pass)(?:in|out)?[ \t]+pass:(?!\$|\[redacted)(?P<v>[^\s\"']{1,1024})")),
        (
            ("machine", "default"),
            re.compile(rf"(?:m(?<!\wm)achine\s+\S+|d(?<!\wd)efault)(?:\s+(?:login|account)\s+\S+)+\s+password\s+{_V}"),
        ),
        (("machine",), re.compile(rf"m(?<!\wm)achine\s+\S+\s+password\s+{_V}(?=\s+(?:login|account)\b)")),
        (  # htpasswd -b FILE USER PASSWORD, htpasswd -nb USER PASSWORD
            ("htpasswd",),
            re.compile(
                rf"{_n('htpasswd')}[ \t]+-(?=[A-Za-z]*b)(?:(?P<n>(?=[A-Za-z]*n))|(?![A-Za-z]*n))[A-Za-z]+"
                rf"(?:[ \t]+-[A-Za-z]+)*[ \t]+(?(n)|[^\s\[-]\S*[ \t]+)[^\s\[-]\S*[ \t]+{_V}"
            ),
        ),
    )


#: (needles, pattern); program names as typed, in lower case
FORMS = _forms(any_case=False)
#: the same, program names in any case (tried when the text's lower case holds a needle it does not)
FORMS_ANY_CASE = _forms(any_case=True)


def may_hold(text: str) -> bool:
    """Whether a pattern of :data:`FORMS` can match ``text``: it holds ``pass`` (``.netrc``,
    OpenSSL), ``sqlplus`` or one of their options (``-p``, ``-a``, ``-P``, ``-w``, ``-u``/``--user``,
    ``-U``).  Substring checks spelled out: each costs ≈ 0.3 k instructions, a regex search ten."""
    return (
        "pass" in text
        or "sqlplus" in text
        or "SQLPLUS" in text
        or (
            " -" in text
            and ("-p" in text or "-u" in text or "-a" in text or "-P" in text or "-w" in text or "-U" in text)
        )
    )


#: ``host:port:database:user:PASSWORD`` (a ``.pgpass`` line; ``fe80:0:0:0:1``, an IPv6 address, is none)
PGPASS = re.compile(
    r"(?<![^\s'\"])[^\s:'\"#/]{1,256}:(?:\d{1,5}|\*):[^\s:'\"]{1,256}:[^\s:'\"]{1,256}:"
    r"(?!\$|\[redacted|[0-9A-Fa-f]{1,4}(?:[\s'\"]|$))(?P<v>[^\s:'\"]{1,1024})(?=[\s'\"]|$)"
)
