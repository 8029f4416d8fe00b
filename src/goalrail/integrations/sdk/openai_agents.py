"""Adapter for the OpenAI Agents SDK (optional extra: ``pip install openai-agents``).

    from goalrail.integrations.sdk.openai_agents import goalrail_tool_guardrail
    guardrail = goalrail_tool_guardrail(guard, session="s1")
    @function_tool(tool_input_guardrails=[guardrail])
    def run_command(command: str) -> str: ...

The tool's name and JSON arguments become a ``tool_call`` event.  ALLOW lets
the tool run; DENY (and an ASK nobody approved within ``wait``) rejects the
call with the policy's reason as the message the model sees; an unreachable
server rejects it too (fail closed).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from agents import ToolGuardrailFunctionOutput, ToolInputGuardrailData, tool_input_guardrail

from goalrail.errors import GoalrailError
from goalrail.integrations.hookcore import changed_arguments, refuse_unchanged
from goalrail.integrations.sdk.decorator import Evaluator


def goalrail_tool_guardrail(
    evaluator: Evaluator, session: str | Callable[[], str], *, wait: float | None = None, name: str = "goalrail"
) -> object:
    @tool_input_guardrail(name=name)  # type: ignore[untyped-decorator, unused-ignore]
    async def check(data: ToolInputGuardrailData) -> ToolGuardrailFunctionOutput:
        ctx = data.context
        try:
            arguments: Any = json.loads(ctx.tool_arguments or "{}")
        except ValueError:
            arguments = ctx.tool_arguments or ""
        sid = session() if callable(session) else session
        try:
            verdict = await asyncio.to_thread(evaluator.tool_call, sid, ctx.tool_name, arguments, wait=wait)
        except GoalrailError as exc:
            return ToolGuardrailFunctionOutput.reject_content(f"Goalrail could not check this call ({exc}); refused")
        if changed_arguments(verdict, arguments) is not None:  # a guardrail cannot change the call
            verdict = refuse_unchanged(verdict, "a tool guardrail cannot change a call, so it is refused")
        if verdict.get("result") == "ALLOW":
            return ToolGuardrailFunctionOutput.allow(output_info=verdict)
        policy = f" ({verdict['policy']})" if verdict.get("policy") else ""
        return ToolGuardrailFunctionOutput.reject_content(
            f"Goalrail{policy}: {verdict.get('reason') or verdict.get('result')}", output_info=verdict
        )

    return check
