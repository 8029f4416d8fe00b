"""The server's state holds a typed store: a stand-in until startup opens the configured one."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.testclient import TestClient

from goalrail.config.server import ServerConfig
from goalrail.server.app import create_app
from goalrail.server.state import StoreNotOpen, state_of
from goalrail.store.memory import MemoryStore


def test_the_stand_in_names_what_was_used_before_startup() -> None:
    store = StoreNotOpen()
    with pytest.raises(AttributeError, match="`get_session` was used before"):
        _ = store.get_session
    # what `getattr(store, name, None)` probes for reads as absent, as it did for no store at all
    assert getattr(store, "list_tokens", None) is None


def test_startup_replaces_the_stand_in_everywhere_and_shutdown_keeps_it() -> None:
    app = create_app(ServerConfig(database_url="memory://"))
    state = app.state.goalrail
    assert isinstance(state.store, StoreNotOpen)
    with TestClient(app, base_url="http://127.0.0.1:6767"):
        assert isinstance(state.store, MemoryStore)
        assert state.runtime.store is state.store
        assert state.auth.store is state.store


def test_a_given_store_is_used_from_the_start() -> None:
    store = MemoryStore()
    state = create_app(ServerConfig(), store).state.goalrail
    assert state.store is store
    assert state.runtime.store is store


def test_state_of_refuses_anything_but_the_server_state() -> None:
    app = create_app(ServerConfig(), MemoryStore())
    request = Request({"type": "http", "app": app})
    assert state_of(request) is app.state.goalrail
    app.state.goalrail = object()
    with pytest.raises(TypeError, match="not ServerState"):
        state_of(request)
