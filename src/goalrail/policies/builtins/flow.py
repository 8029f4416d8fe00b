"""Builtin policies: flow (where data may go, judged by where it came from).

``information_flow`` stops prompt injection at the moment it matters: when a
write tool is about to send data somewhere.  It reads the tool metadata on the
event's canonical action (``sinks``: arguments that choose a destination,
``content``: free text that may carry links or addresses) and the session's
provenance record (``context["provenance"]``):

- **integrity**: once the session has seen untrusted content (or always, with
  ``require_taint: false``), every sink value must be grounded in the user's
  requests or trusted tool output, and so must every link, address, IBAN and
  phone number inside content arguments.  Otherwise ASK (or DENY);
- **secrecy**: data that came out of a ``sensitive`` tool may not leave through
  a sink whose destination is outside ``always_grounded`` without ASK.

Reasons name the argument, the value and where it first appeared, e.g.
``recipient `x@evil.example` first appeared in untrusted output of `read_inbox```;
a value that came from sensitive output is never repeated.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from goalrail.policies.arguments import argument_values, leaf_strings
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.provenance import EMPTY, Provenance, extract_values, kind_of, norm_domain, url_host
from goalrail.policies.schema import PolicyEvent, PolicyResponse, Verdict

Policy = Callable[[PolicyEvent], PolicyResponse | None]

UNTRUSTED_LABEL = "untrusted_content"
_CONTENT_KINDS = ("email", "url", "iban", "phone")
_MAX_REPORTED = 3


def _strings(value: object) -> list[str]:
    return [s.strip() for s in leaf_strings(value, skip_blank=True, max_depth=8)]


def _label(path: str) -> str:
    leaf = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return leaf or path


class _Allow:
    """``always_grounded``: domains (and ``*.`` globs), addresses and exact values."""

    def __init__(self, entries: list[str]) -> None:
        self.exact = {e.strip().lower() for e in entries if "*" not in e}
        self.globs = [re.compile(fnmatch.translate(e.strip().lower())) for e in entries if "*" in e]

    def _domain_ok(self, domain: str | None) -> bool:
        if not domain:
            return False
        d = norm_domain(domain)
        if d in self.exact or any(g.match(d) for g in self.globs):
            return True
        return any(d.endswith("." + e) for e in self.exact if "." in e and "@" not in e)

    def covers(self, value: str) -> bool:
        v = value.strip().lower()
        if not v:
            return True
        if v in self.exact or any(g.match(v) for g in self.globs):
            return True
        kind = kind_of(value)
        if kind == "email":
            return self._domain_ok(v.rsplit("@", 1)[1])
        if kind == "url":
            return self._domain_ok(url_host(value))
        if kind == "domain":
            return self._domain_ok(v)
        return False


_NOUNS = {"email": "recipient", "url": "link", "iban": "IBAN", "phone": "phone number", "domain": "domain"}


def _explain(prov: Provenance, path: str, value: str, *, inside: bool = False) -> str:
    noun = _NOUNS.get(kind_of(value), "value")
    where = f"in `{_label(path)}`" if inside else f"(argument `{_label(path)}`)"
    if prov.sensitive_sources(value):
        return f"{noun} {where} is not grounded in the user's request or trusted data"
    shown = value if len(value) <= 80 else value[:77] + "..."
    origin = prov.origin(value)
    if origin is not None:
        return f"{noun} `{shown}` {where} first appeared in {origin.trust} output of `{origin.name}`"
    return f"{noun} `{shown}` {where} does not appear in the user's request or trusted data"


@builtin(
    "Information flow",
    "Stops prompt injection: after untrusted content, the destinations of write tools "
    "(their `sinks`) and links or addresses in their `content` must be grounded in the user's "
    "requests or trusted tool output, else ASK (or DENY); data from `sensitive` tools may not leave "
    "for an outside destination without ASK. Needs tool metadata (`tools:` in the server config or "
    "agent spec).",
    params={
        "on_violation": Param("Verdict for an ungrounded destination or a secret leaving.", enum=["ask", "deny"]),
        "require_taint": Param(
            "Check only once the session has seen untrusted content (label "
            "`untrusted_content`); false checks every write."
        ),
        "always_grounded": Param(
            "Destinations that need no grounding: the organisation's domains "
            "(`corp.example`, also its subdomains), `*.` globs, addresses or exact values.",
            maxItems=200,
            items={"minLength": 1, "maxLength": 253},
        ),
        "check_content": Param(
            "Also require links, addresses, IBANs and phone numbers inside `content` arguments to be grounded."
        ),
        "secrecy": Param(
            "ASK when data from a `sensitive` tool's output is sent to a destination outside `always_grounded`."
        ),
        "tools": Param(
            "Only check these tools (globs over harness or canonical names); "
            "null checks every tool whose metadata declares sinks or content.",
            maxItems=200,
            items={"minLength": 1, "maxLength": 200},
        ),
    },
)
@listens_to(types=("tool_call",))
def information_flow(
    on_violation: str = "ask",
    require_taint: bool = True,
    always_grounded: Sequence[str] = (),
    check_content: bool = True,
    secrecy: bool = True,
    tools: list[str] | None = None,
) -> Policy:
    """Require destinations and links of write tools to be grounded in trusted sources."""
    verdict: Verdict = "DENY" if on_violation == "deny" else "ASK"
    allow = _Allow(list(always_grounded or []))
    only = [re.compile(fnmatch.translate(t)) for t in tools] if tools else None

    def ok(prov: Provenance, value: str) -> bool:
        if allow.covers(value) or prov.grounded(value):
            return True
        return kind_of(value) == "text" and prov.grounded_words(value)

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        if event["type"] != "tool_call":
            return None
        ctx = event["context"]
        action = ctx.get("action") or {}
        sinks = action.get("sinks") or []
        content = action.get("content") or []
        if not sinks and not content:
            return None
        name = action.get("original") or event.get("target") or "?"
        if only is not None and not any(rx.match(name) or rx.match(action.get("tool") or "") for rx in only):
            return None
        data = event.get("data")
        args = data.get("arguments") if isinstance(data, Mapping) else None
        if not isinstance(args, Mapping):
            return None
        prov: Provenance = ctx.get("provenance") or EMPTY
        tainted = prov.tainted or UNTRUSTED_LABEL in (ctx.get("labels") or {})
        problems: list[str] = []
        destinations: list[str] = []
        for path, value in _texts(args, sinks):
            destinations.append(value)
            if (tainted or not require_taint) and not ok(prov, value):
                problems.append(_explain(prov, path, value))
        if check_content and (tainted or not require_taint):  # integrity: what the content links to
            for path, text in _texts(args, content):
                for kind, value in dict.fromkeys(extract_values(text, words=False)):
                    if kind in _CONTENT_KINDS and not ok(prov, value):
                        problems.append(_explain(prov, path, value, inside=True))
        if secrecy and prov.sensitive_seen and any(not allow.covers(d) for d in destinations):
            for path in content:  # secrecy: the first finding per argument
                texts = _strings(argument_values(args, path))
                hits = next((h for text in texts if (h := _sensitive_in(prov, text))), None)
                if hits:
                    problems.append(f"`{_label(path)}` carries data from sensitive output of `{hits[0]}`")
        if not problems:
            return None
        extra = f" (and {len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
        return {"result": verdict, "reason": f"{name}: " + "; ".join(problems[:_MAX_REPORTED]) + extra}

    return policy


def _texts(args: Mapping[str, object], paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, string) for every string each argument path holds."""
    for path in paths:
        for text in _strings(argument_values(args, path)):
            yield path, text


def _sensitive_in(prov: Provenance, text: str) -> list[str]:
    names: list[str] = []
    for kind, value in extract_values(text, words=False):
        if kind == "domain":
            continue
        for src in prov.sources(value) if kind != "text" else prov.index.get(f"text:{value}", ()):
            if src.trust == "sensitive" and src.name not in names:
                names.append(src.name)
    return names


POLICY_REGISTRY = registry_entries(__name__)
