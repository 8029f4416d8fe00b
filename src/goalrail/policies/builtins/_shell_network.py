"""The network a shell command line reaches: ``curl https://x/y`` requests ``https://x/y`` (a
``network_request``), ``nc 10.0.0.5 5432`` connects to ``10.0.0.5:5432`` (a ``network_connect``).

``pattern_policy`` judges a ``shell_execute`` by these targets too, with the same network rules a
WebFetch's URL meets (``_pattern_network``).  Every command the line runs is read — wrappers
peeled, ``bash -c`` and ``$(…)`` parsed, ``xargs`` and ``find -exec``, a script run on another
host (``ssh host CMD``) or in a container (``_shell_elsewhere``) — by program:

* fetchers, ``git`` with a URL, package installs from a URL, and connectors, as
  ``_shell_net_programs`` says;
* an interpreter's inline code (``python -c``, ``node -e``, a here-document), as
  ``_shell_net_code`` says (``python -m pip install URL`` as ``pip``);
* a redirect to ``/dev/tcp/HOST/PORT`` or ``/dev/udp/HOST/PORT`` (bash opens a connection), on
  a command, alone or through ``exec``.

An address known only at run time — ``curl "$URL"``, ``… | xargs curl``, ``nc $H $P``, a URL
built in code, URLs read from a file (``curl -K f``, ``wget -i f``), a line the analysis cannot
resolve — is :data:`UNKNOWN`.  A program that names no address on the line is no target:
``curl --version``, ``pip install requests`` (its index), ``git push``/``git fetch origin`` (a
remote in the repository's config), ``echo http://10.0.0.1`` (a mention).
"""

from __future__ import annotations

import re
from functools import lru_cache

from goalrail.policies.builtins._interpreters import inline_code, program
from goalrail.policies.builtins._shell import analyze
from goalrail.policies.builtins._shell_elsewhere import commands_everywhere
from goalrail.policies.builtins._shell_file_programs import program_name
from goalrail.policies.builtins._shell_net_code import code_targets
from goalrail.policies.builtins._shell_net_programs import (
    CONNECT,
    HANDLERS,
    REQUEST,
    UNKNOWN,
    Target,
    connect_target,
    url_target,
)
from goalrail.policies.builtins._shell_types import Redirect, SimpleCommand, Word
from goalrail.policies.builtins._wrappers import SHELLS, names

__all__ = ["CONNECT", "REQUEST", "UNKNOWN", "Target", "network_targets"]

_DEV_NET = re.compile(r"^/dev/(?:tcp|udp)/([^/\s]*)/([^/\s]*)$")
_DEV_NET_TEXT = re.compile(r"/dev/(?:tcp|udp)/([^/\s'\"<>;|&)]+)/([0-9A-Za-z$_{}-]+)")
#: programs whose every operand is an address: what ``xargs`` or ``find -exec`` adds is one too
_EVERY_OPERAND = names(
    "curl wget wget2 aria2c fetch curlie http https xh xhs lynx w3m links links2 elinks nc ncat netcat telnet socat"
)
_URL_WORD = re.compile(r"^(?:https?|ftps?|wss?)://")
_CODE = names("python pypy ipython node nodejs bun deno tsx ts-node perl ruby php")
#: a word that may start an address (a cheap test before reading a command's words)
_NET_WORDS = frozenset(HANDLERS) | _CODE


def _redirected(out: list[Target], redirects: tuple[Redirect, ...], name: str) -> None:
    for r in redirects:
        if "/dev/" in r.target and (m := _DEV_NET.match(r.target)) is not None:
            out.append((CONNECT, connect_target(m.group(1), m.group(2), r.dynamic), name, False))


def _command(out: list[Target], cmd: SimpleCommand) -> None:
    name = program_name(cmd.name)
    _redirected(out, cmd.redirects, "bash")
    prog = program(name) if name not in HANDLERS else None
    if name not in _NET_WORDS and prog not in _CODE:
        if (name in SHELLS or "/" in cmd.argv[0]) and "://" in "".join(cmd.args):  # a script run
            _handed(out, name, list(zip(cmd.args, cmd.dynamic[1:], strict=True)))
        return
    words: list[Word] = list(zip(cmd.args, cmd.dynamic[1:], strict=True))
    if prog in ("python", "pypy") and [w for w, _ in words[:2]] == ["-m", "pip"]:
        name, words = "pip", words[2:]
    if cmd.stdin_args and (name in _EVERY_OPERAND or name == "git"):  # `… | xargs curl`
        if cmd.stdin and cmd.stdin[:1] != "\0" and any(w.name == "xargs" for w in cmd.wrappers):
            words += [(w, False) for w in cmd.stdin.split()[:64]]  # (`echo URL | xargs curl`: the text echoed)
        elif name != "git":
            kind = CONNECT if name in ("nc", "ncat", "netcat", "telnet", "socat") else REQUEST
            out.append((kind, UNKNOWN, name, False))
    handler = HANDLERS.get(name)
    if handler is not None:
        handler(lambda kind, target: out.append((kind, target, name, False)), words)
        return
    if prog in _CODE:
        doc = next(((r.target, r.dynamic) for r in cmd.redirects if r.op in ("<<", "<<-", "<<<")), None)
        code = inline_code(prog, words, doc)
        if code:
            out += [(kind, target, name, False) for kind, target in code_targets("\n".join(c for c, _ in code))]
            return
    _handed(out, name if prog is None else prog, words)


def _handed(out: list[Target], name: str, words: list[Word]) -> None:
    """The URLs a script is handed (``python3 fetch.py URL``, ``bash get.sh URL``, ``./get URL``):
    its code is not read here, so it may request them."""
    for text, dyn in words:
        value = text.partition("=")[2] if text.startswith("-") else text
        if _URL_WORD.match(value) and (url := url_target(value, dyn, "http")) not in (None, UNKNOWN):
            out.append((REQUEST, str(url), name, True))


@lru_cache(maxsize=1024)
def network_targets(command: str) -> tuple[Target, ...]:
    """Every network target ``command`` reaches (see the module doc), in the order met, deduplicated."""
    analysis = analyze(command)
    out: list[Target] = []
    if analysis.unknown:  # which programs run, so what they reach, is known at run time
        out += [(REQUEST, UNKNOWN, "", False), (CONNECT, UNKNOWN, "", False)]
        if "/dev/" in command:  # (`exec 3<>/dev/tcp/h/p`, which the parser may not read)
            out += [(CONNECT, connect_target(h, p), "bash", False) for h, p in _DEV_NET_TEXT.findall(command)]
    _redirected(out, analysis.bare, "bash")
    commands = commands_everywhere(command)[0] if analysis.commands else []
    for cmd in commands:
        _command(out, cmd)
    return tuple(dict.fromkeys(out))
