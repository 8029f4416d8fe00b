"""``goalrail mcp``: policy tools for any MCP-capable agent ("ask me before any shell command").

Tools:

* ``sys_policy_registry`` — the policies that may be added, with their parameter schemas.
* ``sys_list_policies`` — the session's policies.
* ``sys_add_policy(name, handler, factory_params)`` — add one, **only with the user's approval**.

There is deliberately no tool to remove, disable or change a policy: an agent
can only make its own session stricter.

How an add is approved: the call is first submitted to the session as a
``tool_call`` event for ``sys_add_policy`` whose arguments are exactly the
name, handler and parameters; the chain must answer ASK (its text shows the
handler and every parameter), and the user approves in Goalrail.  Only after
that approval is the policy posted, with the ``approval_id`` so the server can
check that this exact policy was approved.  If the chain answers ALLOW
without asking, the add is refused: a policy change never happens silently.
Handlers must be in the registry (checked here for a clear message, and again
by the server, which answers 422 otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import mcp_types as types
from mcp.server import Server

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import GoalrailError
from goalrail.integrations.backend import Backend
from goalrail.integrations.mcp.ask import Context, resolve_ask
from goalrail.integrations.mcp.batch import batching_stdio_server

HARNESS = "goalrail-mcp"
ADD_TOOL = "sys_add_policy"

TOOLS = [
    types.Tool(
        name="sys_policy_registry",
        description="List the policies you can add to this session (handler, description, params_schema). "
        "Call this first, then sys_add_policy with a handler from this list.",
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
    ),
    types.Tool(
        name="sys_list_policies",
        description="List the policies active in this session.",
        input_schema={"type": "object", "properties": {}, "additionalProperties": False},
    ),
    types.Tool(
        name=ADD_TOOL,
        description="Add a policy to this session, e.g. to ask the user before any shell command. "
        "The user must approve the addition. `handler` must come from sys_policy_registry and "
        "`factory_params` must match its params_schema. Policies can only be added, never removed.",
        input_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "a short unique name for the policy in this session"},
                "handler": {"type": "string", "description": "a handler from sys_policy_registry"},
                "factory_params": {"type": "object", "description": "parameters per the handler's params_schema"},
            },
            "required": ["name", "handler"],
            "additionalProperties": False,
        },
    ),
]


def text_result(payload: object, *, error: bool = False) -> types.CallToolResult:
    text = payload if isinstance(payload, str) else json.dumps(payload, indent=2, default=str)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=error)


class PolicyTools:
    def __init__(
        self, backend: Backend, session: str, *, ask_timeout_s: float = ASK_WAIT_S, approvals_url: str | None = None
    ) -> None:
        self.backend = backend
        self.session = session
        self.ask_timeout_s = ask_timeout_s
        self.approvals_url = approvals_url

    async def call(self, ctx: Context, name: str, arguments: dict[str, object] | None) -> types.CallToolResult:
        try:
            if name == "sys_policy_registry":
                entries = await self.backend.registry()
                return text_result(
                    [{k: e.get(k) for k in ("handler", "name", "description", "params_schema")} for e in entries]
                )
            if name == "sys_list_policies":
                return text_result(await self.backend.session_policies(self.session))
            if name == ADD_TOOL:
                return await self.add(ctx, arguments or {})
        except GoalrailError as exc:
            return text_result({"error": exc.message, "details": exc.errors}, error=True)
        return text_result(f"unknown tool `{name}`", error=True)

    async def add(self, ctx: Context, arguments: Mapping[str, object]) -> types.CallToolResult:
        name, handler = arguments.get("name"), arguments.get("handler")
        params = arguments.get("factory_params") or {}
        if (
            not isinstance(name, str)
            or not name.strip()
            or not isinstance(handler, str)
            or not isinstance(params, dict)
        ):
            return text_result({"error": "`name` and `handler` are strings, `factory_params` an object"}, error=True)
        handlers = {e.get("handler") for e in await self.backend.registry()}
        if handler not in handlers:
            return text_result(
                {
                    "error": f"handler `{handler}` is not in the policy registry; "
                    "call sys_policy_registry and pick one of its handlers"
                },
                error=True,
            )
        request = {"name": name, "handler": handler, "factory_params": params}
        event = {
            "type": "tool_call",
            "target": ADD_TOOL,
            "data": {"name": ADD_TOOL, "arguments": request},
            "context": {"harness": HARNESS},
        }
        verdict = await self.backend.evaluate(self.session, event)
        if verdict.get("result") == "ALLOW":
            return text_result(
                {
                    "error": "refused: the server did not ask the user to approve this policy; "
                    "adding policies always needs the user's approval"
                },
                error=True,
            )
        if verdict.get("result") == "ASK":
            verdict = await resolve_ask(
                ctx,
                self.backend,
                verdict,
                action=f"adding policy `{name}` ({handler})",
                timeout_s=self.ask_timeout_s,
                approvals_url=self.approvals_url,
            )
        if verdict.get("result") != "ALLOW":
            return text_result(
                {"error": f"not added: {verdict.get('reason')}", "policy": verdict.get("policy")}, error=True
            )
        saved = await self.backend.add_session_policy(
            self.session, {**request, "approval_id": verdict.get("approval_id")}
        )
        return text_result({"message": f"policy `{name}` added to this session", **_public(saved)})


def _public(saved: object) -> dict[str, object]:
    if not isinstance(saved, dict):
        return {}
    return {k: saved.get(k) for k in ("id", "name", "handler", "factory_params", "enabled") if k in saved}


def build_server(tools: PolicyTools) -> Server[object]:
    async def on_list_tools(ctx: Context, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def on_call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await tools.call(ctx, params.name, params.arguments)

    return Server(
        "goalrail",
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
        instructions="Goalrail policy tools: policies can be added (with the user's approval), never removed.",
    )


async def serve(
    backend: Backend, session: str, *, ask_timeout_s: float = ASK_WAIT_S, approvals_url: str | None = None
) -> None:
    server = build_server(PolicyTools(backend, session, ask_timeout_s=ask_timeout_s, approvals_url=approvals_url))
    async with batching_stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
