"""The network addresses a fetching or connecting program is handed on a shell line.

Each program's options are written as ``_option_table`` writes them (``X/request:``: ``-X`` and
``--request`` take a value), with ``^`` for an option whose value is a URL the program requests
(``--url``, a proxy, a package index) and ``@`` for one whose value names a file the program reads
its URLs from (``curl -K``, ``wget -i``: known only at run time).  Short options cluster (``-sSLo
f``, ``-qO-``); ``--opt=value`` and an attached value (``-ofile``) are read as getopt reads them.

* :data:`FETCHERS`: programs whose every operand is a URL (``curl``, ``wget``, ``aria2c``,
  ``fetch``) or those of their operands that look like one (HTTPie's ``http``/``https``, ``xh``,
  ``curlie``: ``[METHOD] URL [ITEMS]``, ``:3000/x`` for localhost; ``lynx``/``w3m``/``links``/
  ``elinks``: a word with a scheme or a dotted host).  An operand with no scheme gets the
  program's default one (``curl 10.0.0.5`` requests ``http://10.0.0.5``).
* ``curl --resolve HOST:PORT:ADDR`` and ``--connect-to H:P:ADDR:PORT``: the address the request
  really reaches is requested too (``http://ADDR:PORT/``).
* ``git clone|fetch|pull|push|ls-remote|archive --remote|submodule add`` with a URL (a remote
  named in the repository's config, ``git push``, ``git fetch origin``, is not read: see
  ``_shell_network``); ``pip``/``uv``/``pipx``/``poetry``/``pdm`` installs and ``npm``/``pnpm``/
  ``yarn``/``bun`` adds of a URL (``git+https://…``, ``pkg @ https://…``), and their index or
  registry options (``cargo install --git``, ``gem install --source`` too).  ``pip install
  requests`` names no URL.
* :data:`CONNECTORS` (``network_connect``, the target ``host:port``): ``nc``/``ncat``/
  ``netcat`` ``HOST PORT`` (not with ``-l``), ``telnet HOST [PORT]``, ``socat`` addresses
  (``TCP:h:p``, ``UDP-SENDTO:h:p``, ``OPENSSL:h:p``, ``PROXY:proxy:h:p``, ``SOCKS4:s:h:p``),
  ``openssl s_client -connect h:p``, ``ssh -W h:p`` and ``ssh -L [bind:]port:h:p``.

A value known only at run time (``curl "$URL"``) is a target of :data:`UNKNOWN` address; a URL
whose scheme and host are written out (``https://api.github.com/repos/$R``) is judged as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from goalrail.policies.builtins._shell_types import Word
from goalrail.policies.builtins._wrappers import names, option_spellings

__all__ = ["CONNECT", "HANDLERS", "REQUEST", "UNKNOWN", "Target", "connect_target", "url_target"]

REQUEST = "network_request"
CONNECT = "network_connect"
#: the address of a target known only at run time
UNKNOWN = "*"
#: (action type, URL or ``host:port``, the program named in reasons, handed: to a program whose
#: code is not read, which may or may not request it)
Target = tuple[str, str, str, bool]
Add = Callable[[str, str], None]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{0,15}://")
#: a word that names a host: a dotted name or address, ``localhost``, ``[v6]``, then a port or a path
_HOSTLIKE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)(:\d{0,5})?([/?#].*)?$")
_LOCAL_FILES = ("file://", "fileb://")
_DYNAMIC = re.compile(r"[$`{}%<>]")
_METHOD = re.compile(r"^[A-Z]{3,7}$")
_ITEM = re.compile(r"^[^/:=@]*(==|:=|=|@|:(?![\d/]))")  # HTTPie's `a=b`, `H:v`, `f@file` (not `host:8080/…`)
_VCS = re.compile(r"^(git|hg|svn|bzr)\+")


def _options(spec: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(options taking a value, those whose value is a URL, those whose value is a file of URLs)."""
    values: set[str] = set()
    urls: set[str] = set()
    lists: set[str] = set()
    for item in spec.split():
        mark, spelled = option_spellings(item, ":^@")
        if mark:
            values.update(spelled)
        if mark == "^":
            urls.update(spelled)
        elif mark == "@":
            lists.update(spelled)
    return frozenset(values), frozenset(urls), frozenset(lists)


def parse(words: Iterable[Word], values: frozenset[str]) -> tuple[list[Word], list[tuple[str, Word]]]:
    """(operands, (option, value) pairs) as getopt reads ``words``: short clusters, ``--o=v``, ``--``."""
    ops: list[Word] = []
    given: list[tuple[str, Word]] = []
    it = iter(words)
    for text, dyn in it:
        if dyn or not text.startswith("-") or text == "-":
            ops.append((text, dyn))
        elif text == "--":
            ops += list(it)
        elif text.startswith("--"):
            name, eq, value = text.partition("=")
            if eq:
                given.append((name, (value, False)))
            elif name in values:
                given.append((name, next(it, ("", True))))
        elif text in values:  # `-o f`; a single-dash long option (`-connect h:p`)
            given.append((text, next(it, ("", True))))
        elif text[:2] in values:
            given.append((text[:2], (text[2:], False)))  # `-ofile`
        else:
            for i, c in enumerate(text[1:], 1):
                if f"-{c}" in values:
                    rest = text[i + 1 :]
                    given.append((f"-{c}", (rest, False) if rest else next(it, ("", True))))
                    break
    return ops, given


def url_target(text: str, dyn: bool, scheme: str, loose: bool = False) -> str | None:
    """The URL a word requests (``scheme`` added to one without), :data:`UNKNOWN` when its host is
    known only at run time, None when it names no network address (a local file; with ``loose``, a
    word that does not look like a URL or host)."""
    if text.startswith(_LOCAL_FILES):
        return None
    text = _VCS.sub("", text)
    if not _SCHEME.match(text):
        if text.startswith(":") and (text[1:2].isdigit() or text[1:2] == "/"):  # HTTPie's `:3000/x`
            text = "localhost" + text
        if loose and dyn and text[:1] in "$`":
            return UNKNOWN  # (`http "$URL"`)
        if loose and not _HOSTLIKE.match(text):
            return None
        text = f"{scheme}://{text}"
    authority = text.partition("://")[2].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rpartition("@")[2]  # (credentials known at run time name no address: `https://$TOKEN@host/`)
    if not host or _DYNAMIC.search(host):
        return UNKNOWN
    return text


def connect_target(host: str, port: str, dyn: bool = False) -> str:
    """``host:port`` (``[v6]:port``), :data:`UNKNOWN` for a host or port known only at run time."""
    if dyn or not host or _DYNAMIC.search(host) or _DYNAMIC.search(port):
        return UNKNOWN
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


_CURL = _options(
    "X/request: d/data: /data-binary: /data-raw: /data-urlencode: /data-ascii: /json: F/form: /form-string: "
    "T/upload-file: o/output: /output-dir: H/header: u/user: x/proxy^ /preproxy^ A/user-agent: b/cookie: "
    "c/cookie-jar: e/referer: K/config@ m/max-time: r/range: w/write-out: /url^ /url-query: C/continue-at: "
    "D/dump-header: E/cert: /cert-type: /cacert: /capath: /ciphers: /connect-timeout: /connect-to: "
    "/create-file-mode: /key: /key-type: /limit-rate: /local-port: /max-filesize: /max-redirs: P/ftp-port: "
    "/pass: /pinnedpubkey: /proto: /proto-default: /proto-redir: U/proxy-user: /proxy-header: /proxy-cacert: "
    "/proxy-cert: /proxy-key: /proxy1.0^ /pubkey: Q/quote: /request-target: /resolve: /retry: /retry-delay: "
    "/retry-max-time: t/telnet-option: /tls-max: /tlsuser: /tlspassword: /unix-socket: /abstract-unix-socket: "
    "y/speed-time: Y/speed-limit: z/time-cond: /trace: /trace-ascii: /stderr: /variable: /oauth2-bearer: "
    "/dns-servers: /doh-url^ /etag-save: /etag-compare: /hsts: /alt-svc: /mail-from: /mail-rcpt: /mail-auth: "
    "/login-options: /socks4^ /socks4a^ /socks5^ /socks5-hostname^ /noproxy: /parallel-max: /interface: "
    "/crlfile: /curves: /expect100-timeout: /happy-eyeballs-timeout-ms: /rate: /sasl-authzid: /service-name: "
    "/keepalive-time: /krb: /delegation: /engine: /ftp-account: /ftp-method: /haproxy-clientip: /ip-tos: "
    "/proxy-pass: /proxy-ciphers: /proxy-tls13-ciphers: /tls13-ciphers: /tlsauthtype: /ech: /netrc-file: "
    "/aws-sigv4: /ssl-sessions: /trace-config: /proxy-service-name: /proxy-tlsuser: /proxy-tlspassword:"
)
_WGET = _options(
    "O/output-document: o/output-file: a/append-output: i/input-file@ B/base: e/execute: P/directory-prefix: "
    "U/user-agent: t/tries: T/timeout: w/wait: Q/quota: l/level: A/accept: R/reject: D/domains: "
    "I/include-directories: X/exclude-directories: n: /post-data: /post-file: /method: /body-data: "
    "/body-file: /header: /user: /password: /http-user: /http-password: /proxy-user: /proxy-password: "
    "/load-cookies: /save-cookies: /certificate: /ca-certificate: /private-key: /referer: /limit-rate: "
    "/bind-address: /dns-timeout: /connect-timeout: /read-timeout: /waitretry: /restrict-file-names: "
    "/exclude-domains: /follow-tags: /ignore-tags: /default-page: /cut-dirs: /local-encoding: /remote-encoding:"
)
_ARIA2 = _options(
    "d/dir: o/out: l/log: j/max-concurrent-downloads: s/split: x/max-connection-per-server: "
    "k/min-split-size: i/input-file@ t/timeout: m/max-tries: T/torrent-file: M/metalink-file: u/max-upload-limit: "
    "/all-proxy^ /http-proxy^ /https-proxy^ /ftp-proxy^ /header: /user-agent: /referer: /load-cookies: "
    "/save-cookies: /checksum: /http-user: /http-passwd:"
)
_HTTPIE = _options(
    "a/auth: A/auth-type: o/output: /session: /session-read-only: /raw: /boundary: /cert: /cert-key: "
    "/verify: /proxy: /pretty: s/style: p/print: /format-options: /timeout: /max-redirects: /max-headers: "
    "/default-scheme: /ssl: /ciphers: /unix-socket:"
)
_BROWSER = _options("o: T: I: O: N:")
_FETCH = _options("o: S: T: N: i: B:")


def _add_urls(add: Add, words: Iterable[Word], scheme: str, loose: bool = False) -> None:
    for text, dyn in words:
        if (url := url_target(text, dyn, scheme, loose)) is not None:
            add(REQUEST, url)


def _routed(add: Add, option: str, value: Word) -> None:
    """``--resolve H:P:ADDR`` / ``--connect-to H:P:ADDR:PORT``: the address really reached."""
    text, dyn = value
    parts = text.split(":")
    if dyn:
        add(REQUEST, UNKNOWN)
    elif option == "--resolve" and len(parts) >= 3:
        port, addr = parts[1], ":".join(parts[2:]).split(",")[0].strip("[]")
        add(REQUEST, f"{'https' if port == '443' else 'http'}://{connect_target(addr, port)}/")
    elif option == "--connect-to" and len(parts) >= 4 and parts[2]:
        add(REQUEST, f"{'https' if parts[3] == '443' else 'http'}://{connect_target(parts[2], parts[3])}/")


def _table(
    options: tuple[frozenset[str], frozenset[str], frozenset[str]], scheme: str, every: bool
) -> Callable[[Add, list[Word]], None]:
    values, urls, lists = options

    def read(add: Add, words: list[Word]) -> None:
        ops, given = parse(words, values)
        for option, value in given:
            if option in urls:
                _add_urls(add, [value], "http")
            elif option in lists:
                add(REQUEST, UNKNOWN)  # URLs read from a file (`curl -K f`, `wget -i f`)
            elif option in ("--resolve", "--connect-to"):
                _routed(add, option, value)
        if not every:  # `http [METHOD] URL [ITEMS]`, `w3m -dump URL`
            if ops and not ops[0][1] and _METHOD.match(ops[0][0]):
                ops = ops[1:]
            ops = [w for w in ops if w[1] or not _ITEM.match(w[0]) or _SCHEME.match(w[0])][:1]
        _add_urls(add, ops, scheme, loose=not every)

    return read


_GIT_URL_COMMANDS = frozenset({"clone", "fetch", "pull", "push", "ls-remote", "archive", "submodule"})
_GIT_GLOBALS = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env"})
_GIT_VALUES = frozenset({"-b", "--branch", "-o", "--origin", "--depth", "--reference", "--template", "-u", "-j"})


def _git(add: Add, words: list[Word]) -> None:
    i = 0
    while i < len(words) and words[i][0].startswith("-") and not words[i][1]:
        i += 2 if words[i][0] in _GIT_GLOBALS else 1
    if i >= len(words) or words[i][0] not in _GIT_URL_COMMANDS:
        return
    ops, given = parse(words[i + 1 :], _GIT_VALUES | {"--remote", "--upload-pack", "--receive-pack"})
    for option, (text, dyn) in given:
        if option == "--remote" and (url := url_target(text, dyn, "ssh", loose=True)) is not None:
            add(REQUEST, url)
    # a URL, never a remote's name (`origin`) or a scp-like `host:path`; `$REPO` may be either
    _add_urls(add, [w for w in ops if _SCHEME.match(w[0]) and not w[0].startswith(("ext::", "fd::"))], "https")


_PIP = _options("i/index-url^ /extra-index-url^ f/find-links^ r/requirement: c/constraint: e/editable^ t/target: ")
_NPM = _options("/registry^ w/workspace: /prefix: /tag: /cache:")
_CARGO = _options("/git^ /index^ /registry: /branch: /tag: /rev: /root: /version: /path: /features: /target-dir:")
_GEM = _options("s/source^ v/version: /platform: i/install-dir: n/bindir:")
_INSTALLS = frozenset({"install", "i", "add", "download", "wheel", "sync", "update", "upgrade", "inject"})


def _direct(text: str) -> str | None:
    """The URL a package operand installs from: ``https://…``, ``git+https://…``, ``pkg @ https://…``."""
    if _SCHEME.match(_VCS.sub("", text)):
        return text
    after = text.partition("@")[2].strip()
    return after if after and _SCHEME.match(_VCS.sub("", after)) else None


def _installer(options: tuple[frozenset[str], frozenset[str], frozenset[str]]) -> Callable[[Add, list[Word]], None]:
    values, urls, _lists = options

    def read(add: Add, words: list[Word]) -> None:
        ops, given = parse(words, values)
        for option, value in given:
            if option in urls:
                _add_urls(add, [value], "https", loose=True)
        if not ops or ops[0][0] == "pip":  # `uv pip install …`, `python -m pip install …`
            ops = ops[1:]
        if ops and ops[0][0] in _INSTALLS:
            _add_urls(add, [(u, dyn) for text, dyn in ops[1:] if (u := _direct(text))], "https")

    return read


_NC = _options(
    "p/source-port: s/source: w/wait: i/interval: x/proxy: X: I: O: M: m: P/proxy-auth: T: V: q: e/exec: "
    "c/sh-exec: /lua-exec: o/output: /proxy-type: /proxy-dns: d/delay: G: g: /append-output: /allow: /deny:"
)


def _nc(add: Add, words: list[Word]) -> None:
    ops, given = parse(words, _NC[0])
    flags = {t for t, d in words if t.startswith("-") and not d}
    if any(f == "--listen" or (f[1:2] != "-" and "l" in f) for f in flags):
        return  # listening, not connecting
    if any(f == "-U" or f == "--unixsock" for f in flags):
        return
    for option, (text, dyn) in given:
        if option in ("-x", "--proxy"):
            host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
            add(CONNECT, connect_target(host, port, dyn))
    if ops:
        named, given_port = ops[0], ops[1] if len(ops) > 1 else ("", False)
        add(CONNECT, connect_target(named[0], given_port[0], named[1] or given_port[1]))


def _telnet(add: Add, words: list[Word]) -> None:
    ops, _given = parse(words, frozenset({"-l", "-e", "-n", "-b", "-X", "-k"}))
    if ops:
        port = ops[1] if len(ops) > 1 else ("23", False)
        add(CONNECT, connect_target(ops[0][0], port[0], ops[0][1] or port[1]))


_SOCAT_TYPES = re.compile(
    r"^(?:(tcp[46]?(?:-connect)?|udp[46]?(?:-connect|-sendto|-datagram)?|sctp[46]?(?:-connect)?|openssl"
    r"(?:-connect)?|ssl|dtls|dccp-connect)|(proxy(?:-connect)?|socks[45]a?)):(.*)$",
    re.IGNORECASE,
)


def _socat(add: Add, words: list[Word]) -> None:
    ops, _given = parse(words, frozenset({"-d", "-D", "-lf", "-T", "-t", "-b", "-L", "-W"}))
    for text, dyn in ops:
        m = _SOCAT_TYPES.match(text.split(",", 1)[0])
        if m is None:
            if dyn and not text.lower().startswith(("stdio", "-", "exec", "system", "file", "open", "pipe")):
                add(CONNECT, UNKNOWN)  # `socat - "$ADDR"`
            continue
        rest = m.group(3)
        if m.group(2):  # `PROXY:proxy:host:port`, `SOCKS4:socks:host:port`
            proxy, _, rest = rest.partition(":")
            add(CONNECT, connect_target(proxy, "1080" if m.group(2).lower().startswith("socks") else "8080", dyn))
        host, _, port = rest.rpartition(":")
        add(CONNECT, connect_target(host.strip("[]"), port, dyn))


def _openssl(add: Add, words: list[Word]) -> None:
    if not words or words[0][0] not in ("s_client", "s_time"):
        return
    _ops, given = parse(words[1:], frozenset({"-connect", "-host", "-port", "-proxy", "-servername", "-CAfile"}))
    named = dict(given)
    if "-connect" in named:
        text, dyn = named["-connect"]
        host, _, port = text.rpartition(":") if ":" in text else (text, "", "443")
        add(CONNECT, connect_target(host.strip("[]"), port, dyn))
    elif "-host" in named or "-port" in named:
        where, at = named.get("-host", ("localhost", False)), named.get("-port", ("4433", False))
        add(CONNECT, connect_target(where[0], at[0], where[1] or at[1]))
    else:
        add(CONNECT, "localhost:4433")
    if "-proxy" in named:
        text, dyn = named["-proxy"]
        host, _, port = text.rpartition(":")
        add(CONNECT, connect_target(host, port, dyn))


_SSH_VALUES = names("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -B -P")


def _ssh(add: Add, words: list[Word]) -> None:
    """``ssh -W host:port`` (a raw stream) and ``-L [bind:]port:host:hostport`` (a tunnel to it)."""
    if not any(t.startswith("-") and ("W" in t or "L" in t) for t, _ in words):
        return
    _ops, given = parse(words, _SSH_VALUES)
    for option, (text, dyn) in given:
        if "%" in text:  # `ProxyCommand='ssh -W %h:%p jump'`: the host the outer ssh logs in to
            continue
        if option == "-W":
            host, _, port = text.rpartition(":")
            add(CONNECT, connect_target(host.strip("[]"), port, dyn))
        elif option == "-L" and text.count(":") >= 2 and "/" not in text.split(":", 1)[0]:
            host, _, port = text.rpartition(":")
            add(CONNECT, connect_target(host.rpartition(":")[2].strip("[]"), port, dyn))


_CURLISH = _table(_CURL, "http", True)
_HTTPIE_HTTP = _table(_HTTPIE, "http", False)
_HTTPIE_HTTPS = _table(_HTTPIE, "https", False)
_BROWSE = _table(_BROWSER, "http", False)
#: program → what reads its words (the targets it is handed)
HANDLERS: dict[str, Callable[[Add, list[Word]], None]] = {
    "curl": _CURLISH,
    "wget": _table(_WGET, "http", True),
    "wget2": _table(_WGET, "http", True),
    "aria2c": _table(_ARIA2, "http", True),
    "fetch": _table(_FETCH, "http", False),
    "curlie": _table(_CURL, "http", False),
    **dict.fromkeys(("http", "xh"), _HTTPIE_HTTP),
    **dict.fromkeys(("https", "xhs"), _HTTPIE_HTTPS),
    **dict.fromkeys(("lynx", "w3m", "links", "links2", "elinks"), _BROWSE),
    "git": _git,
    **dict.fromkeys(("pip", "pip3", "uv", "pipx", "poetry", "pdm", "pipenv"), _installer(_PIP)),
    **dict.fromkeys(("npm", "pnpm", "yarn", "bun"), _installer(_NPM)),
    "cargo": _installer(_CARGO),
    "gem": _installer(_GEM),
    **dict.fromkeys(("nc", "ncat", "netcat", "nc.openbsd", "nc.traditional"), _nc),
    "telnet": _telnet,
    "socat": _socat,
    "openssl": _openssl,
    **dict.fromkeys(("ssh", "autossh"), _ssh),
}
