"""``goalrail mcp-proxy``: an MCP server in front of another MCP server, gating every tool call.

    client ⇄ (stdio) goalrail mcp-proxy ⇄ (stdio or streamable HTTP) upstream server

* ``tools/list`` is forwarded (``hide_denied`` hides tools a side-effect-free
  dry-run evaluation denies outright; see :meth:`GovernedTools.list_tools`).
* ``tools/call`` becomes a ``tool_call`` event named ``mcp__<server>__<tool>``
  (the server applies the canonical mapping, e.g. ``tool_mapping`` in its
  config).  DENY → a tool error result (``isError: true``) carrying the reason;
  ASK → :func:`goalrail.integrations.mcp.ask.resolve_ask`; ALLOW → forwarded.
* The upstream's answer is reported as a ``tool_result`` event; if a policy
  denies it, the agent gets an error instead of the result.
* The Goalrail server unreachable → every call is refused (fail closed).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import mcp_types as types
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.session import MessageHandlerFnT
from mcp.server import Server

from goalrail.defaults import ASK_WAIT_S
from goalrail.errors import GoalrailError
from goalrail.integrations.backend import Backend
from goalrail.integrations.mcp.ask import Context, resolve_ask
from goalrail.integrations.mcp.batch import batching_stdio_server
from goalrail.jsontypes import JsonObject
from goalrail.mcp_names import canonical, server_slug

HARNESS = "mcp-proxy"
#: Judges an event without acting on it (no state, approval or audit entry): ``client.dry_run``.
DryRun = Callable[[str, Mapping[str, object]], Awaitable[Mapping[str, object]]]
MAX_RESULT_CHARS = 32_000


def folded(name: str) -> str:
    """A tool name with case, Unicode compatibility forms and surrounding space folded away."""
    return unicodedata.normalize("NFKC", name).casefold().strip()


def error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def result_text(result: types.CallToolResult) -> str:
    parts = []
    for block in result.content:
        text = getattr(block, "text", None)
        parts.append(text if isinstance(text, str) else f"[{getattr(block, 'type', 'content')}]")
    if result.structured_content is not None and not parts:
        parts.append(json.dumps(result.structured_content, default=str))
    text = "\n".join(parts)
    return text if len(text) <= MAX_RESULT_CHARS else text[:MAX_RESULT_CHARS] + "… [truncated]"


def rewritten_arguments(verdict: Mapping[str, object], arguments: dict[str, object] | None) -> dict[str, object] | None:
    """A policy may replace the call's arguments (``data``), e.g. to force a safer option."""
    data = verdict.get("data")
    if isinstance(data, dict) and isinstance(data.get("arguments"), dict):
        return dict(data["arguments"])
    return arguments


def _why(verdict: Mapping[str, object]) -> str:
    policy = verdict.get("policy")
    reason = verdict.get("reason") or f"answered without a verdict ({str(verdict.get('result'))[:40]!r})"
    return f"Goalrail ({policy}): {reason}" if policy else f"Goalrail: {reason}"


class GovernedTools:
    """The gate between the client and the upstream session."""

    def __init__(
        self,
        backend: Backend,
        session: str,
        server_name: str,
        *,
        ask_timeout_s: float = ASK_WAIT_S,
        approvals_url: str | None = None,
        hide_denied: bool = False,
        dry_run: DryRun | None = None,
    ) -> None:
        self.backend = backend
        self.session = session
        self.server = server_slug(server_name)
        self.ask_timeout_s = ask_timeout_s
        self.approvals_url = approvals_url
        self.hide_denied = hide_denied
        self.dry_run = dry_run  # None when the backend cannot judge without acting
        # MCP tool annotations (readOnlyHint, destructiveHint, openWorldHint…) by tool name: sent
        # with each event, where they can only make the tool's metadata stricter.
        self.annotations: dict[str, dict[str, object]] = {}
        #: each listed tool by its name folded (:func:`folded`): a call spelled otherwise is that tool
        self.names: dict[str, str] = {}
        self.listed: set[str] = set()
        self._fetched = False
        self._fetching = asyncio.Lock()

    def learn(self, tools: list[types.Tool]) -> None:
        for tool in tools:
            self.names.setdefault(folded(tool.name), tool.name)
            self.listed.add(tool.name)
            if tool.annotations is not None:
                hints = tool.annotations.model_dump(exclude_none=True, by_alias=True)
                if hints:
                    self.annotations[tool.name] = hints

    def tools_changed(self) -> None:
        """The upstream said its tools changed (``notifications/tools/list_changed``): the next
        call is judged after listing them again, so a tool added or re-annotated since is known."""
        self._fetched = False

    async def on_upstream_message(self, message: object) -> None:
        """The upstream session's ``message_handler``."""
        if isinstance(message, types.ToolListChangedNotification):
            self.tools_changed()

    async def _ensure_annotations(self, upstream: ClientSession) -> None:
        """Learn every listed tool (all pages) once, before the first call is judged, and again
        after the upstream says they changed; calls arriving together wait for the same
        listing, so none is judged without it."""
        if self._fetched:
            return
        async with self._fetching:
            if self._fetched:
                return
            try:
                cursor: str | None = None
                for _ in range(100):  # pages
                    params = types.PaginatedRequestParams(cursor=cursor) if cursor else None
                    page = await upstream.list_tools(params=params)
                    self.learn(page.tools)
                    cursor = page.next_cursor
                    if not cursor:
                        break
            except Exception:
                pass
            self._fetched = True

    def qualified(self, tool: str) -> str:
        return canonical(self.server, tool)

    def _event(
        self, etype: str, tool: str, arguments: Mapping[str, object] | None, **extra: object
    ) -> dict[str, object]:
        name = self.qualified(tool)
        hints = self.annotations.get(tool)
        if hints:
            extra["annotations"] = hints
        return {
            "type": etype,
            "target": name,
            "data": {"name": name, "arguments": arguments or {}, **extra},
            "context": {"harness": HARNESS},
        }

    async def list_tools(
        self, upstream: ClientSession, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        # Only the cursor crosses over: the client's request may carry a protocol envelope
        # (`_meta` of the 2026-07-28 era, Claude Code 2.1) that the upstream connection,
        # opened by our own handshake, refuses.
        cursor = params.cursor if params is not None else None
        listed = await upstream.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        self.learn(listed.tools)
        if not self.hide_denied or self.dry_run is None:
            return listed
        kept = []
        for tool in listed.tools:
            try:
                verdict = await self.dry_run(self.session, self._event("tool_call", tool.name, {}))
            except GoalrailError:
                kept.append(tool)  # listing is harmless; the call itself stays gated
                continue
            if verdict.get("result") != "DENY":
                kept.append(tool)
        return types.ListToolsResult(tools=kept, next_cursor=listed.next_cursor)

    async def call_tool(
        self, ctx: Context, upstream: ClientSession, tool: str, arguments: dict[str, object] | None
    ) -> types.CallToolResult:
        await self._ensure_annotations(upstream)
        # A name the upstream lists under another case or Unicode spelling (`READ_FILE`, `ｒｅａｄ_file`)
        # is judged, and sent, as the listed tool: a server resolving names loosely runs what was judged.
        if tool not in self.listed:
            if folded(tool) not in self.names:  # a tool the upstream may have added since it was listed
                self.tools_changed()
                await self._ensure_annotations(upstream)
            tool = self.names.get(folded(tool), tool)
        name = self.qualified(tool)
        event = self._event("tool_call", tool, arguments)
        try:
            verdict = await self.backend.evaluate(self.session, event)
            if verdict.get("result") == "ASK":

                async def retry() -> JsonObject:
                    return await self.backend.evaluate(self.session, event)

                verdict = await resolve_ask(
                    ctx,
                    self.backend,
                    verdict,
                    action=f"`{name}`",
                    timeout_s=self.ask_timeout_s,
                    approvals_url=self.approvals_url,
                    retry=retry,
                )
        except GoalrailError as exc:
            return error_result(
                f"Goalrail could not check `{name}` ({exc.message}); refused because Goalrail fails closed"
            )
        if verdict.get("result") != "ALLOW":
            return error_result(_why(verdict))
        arguments = rewritten_arguments(verdict, arguments)
        result = await upstream.call_tool(tool, arguments or {})
        try:
            after = await self.backend.evaluate(
                self.session,
                self._event("tool_result", tool, arguments, result=result_text(result), is_error=bool(result.is_error)),
            )
            # Only an ALLOW delivers the result: an ASK waits for its approval as a call's does
            # (no retry: approving it is the answer), anything else withholds it (fail closed).
            after = await resolve_ask(
                ctx,
                self.backend,
                after,
                action=f"the result of `{name}`",
                timeout_s=self.ask_timeout_s,
                approvals_url=self.approvals_url,
            )
        except GoalrailError as exc:
            return error_result(f"Goalrail could not check the result of `{name}` ({exc.message}); withheld")
        if after.get("result") != "ALLOW":
            return error_result(f"result withheld: {_why(after)}")
        return result


def build_server(gate: GovernedTools, upstream: ClientSession, name: str) -> Server[object]:
    async def on_list_tools(ctx: Context, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return await gate.list_tools(upstream, params)

    async def on_call_tool(ctx: Context, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await gate.call_tool(ctx, upstream, params.name, params.arguments)

    return Server(f"goalrail-proxy:{name}", on_list_tools=on_list_tools, on_call_tool=on_call_tool)


@asynccontextmanager
async def connect_upstream(
    command: list[str] | None = None,
    url: str | None = None,
    env: dict[str, str] | None = None,
    on_message: MessageHandlerFnT | None = None,
) -> AsyncIterator[tuple[ClientSession, str]]:
    """An initialized session with the upstream, and the name it reports; ``on_message`` gets the
    upstream's notifications (``GovernedTools.on_upstream_message``)."""
    if url:
        from mcp.client.streamable_http import streamable_http_client

        async with (
            streamable_http_client(url) as streams,
            ClientSession(streams[0], streams[1], message_handler=on_message) as session,
        ):
            init = await session.initialize()
            yield session, init.server_info.name if init.server_info else "upstream"
        return
    if not command:
        raise ValueError("an upstream command or URL is required")
    if env is None:  # the upstream gets our environment, minus Goalrail's own credential
        env = {k: v for k, v in os.environ.items() if k != "GOALRAIL_TOKEN"}
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write, message_handler=on_message) as session:
        init = await session.initialize()
        yield session, init.server_info.name if init.server_info else "upstream"


async def serve(
    backend: Backend,
    session_id: str,
    *,
    command: list[str] | None = None,
    url: str | None = None,
    name: str | None = None,
    ask_timeout_s: float = ASK_WAIT_S,
    approvals_url: str | None = None,
    hide_denied: bool = False,
    dry_run: DryRun | None = None,
) -> None:
    """Run the proxy on this process's stdio until the client disconnects."""
    changes: list[GovernedTools] = []  # the gate, once made: told of the upstream's tool-list changes

    async def on_message(message: object) -> None:
        for gate in changes:
            await gate.on_upstream_message(message)

    async with connect_upstream(command, url, on_message=on_message) as (upstream, reported):
        gate = GovernedTools(
            backend,
            session_id,
            name or reported,
            ask_timeout_s=ask_timeout_s,
            approvals_url=approvals_url,
            hide_denied=hide_denied,
            dry_run=dry_run,
        )
        changes.append(gate)
        if hide_denied and dry_run is None:
            print("goalrail mcp-proxy: --hide-denied needs a dry-run backend; listing every tool", file=sys.stderr)
        server = build_server(gate, upstream, gate.server)
        async with batching_stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
