"""The contract between Goalrail and a policy: events in, responses out.

A policy is a callable ``(event: PolicyEvent) -> PolicyResponse | None`` (sync or
async), or a factory ``(**params) -> that callable``.  Everything here is a plain
TypedDict so a policy author needs nothing but dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal, TypedDict

# --- verdicts ---------------------------------------------------------------

ALLOW: Final = "ALLOW"
DENY: Final = "DENY"
ASK: Final = "ASK"
Verdict = Literal["ALLOW", "DENY", "ASK"]
VERDICTS: Final = frozenset({ALLOW, DENY, ASK})

# --- phases -----------------------------------------------------------------

SESSION_START: Final = "session_start"
REQUEST: Final = "request"
LLM_REQUEST: Final = "llm_request"
LLM_RESPONSE: Final = "llm_response"
TOOL_CALL: Final = "tool_call"
TOOL_RESULT: Final = "tool_result"
RESPONSE: Final = "response"
Phase = Literal["session_start", "request", "llm_request", "llm_response", "tool_call", "tool_result", "response"]
PHASES: Final = (SESSION_START, REQUEST, LLM_REQUEST, LLM_RESPONSE, TOOL_CALL, TOOL_RESULT, RESPONSE)

#: Agent OS action types (seed 004).
ACTION_TYPES: Final = (
    "file_read",
    "file_write",
    "file_delete",
    "file_move",
    "file_chmod",
    "database_read",
    "database_write",
    "database_delete",
    "database_execute",
    "shell_execute",
    "network_request",
    "network_connect",
    "process_spawn",
    "memory_access",
    "env_read",
    "env_write",
)

# --- state updates ----------------------------------------------------------

StateAction = Literal["set", "increment", "delete", "append"]
STATE_ACTIONS: Final = frozenset({"set", "increment", "delete", "append"})
StateScope = Literal["session", "policy", "user"]
STATE_SCOPES: Final = frozenset({"session", "policy", "user"})


class _StateUpdateRequired(TypedDict):
    key: str
    action: StateAction


class StateUpdate(_StateUpdateRequired, total=False):
    """One atomic change to session state, applied by the engine.

    ``scope`` decides where the key lives: ``session`` (default) is the shared
    session state every policy sees in ``session_state``; ``policy`` is private to
    the policy instance (seen in ``policy_state``); ``user`` is shared by all
    sessions of the session owner (seen in ``context["user_state"]``).
    ``max_len`` bounds an ``append`` list (oldest entries dropped).
    """

    value: Any
    scope: StateScope
    max_len: int


# --- context ----------------------------------------------------------------


class Actor(TypedDict, total=False):
    run_as: str | None
    client_id: str | None


class Usage(TypedDict, total=False):
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int
    total_cost_usd: float | None
    unpriced_tokens: int
    llm_calls: int


class UserDailyCost(TypedDict, total=False):
    user_id: str | None
    day: str
    cost_usd: float


class HistoryEntry(TypedDict, total=False):
    type: str
    target: str | None
    action: str | None
    verdict: str
    policy: str | None
    at: float


class Action(TypedDict, total=False):
    """The canonical view of what the event does, filled by the engine.

    ``tool`` is the canonical tool name (``sys_os_shell``, ``web_fetch``,
    ``mcp__<server>__<tool>``…), ``type`` the Agent OS action type
    (``shell_execute``, ``file_read``…) and ``target`` its subject (a path,
    command, URL).  A call naming several subjects (Gemini CLI's
    ``read_many_files`` ``paths``, a patch's files, the URLs of a ``web_fetch``
    prompt) also carries all of them, in order, in ``targets`` (``target`` is the
    first); so does a file action whose path is spelled otherwise than canonically
    (relative, ``..``, ``//``): the canonical absolute spelling follows the ones given.
    ``original`` is the tool name the harness used.
    """

    tool: str | None
    original: str | None
    type: str | None
    target: str | None
    targets: list[str]  # only when the call names more than one subject (or a path spelled two ways)
    mapped_by: str | None
    kind: str | None
    declared_kind: str | None  # the server's kind, present when an agent spec or the event's annotations changed it
    trust: str | None
    sinks: list[str]
    content: list[str]
    category: str | None
    described_by: str | None
    dir_args: dict[str, Any]  # arguments naming the directory the tool runs in (as the harness keyed them)
    language: str  # a shell tool's language when not POSIX sh: "powershell" (Claude Code's `PowerShell`…)
    command_in: str  # the argument a shell tool types its command in (Desktop Commander's `input`)
    transfer: str  # a move's or copy's tool ("move", "copy"): its ends judged as `mv`/`cp` are


class AnswerCall(TypedDict):
    """A tool call a model's answer makes (``llm_response``: ``context["calls"]``), mapped as a ``tool_call``'s."""

    name: str
    arguments: dict[str, object]
    action: Action


class Context(TypedDict, total=False):
    session_id: str
    actor: Actor
    usage: Usage
    user_daily_cost: UserDailyCost
    user_state: Mapping[str, Any]
    model: str | None
    harness: str | None
    agent: str | None
    labels: Mapping[str, str]
    history: list[HistoryEntry]
    action: Action
    calls: list[AnswerCall]  # an llm_response's tool calls (only when it makes some)
    now: float
    provenance: Any


class _PolicyEventRequired(TypedDict):
    type: str
    target: str | None
    data: Any
    context: Context
    session_state: Mapping[str, Any]


class PolicyEvent(_PolicyEventRequired, total=False):
    request_data: Any
    llm_client: Any
    prices: Any  # the runtime's price table (policies.pricing.PriceTable), for the cost builtins
    policy_state: Mapping[str, Any]
    id: str  # the caller's event id (the LLM proxy sends its request's with its response)


class _PolicyResponseRequired(TypedDict):
    result: Verdict


class PolicyResponse(_PolicyResponseRequired, total=False):
    reason: str
    state_updates: list[StateUpdate]
    set_labels: dict[str, str]
    data: Any
    warning: str
    end_session: bool
    metadata: dict[str, Any]


__all__ = [
    "ACTION_TYPES",
    "ALLOW",
    "ASK",
    "DENY",
    "LLM_REQUEST",
    "LLM_RESPONSE",
    "PHASES",
    "REQUEST",
    "RESPONSE",
    "SESSION_START",
    "STATE_ACTIONS",
    "STATE_SCOPES",
    "TOOL_CALL",
    "TOOL_RESULT",
    "VERDICTS",
    "Action",
    "Actor",
    "Context",
    "HistoryEntry",
    "Phase",
    "PolicyEvent",
    "PolicyResponse",
    "StateAction",
    "StateScope",
    "StateUpdate",
    "Usage",
    "UserDailyCost",
    "Verdict",
]
