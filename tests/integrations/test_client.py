"""The shared HTTP client: URL/token resolution and error mapping (fail closed on 5xx)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from goalrail import errors
from goalrail.integrations.client import check, evaluate_call
from goalrail.integrations.endpoint import DEFAULT_URL, resolve_token, resolve_url


def test_url_and_token_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GOALRAIL_URL", "GOALRAIL_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GOALRAIL_HOME", str(tmp_path))
    assert resolve_url() == DEFAULT_URL and resolve_token() is None
    (tmp_path / "token").write_text("gr_from_file\n")
    assert resolve_token() == "gr_from_file"
    monkeypatch.setenv("GOALRAIL_URL", "http://goalrail.internal:9/")
    monkeypatch.setenv("GOALRAIL_TOKEN", "gr_from_env")
    assert resolve_url() == "http://goalrail.internal:9" and resolve_token() == "gr_from_env"
    assert resolve_url("http://flag") == "http://flag" and resolve_token("gr_flag") == "gr_flag"


@pytest.mark.parametrize(
    "status, body, error",
    [
        (500, {"code": "store_error", "message": "boom"}, errors.Unavailable),
        (503, None, errors.Unavailable),
        (401, {"code": "unauthorized", "message": "invalid or revoked token"}, errors.Unauthorized),
        (403, {"code": "forbidden", "message": "no"}, errors.Forbidden),
        (404, {"detail": "Not Found"}, errors.NotFound),
        (
            422,
            {"code": "invalid_params", "message": "bad", "errors": [{"loc": "limit", "message": "≥ 1"}]},
            errors.InvalidParams,
        ),
    ],
)
def test_errors_map_to_goalrail_errors(status: int, body: object, error: type[errors.GoalrailError]) -> None:
    resp = httpx.Response(status, json=body) if body is not None else httpx.Response(status)
    with pytest.raises(error) as raised:
        check(resp)
    if status == 422:
        assert raised.value.errors == [{"loc": "limit", "message": "≥ 1"}]


def test_wait_extends_the_timeout() -> None:
    call = evaluate_call("s 1/x", {"type": "request"}, 30, 10)
    assert call.path == "/v1/sessions/s%201%2Fx/events" and call.params == {"wait": "30"} and call.timeout == 40
