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
- ``.netrc`` entries (``machine h login u password PASSWORD``) and ``.pgpass`` lines
  (``host:port:db:user:PASSWORD``).

A value that is a shell variable (``$PASS``, ``${PASS}``) is no secret written out: kept.
"""

from __future__ import annotations

import re

#: a value: quoted, or bare up to a space or a shell operator; never a variable or a marker
_V = r"""(?!\$|\[redacted)(?P<v>'[^'\n]{1,1024}'|"[^"\n]{1,1024}"|[^\s"';|&<>()]{1,1024})"""
#: the rest of the program's command up to the option (no new command in between)
_REST = r"(?:[ \t][^\n;|&]*?)?[ \t]"


def _program(names: str, option: str, *, attached_only: bool = False) -> re.Pattern[str]:
    joint = r"(?=\S)" if attached_only else r"(?:[ \t]+|=)?"
    return re.compile(rf"(?<![\w./-])(?i:{names})(?![\w-]){_REST}{option}{joint}{_V}")


_CURL = "curl|wget|http|https|xh|xhs|lftp|aria2c"
_LOGIN = r"(?:docker|podman|nerdctl|buildah|skopeo|oras|crane|regctl|helm(?:[ \t]+registry)?)[ \t]+login"

#: (needles, pattern)
FORMS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    (("mysql", "mariadb"), _program(r"mysql\w*|mariadb\w*", "-p", attached_only=True)),
    (("sshpass",), _program("sshpass", "-p")),
    ((" login",), _program(_LOGIN, "(?:-p)")),
    (("redis-cli",), _program("redis-cli", "-a")),
    (("mongo",), _program(r"mongo\w*", "-p")),
    (("sqlcmd", "bcp"), _program("sqlcmd|bcp", "-P")),
    (("ldap",), _program(r"ldap\w+", "-w")),
    (
        ("curl", "wget", "http", "xh", "lftp", "aria2c"),
        re.compile(
            rf"(?<![\w./-])(?i:{_CURL})(?![\w-]){_REST}(?:-u|--user|-U|--proxy-user|-a|--auth|--http-user)"
            r"(?:[ \t]+|=)?[\"']?[^\s:,\"'$]{1,256}[:,](?!\$|\[redacted)(?P<v>[^\s\"']{1,1024})"
        ),
    ),
    (
        ("smbclient", "rpcclient"),
        re.compile(
            rf"(?<![\w./-])(?i:smbclient|rpcclient)(?![\w-]){_REST}(?:-U|--user)(?:[ \t]+|=)?[\"']?"
            r"[^\s%\"'$]{1,256}%(?!\$|\[redacted)(?P<v>[^\s\"']{1,1024})"
        ),
    ),
    (
        ("sqlplus",),
        re.compile(
            r"(?<![\w./-])(?i:sqlplus)(?![\w-])[ \t]+[\"']?[^\s/\"'$]{1,256}/"
            r"(?!\$|\[redacted)(?P<v>[^\s@\"']{1,1024})"
        ),
    ),
    (("pass:",), re.compile(r"(?<![\w-])(?i:-pass(?:in|out)?)[ \t]+pass:(?!\$|\[redacted)(?P<v>[^\s\"']{1,1024})")),
    (
        ("machine", "default"),
        re.compile(rf"(?i)(?:\bmachine\s+\S+|\bdefault)(?:\s+(?:login|account)\s+\S+)+\s+password\s+{_V}"),
    ),
    (("machine",), re.compile(rf"(?i)\bmachine\s+\S+\s+password\s+{_V}(?=\s+(?:login|account)\b)")),
)

#: ``host:port:database:user:PASSWORD`` (a ``.pgpass`` line; ``fe80:0:0:0:1``, an IPv6 address, is none)
PGPASS = re.compile(
    r"(?<![^\s'\"])[^\s:'\"#/]{1,256}:(?:\d{1,5}|\*):[^\s:'\"]{1,256}:[^\s:'\"]{1,256}:"
    r"(?!\$|\[redacted|[0-9A-Fa-f]{1,4}(?:[\s'\"]|$))(?P<v>[^\s:'\"]{1,1024})(?=[\s'\"]|$)"
)
