"""Validating the ``server``, ``auth`` and ``limits`` sections of the server config.

server: {host: 127.0.0.1, port: 6767, public_url: "https://goalrail.example.com", allowed_hosts: [goalrail.lan],
         guard_own_files: true}   # false: sessions may change the server's own files (config.own_files)
auth:
  mode: single-user     # or tokens; unset: tokens if auth.tokens is set or the host is not loopback
  console_token_file: ~/.goalrail/console-token
  cookie_max_age_s: 43200
  tokens:               # optional static tokens (the store holds the ones `goalrail token create` makes)
    - {user: alice, role: admin, sha256: <hex digest of the token>, label: laptop}
    - {user: alice, role: agent, sha256: <hex digest>, agent: coder}   # bound to agent spec `coder`
  require_agent: false  # true: every session a non-admin credential creates must run an agent spec
limits: {max_body_bytes: 1048576, max_llm_body_bytes: 33554432, max_wait_s: 300, max_list: 500,
         max_json_depth: 64, max_sessions_per_user: 1000, sessions_window_s: 86400, max_tokens_per_user: 100,
         policy_timeout_ms: 5000}
llm_proxy: {upstream: "https://api.openai.com", api_key_env: OPENAI_API_KEY,
            anthropic_upstream: "https://api.anthropic.com", anthropic_api_key_env: ANTHROPIC_API_KEY,
            ask_timeout_s: 300}
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from goalrail.config.yamlfile import fail
from goalrail.engine.chain import DEFAULT_TIMEOUT_MS
from goalrail.jsontypes import JsonObject

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6767
LIMIT_DEFAULTS: dict[str, float] = {
    "max_body_bytes": 1 << 20,
    "max_llm_body_bytes": 32 << 20,  # the LLM proxy and its in-process evaluations: long conversations
    "max_wait_s": 300.0,
    "max_list": 500,
    "max_json_depth": 64,
    "max_sessions_per_user": 1000,  # live: not ended, active within `sessions_window_s`
    "sessions_window_s": 86400,
    "max_tokens_per_user": 100,  # not revoked
    "policy_timeout_ms": DEFAULT_TIMEOUT_MS,  # a policy's deadline when it sets no `timeout_ms` of its own
}
AUTH_MODES = ("single-user", "tokens")
AUTH_DEFAULTS: JsonObject = {
    "mode": None,
    "console_token_file": None,
    "cookie_max_age_s": 43200,
    "tokens": [],
    "require_agent": False,  # every session of a non-admin credential must run an agent spec
}
ROLES = ("admin", "user", "agent")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _number(node: Mapping[str, object], key: str, *, integer: bool, section: str, maximum: float | None = None) -> None:
    value = node.get(key)
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    ok = number is not None and (isinstance(number, int) or not integer) and number > 0
    if not ok or (maximum is not None and number is not None and number > maximum):
        kind = "a positive integer" if integer else "a positive number"
        bound = f" ≤ {maximum:g}" if maximum is not None else ""
        raise fail(node, key, f"`{section}.{key}` must be {kind}{bound}")


def _closed(node: object, allowed: set[str], section: str) -> Mapping[str, object]:
    """``node``, checked to be a mapping of ``allowed`` keys only."""
    if not isinstance(node, Mapping):
        raise fail(node, None, f"`{section}` must be a mapping")
    bad = sorted(set(node) - allowed)
    if bad:
        raise fail(node, bad[0], f"unknown key `{section}.{bad[0]}` (expected {', '.join(sorted(allowed))})")
    return node


def check_server(node: object) -> None:
    if node is None:
        return
    node = _closed(node, {"host", "port", "public_url", "allowed_hosts", "workers", "guard_own_files"}, "server")
    if not isinstance(node.get("guard_own_files", True), bool):
        raise fail(node, "guard_own_files", "`server.guard_own_files` must be true or false")
    if "host" in node and (not isinstance(node["host"], str) or not node["host"]):
        raise fail(node, "host", "`server.host` must be a host name or address")
    if "port" in node:
        _number(node, "port", integer=True, section="server", maximum=65535)
    if "workers" in node:
        _number(node, "workers", integer=True, section="server", maximum=64)
    url = node.get("public_url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        raise fail(node, "public_url", "`server.public_url` must start with http:// or https://")
    hosts = node.get("allowed_hosts")
    if hosts is not None and not (
        isinstance(hosts, list) and all(isinstance(h, str) and h and "/" not in h and ":" not in h for h in hosts)
    ):
        raise fail(node, "allowed_hosts", "`server.allowed_hosts` must be a list of host names (no scheme or port)")


def check_limits(node: object) -> None:
    if node is None:
        return
    node = _closed(node, set(LIMIT_DEFAULTS), "limits")
    for key in ("max_body_bytes", "max_llm_body_bytes", "max_list", "max_sessions_per_user", "max_tokens_per_user"):
        if key in node:
            _number(node, key, integer=True, section="limits")
    if "max_wait_s" in node:
        _number(node, "max_wait_s", integer=False, section="limits", maximum=86400)
    if "sessions_window_s" in node:
        _number(node, "sessions_window_s", integer=False, section="limits", maximum=366 * 86400)
    if "policy_timeout_ms" in node:  # a policy's own `timeout_ms` may be up to 600,000 too
        _number(node, "policy_timeout_ms", integer=False, section="limits", maximum=600_000)
    if "max_json_depth" in node:  # deeper nesting would reach Python's recursion limit while parsing
        _number(node, "max_json_depth", integer=True, section="limits", maximum=200)


def check_auth(node: object) -> None:
    if node is None:
        return
    node = _closed(node, set(AUTH_DEFAULTS), "auth")
    mode = node.get("mode")
    if mode is not None and mode not in (*AUTH_MODES, "auto"):  # `auto`: older configs, the default
        raise fail(node, "mode", f"`auth.mode` must be `single-user` or `tokens`, got `{mode}`")
    path = node.get("console_token_file")
    if path is not None and (not isinstance(path, str) or not path):
        raise fail(node, "console_token_file", "`auth.console_token_file` must be a path")
    if "cookie_max_age_s" in node:
        _number(node, "cookie_max_age_s", integer=True, section="auth")
    if not isinstance(node.get("require_agent", False), bool):
        raise fail(node, "require_agent", "`auth.require_agent` must be true or false")
    tokens = node.get("tokens") or []
    if not isinstance(tokens, list):
        raise fail(node, "tokens", "`auth.tokens` must be a list of {user, role, sha256}")
    for i, tok in enumerate(tokens):
        loc = f"auth.tokens[{i}]"
        if not isinstance(tok, Mapping):
            raise fail(node, "tokens", f"`{loc}` must be a mapping with user, role and sha256")
        bad = sorted(set(tok) - {"user", "role", "sha256", "label", "agent"})
        if bad:
            raise fail(tok, bad[0], f"unknown key `{loc}.{bad[0]}`")
        if not isinstance(tok.get("user"), str) or not tok["user"]:
            raise fail(tok, "user", f"`{loc}.user` is required")
        if tok.get("role") not in ROLES:
            raise fail(tok, "role", f"`{loc}.role` must be admin, user or agent")
        digest = tok.get("sha256")
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise fail(tok, "sha256", f"`{loc}.sha256` must be the hex SHA-256 of the token (64 lowercase hex digits)")
        _check_bound(tok, loc)


def _check_bound(tok: Mapping[str, object], loc: str) -> None:
    """``agent``: the agent spec an agent token is bound to (known at start: ``bound.check_static``)."""
    if "agent" not in tok:
        return
    name = tok["agent"]
    if not isinstance(name, str) or not name or "\x00" in name or len(name) > 200:
        raise fail(tok, "agent", f"`{loc}.agent` must be an agent spec's name")
    if tok.get("role") != "agent":
        raise fail(tok, "agent", f"`{loc}.agent`: only agent tokens can be bound to an agent spec")


def check_llm_proxy(node: object) -> None:
    """``llm_proxy``: where the mounted proxy forwards OpenAI and Anthropic requests (one at least)."""
    if node is None:
        return
    node = _closed(
        node, {"upstream", "api_key_env", "anthropic_upstream", "anthropic_api_key_env", "ask_timeout_s"}, "llm_proxy"
    )
    if "upstream" not in node and "anthropic_upstream" not in node:
        raise fail(node, "upstream", "`llm_proxy` needs `upstream` (OpenAI-compatible), `anthropic_upstream`, or both")
    for key in ("upstream", "anthropic_upstream"):
        url = node.get(key)
        if key in node and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise fail(node, key, f"`llm_proxy.{key}` must be an http:// or https:// URL")
    for key in ("api_key_env", "anthropic_api_key_env"):
        if key in node and (not isinstance(node[key], str) or not node[key]):
            raise fail(node, key, f"`llm_proxy.{key}` must name an environment variable")
    if "ask_timeout_s" in node:
        _number(node, "ask_timeout_s", integer=False, section="llm_proxy")
