"""The explained decision: never a bare bool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

from goalrail.engine.record import record_dict as record_dict
from goalrail.engine.record import round1 as round1
from goalrail.engine.spec import PolicySpec
from goalrail.engine.state import same_json
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import StateUpdate


class PolicyDecision:
    """What one policy said.  ``verdict`` is ALLOW, DENY, ASK, ABSTAIN or SKIPPED.

    Built on the hot path, so it is a plain class: the identity comes from the
    policy's spec, and the optional extras default at class level.
    """

    warning: str | None = None
    state_updates: list[StateUpdate] | tuple[()] = ()
    set_labels: dict[str, str] | None = None
    data: JsonValue = None  # what the policy put in place of the event's data
    end_session: bool = False
    ask_timeout_s: float | None = None

    def __init__(
        self,
        spec: PolicySpec,
        verdict: str,
        reason: str | None = None,
        duration_us: float = 0.0,
        error: str | None = None,
    ) -> None:
        self.spec = spec
        self.verdict = verdict
        self.reason = reason
        self.duration_us = duration_us
        self.error = error

    @property
    def policy(self) -> str:
        return self.spec.name

    @property
    def level(self) -> str:
        return self.spec.level

    @property
    def handler(self) -> str:
        return self.spec.handler

    @property
    def mode(self) -> str:
        return self.spec.mode

    def __repr__(self) -> str:
        return f"PolicyDecision({self.spec.name!r}, {self.verdict!r}, {self.reason!r})"

    def to_dict(self) -> JsonObject:
        out = record_dict(self.spec, self.verdict, self.reason, self.duration_us)
        if self.error:
            out["error"] = self.error
        if self.warning:
            out["warning"] = self.warning
        if self.end_session:
            out["end_session"] = True
        return out


#: A compact record of a plain answer, built on the hot path and expanded into a
#: PolicyDecision when the explanation is read: (spec, verdict, reason, duration_us).
#: An ABSTAIN of the sync loop is only its duration (a float: no container the
#: garbage collector tracks), its policy the called one at its place (``called``).
Compact = tuple[PolicySpec, str, "str | None", float]


class _Specced(Protocol):
    """A chain's policy, as a layout reads it (``engine.chain.CompiledPolicy``)."""

    @property
    def spec(self) -> PolicySpec: ...


#: Where the recorded items sit in the whole chain, when not every policy was
#: called: (the chain's policies — each with a ``spec`` —, the called ones'
#: positions or None for the first ones, the position of the DENY that stopped
#: evaluation or None, whether any of them is a shadow policy).  The others read
#: as ABSTAIN (before a DENY) or SKIPPED.
Layout = tuple[Sequence[_Specced], "Sequence[int] | None", "int | None", bool]
_QUIET = ("ABSTAIN", "SKIPPED")


class Decision:
    """The chain's verdict with its explanation.

    ``decisions`` lists every policy's verdict, reason and duration (expanded
    lazily from compact records).  ``state_updates`` and ``set_labels`` are what
    the enforcing policies asked to change; on ASK they are *held* (they apply
    only once approved).

    Made once and then only read: a later step that changes the verdict (an
    approval or a session grant turning an ASK into ALLOW) makes a new one with
    :meth:`resolved`.  tests/unit/test_layers.py checks that no module assigns
    to a decision's fields.
    """

    __slots__ = (
        "_asking",
        "_called",
        "_dicts",
        "_items",
        "_layout",
        "_warnings",
        "ask_timeout_s",
        "data",
        "duration_us",
        "end_session",
        "policy",
        "reason",
        "result",
        "set_labels",
        "state_updates",
    )

    def __init__(
        self,
        result: str,
        reason: str | None,
        policy: str | None,
        decisions: list[PolicyDecision | Compact | float],
        duration_us: float,
        # Also positional, in this order: the engine makes one per evaluation (``evaluate._Fold``).
        state_updates: list[tuple[str, StateUpdate]] | tuple[()] | None = None,
        set_labels: dict[str, str] | None = None,
        data: JsonValue = None,
        warnings: list[str] | None = None,
        end_session: bool = False,
        asking: list[str] | None = None,
        ask_timeout_s: float | None = None,
        layout: Layout | None = None,
        called: Sequence[_Specced] | None = None,
    ) -> None:
        self.result = result
        self.reason = reason
        self.policy = policy
        self._items = decisions
        self._layout = layout
        self._called = called  # the policies called, in the items' order: those of bare durations
        self.duration_us = duration_us
        # None or empty: the shared empty tuple (no list of its own kept, for the collector, with every
        # decision that changes nothing; a runtime keeps decisions queued until their audit is sealed).
        self.state_updates: list[tuple[str, StateUpdate]] | tuple[()] = state_updates or ()
        self.set_labels = set_labels if set_labels is not None else {}
        self.data = data
        self._warnings = warnings  # None for none: no empty list kept with every decision
        self.end_session = end_session
        self._asking = asking
        self.ask_timeout_s = ask_timeout_s
        self._dicts: list[JsonObject] | None = None  # every record's to_dict, once kept by to_dict(keep=True)

    @property
    def warnings(self) -> list[str]:
        """What the policies warned about, as ``policy: warning``."""
        return self._warnings if self._warnings is not None else []

    @property
    def asking(self) -> list[str]:
        """The names of the policies that asked (an ASK), in chain order."""
        return [key.partition(":")[2].rpartition("#")[0] for key in self._asking] if self._asking else []

    @property
    def asking_keys(self) -> list[str]:
        """The policies that asked as ``level:name#digest`` (``PolicySpec.answer_key``: unique in a
        session's chain): what grants and approvals are bound to, so that a session policy sharing a
        higher-level policy's name never answers that policy's question, and no policy answers for
        another that later takes its name with another handler or parameters."""
        return self._asking if self._asking is not None else []

    @property
    def decisions(self) -> list[PolicyDecision]:
        """Every policy of the chain, in order, with what it said."""
        items = self._records()
        for i, item in enumerate(items):
            if type(item) is tuple:
                items[i] = PolicyDecision(*item)
        return cast("list[PolicyDecision]", items)  # every compact record expanded above

    def _records(self) -> list[PolicyDecision | Compact]:
        """Every policy of the chain, in order: a PolicyDecision or a compact record (the bare
        durations and the layout expanded, into the kept items, so this is done once)."""
        items = self._items
        called = self._called
        if called is not None:  # first, while the items are in the order they were called
            for i, item in enumerate(items):
                if type(item) is float:
                    items[i] = (called[i].spec, "ABSTAIN", None, item)
            self._called = None
        if self._layout is not None:
            items = self._items = _expand(items, self._layout)
            self._layout = None
        return cast("list[PolicyDecision | Compact]", items)  # no bare duration left above

    def answers(self) -> tuple[list[JsonObject], int]:
        """What the audit records: the policies that said something (a verdict, an
        error, a warning; shadow ones included) as ``to_dict`` has them, and how many
        policies stayed quiet (abstained, were not called, or were skipped).

        Every shadow policy of the chain is listed, called or not (as ``decisions``
        shows it), whether or not ``decisions`` was read before."""
        if self._layout is not None and self._layout[3]:
            self.decisions  # noqa: B018 - expands the policies not called
        items = self._items
        dicts = self._dicts  # kept by to_dict (an ASK's approval): copied, not made again
        out: list[JsonObject] = []
        for i, item in enumerate(items):
            if isinstance(item, float):  # an ABSTAIN, never a shadow policy's
                continue
            if not isinstance(item, PolicyDecision):
                # A shadow policy's record is listed whatever it said, as its PolicyDecision would be
                # (``to_dict`` expands the layout into compact records: a policy not called is one).
                if item[1] not in _QUIET or item[0].mode == "shadow":
                    out.append(dicts[i].copy() if dicts is not None else record_dict(*item))
            elif item.verdict not in _QUIET or item.error or item.warning or item.spec.mode == "shadow":
                out.append(dicts[i].copy() if dicts is not None else item.to_dict())
        total = len(self._layout[0]) if self._layout is not None else len(items)
        return out, total - len(out)

    def resolved(self, result: str, reason: str | None, *, changes: bool = True) -> Decision:
        """The same explanation with a new verdict and reason (the held changes kept, or with
        ``changes=False`` dropped: an ASK refused before anyone could approve it changes nothing)."""
        return Decision(
            result,
            reason,
            self.policy,
            self._items,
            self.duration_us,
            state_updates=self.state_updates if changes else (),
            set_labels=self.set_labels if changes else {},
            data=self.data,
            warnings=self._warnings,
            end_session=self.end_session and changes,
            asking=self._asking,
            ask_timeout_s=self.ask_timeout_s,
            layout=self._layout,
            called=self._called,
        )

    def same_as(self, other: Decision) -> bool:
        """Whether ``other`` says exactly what this decision says: verdict, reason, policy,
        every update, label and extra, and what each policy answered (durations aside;
        JSON values compared by kind and value, ``1`` is not ``1.0``)."""
        if (self.result, self.reason, self.policy, self.end_session, self.ask_timeout_s) != (
            other.result,
            other.reason,
            other.policy,
            other.end_session,
            other.ask_timeout_s,
        ):
            return False
        if self.warnings != other.warnings or self.asking_keys != other.asking_keys:
            return False
        mine, theirs = self._records(), other._records()
        return (
            len(mine) == len(theirs)
            and same_json(
                [self.state_updates, self.set_labels, self.data], [other.state_updates, other.set_labels, other.data]
            )
            and all(map(_same_record, mine, theirs))
        )

    @property
    def allowed(self) -> bool:
        return self.result == "ALLOW"

    def __repr__(self) -> str:
        return f"Decision({self.result!r}, {self.reason!r}, policy={self.policy!r})"

    def to_dict(self, *, keep: bool = False) -> JsonObject:
        """The decision as JSON, all of it new each time (a caller may change its copy).

        With ``keep``, each policy's record is made once and kept, and this and every later
        call (and ``answers``) copies it: an ASK's approval, its answer and its audit entry's
        answers read the same records, and a dict's copy costs a fraction of making it.
        Without it (and nothing kept yet), the records are made for this caller alone: a
        plain decision's answer is read once, and its audit entry lists a record or two."""
        dicts = self._dicts
        if dicts is not None:
            records = list(map(dict.copy, dicts))
        elif keep:
            dicts = self._dicts = self._record_dicts(keep=True)
            records = list(map(dict.copy, dicts))
        else:
            records = self._record_dicts(keep=False)
        out: JsonObject = {
            "result": self.result,
            "reason": self.reason,
            "policy": self.policy,
            "decisions": cast("list[JsonValue]", records),
            "duration_us": round1(self.duration_us),
        }
        if self._warnings:
            out["warnings"] = list(self._warnings)
        if self.end_session:
            out["end_session"] = True
        if self.data is not None:
            out["data"] = self.data
        return out

    def _record_dicts(self, keep: bool) -> list[JsonObject]:
        """Every record's ``to_dict``, in the order of the records (:meth:`_records`), with no
        PolicyDecision made only to be read once.  Unless kept, the items and the layout are read
        as they are, in one pass: no record is made for a bare duration or a policy not called
        (the items keep their order and length, so ``answers`` reads them the same)."""
        if keep and self._layout is not None:
            items = self._records()
            return [record_dict(*i) if type(i) is tuple else cast(PolicyDecision, i).to_dict() for i in items]
        return _laid_out(self._items, self._layout, self._called)


def _laid_out(
    items: Sequence[PolicyDecision | Compact | float], layout: Layout | None, called: Sequence[_Specced] | None
) -> list[JsonObject]:
    """``record_dict`` of every policy of the chain, in order: the called ones' items (at the
    layout's sorted positions; a bare duration is its policy's ABSTAIN) and the others' ABSTAIN,
    or SKIPPED after the DENY that stopped evaluation, with no duration."""
    policies, positions, stop, _ = layout if layout is not None else (called or (), None, None, False)
    n = len(items)
    k = 0
    at = (positions[0] if positions is not None else 0) if n else -1
    out: list[JsonObject] = []
    for pos in range(len(policies) if layout is not None else n):
        if pos != at:
            verdict = "SKIPPED" if stop is not None and pos > stop else "ABSTAIN"
            out.append(record_dict(policies[pos].spec, verdict, None, 0.0))
            continue
        item = items[k]
        k += 1
        at = (positions[k] if positions is not None else k) if k < n else -1
        if type(item) is float:
            out.append(record_dict(policies[pos].spec, "ABSTAIN", None, item))
        elif type(item) is tuple:
            out.append(record_dict(*item))
        else:
            out.append(cast(PolicyDecision, item).to_dict())
    return out


def _expand(items: list[PolicyDecision | Compact | float], layout: Layout) -> list[PolicyDecision | Compact | float]:
    policies, positions, stop, _ = layout
    called = positions[: len(items)] if positions is not None else range(len(items))
    at = dict(zip(called, items, strict=True))
    out: list[PolicyDecision | Compact | float] = []
    for pos, policy in enumerate(policies):
        item = at.get(pos)
        if item is None:
            verdict = "SKIPPED" if stop is not None and pos > stop else "ABSTAIN"
            item = (policy.spec, verdict, None, 0.0)
        out.append(item)
    return out


def _same_spec(x: PolicySpec, y: PolicySpec) -> bool:
    """The same policy as ``_said`` names it: its name and level (text, compared by kind)."""
    return x is y or (
        type(x.name) is type(y.name) and x.name == y.name and type(x.level) is type(y.level) and x.level == y.level
    )


def _same_record(a: PolicyDecision | Compact, b: PolicyDecision | Compact) -> bool:
    """``same_json(_said(a), _said(b))`` field by field, building neither list (a recheck compares
    each policy of the chain, most of them compact records); values compare by kind and value."""
    if type(a) is tuple and type(b) is tuple:  # two compact records (spec, verdict, reason, duration)
        v, w, r, q = a[1], b[1], a[2], b[2]
        return _same_spec(a[0], b[0]) and type(v) is type(w) and v == w and type(r) is type(q) and r == q
    if not (isinstance(a, PolicyDecision) and isinstance(b, PolicyDecision)):
        return same_json(_said(a), _said(b))  # a compact record against its expanded spelling
    if not _same_spec(a.spec, b.spec):
        return False
    for mine, theirs in zip(
        (a.verdict, a.reason, a.error, a.warning, a.end_session, a.ask_timeout_s),
        (b.verdict, b.reason, b.error, b.warning, b.end_session, b.ask_timeout_s),
        strict=True,
    ):
        if type(mine) is not type(theirs) or mine != theirs:
            return False
    return same_json([list(a.state_updates), a.set_labels, a.data], [list(b.state_updates), b.set_labels, b.data])


def _said(record: PolicyDecision | Compact) -> list[object]:
    """A record as ``Decision.same_as`` compares it."""
    if isinstance(record, PolicyDecision):
        r = record
        extras = [r.error, r.warning, list(r.state_updates), r.set_labels, r.data, r.end_session, r.ask_timeout_s]
        return [r.spec.name, r.spec.level, r.verdict, r.reason, *extras]
    spec, verdict, reason, _ = record
    return [spec.name, spec.level, verdict, reason, None, None, [], None, None, False, None]
