"""The REST API flows of test_api.py again, on the SQL store (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from server_support import client_for

from tests.server import test_api

FLOWS = [
    test_api.test_seed_curl_body_creates_a_server_policy,
    test_api.test_config_policies_are_read_only,
    test_api.test_patch_revalidates_params_and_can_change_everything,
    test_api.test_unregistered_handler_is_refused,
    test_api.test_limit_is_exact_and_explained,
    test_api.test_concurrent_events_on_one_session_stay_exact,
    test_api.test_deny_and_session_scope_and_get_wait,
    test_api.test_sessions_list_and_detail,
    test_api.test_listed_session_totals_equal_the_sum_of_its_usage_records,
    test_api.test_session_policies_crud,
    test_api.test_agents_upload_and_use,
    test_api.test_metrics_exposition,
    test_api.test_llm_response_usage_is_spend_counted_once,
]


@pytest.mark.parametrize("flow", FLOWS, ids=[f.__name__ for f in FLOWS])
async def test_flow_on_sql(flow: Any, sql_app: Any) -> None:
    async with client_for(sql_app) as c:
        await flow(c)


async def test_wait_released_on_sql(sql_app: Any) -> None:
    await test_api.test_session_policy_ask_is_released_by_a_resolve_from_another_client(sql_app)
