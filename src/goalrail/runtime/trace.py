"""Recorded traces: a session's events, usage and approval answers as JSON Lines.

Format ``goalrail-trace`` version 1 (documented in docs/traces.md).  The first
line is a header; every later line is one record, in the order things happened:

    {"format": "goalrail-trace", "version": 1,
     "session": {"id", "owner", "agent", "labels", "model", "harness", "state"},
     "chain": {"session": [spec…], "agent": [spec…], "server": [spec…]},   # optional
     "policy_modules": [...], "tool_mapping": {...}, "skipped": 0}
    {"kind": "event", "at": 1.0, "seq": 7, "event": {…}, "actor": {…},
     "decision": {"result", "reason", "policy", "decisions"}, "approval_id": "apr_…",
     "expect": {"result": "DENY", …}}                                      # expect: optional
    {"kind": "usage", "at": 2.0, "model": "…", "input_tokens": 10, "output_tokens": 5,
     "cache_read_tokens": 0, "cache_write_tokens": 0, "cost_usd": 0.0001}   # cost_usd: optional
    {"kind": "approval", "at": 3.0, "approval_id": "apr_…", "status": "approved", "scope": "once"}

Built from the audit log (every decision entry keeps the event it judged) and
the usage table.  Pure: no I/O here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypedDict, cast

from goalrail.engine.shapes import RawEvent, VerdictRecord
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import LEVELS, Level, PolicySpec
from goalrail.errors import InvalidRequest
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.runtime.audit import ApprovalPayload, DecisionPayload, SessionStart
from goalrail.runtime.ports import SessionInfo, UsageRecord

FORMAT = "goalrail-trace"
VERSION = 1
KINDS = ("event", "usage", "approval")
#: Approval answers a trace carries (``answered_in_client``: the harness's own prompt let the call run).
ANSWERS = ("approved", "denied", "expired", "answered_in_client")
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


class TraceSession(TypedDict, total=False):
    """The header's ``session``: the session as it was before its first event."""

    id: str
    owner: str | None
    agent: str | None
    labels: dict[str, str]
    model: str | None
    harness: str | None
    state: JsonObject


class TraceRecord(TypedDict, total=False):
    """One line after the header; which keys it has depends on ``kind`` (see the module's docstring)."""

    kind: Literal["event", "usage", "approval"]
    at: float
    seq: int | None
    # kind "event"
    event: RawEvent
    actor: JsonObject | None
    decision: VerdictRecord
    approval_id: str | None
    used_approval: str
    reused: bool
    expect: JsonObject
    # kind "usage"
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float | None
    # kind "approval" (and its `approval_id`)
    status: str
    scope: str | None
    by: str | None


@dataclass
class Trace:
    """One session's recording: its header and its records in order."""

    session: TraceSession
    records: list[TraceRecord]
    chain: dict[str, list[PolicySpec]] | None = None
    policy_modules: list[str] = field(default_factory=list)
    tool_mapping: dict[str, str] = field(default_factory=dict)
    tools: JsonObject = field(default_factory=dict)  # the server config's tool metadata
    agent_tools: JsonObject = field(default_factory=dict)  # the agent spec's `tools:`
    agent_tool_mapping: dict[str, str] = field(default_factory=dict)
    skipped: int = 0

    @property
    def session_id(self) -> str:
        return str(self.session.get("id") or "trace")

    @property
    def events(self) -> int:
        return sum(1 for r in self.records if r["kind"] == "event")

    def header(self) -> dict[str, object]:
        out: dict[str, object] = {"format": FORMAT, "version": VERSION, "session": self.session}
        if self.chain is not None:
            out["chain"] = {level: [spec_to_dict(s) for s in self.chain.get(level, [])] for level in LEVELS}
        if self.policy_modules:
            out["policy_modules"] = list(self.policy_modules)
        if self.tool_mapping:
            out["tool_mapping"] = dict(self.tool_mapping)
        for key in ("tools", "agent_tools", "agent_tool_mapping"):
            if getattr(self, key):
                out[key] = dict(getattr(self, key))
        if self.skipped:
            out["skipped"] = self.skipped
        return out

    def to_jsonl(self) -> str:
        lines: list[Mapping[str, object]] = [self.header(), *self.records]
        return "".join(json.dumps(line, separators=(",", ":"), default=str) + "\n" for line in lines)


def session_start(snap: Snapshot) -> SessionStart:
    """What a session looked like before its first event (kept with that event's audit entry)."""
    return {
        "labels": dict(snap.labels),
        "model": snap.model,
        "harness": snap.harness,
        "state": dict(snap.state),
    }


def spec_to_dict(spec: PolicySpec) -> JsonObject:
    out: JsonObject = {"name": spec.name, "handler": spec.handler, "factory_params": spec.params}
    if spec.kind:
        out["kind"] = spec.kind
    for key, value, default in (
        ("mode", spec.mode, "enforce"),
        ("enabled", spec.enabled, True),
        ("on_error", spec.on_error, "deny"),
        ("timeout_ms", spec.timeout_ms, None),
        ("ask_timeout_s", spec.ask_timeout_s, None),
    ):
        if value != default:
            out[key] = value
    return out


def spec_from_dict(raw: object, level: Level, loc: str) -> PolicySpec:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("handler"), str):
        raise _bad(loc, "a policy needs a string `name` and `handler`")
    params = raw.get("factory_params")
    if params is not None and not isinstance(params, Mapping):
        raise _bad(f"{loc}.factory_params", "must be an object")
    return PolicySpec(
        name=raw["name"],
        handler=raw["handler"],
        level=level,
        params=dict(params) if params is not None else None,
        kind=raw.get("kind"),
        mode=str(raw.get("mode") or "enforce"),
        enabled=bool(raw.get("enabled", True)),
        on_error=str(raw.get("on_error") or "deny"),
        timeout_ms=raw.get("timeout_ms"),
        ask_timeout_s=raw.get("ask_timeout_s"),
    )


def _event_record(payload: DecisionPayload, at: float, seq: int) -> TraceRecord:
    """A decision's audit payload as a trace record: the event, the actor and the decision."""
    record: TraceRecord = {
        "kind": "event",
        "at": at,
        "seq": seq,
        "event": payload["event"],
        "actor": payload.get("actor"),
        "decision": {
            "result": payload.get("result"),
            "reason": payload.get("reason"),
            "policy": payload.get("policy"),
            "decisions": payload.get("decisions"),
        },
    }
    if payload.get("approval_id"):
        record["approval_id"] = payload["approval_id"]
    if payload.get("used_approval"):
        record["used_approval"] = payload["used_approval"]
    if payload.get("reused"):
        record["reused"] = payload["reused"]
    return record


def _approval_record(payload: ApprovalPayload, at: float, seq: int) -> TraceRecord:
    """An answered approval as a trace record."""
    return {
        "kind": "approval",
        "at": at,
        "seq": seq,
        "approval_id": payload.get("approval_id"),
        "status": payload["status"],
        "scope": payload.get("scope"),
        "by": payload.get("by"),
    }


def from_store(
    info: SessionInfo,
    audit_entries: Iterable[Mapping[str, JsonValue]],
    usage: Iterable[UsageRecord],
    *,
    chain: dict[str, list[PolicySpec]] | None = None,
    policy_modules: Sequence[str] = (),
    tool_mapping: Mapping[str, str] | None = None,
    tools: Mapping[str, JsonValue] | None = None,
    agent_tools: Mapping[str, JsonValue] | None = None,
    agent_tool_mapping: Mapping[str, str] | None = None,
) -> Trace:
    """A session's trace from its audit entries (oldest first) and usage records.

    Decision entries recorded before traces existed carry no event; they are
    counted in ``skipped`` rather than exported half-empty.
    """
    timeline: list[tuple[float, int, int, TraceRecord]] = []
    start: SessionStart | None = None
    skipped = 0
    for entry in audit_entries:
        if entry.get("session_id") != info.id:
            continue
        payload = cast(JsonObject, entry.get("payload") or {})  # as runtime.entries / approval_flow wrote it
        at, seq = float(_number(entry.get("at"))), int(_number(entry.get("seq")))
        if entry.get("kind") == "decision":
            if "event" not in payload:
                skipped += 1
                continue
            decision = cast(DecisionPayload, payload)
            if start is None:
                start = decision.get("session_start")
            timeline.append((at, 0, seq, _event_record(decision, at, seq)))
        elif entry.get("kind") == "approval" and cast(ApprovalPayload, payload).get("status") in ANSWERS:
            timeline.append((at, 0, seq, _approval_record(cast(ApprovalPayload, payload), at, seq)))
    for n, u in enumerate(usage):
        record: TraceRecord = {
            "kind": "usage",
            "at": u.at,
            "model": u.model,
            "input_tokens": u.input_tokens,
            "output_tokens": u.output_tokens,
            "cache_read_tokens": u.cache_read_tokens,
            "cache_write_tokens": u.cache_write_tokens,
            "cost_usd": u.cost_usd,
        }
        timeline.append((u.at, 1, n, record))  # on a tie, the decision was taken first
    timeline.sort(key=lambda item: (item[0], item[1], item[2]))
    start = start or {}
    session: TraceSession = {
        "id": info.id,
        "owner": info.owner,
        "agent": info.agent,
        "labels": dict(start.get("labels") or {}),
        "model": start.get("model"),
        "harness": start.get("harness"),
        "state": dict(start.get("state") or {}),
    }
    return Trace(
        session,
        [item[3] for item in timeline],
        chain=chain,
        policy_modules=list(policy_modules),
        tool_mapping=dict(tool_mapping or {}),
        tools=dict(tools or {}),
        agent_tools=dict(agent_tools or {}),
        agent_tool_mapping=dict(agent_tool_mapping or {}),
        skipped=skipped,
    )


def _number(value: JsonValue) -> int | float | str:
    """An entry's ``at`` or ``seq`` for ``float`` / ``int``; missing or empty reads as 0."""
    if not value:
        return 0
    if isinstance(value, (int, float, str)):
        return value
    raise TypeError(f"not a number: {type(value).__name__}")


def _mapping_of(header: Mapping[str, object], key: str) -> JsonObject:
    value = header.get(key) or {}
    if not isinstance(value, Mapping):
        raise _bad(f"header.{key}", "must be an object")
    return {str(k): v for k, v in value.items()}


def _bad(loc: str, message: str) -> InvalidRequest:
    return InvalidRequest(f"invalid trace: {loc}: {message}", [{"loc": loc, "message": message}])


def loads(text: str) -> Trace:
    """Parse a JSON Lines trace; errors name the line."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise _bad("line 1", "the trace is empty")
    parsed: list[tuple[int, JsonValue]] = []
    for n, line in lines:
        try:
            parsed.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise _bad(f"line {n}", f"not valid JSON ({exc.msg})") from None
        except (ValueError, RecursionError):  # a 5000-digit integer; nesting past the recursion limit
            raise _bad(f"line {n}", "not valid JSON (a number too long or nesting too deep)") from None
    return from_objects(parsed)


def from_objects(items: Sequence[tuple[int, JsonValue]] | Sequence[object]) -> Trace:
    """A trace from its decoded lines: the objects, or (line number, object) pairs."""
    numbered: list[tuple[int, object]] = [
        item if isinstance(item, tuple) else (i, item) for i, item in enumerate(items, 1)
    ]
    n, header = numbered[0]
    if not isinstance(header, Mapping) or header.get("format") != FORMAT:
        raise _bad(f"line {n}", f"the first line must be a header with `format: {FORMAT}`")
    version = header.get("version")
    if version != VERSION:
        raise _bad(f"line {n}", f"trace version `{version}` is not supported (this Goalrail reads version {VERSION})")
    session = header.get("session") or {}
    if not isinstance(session, Mapping):
        raise _bad(f"line {n}", "`session` must be an object")
    chain: dict[str, list[PolicySpec]] | None = None
    if header.get("chain") is not None:
        raw_chain = header["chain"]
        if not isinstance(raw_chain, Mapping):
            raise _bad(f"line {n}", "`chain` must map levels to lists of policies")
        chain = {
            level: [
                spec_from_dict(s, level, f"line {n}: chain.{level}[{i}]")
                for i, s in enumerate(raw_chain.get(level) or [])
            ]
            for level in LEVELS
        }
    records: list[TraceRecord] = []
    for n, rec in numbered[1:]:
        records.append(_check_record(n, rec))
    return Trace(
        cast(TraceSession, dict(session)),  # taken as recorded
        records,
        chain=chain,
        policy_modules=[str(m) for m in header.get("policy_modules") or []],
        tool_mapping={str(k): str(v) for k, v in (header.get("tool_mapping") or {}).items()},
        tools=_mapping_of(header, "tools"),
        agent_tools=_mapping_of(header, "agent_tools"),
        agent_tool_mapping={str(k): str(v) for k, v in _mapping_of(header, "agent_tool_mapping").items()},
        skipped=int(header.get("skipped") or 0),
    )


def _check_record(n: int, rec: object) -> TraceRecord:
    if not isinstance(rec, Mapping) or rec.get("kind") not in KINDS:
        raise _bad(f"line {n}", f"a record needs `kind` (one of {', '.join(KINDS)})")
    at = rec.get("at", 0.0)
    if isinstance(at, bool) or not isinstance(at, (int, float)):
        raise _bad(f"line {n}", "`at` must be a number (seconds since the epoch)")
    kind = rec["kind"]
    if kind == "event" and not isinstance(rec.get("event"), Mapping):
        raise _bad(f"line {n}", "an event record needs an `event` object")
    if kind == "event" and rec.get("expect") is not None and not isinstance(rec.get("expect"), Mapping):
        raise _bad(f"line {n}", "`expect` must be an object")
    if kind == "usage":
        if not isinstance(rec.get("model"), str) or not rec["model"]:
            raise _bad(f"line {n}", "a usage record needs a `model`")
        for key in _USAGE_FIELDS:
            value = rec.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise _bad(f"line {n}", f"`{key}` must be a non-negative integer")
    if kind == "approval" and rec.get("status") not in ANSWERS:
        raise _bad(f"line {n}", "an approval record's `status` is approved, denied, expired or answered_in_client")
    return cast(TraceRecord, dict(rec))  # its kind's fields checked above, the rest taken as recorded
