"""One posted event, evaluated: the single handler behind ``POST /v1/sessions/{id}/events``.

The fast path (``fastpath.py``, below FastAPI's routing) and the documented route
(``routes/events.py``, which answers what the fast path passes on) both call
:meth:`SessionEvents.handle` once they have authenticated the caller and read the
body (``parse_body``): check who owns the session (owners never change, so that
lookup is cached), evaluate, record the metrics, wait for a human if asked.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, cast

from goalrail.errors import NotFound
from goalrail.jsontext import loads
from goalrail.jsontypes import JsonObject
from goalrail.server.auth import Principal
from goalrail.server.bound import check_session, session_agent
from goalrail.server.quotas import session_cap

if TYPE_CHECKING:
    from goalrail.server.state import ServerState

MAX_SESSION_ID = 200
_OWNER_CACHE_MAX = 50_000


#: the posted event, parsed once (the runtime checks its shape per phase): ``jsontext.loads``
parse_body = loads


class SessionEvents:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        #: each session's (owner, agent spec): neither changes once the session exists
        self.owners: dict[str, tuple[str | None, str | None]] = {}

    async def _owner(self, session_id: str) -> tuple[str | None, str | None] | None:
        info = await self.state.store.get_session(session_id)
        if info is None:
            return None
        if len(self.owners) >= _OWNER_CACHE_MAX:
            self.owners.clear()
        found = self.owners[session_id] = (info.owner, info.agent)
        return found

    def new_session_agent(self, principal: Principal, agent: str | None, event: object) -> str | None:
        """The agent spec of a session ``event`` creates: ``?agent=`` (``agent``), else the
        event's ``context.agent``, held to the credential's binding (``bound.session_agent``).

        An unknown name is refused (evaluate's 404), as ``POST /v1/sessions`` refuses it:
        never a session silently without the agent spec it named.
        """
        loc = "query.agent"
        if agent is None and isinstance(event, dict):
            ctx = event.get("context")
            named = ctx.get("agent") if isinstance(ctx, dict) else None
            agent, loc = (named, "context.agent") if isinstance(named, str) else (None, loc)
        return session_agent(principal, agent, required=self.state.require_agent, loc=loc)

    async def handle(
        self, principal: Principal, session_id: str, event: Any, wait: float | None, agent: str | None
    ) -> JsonObject:
        """The explained decision (``Outcome.to_dict()``) for ``event`` (from ``parse_body``)
        posted to ``session_id``."""
        st = self.state
        owners = self.owners
        found = owners.get(session_id)  # the usual case, without a coroutine
        if found is None:
            found = await self._owner(session_id)
        exists = found is not None
        if found is not None:
            owner = found[0]
            if not principal.owns(owner):
                raise NotFound(f"session `{session_id}` not found")
            if principal.agent is not None:
                check_session(principal, session_id, found[1])
            agent = cap = None
        else:
            if len(session_id) > MAX_SESSION_ID:
                raise NotFound(f"session ids are at most {MAX_SESSION_ID} characters")
            owner = principal.user
            agent = self.new_session_agent(principal, agent, event)
            cap = session_cap(st, principal, owner)
        started = time.perf_counter()
        outcome = await st.runtime.evaluate(
            session_id, event, owner=owner, agent=agent, actor=principal.actor(), cap=cap
        )
        seconds = time.perf_counter() - started
        decision = outcome.decision
        if not exists:  # what the store holds: a session created at the same time by another request wins
            await self._owner(session_id)
        if wait:  # (the records kept: the answer after the wait copies them)
            records = cast("list[JsonObject]", decision.to_dict(keep=True)["decisions"])
            st.metrics.observe_records(decision.result, decision.policy, seconds, records)
            return (await st.runtime.settle(outcome, st.wait_seconds(wait))).to_dict()
        answer = outcome.to_dict()
        # Each policy's (policy, verdict), read in C from the answer's records (the same pairs as
        # the decision's PolicyDecisions, without making them).
        st.metrics.observe_records(
            decision.result, decision.policy, seconds, cast("list[JsonObject]", answer["decisions"])
        )
        return answer
