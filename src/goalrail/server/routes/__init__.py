"""One module per REST resource; each exposes ``router`` (a FastAPI APIRouter)."""

from typing import Annotated

from fastapi import Depends

from goalrail.server.auth import Principal
from goalrail.server.state import principal_of

Caller = Annotated[Principal, Depends(principal_of)]

ROUTE_MODULES = (
    "events",
    "replay",
    "sessions",
    "session_policies",
    "policies",
    "registry",
    "agents",
    "usage",
    "approvals",
    "audit",
    "auth",
    "tokens",
    "health",
)
