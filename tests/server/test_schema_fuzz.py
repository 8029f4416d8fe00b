"""Schema fuzzing: schemathesis generates requests from ``/openapi.json`` (valid and
invalid ones) and sends them in-process to a server on a SQLite file, as an admin
and as an agent.  No answer may be a 5xx, and every error is ``{"code", "message", "errors"}``.

Bounded to about a minute: a few examples per operation, no shrinking, no example database.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from goalrail.config.server import server_config_from_text
from goalrail.server import create_app

ERROR_KEYS = {"code", "message", "errors"}
CONSOLE = "grc_schema-fuzz-console"
AGENT = "gr_schema-fuzz-agent"
EXAMPLES = 10


def _app(home: Path) -> Any:
    digest = hashlib.sha256(AGENT.encode()).hexdigest()
    config = server_config_from_text(
        f"database_url: 'sqlite:///{home / 'goalrail.db'}'\n"
        "auth:\n  mode: tokens\n"
        f"  tokens: [{{user: fuzz, role: agent, sha256: {digest}}}]\n"
        "policies:\n"
        "  cap: {type: function, handler: goalrail.policies.builtins.safety.max_tool_calls_per_session,"
        " factory_params: {limit: 1000}}\n",
        "<fuzz>",
    )
    return create_app(config, console_token=CONSOLE)


_HOME = Path(tempfile.mkdtemp(prefix="goalrail-fuzz-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)  # after schemathesis stops the app (atexit is LIFO)
# The LLM proxy's routes answer in the provider's error shape (and 502/503 without an
# upstream) by design; tests/server/test_guard.py and the proxy tests cover them.
LLM_ROUTES = ["/v1/chat/completions", "/v1/messages", "/v1/messages/count_tokens"]
schema = schemathesis.openapi.from_asgi("/openapi.json", _app(_HOME)).exclude(path=LLM_ROUTES)
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    allow_x00=True,
    database="none",
    deterministic=True,
)


def check(case: Any, response: Any) -> None:
    where = f"{case.method} {case.formatted_path}"
    assert response.status_code < 500, f"{where} answered {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            pytest.fail(f"{where} answered {response.status_code} without JSON: {response.text[:200]}")
        assert isinstance(body, dict) and set(body) >= ERROR_KEYS, f"{where}: {body}"
        assert isinstance(body["code"], str) and isinstance(body["message"], str) and isinstance(body["errors"], list)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
@pytest.mark.parametrize("who", [CONSOLE, AGENT])
def test_no_5xx_and_json_errors(case: Any, who: str) -> None:
    check(case, case.call(headers={"Authorization": f"Bearer {who}"}))
