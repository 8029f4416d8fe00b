"""Level-tiered state: lower levels only tighten (DESIGN decision 10).

What a policy writes — session-scoped state, user-scoped state, labels — is
visible to policies of its own level and those below it, never above:

* a server-wide policy reads only what server-wide policies (and the engine) wrote;
* an agent-spec policy also reads what agent-spec policies wrote;
* a session policy reads all three, its own level's value winning on a clash.

Stores need no notion of levels: a write from the agent or session level is
kept under its key prefixed with the level's tier (``@agent/``, ``@session/``);
server-wide writes, the engine's own (provenance, ``untrusted_content``) and
labels an admin gave when the session was created keep the bare key (a user's or an
agent's are the session level's).  Per-policy state
(``scope: policy``) is already private to one policy instance at one level.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from goalrail.engine.spec import LEVELS
from goalrail.errors import InvalidRequest
from goalrail.jsontypes import JsonObject, JsonValue

TIER_PREFIX: dict[str, str] = {"agent": "@agent/", "session": "@session/"}
_PREFIXES = tuple(TIER_PREFIX.values())
_BELOW_SERVER = ("agent", "session")  # tiers a level sees besides the bare keys, outermost first
_DEPTH = {"server": 0, "agent": 1, "session": 2}
#: The read-only view ``build_event`` shows of any empty mapping of the snapshot (state, labels, owner
#: state, usage): one for every event, and known here to hold no tier (``LevelViews.of`` skips it).
EMPTY_VIEW: Mapping[str, object] = MappingProxyType({})
_NO_CONTEXT: Mapping[str, object] = EMPTY_VIEW  # an event without context: only read


def level_of(ns: str) -> str:
    """The level of a policy namespace (``level:name``); anything else is engine-owned."""
    level = ns.partition(":")[0]
    return level if level in LEVELS else "server"


def tiered(level: str, key: str) -> str:
    """The key a write from ``level`` is stored under."""
    prefix = TIER_PREFIX.get(level)
    return prefix + key if prefix else key


def tiered_labels(level: str, labels: Mapping[str, str]) -> dict[str, str]:
    prefix = TIER_PREFIX.get(level)
    return {prefix + k: v for k, v in labels.items()} if prefix else dict(labels)


#: Labels only the engine records (``runtime.flow.UNTRUSTED_LABEL``): the first untrusted output
#: names its tool there once, so a value given beforehand would stand in its place.
ENGINE_LABELS = frozenset({"untrusted_content"})


#: Labels given to one session, and the characters of a label's name and value: every event's
#: context and audit entry carry them, so a session cannot make each event cost a megabyte.
MAX_GIVEN_LABELS = 64
MAX_LABEL_NAME = 128
MAX_LABEL_TEXT = 1024


def check_given_labels(labels: Mapping[str, object] | None, loc: str = "labels") -> None:
    """Labels given when a session is created are read by every level: they may not
    pose as a lower level's writes (which would shadow what a higher level wrote), nor
    take a label the engine records (which would stand in for what it records); and
    they are few and short (``MAX_GIVEN_LABELS``, ``MAX_LABEL_NAME``, ``MAX_LABEL_TEXT``)."""
    if labels and len(labels) > MAX_GIVEN_LABELS:
        raise InvalidRequest(
            f"a session takes at most {MAX_GIVEN_LABELS} labels",
            [{"loc": loc, "message": f"at most {MAX_GIVEN_LABELS} labels"}],
        )
    long = [k for k, v in (labels or {}).items() if len(str(k)) > MAX_LABEL_NAME or len(str(v)) > MAX_LABEL_TEXT]
    if long:
        raise InvalidRequest(
            f"label `{str(long[0])[:60]}` is too long",
            [
                {
                    "loc": f"{loc}.{str(long[0])[:60]}",
                    "message": f"names of at most {MAX_LABEL_NAME} characters, values of at most {MAX_LABEL_TEXT}",
                }
            ],
        )
    owned = [k for k in labels or () if k in ENGINE_LABELS]
    if owned:
        raise InvalidRequest(
            f"label `{owned[0]}` is recorded by the engine and cannot be given",
            [{"loc": f"{loc}.{owned[0]}", "message": "recorded by the engine when the session sees untrusted content"}],
        )
    bad = [k for k in labels or () if isinstance(k, str) and k.startswith(_PREFIXES)]
    if bad:
        raise InvalidRequest(
            f"label `{bad[0][:60]}` uses a reserved prefix (`@agent/`, `@session/`)",
            [{"loc": f"{loc}.{bad[0][:60]}", "message": "reserved for what agent-spec and session policies write"}],
        )


def given_labels(labels: Mapping[str, str] | None, by_admin: bool, loc: str = "labels") -> dict[str, str]:
    """Labels given when a session is created, checked (:func:`check_given_labels`) and kept as
    the giver's level writes them: an admin's keep the bare key (read by every level); a user's
    or an agent's are the session level's (``@session/``), read by session policies only — a
    server-wide rule that trusts a label (`when_label: {env: dev}` on an allow) never takes the
    word of the session it judges."""
    check_given_labels(labels, loc)
    return tiered_labels("server" if by_admin else "session", labels or {})


def imported_labels(labels: Mapping[str, str], by_admin: bool, loc: str = "labels") -> dict[str, str]:
    """A recorded session's labels, given again when its trace is imported: those it was given by
    a user or an agent were recorded as the session level's (``@session/``) and stay so whoever
    imports them — an admin's import does not make a user's word read by every level; the rest
    are given by the importer (:func:`given_labels`).  ``@agent/`` stays refused."""
    prefix = TIER_PREFIX["session"]
    own = {k[len(prefix) :]: v for k, v in labels.items() if k.startswith(prefix)}
    given = {k: v for k, v in labels.items() if not k.startswith(prefix)}
    if len(labels) > MAX_GIVEN_LABELS:
        check_given_labels(labels, loc)  # refused for their number, as at creation
    check_given_labels(own, loc)  # a name under the prefix is checked as given (`@session/@agent/x` refused)
    return {**tiered_labels("session", own), **given_labels(given, by_admin, loc)}


def has_tiers(mapping: Mapping[str, object]) -> bool:
    # A plain loop: asked three times per evaluation, mostly of small or empty mappings,
    # where building a generator for ``any`` costs more than the keys' checks.
    for k in mapping:  # noqa: SIM110
        if k.startswith(_PREFIXES):
            return True
    return False


def view(mapping: Mapping[str, JsonValue], level: str) -> JsonObject:
    """What a policy at ``level`` sees of a tiered mapping."""
    out = {k: v for k, v in mapping.items() if not k.startswith(_PREFIXES)}
    for lower in _BELOW_SERVER[: _DEPTH.get(level, 0)]:
        prefix = TIER_PREFIX[lower]
        n = len(prefix)
        out.update({k[n:]: v for k, v in mapping.items() if k.startswith(prefix)})
    return out


class LevelViews:
    """Per-level ``session_state`` and ``context`` of one event, built only when a
    lower level has written something (otherwise every level reads the same)."""

    __slots__ = ("_event", "_made")

    def __init__(self, event: Mapping[str, Any]) -> None:
        self._event = event
        self._made: dict[str, tuple[Any, Any]] = {}

    @staticmethod
    def of(event: Mapping[str, Any]) -> LevelViews | None:
        ctx = event.get("context") or _NO_CONTEXT
        state, labels, user_state = event.get("session_state"), ctx.get("labels"), ctx.get("user_state")
        if state is EMPTY_VIEW and labels is EMPTY_VIEW and user_state is EMPTY_VIEW:  # the usual event
            return None
        for mapping in (state, labels, user_state):
            if mapping is EMPTY_VIEW:  # the shared empty view (the usual state and labels): no key at all
                continue
            # The exact types first: isinstance of a mappingproxy against the Mapping ABC costs a
            # subclass check each time.
            if (
                type(mapping) is MappingProxyType or type(mapping) is dict or isinstance(mapping, Mapping)
            ) and has_tiers(mapping):
                return LevelViews(event)
        return None

    def apply(self, ev: JsonObject, level: str) -> None:
        """Point ``ev`` (a private copy of the event) at ``level``'s view."""
        made = self._made.get(level)
        if made is None:
            event = self._event
            ctx = dict(event.get("context") or {})
            for key in ("labels", "user_state"):
                value = ctx.get(key)
                if isinstance(value, Mapping):
                    ctx[key] = MappingProxyType(view(value, level))
            state = event.get("session_state")
            shown = MappingProxyType(view(state, level)) if isinstance(state, Mapping) else state
            made = self._made[level] = (shown, ctx)
        ev["session_state"], ev["context"] = made
