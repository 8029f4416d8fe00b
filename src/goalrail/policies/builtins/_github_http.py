"""What a raw HTTP client does to GitHub: ``curl -X DELETE https://api.github.com/repos/o/r`` is
``gh api -X DELETE repos/o/r`` by another name.

Clients read: ``curl`` (``-X``/``--request``, ``-d``/``--data*``/``--json``/``-F`` make a body,
``-T`` a PUT, ``-G`` a GET, ``-I`` a HEAD, ``--request-target`` the path), ``wget``
(``--method``, ``--post-data``/``--body-data``…, any getopt_long prefix), HTTPie and ``xh``
(``http [METHOD] URL key=value…``) and libwww-perl's ``lwp-request -m`` and its ``GET``/``POST``/
``PUT``/``DELETE`` names.  Every word whose host is ``api.github.com`` or ``uploads.github.com``
(scheme or not) is a request, classified as ``gh api`` classifies its endpoint, method and fields
(a JSON or form body's keys are its fields, a GraphQL body its query); a body from a file or
stdin the line does not show counts as an unknown write.  A git smart-HTTP push
(``…/repo.git/git-receive-pack``) is a push to that repository.  A client whose options are read
from a file (``curl -K``) or whose URL is expanded from variables (``--expand-url``) is asked.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from goalrail.policies.builtins._github_gh import api_op
from goalrail.policies.builtins._github_ops import Op
from goalrail.policies.builtins._shell_types import SimpleCommand
from goalrail.policies.builtins._urls import split_remote
from goalrail.policies.builtins._wrappers import names

_API_HOSTS = frozenset({"api.github.com", "uploads.github.com"})
_LWP_METHODS = {"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "DELETE": "DELETE"}
HTTP_CLIENTS = names("curl wget wget2 http https xh xhs lwp-request GET HEAD POST PUT DELETE")
_METHODS = names("GET HEAD POST PUT PATCH DELETE OPTIONS")

_CURL_SHORT_VAL = "AbcCdDeEFHKmoPQrtTuUwxXyYz"
#: curl's options that matter here, by what they say (long names; getopt prefixes are read too)
_CURL_LONG = {
    "--request": "method",
    "--data": "body",
    "--data-raw": "body",
    "--data-ascii": "body",
    "--data-binary": "body",
    "--data-urlencode": "body",
    "--json": "body",
    "--form": "form",
    "--form-string": "form",
    "--upload-file": "upload",
    "--get": "get",
    "--head": "head",
    "--header": "header",
    "--url": "url",
    "--request-target": "target",
    "--config": "config",
    "--expand-url": "expand",
    "--expand-data": "expand",
    "--expand-json": "expand",
    "--expand-request": "expand",
    "--expand-request-target": "expand",
}
_CURL_SHORT = {"X": "method", "d": "body", "F": "form", "T": "upload", "G": "get", "I": "head", "H": "header"}
_CURL_SHORT |= {"K": "config"}
#: what an option says when it takes a value
_VALUED = frozenset({"method", "body", "form", "file", "upload", "header", "url", "target", "config"})
_WGET_LONG = {
    "--method": "method",
    "--post-data": "body",
    "--body-data": "body",
    "--post-file": "file",
    "--body-file": "file",
    "--header": "header",
}


def _api_path(word: str) -> str | None:
    """The API path a word names (``repos/o/r``), or None when its host is not GitHub's API."""
    text = word if "://" in word else "https://" + word
    parsed = split_remote(text)
    if parsed is None or parsed[0] not in _API_HOSTS:
        return None
    return parsed[1].lstrip("/")


def _receive_pack(word: str) -> str | None:
    """``https://github.com/o/r.git/git-receive-pack``: the repository a raw smart-HTTP push writes."""
    if "git-receive-pack" not in word:
        return None
    parsed = split_remote(word if "://" in word else "https://" + word)
    if parsed is None or parsed[0] not in ("github.com", "www.github.com"):
        return None
    parts = [p for p in parsed[1].split("/") if p]
    return f"{parts[0]}/{parts[1]}".lower().removesuffix(".git") if len(parts) >= 3 else None


def _long(word: str, table: dict[str, str]) -> tuple[str | None, str, bool]:
    """(what a long option says, its attached value, whether one was attached); getopt prefixes count."""
    name, eq, val = word.partition("=")
    what = table.get(name)
    if what is None and len(name) > 4:
        hits = {w for full, w in table.items() if full.startswith(name)}
        what = hits.pop() if len(hits) == 1 else ("body" if hits else None)
    return what, val, bool(eq)


class _Request:
    """One client command's method, body and headers, read from its options."""

    __slots__ = ("body", "doubt", "get", "headers", "method", "opaque", "target", "urls")

    def __init__(self) -> None:
        self.method: str | None = None
        self.body: list[str] = []
        self.opaque = False  # a body the line does not show (a file, stdin)
        self.get = False
        self.headers: list[str] = []
        self.target: str | None = None
        self.urls: list[str] = []
        self.doubt: str | None = None

    def take(self, what: str, value: str, stdin: str | None) -> None:
        if what == "method":
            self.method = value.strip().upper()
        elif what in ("body", "form"):
            if value.startswith("@") or (what == "form" and "=@" in value) or (what == "form" and "=<" in value):
                if value in ("@-", "@/dev/stdin") and stdin is not None:
                    self.body.append(stdin)
                else:
                    self.opaque = True
            else:
                self.body.append(value)
        elif what == "file":
            self.opaque = True
        elif what == "upload":
            self.method = self.method or "PUT"
            self.opaque = True
        elif what == "get":
            self.get = True
        elif what == "head":
            self.method = self.method or "HEAD"
        elif what == "header":
            self.headers.append(value)
        elif what == "url":
            self.urls.append(value)
        elif what == "target":
            self.target = value
        elif what == "config":
            self.doubt = "reads its options from a file"
        elif what == "expand":
            self.doubt = "expands variables into its request"


def _stdin_text(cmd: SimpleCommand) -> str | None:
    for r in cmd.redirects:
        if r.op in ("<<", "<<-", "<<<") and not r.dynamic:
            return r.target
    return None


def _curl(cmd: SimpleCommand, req: _Request, table: dict[str, str], short: dict[str, str], vals: str) -> None:
    args, stdin = cmd.args, _stdin_text(cmd)
    i, n = 0, len(args)
    while i < n:
        w = args[i]
        if w == "--":
            req.urls.extend(args[i + 1 :])
            break
        if w.startswith("--"):
            what, val, attached = _long(w, table)
            if what in _VALUED and not attached:
                val = args[i + 1] if i + 1 < n else ""
                i += 1
            if what is not None:
                req.take(what, val, stdin)
        elif w.startswith("-") and len(w) > 1:
            for j in range(1, len(w)):  # `-sSLX DELETE`, `-XDELETE`, `-d@body.json`
                ch = w[j]
                if ch in vals:
                    val = w[j + 1 :]
                    if not val:
                        val = args[i + 1] if i + 1 < n else ""
                        i += 1
                    if ch in short:
                        req.take(short[ch], val, stdin)
                    break
                if ch in short:
                    req.take(short[ch], "", stdin)
        else:
            req.urls.append(w)
        i += 1


def _httpie(cmd: SimpleCommand, req: _Request) -> None:
    """``http [METHOD] URL [items]``: ``k=v``/``k:=json`` are body fields, ``k@file`` a file.  The
    URL is the first word naming GitHub's API (an option's value before it is not mistaken for it)."""
    positional = [w for w in cmd.args if not w.startswith("-")]
    for w in cmd.args:
        if w.startswith("--raw"):
            req.body.append(w.partition("=")[2])
    at = next((i for i, w in enumerate(positional) if _api_path(w) is not None or _receive_pack(w)), None)
    if at is None:
        return
    if at > 0 and positional[at - 1].upper() in _METHODS:
        req.method = positional[at - 1].upper()
    req.urls.append(positional[at])
    for item in positional[at + 1 :]:
        key = item.split("=", 1)[0]
        if "==" in item and ":" not in key:
            continue  # a query parameter
        if "=@" in item or ":=@" in item or ("@" in item and "=" not in item and ":" not in item):
            req.opaque = True
        elif ":=" in item or "=" in item:
            key, _, value = item.replace(":=", "=", 1).partition("=")
            req.body.append(json.dumps({key: value}))
        elif ":" in item:
            req.headers.append(item)


def _fields(body: str) -> list[str]:
    """A body's top-level fields as ``gh api -f`` values: a JSON object's keys or ``a=b&c=d``."""
    text = body.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        out = []
        for k, v in data.items():
            value = v if isinstance(v, str) else json.dumps(v)
            out.append(f"{k}={value}")
        return out
    if "=" in text and "{" not in text[:1]:
        return [p for p in text.split("&") if "=" in p]
    return []


def http_ops(cmd: SimpleCommand) -> list[Op]:
    """The GitHub operations an HTTP client command line performs (none for other hosts)."""
    what = cmd.name
    req = _Request()
    if what in ("curl",):
        _curl(cmd, req, _CURL_LONG, _CURL_SHORT, _CURL_SHORT_VAL)
    elif what in ("wget", "wget2"):
        _curl(cmd, req, _WGET_LONG, {}, "aBeiOoPtTUwYQlADRIXe")
    elif what in ("http", "https", "xh", "xhs"):
        _httpie(cmd, req)
    else:
        _curl(cmd, req, {"--method": "method"}, {"m": "method"}, "mcbCHPt")
        req.method = req.method or _LWP_METHODS.get(what)
        if what in ("POST", "PUT") and not req.body:
            req.opaque = True  # lwp's POST/PUT read the body from stdin
    ops: list[Op] = []
    dyn = dict(zip(cmd.argv, cmd.dynamic, strict=False))
    for url in req.urls:
        repo = _receive_pack(url)
        if repo is not None:
            ops.append(Op(f"{what} git-receive-pack", "write", repo, branches=(None,), branch_scoped=True))
            continue
        path = _api_path(url)
        if path is None:
            if dyn.get(url, False) and _API_PATH.search(url) and _writes(req):  # `-X DELETE "$API/repos/o/r"`
                ops.append(
                    Op(f"{what} {req.method or 'POST'}", doubt="a URL known only at run time, on a GitHub API path")
                )
            continue
        if req.doubt is not None:
            ops.append(Op(f"{what} api.github.com", doubt=f"`{what}` {req.doubt}"))
            continue
        ops.append(_op(what, req, req.target.lstrip("/") if req.target else path, dyn.get(url, False)))
    if req.doubt is not None and not ops and req.doubt.startswith("expands"):
        ops.append(Op(f"{what}", doubt=f"`{what}` {req.doubt}"))
    return ops


#: a path GitHub's API serves, in a URL whose host is known only at run time
_API_PATH = re.compile(r"/(?:repos|orgs|user)/|/graphql\b")


def _writes(req: _Request) -> bool:
    if req.method is not None:
        return req.method not in ("GET", "HEAD")
    return (bool(req.body) or req.opaque) and not req.get


def _op(what: str, req: _Request, path: str, dynamic: bool) -> Op:
    method = req.method or ("GET" if req.get else "POST" if req.body or req.opaque else "GET")
    args: list[str] = ["-X", method, path]
    graphql = path.split("?", 1)[0].rstrip("/") == "graphql"
    for body in req.body:
        if graphql:
            args += ["-f", f"query={body}"]
        else:
            for field in _fields(body):
                args += ["-f", field]
    for header in req.headers:
        args += ["-H", header]
    if req.opaque:
        args += ["--input", "-"]
    op = api_op(tuple(args), (False,) * len(args), None)
    name = f"{what} {method} api.github.com"
    if dynamic:
        return replace(op, what=name, repo=None, doubt="URL known only at run time")
    if req.opaque and op.doubt is not None and "--input" in op.doubt:
        return replace(op, what=name, doubt="request body the line does not show")
    return replace(op, what=name)
