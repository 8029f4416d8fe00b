"""The HTTP server: an ASGI app (FastAPI/Starlette) around the runtime.

One route module per resource under ``routes/``; authentication in ``auth``;
the one error → HTTP status table in ``errors``.  May import every layer below
it (errors, policies, engine, config, runtime, store); nothing imports it
except the CLI, the web UI and integrations that mount their routers on it.
"""

from goalrail.server.app import create_app

__all__ = ["create_app"]
