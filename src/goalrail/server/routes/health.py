"""/healthz (the effective server-wide chain) and /metrics (Prometheus text)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse

from goalrail.server.state import state_of

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness plus the effective server-wide policy chain")
async def healthz(request: Request) -> dict[str, Any]:
    st = state_of(request)
    version, stored = await st.store.server_policies()
    chain = [
        {"name": s.name, "handler": s.handler, "source": "config", "enabled": s.enabled, "mode": s.mode}
        for s in st.config.policies
    ] + [{"name": s.name, "handler": s.handler, "source": "api", "enabled": s.enabled, "mode": s.mode} for s in stored]
    return {
        "status": "ok",
        "server_policies": chain,
        "effective_chain": [c["name"] for c in chain if c["enabled"]],
        "server_policies_version": version,
        "own_files_guard": st.runtime.chains.first is not None,  # (on or off: its paths are not shown here)
        "agents": sorted(await st.runtime.current_agents()),
        "store": type(st.store).__name__,
        "auth": st.auth.mode,
        "auth_mode": {"mode": st.auth.mode, "source": st.auth.mode_source, "note": st.auth.describe_mode()},
    }


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
async def metrics(request: Request) -> PlainTextResponse:
    st = state_of(request)
    pending = await st.store.pending_total()  # a count, not a read of every pending approval
    counters = st.metrics if st.metrics_share is None else st.metrics.merged(st.metrics_share.others())
    return PlainTextResponse(counters.render(pending), media_type="text/plain; version=0.0.4")
