"""The network addresses an interpreter's inline code reaches (``python -c``, ``node -e``,
``ruby -e``, ``perl -e``, ``php -r``, a here-document fed to one).

Code that makes a request (Python's ``urllib``/``requests``/``httpx``/``http.client``/``aiohttp``,
JavaScript's ``fetch``/``http(s).get``/``axios``, Ruby's ``Net::HTTP``/``open-uri``/``URI.open``,
Perl's ``LWP``/``HTTP::Tiny``, PHP's ``curl_init``/``file_get_contents``) requests each URL
its string literals hold (a ``network_request``); one that opens a socket (``socket.connect((h,
p))``, ``create_connection``, ``net.connect(p, h)``, ``TCPSocket.new(h, p)``, ``IO::Socket::INET``
``PeerAddr``, ``fsockopen``) connects to each ``host:port`` its literals give (a
``network_connect``).  Code that makes a request or opens a socket whose address no literal
gives (``urlopen(sys.argv[1])``, ``f"http://{host}/"``) reaches an address known only at run
time.  A URL in code that makes no request (``print("https://x")``) is a mention.
"""

from __future__ import annotations

import re

from goalrail.policies.builtins._shell_net_programs import CONNECT, REQUEST, UNKNOWN, connect_target, url_target

__all__ = ["code_targets"]

_REQUESTS = re.compile(
    r"urlopen|urlretrieve|\brequests\s*\.\s*(?:get|post|put|patch|delete|head|request|Session)\b|\bhttpx\b"
    r"|urllib3|\bhttp\.client\b|HTTPS?Connection|aiohttp|\bfetch\s*\(|\bhttps?\s*\.\s*(?:get|request)\s*\("
    r"|\baxios\b|Net::HTTP|\bURI\s*\.\s*open|open-uri|\bLWP\b|HTTP::Tiny|\bgetstore\b|\bcurl_init\b"
    r"|file_get_contents|\bwget\s*\.|\bWebSocket\b|\bwebsocket\b|Faraday|HTTParty|RestClient"
)
_SOCKETS = re.compile(
    r"\.\s*connect(?:_ex)?\s*\(\s*\(|create_connection|\bnet\s*\.\s*(?:connect|createConnection)"
    r"|require\s*\(\s*[\"']net[\"']|TCPSocket|UDPSocket|IO::Socket|fsockopen|(?:Deno|Bun)\s*\.\s*connect"
)
#: Python's `socket` module used to connect or send (`s.connect(addr)`, `s.sendto(b, addr)`)
_PY_SOCKET_CALL = re.compile(r"\.\s*(?:connect(?:_ex)?|sendto)\s*\(")
#: a URL in a string literal (its host may be a template: `f"http://{h}/"`, `` `http://${h}` ``)
_URL = re.compile(r"""["'`]((?:https?|ftp|wss?)://[^"'`\s]{0,2048})""")
#: literal (host, port) pairs, per language
_PAIRS = (
    re.compile(r"""(?:connect(?:_ex)?|create_connection)\s*\(\s*\(\s*["']([^"']{1,255})["']\s*,\s*(\d{1,5})"""),
    re.compile(r"""(?:TCPSocket|UDPSocket)\s*\.\s*(?:new|open)\s*\(?\s*["']([^"']{1,255})["']\s*,\s*(\d{1,5})"""),
    re.compile(r"""fsockopen\s*\(\s*["'](?:(?:tcp|udp|ssl|tls)://)?([^"']{1,255})["']\s*,\s*(\d{1,5})"""),
    re.compile(r"""PeerAddr\s*=>\s*["']([^"':]{1,255}):(\d{1,5})["']"""),
)
_NODE_PAIR = re.compile(r"""(?:connect|createConnection)\s*\(\s*(\d{1,5})\s*,\s*["']([^"']{1,255})["']""")
_NODE_OBJECT = re.compile(r"""\{[^{}]{0,512}?\bhost\s*:\s*["']([^"']{1,255})["'][^{}]{0,512}?\bport\s*:\s*(\d{1,5})""")
_NODE_OBJECT2 = re.compile(r"""\{[^{}]{0,512}?\bport\s*:\s*(\d{1,5})[^{}]{0,512}?\bhost\s*:\s*["']([^"']{1,255})["']""")
_PERL_HOST = re.compile(r"""PeerHost\s*=>\s*["']([^"']{1,255})["'][^;]{0,256}?PeerPort\s*=>\s*["']?(\d{1,5})""")


def code_targets(text: str) -> list[tuple[str, str]]:
    """(action type, URL or ``host:port``) of what ``text`` (an interpreter's code) reaches."""
    out: list[tuple[str, str]] = []
    if _REQUESTS.search(text) is not None:
        urls = [url_target(m.group(1), False, "http") for m in _URL.finditer(text)]
        out += [(REQUEST, u) for u in urls if u is not None]
        if not urls:
            out.append((REQUEST, UNKNOWN))
    if _SOCKETS.search(text) is not None or ("socket" in text and _PY_SOCKET_CALL.search(text) is not None):
        pairs = [(m.group(1), m.group(2)) for p in _PAIRS for m in p.finditer(text)]
        pairs += [(m.group(2), m.group(1)) for m in _NODE_PAIR.finditer(text)]
        pairs += [(m.group(1), m.group(2)) for m in _NODE_OBJECT.finditer(text)]
        pairs += [(m.group(2), m.group(1)) for m in _NODE_OBJECT2.finditer(text)]
        pairs += [(m.group(1), m.group(2)) for m in _PERL_HOST.finditer(text)]
        out += [(CONNECT, connect_target(h.strip("[]"), p)) for h, p in pairs]
        if not pairs and _URL.search(text) is None:
            out.append((CONNECT, UNKNOWN))
    return out
