"""What a credential is shown of the policies that govern it.

People (users, admins) see every policy whole.  An agent credential sees which
policies govern its sessions — name, handler, level, mode, enabled — but not
how they are tuned: an agent that reads the admin's exact regexes, thresholds,
globs, ``on_error`` or deadline learns how to pass just under them.  So for an
agent the parameters, ``on_error``, ``timeout_ms`` and where a policy is
defined are withheld, at every level and on every route that lists policies
(a session's chain, server-wide policies, agent specs), and the answer says
which keys were withheld.  An agent spec's tool descriptions and tool mapping
(what the server treats as a shell or a file write) are withheld the same way.

What the policies keep is their tuning too: a rate window's timestamps, a count of tool calls,
a risk score reach the threshold they are compared with.  So an agent credential is shown no
policy's state (``state``, the session's shared state, and ``policy_state``, each policy's own)
at any level, on ``GET /v1/sessions/{id}``; the answer's ``withheld`` names both.  What the
agent did and was told (its history, decisions and their reasons, usage, labels, provenance)
stays.

A user is shown every parameter, but not the secrets an admin or an agent spec's author
gave a policy above the user's own level (``factory_params`` through ``redact_value``: the
value of a key naming a secret, and any secret of a known form, replaced by a marker).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from goalrail.jsontypes import JsonObject, JsonValue
from goalrail.policies.redact import redact_value
from goalrail.server.auth import Principal

__all__ = ["agent_spec_for", "policies_for", "policy_for", "session_for"]

#: a policy's tuning: what an agent credential is not shown
_TUNING = ("factory_params", "on_error", "timeout_ms", "defined_at", "source")
#: an agent spec's own tuning besides its policies
_SPEC_TUNING = ("tools", "tool_mapping", "source")
#: what ``policy_specs.view`` calls a policy's ``source``: its origin, not a file
_ORIGINS = frozenset({"config", "api", "agent", "session", "system"})
#: what the policies keep in a session: what an agent credential is not shown of it
_SESSION_TUNING = ("state", "policy_state")


def _withheld(item: JsonObject, keys: tuple[str, ...]) -> JsonObject:
    out = {k: v for k, v in item.items() if k not in keys}
    out["withheld"] = [k for k in keys if k in item]
    return out


def _secrets_shown(policy: JsonObject) -> JsonObject:
    params = policy.get("factory_params")
    return policy if params is None else {**policy, "factory_params": cast("JsonValue", redact_value(params))}


def policy_for(caller: Principal, policy: JsonObject) -> JsonObject:
    """One policy's view as ``caller`` may see it (``view``'s ``source`` is where it comes
    from, ``config`` or ``api``…, not a file: it stays)."""
    if caller.role != "agent":
        return policy if caller.is_admin or policy.get("level") == "session" else _secrets_shown(policy)
    keys = _TUNING if policy.get("source") not in _ORIGINS else _TUNING[:-1]
    return _withheld(policy, keys)


def policies_for(caller: Principal, policies: Iterable[JsonObject]) -> list[JsonObject]:
    return [policy_for(caller, p) for p in policies]


def agent_spec_for(caller: Principal, spec: JsonObject) -> JsonObject:
    """An agent spec's view (``AgentSpec.to_dict()`` and more) as ``caller`` may see it."""
    policies = spec.get("policies")
    if caller.role != "agent":
        if caller.is_admin or not isinstance(policies, list):
            return spec
        return {**spec, "policies": [_secrets_shown(p) for p in policies if isinstance(p, dict)]}
    out = _withheld(spec, _SPEC_TUNING)
    out["policies"] = (
        [_withheld(p, _TUNING) for p in policies if isinstance(p, dict)] if isinstance(policies, list) else []
    )
    return out


def session_for(caller: Principal, session: dict[str, object]) -> dict[str, object]:
    """A session's view (``GET /v1/sessions/{id}``) as ``caller`` may see it: for an agent
    credential, what the policies keep is emptied and named in ``withheld``."""
    if caller.role != "agent":
        return session
    out: dict[str, object] = {**session, **{k: {} for k in _SESSION_TUNING if k in session}}
    out["withheld"] = [k for k in _SESSION_TUNING if k in session]
    return out
