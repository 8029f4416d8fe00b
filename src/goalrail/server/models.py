"""Request bodies (pydantic), so /docs shows what each route accepts.  Unknown
keys are refused: a typo must never silently drop a parameter.  Types are
strict (``STRICT``): a string is not a boolean (``"yes"``, ``"false"``), nor a
number (``"5"``), and ``true`` is not a number — each a 422 naming the field."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from goalrail.engine.tokens import MAX_TOKENS

NAME = Field(min_length=1, max_length=120, description="unique within its level")
#: every request body: unknown keys refused, no coercion between JSON types
STRICT = ConfigDict(extra="forbid", strict=True)


class _Strict(BaseModel):
    model_config = STRICT

    @model_validator(mode="after")
    def _no_nul(self) -> Self:
        """Names, ids and labels are stored as text, which holds no NUL on PostgreSQL: refused on every store."""
        for name, value in self:
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"`{name}` must not contain NUL characters")
        return self


class PolicyCreate(_Strict):
    name: str = NAME
    type: Literal["python", "function"] = "python"
    handler: str = Field(min_length=3, max_length=300, description="a handler from GET /v1/policy-registry")
    factory_params: dict[str, Any] | None = Field(None, description="validated against the handler's params_schema")
    enabled: bool | None = True
    mode: Literal["enforce", "shadow"] | None = "enforce"
    on_error: Literal["deny", "allow", "ask"] | None = "deny"
    timeout_ms: float | None = Field(None, gt=0, le=600_000)
    approval_id: str | None = Field(
        None,
        max_length=100,
        description="agent credentials only: the approved `sys_add_policy` approval this add carries out",
    )

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "max_calls",
                    "type": "python",
                    "handler": "goalrail.policies.builtins.safety.max_tool_calls_per_session",
                    "factory_params": {"limit": 100},
                }
            ]
        },
    )


class PolicyPatch(_Strict):
    name: str | None = Field(None, min_length=1, max_length=120)
    handler: str | None = Field(None, min_length=3, max_length=300)
    factory_params: dict[str, Any] | None = None
    enabled: bool | None = None
    mode: Literal["enforce", "shadow"] | None = None


class SessionCreate(_Strict):
    id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:@-]+$")
    agent: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    owner: str | None = Field(None, description="admins only: create the session for another user")


class EventBody(BaseModel):
    """Documented shape of POST /v1/sessions/{id}/events (the route parses the body itself)."""

    type: Literal["session_start", "request", "llm_request", "llm_response", "tool_call", "tool_result", "response"]
    id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="optional event id: an `llm_response`'s `data.usage` is counted once per id in a session",
    )
    target: str | None = None
    data: Any = None
    context: dict[str, Any] | None = None
    request_data: dict[str, Any] | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": "ls"}}}]
        }
    )


class UsageBody(_Strict):
    model: str = Field(min_length=1, max_length=200)
    input_tokens: int = Field(0, ge=0, le=MAX_TOKENS)
    output_tokens: int = Field(0, ge=0, le=MAX_TOKENS)
    cache_read_tokens: int = Field(0, ge=0, le=MAX_TOKENS)
    cache_write_tokens: int = Field(0, ge=0, le=MAX_TOKENS)


class ApprovalDecision(_Strict):
    decision: Literal["approve", "deny"]
    scope: Literal["once", "session_identical", "session_tool", "session"] = Field(
        "once",
        description="`once`: this action, one time (a retry of the identical call uses it); "
        "`session_identical`: this identical action (same policy, tool and arguments) for the rest of the session; "
        "`session_tool`: ANY call of this tool on this phase for the rest of the session (approves arguments "
        "not shown); `session`: an older name for `session_identical`",
    )
    digest: str | None = Field(None, description="optional: refuse if the pending action's digest differs")


class LoginBody(_Strict):
    token: str = Field(min_length=1, max_length=500)


class AgentUpload(_Strict):
    yaml: str = Field(min_length=1, description="the agent spec as YAML text")


class TokenCreate(_Strict):
    user: str | None = Field(None, min_length=1, max_length=120, description="admins only: another user")
    role: Literal["admin", "user", "agent"] = "agent"
    label: str | None = Field(None, max_length=200)
    agent: str | None = Field(
        None, min_length=1, max_length=200, description="agent tokens only: the agent spec every session it makes runs"
    )

    @model_validator(mode="after")
    def _bound_agent_token(self) -> Self:
        if self.agent is not None and self.role != "agent":
            raise ValueError("only agent tokens can be bound to an agent spec (`agent`)")
        return self
