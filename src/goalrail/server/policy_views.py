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
"""

from __future__ import annotations

from collections.abc import Iterable

from goalrail.jsontypes import JsonObject
from goalrail.server.auth import Principal

__all__ = ["agent_spec_for", "policies_for", "policy_for"]

#: a policy's tuning: what an agent credential is not shown
_TUNING = ("factory_params", "on_error", "timeout_ms", "defined_at", "source")
#: an agent spec's own tuning besides its policies
_SPEC_TUNING = ("tools", "tool_mapping", "source")
#: what ``policy_specs.view`` calls a policy's ``source``: its origin, not a file
_ORIGINS = frozenset({"config", "api", "agent", "session", "system"})


def _withheld(item: JsonObject, keys: tuple[str, ...]) -> JsonObject:
    out = {k: v for k, v in item.items() if k not in keys}
    out["withheld"] = [k for k in keys if k in item]
    return out


def policy_for(caller: Principal, policy: JsonObject) -> JsonObject:
    """One policy's view as ``caller`` may see it (``view``'s ``source`` is where it comes
    from, ``config`` or ``api``…, not a file: it stays)."""
    if caller.role != "agent":
        return policy
    keys = _TUNING if policy.get("source") not in _ORIGINS else _TUNING[:-1]
    return _withheld(policy, keys)


def policies_for(caller: Principal, policies: Iterable[JsonObject]) -> list[JsonObject]:
    return [policy_for(caller, p) for p in policies]


def agent_spec_for(caller: Principal, spec: JsonObject) -> JsonObject:
    """An agent spec's view (``AgentSpec.to_dict()`` and more) as ``caller`` may see it."""
    if caller.role != "agent":
        return spec
    out = _withheld(spec, _SPEC_TUNING)
    policies = spec.get("policies")
    out["policies"] = (
        [_withheld(p, _TUNING) for p in policies if isinstance(p, dict)] if isinstance(policies, list) else []
    )
    return out
