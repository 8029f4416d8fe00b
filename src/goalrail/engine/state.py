"""State arithmetic: how one StateUpdate changes a key/value mapping.

Stores apply the same semantics atomically in their own backend; this module is
the reference (and the in-memory implementation).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, MutableMapping
from types import MappingProxyType
from typing import NoReturn, cast

from goalrail.engine.levels import level_of, tiered
from goalrail.engine.paged import PagedMap
from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.schema import StateUpdate


def apply_update(target: MutableMapping[str, JsonValue], upd: StateUpdate, owned: bool = False) -> None:
    """Apply ``upd`` to ``target``.  A dict or list value is stored as a copy: the policy
    that returned it may keep it and change it later, which must change no state.
    ``owned``: the value is the caller's own, made for this update and never changed
    afterwards (the runtime's namespaces, :data:`RUNTIME_NS`): stored as it is."""
    key, action = upd["key"], upd["action"]
    if action == "set":
        value = upd.get("value")
        target[key] = value if owned or type(value) in _SHARED else _copy(value)
    elif action == "increment":
        current = target.get(key, 0)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            current = 0
        target[key] = current + upd.get("value", 1)
    elif action == "delete":
        target.pop(key, None)
    elif action == "append":
        current = target.get(key)
        max_len = upd.get("max_len")
        if not isinstance(current, list):
            items = []
        elif isinstance(max_len, int) and 0 < max_len <= len(current):
            items = current[len(current) - max_len + 1 :]  # one copy, the oldest items left out
        else:
            items = list(current)
        value = upd.get("value")
        items.append(value if owned or type(value) in _SHARED else _copy(value))
        target[key] = items


_SHARED = frozenset({str, int, float, bool, type(None)})  # immutable: handed out as they are
SCALAR_TYPES = _SHARED  # (for a store that copies a namespace inline: ``memory_session.MemoryTx.snapshot_now``)


def detached(values: Mapping[str, JsonValue]) -> JsonObject:
    """A copy of ``values`` sharing no mutable value with it, at any depth.

    What a store hands a snapshot: a policy that changes a nested value of the state
    it is shown (``state["box"]["items"].append(…)``) must not change the stored
    state, which only ``state_updates`` change.  Scalars, the usual values, are
    shared as they are; dicts and lists are copied.
    """
    if _SHARED.issuperset(map(type, values.values())):  # scalars only (the usual state): copied in C
        return dict(values)
    return {k: v if type(v) in _SHARED else _copy(v) for k, v in values.items()}


#: The runtime's own policy-state namespaces (``goalrail.provenance``, ``goalrail.usage``,
#: ``goalrail.calls``): no policy is shown them (a policy's namespace is ``level:name``) and
#: only updates change them, so a snapshot shares them instead of copying them (the
#: provenance record holds up to thousands of values) and a store replaces such a
#: namespace's dict before applying updates to it (:func:`updatable`).
RUNTIME_NS = "goalrail."
#: The first text after every one that starts with :data:`RUNTIME_NS` (``/`` follows ``.``): a name
#: ``ns`` starts with it exactly when ``RUNTIME_NS <= ns < RUNTIME_NS_END``, two comparisons that
#: cost a third of ``str.startswith``'s call (made per namespace on every snapshot and commit).
RUNTIME_NS_END = "goalrail/"


def snapshot_states(states: Mapping[str, JsonObject]) -> dict[str, JsonObject]:
    """The policy states a snapshot shows: each policy's namespace :func:`detached`, the
    runtime's own namespaces shared as they are (read-only to everything that reads them)."""
    out: dict[str, JsonObject] = {}
    for ns, values in states.items():  # a loop, not a comprehension: no function made and called per snapshot
        if RUNTIME_NS <= ns < RUNTIME_NS_END:  # ``ns.startswith(RUNTIME_NS)``, without a method call
            out[ns] = values
            continue
        # Scalars only (the usual namespace, a few counters): a plain copy.  A loop over the values
        # costs less than a set of their types up to a dozen of them.
        for value in values.values():
            if type(value) not in _SHARED:
                out[ns] = detached(values)
                break
        else:
            out[ns] = dict(values)
    return out


#: The runtime namespace kept as a :class:`~goalrail.engine.paged.PagedMap` (the provenance
#: record: a chunk per event), so that replacing it costs what a commit changes, not its size.
PAGED_NS = "goalrail.provenance"


def updatable(states: dict[str, JsonObject], ns: str, *, kept: bool = True) -> JsonObject:
    """The stored values of namespace ``ns``, ready to be changed in place: a runtime
    namespace, which snapshots share (:func:`snapshot_states`), is replaced by a copy
    first.  Updates replace values and never change one (:func:`apply_update`), so the
    copy is shallow.  States ``kept`` across commits (a store's own, a cache; not one
    transaction's read) keep the provenance record as a ``PagedMap``, whose copy shares
    the pages the commit does not change."""
    values = states.get(ns)
    found: Mapping[str, JsonValue] | None = values
    if type(found) is PagedMap:  # the exact type: no ABC check (PagedMap is a Mapping)
        values = states[ns] = cast(JsonObject, found.fork())  # a Mapping standing for the dict
    elif ns == PAGED_NS and kept:
        values = states[ns] = cast(JsonObject, PagedMap(found))
    elif values is None:
        values = states[ns] = {}
    elif ns.startswith(RUNTIME_NS):
        values = states[ns] = dict(values)
    return values


def detached_value(value: JsonValue) -> JsonValue:
    """:func:`detached` for one value: a scalar as it is, a container copied at any depth."""
    return value if type(value) in _SHARED else _copy(value)


def _copy(value: JsonValue) -> JsonValue:
    if type(value) is dict:
        if not value:
            return {}
        if _SHARED.issuperset(map(type, value.values())):  # scalars only: a shallow copy, at C speed
            return dict(value)
        return {k: v if type(v) in _SHARED else _copy(v) for k, v in value.items()}
    if type(value) is list:
        if not value:
            return []
        if _SHARED.issuperset(map(type, value)):
            return list(value)
        return [v if type(v) in _SHARED else _copy(v) for v in value]
    return copy.deepcopy(value)


class ReadOnlyEntry(dict[str, JsonValue]):
    """A history entry as stores keep it: shared by every snapshot of the session (and,
    parsed once, by every session whose entry reads the same), so it refuses changes
    (``TypeError``, as the read-only state mappings a policy is shown do).  Entries
    hold scalars only.  A copy (``dict(entry)``, ``copy.deepcopy``) is a plain dict."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("history entries are read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> JsonObject:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, object]) -> JsonObject:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> tuple[type[dict[str, JsonValue]], tuple[JsonObject]]:
        return dict, (dict(self),)


class SharedEntry(ReadOnlyEntry):
    """A read-only dict a store hands to many snapshots (the memory store's ``user_daily_cost``,
    one per owner and day), with the ``MappingProxyType`` policies are shown made once
    (``view``), not per event.  Reads, prints and copies as the plain dict it stands for."""

    __slots__ = ("view",)

    def __init__(self, values: Mapping[str, JsonValue]) -> None:
        dict.__init__(self, values)
        self.view: Mapping[str, JsonValue] = MappingProxyType(self)


def read_only(entry: Mapping[str, JsonValue]) -> JsonObject:
    """``entry`` as a ``ReadOnlyEntry`` (a copy: the caller's dict stays the caller's)."""
    return entry if type(entry) is ReadOnlyEntry else ReadOnlyEntry(entry)


def scope_of(upd: StateUpdate) -> str:
    return upd.get("scope", "session")


def split_updates(
    updates: Iterable[tuple[str, StateUpdate]],
) -> tuple[list[StateUpdate], dict[str, list[StateUpdate]], list[StateUpdate]]:
    """Group (policy namespace, update) pairs into session, per-policy and user updates.

    Session- and user-scoped writes from the agent or session level are kept in
    that level's tier (``engine.levels``), never where a higher level reads.
    """
    session: list[StateUpdate] = []
    policy: dict[str, list[StateUpdate]] = {}
    user: list[StateUpdate] = []
    for ns, upd in updates:
        scope = scope_of(upd)
        if scope == "policy":
            policy.setdefault(ns, []).append(upd)
            continue
        key = tiered(level_of(ns), upd["key"])
        if key != upd["key"]:
            upd = {**upd, "key": key}
        if scope == "user":
            user.append(upd)
        else:
            session.append(upd)
    return session, policy, user


def split_scoped(
    updates: Iterable[tuple[str, StateUpdate]],
) -> tuple[list[StateUpdate] | None, dict[str, list[StateUpdate]] | None, list[StateUpdate] | None]:
    """:func:`split_updates` with None for a scope that has no update: the usual decision
    updates its policies' own state only, and the two lists it would make and drop are not
    made (what a commit is given: the caller keeps its own empties for the others)."""
    session: list[StateUpdate] | None = None
    policy: dict[str, list[StateUpdate]] | None = None
    user: list[StateUpdate] | None = None
    for ns, upd in updates:
        scope = upd.get("scope", "session")  # (``scope_of``, without the call)
        if scope == "policy":
            if policy is None:
                policy = {ns: [upd]}
            elif (found := policy.get(ns)) is None:
                policy[ns] = [upd]
            else:
                found.append(upd)
            continue
        key = tiered(level_of(ns), upd["key"])
        if key != upd["key"]:
            upd = {**upd, "key": key}
        if scope == "user":
            if user is None:
                user = [upd]
            else:
                user.append(upd)
        elif session is None:
            session = [upd]
        else:
            session.append(upd)
    return session, policy, user


def same_json(a: object, b: object) -> bool:
    """JSON-like values equal in kind and value: ``True`` is not ``1``, ``1`` is not ``1.0``
    (tuples read as lists)."""
    if type(a) is tuple:
        a = list(a)
    if type(b) is tuple:
        b = list(b)
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str:
        return a == b
    # (loops, not ``all``: a generator per container cost more than its items)
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        for key, value in a.items():  # noqa: SIM110
            if not same_json(value, b[key]):
                return False
        return True
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=False):  # noqa: SIM110 - (lengths compared above)
            if not same_json(x, y):
                return False
        return True
    return a == b
