"""The rule texts for a way into the machine from outside: a tunnel that puts a local port on the
internet, an ssh remote or dynamic forward, and a server or port forwarder bound to every network
interface (docs/patterns.md, "A way in from outside").

* :data:`TUNNEL`: tunnel services and their agents (``ngrok http``, ``cloudflared tunnel``,
  localtunnel's ``lt``, ``bore local``, ``frpc``, ``chisel`` reverse or SOCKS, ``inlets``,
  ``pagekite``, ``code tunnel``, ``tailscale funnel``, ``zrok share``, ``expose share``, ``devtunnel
  host``, ``gh codespace ports visibility …:public``…); ssh's (``autossh``, dropbear's ``dbclient``,
  PuTTY's ``plink``) remote forwards (``-R``, localhost.run and serveo), dynamic SOCKS proxies
  (``-D``) and tun devices (``-w``), in every option spelling (``-NfR``, ``-R80:…``,
  ``-oRemoteForward=…``, ``-o DynamicForward …``, ``-o Tunnel=yes``), ``sshuttle``.
* :data:`LISTEN_ALL`: a directory served or a port forwarded on every interface: ``python -m
  http.server`` (every interface unless ``--bind`` names a loopback address: Python's default),
  ``php -S 0.0.0.0:…``, ``ruby -run -e httpd``, ``http-server`` (unless ``-a`` is a loopback
  address), ``busybox httpd``, a ``socat`` listener without ``bind=`` a loopback address,
  ``kubectl port-forward --address 0.0.0.0``, ``ssh -L 0.0.0.0:…``, ``tailscale serve``,
  ``jupyter --ip 0.0.0.0``, ``caddy file-server|reverse-proxy``, ``netsh interface portproxy add``.

Each is matched at the start of a command as the shell analysis reads it (as ``_remote``'s are:
``sudo``, ``env``, ``nohup``, ``sh -c``, ``npx``/``pnpm dlx``/``uvx``/``pipx run``, a written
script, ``ssh host CMD``), the program's name first; a help or version request is none.  No
lookaround: RE2 runs them in linear time.
"""

from __future__ import annotations

from goalrail.jsontypes import JsonValue
from goalrail.patterns.model import Pattern
from goalrail.patterns.templates._base import rule
from goalrail.patterns.templates._remote import not_words, other_words, then

#: what ends a word
_STOP = r"\s;&|"

__all__ = ["LISTEN_ALL", "LISTEN_ALL_MESSAGE", "TUNNEL", "TUNNEL_MESSAGE", "exposure_rules"]

_HELP = ("help", "-help", "--help", "-h", "version", "--version", "-version", "-V")
_END = r"\s*($|[;&|)])"


def _rest(*others: str) -> str:
    """The command's remaining words to its end, none a help or version request nor one of ``others``."""
    word = rf"('[^']*'|\"[^\"]*\"|{not_words(*_HELP, *others)})"
    return rf"'?(\s+'?{word})*{_END}"


def _some(*others: str) -> str:
    """As :func:`_rest`, with one word at least (after the space that follows the program's name)."""
    word = rf"('[^']*'|\"[^\"]*\"|{not_words(*_HELP, *others)})"
    return rf"\s*'?{word}(\s+'?{word})*{_END}"


#: options (and a value after one) between a program and its verb
_OPTS = r"\s*('?-[^\s;&|]*(\s+'?[^\s\-;&|][^\s;&|]*)?\s+)*'?"
#: any words, then a word's start
_ANY = r"([^;&|\n]*\s)?'?"
#: an address that is not a loopback one (``127.…``, ``localhost``, ``::1``)
_LOOPBACK = ("127.", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "ip6-localhost")
_OPEN = f"({other_words(_LOOPBACK, stop=_STOP + ',')})(\\s|'|,|$|[;&|)])"

# --- tunnels
_NGROK = r"(ngrok|pyngrok)(\.exe|@[\w.^~-]*)? " + then(
    rf"{_OPTS}(http|https|tcp|tls|start|tunnel|forward|[0-9]+|service\s+'?(install|start)){_rest()}"
)
_CLOUDFLARED_ADMIN = ("login", "create", "route", "vnet", "list", "info", "delete", "cleanup", "token", "ingress")
_CLOUDFLARED = r"cloudflared(\.exe)?" + then(
    rf"{_OPTS}tunnel{_rest(*_CLOUDFLARED_ADMIN, 'diag', 'update')}|{_OPTS}service\s+'?install(\s|'|$)"
    r"|\s*('?-[^\s;&|]*(\s+'?[^\s\-;&|][^\s;&|]*)?\s+)*'?--(url|hello-world|unix-socket)(\s|=|'|$)"
)
_LOCALTUNNEL = r"lt " + then(_some()) + r"|localtunnel(@[\w.^~-]*)? " + then(_some())
_BORE = r"bore(\.exe)? " + then(rf"{_OPTS}(local|server){_rest()}")
_FRP = r"(frpc|frps)(\.exe)?" + then(_rest("verify", "status", "reload", "-v"))
_CHISEL = r"chisel(\.exe)? " + then(rf"{_OPTS}server{_rest()}|{_OPTS}client\s{_ANY}(R:|([^\s;&|']*:)?socks(\s|'|$))")
_INLETS = r"(inlets|inlets-pro) " + then(rf"{_OPTS}((http|tcp|uplink)\s+'?)?(client|server){_rest()}")
_PAGEKITE = (
    r"(pagekite|pagekite\.py) " + then(_some()) + r"|(python[0-9.]*|py) " + _ANY + r"([^\s;&|]*/)?pagekite\.py(\s|$)"
)
_CODE_ADMIN = ("status", "kill", "restart", "rename", "unregister", "user", "prune", "service")
_CODE_TAIL = then(rf"{_OPTS}tunnel({_rest(*_CODE_ADMIN)}|\s+'?service\s+'?install(\s|'|$))")
_CODE = rf"code(-insiders)?(\.exe|\.cmd)? {_CODE_TAIL}|cursor {_CODE_TAIL}"
_OFF = ("status", "reset", "off", "clear", "get-config", "set-config")
_FUNNEL = r"tailscale(\.exe)? " + then(rf"{_OPTS}funnel\s{_some(*_OFF)}")
_SHARES = (
    r"zrok(\.exe)? "
    + then(rf"{_OPTS}share\s+'?(public|private|reserved){_rest()}")
    + r"|expose"
    + then(rf"{_OPTS}(share[\w-]*|serve)(\s|'|$)|{_END}")
    + r"|devtunnel(\.exe)? "
    + then(rf"{_OPTS}host{_rest()}")
    + r"|gh "
    + then(rf"{_OPTS}(codespace|cs)\s+'?ports\s+'?visibility\s{_ANY}[^\s;&|']*:'?public(\s|'|$)")
    + r"|loclx "
    + then(rf"{_OPTS}tunnel{_rest()}")
    + r"|localxpose "
    + then(rf"{_OPTS}tunnel{_rest()}")
    + r"|(tmole|tunnelmole|sshuttle|holesail|revsocks|rathole)(@[\w.^~-]*)? "
    + then(_some())
    + r"|(pktriot|jprq|telebit|pgrok) "
    + then(rf"{_OPTS}(http|https|tcp|tls|ssh|start|tunnel){_rest()}")
    + r"|ktunnel "
    + then(rf"{_OPTS}expose{_rest()}")
    + r"|wstunnel "
    + then(rf"{_OPTS}server{_rest()}|{_OPTS}client\s{_ANY}(-R|--remote-to-local)(\s|=|'|$)")
    + r"|gost "
    + then(rf"{_ANY}(-L\s*=?\s*'?)?r(tcp|udp)://")
)

#: a container started from a tunnel agent's image (``ngrok/ngrok``, ``cloudflare/cloudflared:latest``)
_IMAGES = r"(ngrok|cloudflared|chisel|frpc|bore|inlets|inlets-pro|localtunnel|zrok|pagekite|sish|rathole)"
_CONTAINER = r"(docker|podman|nerdctl) " + then(
    rf"{_ANY}(run|create)\s{_ANY}([\w.:-]+/)*{_IMAGES}(:[\w.-]+)?(@sha256:[0-9a-f]+)?(\s|'|$)"
)

# --- ssh: an option word, a value word, the host, then the option that forwards inward
_SSH_FLAG = "[46AaCfGgKkMNnqsTtVvXxYy]"
_SSH_VAL = "[BbcDEeFIiJLlmOoPpQRSWw]"
_SSH_ARG = r"('[^']*'|\"[^\"]*\"|[^\s;&|'\"]+)"
_SSH_OPT = rf"(-({_SSH_FLAG}*{_SSH_VAL}\s+{_SSH_ARG}|pw\s+{_SSH_ARG}|[^\s;&|']*)|'-[^']*')"
_SSH_HOST = r"('[^']*'|\"[^\"]*\"|[^\s;&|'\"\-][^\s;&|]*)"
_SSH = r"(ssh|autossh|dbclient|plink)(\.exe)? "


def _ssh(option: str) -> str:
    """ssh (and its kin) given ``option`` among the options before or after the host."""
    return _SSH + then(rf"\s*({_SSH_OPT}\s+)*({_SSH_HOST}\s+({_SSH_OPT}\s+)*)?'?{option}")


_SSH_INWARD = _ssh(
    rf"-({_SSH_FLAG}*[RDw]|{_SSH_FLAG}*o\s*'?\"?((?i:remoteforward|dynamicforward)|(?i:tunnel)\s*[=\s]\s*'?(?i:yes|point-to-point|ethernet)))"
)

#: a way in from the internet: a tunnel service, an ssh remote or dynamic forward
TUNNEL = (
    rf"\s*({_NGROK}|{_CLOUDFLARED}|{_LOCALTUNNEL}|{_BORE}|{_FRP}|{_CHISEL}|{_INLETS}|{_PAGEKITE}|{_CODE}|{_FUNNEL}"
    rf"|{_SHARES}|{_CONTAINER}|{_SSH_INWARD}).*"
)

# --- every interface
#: a word that is no bind option (``-b``, ``--b…``)
_NO_BIND = rf"('[^']*'|{other_words(('-b', '--b'), _HELP)})"
_PY_SERVER = r"(python[0-9.]*|py|pypy[0-9.]*) " + (
    rf"{_ANY}-m\s*'?(http\.server|SimpleHTTPServer)((\s+'?{_NO_BIND})*{_END}|\s{_ANY}(-b(=|\s+)?|--bind(=|\s+))'?{_OPEN})"
)
_PHP = r"php[0-9.]* " + then(rf"{_ANY}-S\s*'?{_OPEN}")
_RUBY = r"ruby " + then(
    rf"{_ANY}-run\s+{_ANY}-e\s*'?httpd((\s+'?{_NO_BIND})*{_END}|\s{_ANY}(-b(=|\s+)?|--bind-address(=|\s+)|--bind(=|\s+))'?{_OPEN})"
)
_NO_ADDRESS = rf"('[^']*'|{other_words(('-a', '--a'), _HELP)})"
_HTTP_SERVER = r"http-server(@[\w.^~-]*)?" + then(
    rf"(\s+'?{_NO_ADDRESS})*{_END}|\s{_ANY}(-a(=|\s+)?|--address(=|\s+))'?{_OPEN}"
)
_NO_PORT = rf"('[^']*'|{other_words(('-p',), ('--help',))})"
_BUSYBOX = (
    r"busybox "
    + then(rf"{_OPTS}httpd((\s+'?{_NO_PORT})*{_END}|\s{_ANY}-p\s*'?{_OPEN})")
    + r"|httpd "
    + then(rf"{_ANY}-p\s*'?{_OPEN}")
)
_NOT_LOOPBACK_OPTION = other_words(
    ("bind=127.", "bind=localhost", "bind=[::1]", "bind=::1", "range=127.", "range=[::1]", "range=localhost"),
    stop=_STOP + ",'",
)
_SOCAT = r"socat " + then(
    rf"{_ANY}(?i:((tcp|udp|sctp|dccp|udplite)[46]?|ssl|openssl|openssl-dtls)-l(isten)?|udp[46]?-recv(from)?)"
    rf":[^\s,;&|']*(?i:,({_NOT_LOOPBACK_OPTION}))*(\s|'|$)"
)
_PORT_FORWARD = r"(kubectl|oc) " + then(rf"{_ANY}port-forward\s{_ANY}--address(=|\s+)'?([^\s;&|',]*,)*{_OPEN}")
#: a forward's bind address that is not a loopback one
_BIND = other_words(_LOOPBACK, stop=_STOP + r":\[")
_SSH_GATEWAY = _ssh(
    rf"-({_SSH_FLAG}*L\s*'?(\*|\[[^\]\s]*\]|{_BIND})?:[0-9]+:[^\s;&|']+:[0-9]+"
    rf"|{_SSH_FLAG}*o\s*'?\"?(?i:gatewayports)\s*[=\s]\s*'?(?i:yes|clientspecified))"
)
_SERVE = (
    r"tailscale(\.exe)? "
    + then(rf"{_OPTS}serve\s{_some(*_OFF)}")
    + r"|(jupyter|jupyter-lab|jupyter-notebook) "
    + then(rf"{_ANY}--((ServerApp|NotebookApp)\.)?ip(=|\s+)'?(\*|{_OPEN})")
    + r"|caddy "
    + then(rf"{_OPTS}(file-server|reverse-proxy){_rest()}")
    + r"|netsh(\.exe)? "
    + then(rf"{_ANY}portproxy\s+'?add(\s|'|$)")
)

#: a directory served or a port forwarded on every network interface
LISTEN_ALL = (
    rf"\s*({_PY_SERVER}|{_PHP}|{_RUBY}|{_HTTP_SERVER}|{_BUSYBOX}|{_SOCAT}|{_PORT_FORWARD}|{_SSH_GATEWAY}|{_SERVE}).*"
)

TUNNEL_MESSAGE = "Opening a way into this machine from the internet (a tunnel, an ssh remote or dynamic forward)"
LISTEN_ALL_MESSAGE = "Serving files or forwarding a port on every network interface"


def exposure_rules(
    template: str,
    prefix: str,
    tunnel: str = "ask",
    listen: str | None = "ask",
    severity: str = "high",
    **meta: JsonValue,
) -> list[Pattern]:
    """``<prefix>_tunnel`` (:data:`TUNNEL`) answered ``tunnel`` (``ask`` or ``deny``) and, unless
    ``listen`` is None, ``<prefix>_listen_all`` (:data:`LISTEN_ALL`) answered ``listen``."""
    out = [_exposure_rule(template, f"{prefix}_tunnel", TUNNEL, tunnel, severity, TUNNEL_MESSAGE, meta)]
    if listen is not None:
        out.append(
            _exposure_rule(template, f"{prefix}_listen_all", LISTEN_ALL, listen, "medium", LISTEN_ALL_MESSAGE, meta)
        )
    return out


def _exposure_rule(
    template: str, pid: str, rx: str, answer: str, severity: str, what: str, meta: dict[str, JsonValue]
) -> Pattern:
    ask = answer == "ask"
    message = f"{what} {'needs approval' if ask else 'is blocked'}"
    return rule(template, pid, "shell_execute", rx, "deny", severity, message, "sigstop" if ask else None, **meta)
