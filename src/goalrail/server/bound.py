"""Credentials bound to an agent spec (``docs/security.md``, "Which agent spec a session runs under").

An agent token may be bound to one agent spec (``goalrail token create --agent NAME``,
``POST /v1/tokens`` with ``agent``, ``auth.tokens[].agent``).  Its principal carries the
name (``Principal.agent``) and every route that creates a session or acts on one asks here:

* ``session_agent``: the agent spec a new session runs.  A bound credential naming none
  gets its own; naming another is 403 naming both.  With ``auth.require_agent`` a non-admin
  credential naming none is 403 too.
* ``check_session``: a bound credential acting on a session of another (or no) agent spec
  of its own user is 403 (another user's session stays a 404, checked before this).

Unbound credentials choose as before: whatever they name, or none.
"""

from __future__ import annotations

from goalrail.errors import Forbidden
from goalrail.runtime.runtime import Runtime
from goalrail.server.auth import Authenticator, Principal


def session_agent(principal: Principal, named: str | None, *, required: bool = False, loc: str = "agent") -> str | None:
    """The agent spec a session ``principal`` creates runs, given the name it gave (``None``: none)."""
    bound = principal.agent
    if bound is None:
        if named is None and required and not principal.is_admin:
            raise Forbidden(
                "this server requires every session to run an agent spec (`auth.require_agent`): name one",
                [{"loc": loc, "message": "an agent spec is required"}],
            )
        return named
    if named is not None and named != bound:
        raise Forbidden(
            f"this credential is bound to agent spec `{bound}`; it cannot create a session of agent spec `{named}`",
            [{"loc": loc, "message": f"bound to `{bound}`, named `{named}`"}],
        )
    return bound


def check_session(principal: Principal, session_id: str, agent: str | None) -> None:
    """403 when a bound ``principal`` acts on ``session_id``, a session of agent spec ``agent``
    (``None``: none) other than its own."""
    bound = principal.agent
    if bound is not None and agent != bound:
        runs = f"agent spec `{agent}`" if agent is not None else "no agent spec"
        raise Forbidden(
            f"this credential is bound to agent spec `{bound}`; session `{session_id}` runs {runs}",
            [{"loc": "session", "message": f"bound to `{bound}`, the session runs {runs}"}],
        )


async def static_problem(auth: Authenticator, runtime: Runtime) -> str | None:
    """Why the config's ``auth.tokens`` cannot be served: a token bound to an agent spec the
    server does not know (checked at start, after the stored specs are read)."""
    for record in auth.static.values():
        if record.agent is not None and not await runtime.knows_agent(record.agent):
            return (
                f"`auth.tokens` entry `{record.id}` is bound to agent spec `{record.agent}`, "
                "which this server does not know"
            )
    return None
