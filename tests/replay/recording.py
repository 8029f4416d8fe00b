"""Record sessions the way a server does (Runtime on a real store), then export their traces."""

from __future__ import annotations

from typing import Any

from goalrail.cases.run import ChainSpec
from goalrail.runtime import trace


async def export(store: Any, session_id: str, chain: ChainSpec | None = None, **extra: Any) -> trace.Trace:
    info = await store.get_session(session_id)
    assert info is not None
    specs = None
    if chain is not None:
        specs = {"session": chain.session, "agent": chain.agent, "server": chain.server}
    return trace.from_store(
        info,
        await store.audit_entries(session_id=session_id),
        await store.usage_records(session_id),
        chain=specs,
        policy_modules=chain.policy_modules if chain else (),
        tool_mapping=chain.tool_mapping if chain else None,
        **extra,
    )
