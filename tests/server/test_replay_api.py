"""Dry runs, traces and replay over REST; dry runs leave every stored table unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from server_support import READ, SHELL, auth, client_for

from goalrail.runtime import trace

JSON = {"content-type": "application/json"}
NDJSON = {"content-type": "application/x-ndjson"}
ASK_OS = {"name": "shell_ask", "handler": "goalrail.policies.builtins.safety.ask_on_os_tools"}
LLM = {"type": "llm_request", "data": {"model": "claude-opus-4-1", "messages": [{"role": "user", "content": "hi"}]}}


async def _busy_session(c: Any, sid: str) -> None:
    """A session with policy state, a session policy, usage, a pending and an approved approval."""
    r = await c.post("/v1/sessions", json={"id": sid}, headers=auth("alice"))
    assert r.status_code == 201, r.text
    r = await c.post(f"/v1/sessions/{sid}/policies", json=ASK_OS, headers=auth("alice"))
    assert r.status_code == 201, r.text
    r = await c.post(f"/v1/sessions/{sid}/events", json=READ, headers=auth("alice"))
    assert r.json()["result"] == "ASK"
    r = await c.post(f"/v1/approvals/{r.json()['approval_id']}", json={"decision": "approve"}, headers=auth("alice"))
    assert r.status_code == 200, r.text
    r = await c.post(f"/v1/sessions/{sid}/events", json=SHELL, headers=auth("alice"))
    assert r.json()["result"] == "ASK"
    r = await c.post(
        f"/v1/sessions/{sid}/usage", json={"model": "claude-opus-4-1", "input_tokens": 1000}, headers=auth("alice")
    )
    assert r.status_code in (200, 201), r.text
    r = await c.post(f"/v1/sessions/{sid}/events", json={"type": "request", "data": "hi"}, headers=auth("alice"))
    assert r.json()["result"] == "ALLOW"


async def _dump(store: Any) -> dict[str, list[Any]]:
    from sqlalchemy import select

    from goalrail.store.sql import tables

    def dump(conn: Any) -> dict[str, list[Any]]:
        return {
            t.name: sorted((tuple(map(repr, row)) for row in conn.execute(select(t))), key=repr)
            for t in tables.metadata.sorted_tables
        }

    return await store._read(dump)  # type: ignore[no-any-return]


async def test_dry_run_leaves_every_table_unchanged(sql_app: Any) -> None:
    store = sql_app.state.goalrail.store
    async with client_for(sql_app) as c:
        await _busy_session(c, "busy")
        before = await _dump(store)
        assert before["audit"] and before["usage"] and before["approvals"] and before["policy_state"]
        answers = []
        for event in (SHELL, READ, {"type": "request", "data": "hello"}, LLM, SHELL, SHELL, SHELL):
            r = await c.post("/v1/sessions/busy/evaluate", json=event, headers=auth("alice"))
            assert r.status_code == 200, r.text
            answers.append(r.json())
        r = await c.post("/v1/sessions/brand-new/evaluate", json=SHELL, headers=auth("alice_agent"))
        assert r.status_code == 200 and r.json()["dry_run"] is True
        assert await _dump(store) == before

    assert all(a["dry_run"] is True and "approval_id" not in a for a in answers)
    assert [a["result"] for a in answers[:3]] == ["ASK", "ASK", "ALLOW"]  # READ was approved once, not granted
    assert answers[0]["policy"] == "shell_ask"


async def test_dry_run_answers_what_the_event_would_get(client: Any) -> None:
    for _ in range(4):
        r = await client.post("/v1/sessions/s1/events", json=SHELL, headers=auth("alice"))
        assert r.json()["result"] == "ALLOW"
    # cap is 5: the fifth call would be allowed, however often we ask.
    for _ in range(3):
        r = await client.post("/v1/sessions/s1/evaluate", json=SHELL, headers=auth("alice"))
        assert r.json()["result"] == "ALLOW"
    real = await client.post("/v1/sessions/s1/events", json=SHELL, headers=auth("alice"))
    assert real.json()["result"] == "ALLOW"
    dry = await client.post("/v1/sessions/s1/evaluate", json=SHELL, headers=auth("alice"))
    real = await client.post("/v1/sessions/s1/events", json=SHELL, headers=auth("alice"))
    assert dry.json()["result"] == real.json()["result"] == "DENY"
    assert dry.json()["reason"] == real.json()["reason"]
    # Another user's session is not found; a bad body is a 400 with the usual error shape.
    r = await client.post("/v1/sessions/s1/evaluate", json=SHELL, headers=auth("bob"))
    assert r.status_code == 404
    r = await client.post("/v1/sessions/s1/evaluate", content=b"{nope", headers={**auth("alice"), **JSON})
    assert r.status_code == 400 and r.json()["code"] == "invalid_json"
    r = await client.post("/v1/sessions/s1/evaluate", json={"type": "tool_call"}, headers=auth("alice"))
    assert r.status_code in (400, 422) and "tool name" in r.json()["message"]


async def test_trace_export_replay_and_import(client: Any) -> None:
    await _busy_session(client, "t1")
    r = await client.get("/v1/sessions/t1/trace", headers=auth("alice"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    recorded = trace.loads(r.text)
    header = json.loads(r.text.splitlines()[0])
    assert header["format"] == "goalrail-trace" and header["version"] == 1
    assert [r["kind"] for r in recorded.records] == ["event", "approval", "event", "usage", "event"]
    assert [p["name"] for p in header["chain"]["session"]] == ["shell_ask"]
    assert (await client.get("/v1/sessions/t1/trace", headers=auth("bob"))).status_code == 404
    assert (await client.get("/v1/sessions/t1/trace", headers=auth("alice_agent"))).status_code == 403

    # As configured: nothing changes.
    r = await client.post("/v1/replay", json={"session_id": "t1"}, headers=auth("alice"))
    assert r.status_code == 200, r.text
    assert (r.json()["events"], r.json()["changed"]) == (3, 0)

    # A candidate denying the shell: the ASK becomes a DENY, named and explained.
    no_shell = {"name": "no_shell", "handler": "gr_testpolicies.deny_target", "factory_params": {"contains": "ls"}}
    body = {"session_id": "t1", "add_policies": [no_shell]}
    r = await client.post("/v1/replay", json=body, headers=auth("alice"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["changed"] == 1 and out["transitions"] == {"ASK→DENY": 1}
    change = out["changes"][0]
    assert change["before"]["policy"] == "shell_ask" and change["after"]["policy"] == "no_shell"

    # Invalid parameters are a 422 naming the parameter; a server-level candidate needs an admin.
    bad = {
        "session_id": "t1",
        "add_policies": [{"name": "x", "handler": "gr_testpolicies.max_calls", "factory_params": {"limit": "many"}}],
    }
    r = await client.post("/v1/replay", json=bad, headers=auth("alice"))
    assert r.status_code == 422
    server_level = {"add_policies": [{"name": "x", "handler": "gr_testpolicies.max_calls", "level": "server"}]}
    assert (await client.post("/v1/replay", json=server_level, headers=auth("alice"))).status_code == 403
    assert (await client.post("/v1/replay", json={"all_users": True}, headers=auth("alice"))).status_code == 403
    r = await client.post("/v1/replay", json={**server_level, "all_users": True}, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["sessions"] >= 1

    # Import: the trace runs through this server as a new session, answers as recorded.
    r = await client.post(
        "/v1/sessions/import?id=t1-copy", content=recorded.to_jsonl(), headers={**auth("alice"), **NDJSON}
    )
    assert r.status_code == 201, r.text
    assert r.json() == {"object": "session_import", "session_id": "t1-copy", "events": 3, "changed": 0}
    copy = trace.loads((await client.get("/v1/sessions/t1-copy/trace", headers=auth("alice"))).text)
    assert [r["kind"] for r in copy.records] == ["event", "approval", "event", "usage", "event"]
    r = await client.post("/v1/sessions/import", content=b'{"format": "other"}\n', headers={**auth("alice"), **NDJSON})
    assert r.status_code == 422 and "goalrail-trace" in r.json()["message"]


@pytest.mark.parametrize("version", [0, 2])
def test_unsupported_versions_are_refused(version: int) -> None:
    with pytest.raises(Exception, match=f"trace version `{version}` is not supported"):
        trace.loads(json.dumps({"format": "goalrail-trace", "version": version}))


async def test_shadow_policies_show_how_many_decisions_they_would_have_changed(client: Any) -> None:
    r = await client.post("/v1/sessions", json={"id": "sh"}, headers=auth("alice"))
    assert r.status_code == 201
    shadow = {
        "name": "no_ls",
        "handler": "gr_testpolicies.deny_target",
        "factory_params": {"contains": "ls"},
        "mode": "shadow",
    }
    assert (await client.post("/v1/sessions/sh/policies", json=shadow, headers=auth("alice"))).status_code == 201
    for event in (SHELL, READ, SHELL):
        assert (await client.post("/v1/sessions/sh/events", json=event, headers=auth("alice"))).json()[
            "result"
        ] == "ALLOW"
    policies = (await client.get("/v1/sessions/sh", headers=auth("alice"))).json()["policies"]
    (view,) = [p for p in policies if p["name"] == "no_ls"]
    assert view["would_change"] == 2
    assert all("would_change" not in p for p in policies if p["mode"] != "shadow")
    # Replaying it as enforcing agrees with the recorded count.
    r = await client.post("/v1/replay", json={"session_id": "sh", "enforce": ["no_ls"]}, headers=auth("alice"))
    assert r.json()["changed"] == 2 and r.json()["transitions"] == {"ALLOW→DENY": 2}


async def test_who_may_read_traces_import_and_replay(client: Any) -> None:
    await _busy_session(client, "own")
    line = '{"format": "goalrail-trace", "version": 1, "session": {}}\n'
    for who, status in ((None, 401), ("bad", 401), ("alice_agent", 403)):
        assert (await client.get("/v1/sessions/own/trace", headers=auth(who))).status_code == status
        assert (await client.post("/v1/replay", json={}, headers=auth(who))).status_code == status
        r = await client.post("/v1/sessions/import", content=line.encode(), headers={**auth(who), **NDJSON})
        assert r.status_code == status
    # Without a session id, a user replays their own recent sessions only.
    await _busy_session(client, "alice-2")
    r = await client.post("/v1/sessions", json={"id": "bob-1"}, headers=auth("bob"))
    assert r.status_code == 201
    await client.post("/v1/sessions/bob-1/events", json=SHELL, headers=auth("bob"))
    r = await client.post("/v1/replay", json={"last": 50}, headers=auth("bob"))
    assert r.json()["sessions"] == 1 and r.json()["events"] == 1
    r = await client.post("/v1/replay", json={"session_id": "own"}, headers=auth("bob"))
    assert r.status_code == 404
    r = await client.post("/v1/replay", json={"all_users": True, "last": 50}, headers=auth("admin"))
    assert r.json()["sessions"] == 3


async def test_admins_see_server_wide_shadow_counts_across_sessions(client: Any) -> None:
    shadow = {
        "name": "no_ls_anywhere",
        "handler": "gr_testpolicies.deny_target",
        "factory_params": {"contains": "ls"},
        "mode": "shadow",
    }
    assert (await client.post("/v1/policies", json=shadow, headers=auth("admin"))).status_code == 201
    for who, sid in (("alice", "a-1"), ("bob", "b-1")):
        for event in (SHELL, READ):
            assert (await client.post(f"/v1/sessions/{sid}/events", json=event, headers=auth(who))).status_code == 200
    listed = (await client.get("/v1/policies", headers=auth("admin"))).json()["data"]
    (view,) = [p for p in listed if p["name"] == "no_ls_anywhere"]
    assert view["would_change"] == 2
    listed = (await client.get("/v1/policies", headers=auth("alice"))).json()["data"]
    assert all("would_change" not in p for p in listed)  # counts span every user's sessions: admins only


@pytest.mark.parametrize("importer", ["alice", "admin"])
async def test_a_users_labels_round_trip_through_export_and_import_still_the_session_levels(
    client: Any, importer: str
) -> None:
    """A user's labels are recorded as the session level's (`@session/env`): exporting that session
    and importing the trace gives them back as the session level's, whoever imports it — an
    admin's import does not turn the user's word into a label every level reads."""
    r = await client.post("/v1/sessions", json={"id": "lab", "labels": {"env": "dev"}}, headers=auth("alice"))
    assert r.status_code == 201, r.text
    assert (await client.post("/v1/sessions/lab/events", json=READ, headers=auth("alice"))).status_code == 200
    exported = (await client.get("/v1/sessions/lab/trace", headers=auth("alice"))).text
    assert json.loads(exported.splitlines()[0])["session"]["labels"] == {"@session/env": "dev"}
    r = await client.post("/v1/sessions/import?id=lab-copy", content=exported, headers={**auth(importer), **NDJSON})
    assert r.status_code == 201, r.text
    assert r.json()["changed"] == 0
    copy = (await client.get("/v1/sessions/lab-copy", headers=auth(importer))).json()
    assert copy["labels"] == {"@session/env": "dev"}


async def test_import_refuses_a_reserved_prefix_under_the_session_levels() -> None:
    from goalrail.engine.levels import imported_labels
    from goalrail.errors import InvalidRequest

    assert imported_labels({"@session/env": "dev", "team": "a"}, by_admin=True) == {"@session/env": "dev", "team": "a"}
    assert imported_labels({"team": "a"}, by_admin=False) == {"@session/team": "a"}
    for nested in ("@session/@agent/approved", "@session/@session/x", "@session/untrusted_content"):
        with pytest.raises(InvalidRequest):
            imported_labels({nested: "x"}, by_admin=False)
    with pytest.raises(InvalidRequest, match="at most 64 labels"):
        imported_labels({**{f"@session/k{i}": "v" for i in range(40)}, **{f"k{i}": "v" for i in range(40)}}, False)


@pytest.mark.parametrize("label", ["@agent/approved"])
async def test_import_refuses_reserved_label_prefixes_as_session_creation_does(client: Any, label: str) -> None:
    created = await client.post("/v1/sessions", json={"id": "made", "labels": {label: "x"}}, headers=auth("alice"))
    assert created.status_code == 422
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "t", "labels": {"team": "a", label: "x"}}}
    r = await client.post(
        "/v1/sessions/import?id=imported", content=json.dumps(header).encode(), headers={**auth("alice"), **NDJSON}
    )
    assert r.status_code == 422, r.text
    made, got = created.json(), r.json()
    assert (got["code"], got["message"]) == (made["code"], made["message"]) == ("invalid_request", made["message"])
    assert label in got["message"] and "reserved prefix" in got["message"]
    assert got["errors"] == [{**made["errors"][0], "loc": f"session.labels.{label}"}]
    assert (await client.get("/v1/sessions/imported", headers=auth("alice"))).status_code == 404


async def test_the_engines_own_label_cannot_be_given_at_creation_or_import(client: Any) -> None:
    """`untrusted_content` names the first untrusted tool, recorded once by the engine: a value given
    beforehand would stand in for it (a server pattern `when_label: {untrusted_content: web_*}`
    would never match), so creation and import refuse it alike."""
    from goalrail.engine.levels import ENGINE_LABELS
    from goalrail.runtime.flow import UNTRUSTED_LABEL

    assert UNTRUSTED_LABEL in ENGINE_LABELS
    labels = {UNTRUSTED_LABEL: "none"}
    created = await client.post("/v1/sessions", json={"id": "pre", "labels": labels}, headers=auth("alice"))
    assert created.status_code == 422, created.text
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "t", "labels": labels}}
    r = await client.post(
        "/v1/sessions/import?id=pre2", content=json.dumps(header).encode(), headers={**auth("alice"), **NDJSON}
    )
    assert r.status_code == 422, r.text
    assert created.json()["message"] == r.json()["message"] and UNTRUSTED_LABEL in r.json()["message"]
    for sid in ("pre", "pre2"):
        assert (await client.get(f"/v1/sessions/{sid}", headers=auth("alice"))).status_code == 404


@pytest.mark.parametrize(
    "labels",
    [
        {f"l{i}": "x" for i in range(65)},  # too many
        {"env": "p" * 1025},  # a value too long
        {"n" * 129: "x"},  # a name too long
    ],
)
async def test_labels_given_are_few_and_short_at_creation_and_import(client: Any, labels: dict[str, str]) -> None:
    """Every event's context and audit entry carry the session's labels: a megabyte of labels
    made each small event write a megabyte. Creation and import refuse them alike."""
    created = await client.post("/v1/sessions", json={"id": "big", "labels": labels}, headers=auth("alice"))
    assert created.status_code == 422, created.text
    header = {"format": "goalrail-trace", "version": 1, "session": {"id": "t", "labels": labels}}
    r = await client.post(
        "/v1/sessions/import?id=big2", content=json.dumps(header).encode(), headers={**auth("alice"), **NDJSON}
    )
    assert r.status_code == 422, r.text
    assert created.json()["message"] == r.json()["message"]
    ok = {f"l{i}": "v" * 1024 for i in range(64)}
    assert (
        await client.post("/v1/sessions", json={"id": "fine", "labels": ok}, headers=auth("alice"))
    ).status_code == 201
