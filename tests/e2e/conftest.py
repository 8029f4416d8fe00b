"""Fixtures for the end-to-end tests: a real Goalrail server and the scripted fake model API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.fake_models import FakeModel
from tests.e2e.harness import CONFIG
from tests.integrations.support import ServerProc, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProc]:
    with running_server(tmp_path_factory.mktemp("server"), config=CONFIG) as srv:
        yield srv


@pytest.fixture(scope="module")
def model_api() -> Iterator[FakeModel]:
    with FakeModel() as fake:
        yield fake


@pytest.fixture
def fake(model_api: FakeModel) -> FakeModel:
    model_api.reset()
    return model_api
