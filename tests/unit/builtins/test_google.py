"""gdrive_policy, gmail_policy, gcalendar_policy over Google Workspace MCP tools."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from goalrail.engine import PolicySpec, compile_chain
from goalrail.engine.context import build_event, normalize_event
from goalrail.engine.snapshot import Snapshot
from goalrail.policies.builtins import google
from goalrail.policies.builtins._google import classify, created_ids, normalize_file_id
from goalrail.policies.builtins.google import gcalendar_policy, gdrive_policy, gmail_policy
from goalrail.policies.registry import Registry
from tests.unit.builtins.runtime_session import Session, make_runtime

DOC_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
OTHER_ID = "1ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"


def ev(raw: dict[str, Any], policy_state: dict[str, Any] | None = None) -> dict[str, Any]:
    e = dict(build_event(normalize_event(raw), Snapshot("s1")))
    e["policy_state"] = policy_state or {}
    return e


def call(tool: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"arguments": args}}


def result(tool: str, res: Any, **args: Any) -> dict[str, Any]:
    return {"type": "tool_result", "target": tool, "data": {"arguments": args, "result": res}}


def verdict(policy: Any, raw: dict[str, Any], state: dict[str, Any] | None = None) -> str | None:
    r = policy(ev(raw, state))
    return None if r is None else r["result"]


# --- classification ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "service", "op"),
    [
        ("mcp__google__drive_search", "drive", "read"),
        ("mcp__google__docs_document_get", "drive", "read"),
        ("mcp__google__get_drive_file_content", "drive", "read"),
        ("mcp__google__read_sheet_values", "drive", "read"),
        ("mcp__google__create_drive_file", "drive", "create"),
        ("mcp__google__drive_file_create", "drive", "create"),
        ("mcp__google__create_spreadsheet", "drive", "create"),
        ("mcp__workspace__modify_doc_text", "drive", "write"),
        ("mcp__google__sheets_values_update", "drive", "write"),
        ("mcp__google__share_drive_file", "drive", "write"),
        ("mcp__google__delete_drive_file", "drive", "delete"),
        ("mcp__gdrive__gsheets_update_cell", "drive", "write"),
        ("mcp__gmail__send_email", "gmail", "send"),
        ("mcp__google__sendGmailMessage", "gmail", "send"),
        ("mcp__google__send_draft", "gmail", "send"),
        ("mcp__gmail__draft_email", "gmail", "draft"),
        ("mcp__google__create_draft", "gmail", "draft"),
        ("mcp__google__delete_draft", "gmail", "draft_change"),
        ("mcp__google__update_draft", "gmail", "draft_change"),
        ("mcp__google__list_drafts", "gmail", "read"),
        ("mcp__google__search_gmail_messages", "gmail", "read"),
        ("mcp__gmail__list_email_labels", "gmail", "read"),
        ("mcp__gmail__modify_email", "gmail", "modify"),
        ("mcp__gmail__delete_email", "gmail", "modify"),
        ("mcp__google__trash_message", "gmail", "modify"),
        ("mcp__gcal__list-events", "calendar", "read"),
        ("mcp__google__get_events", "calendar", "read"),
        ("mcp__google-calendar__create-event", "calendar", "create"),
        ("mcp__google__quick_add_event", "calendar", "create"),
        ("mcp__google__modify_event", "calendar", "write"),
        ("mcp__google__delete_event", "calendar", "delete"),
        ("mcp__acme__send_gmail_message", "gmail", "send"),  # strong word under any server
        ("mcp__google__frobnicate", None, None),
    ],
)
def test_classify(tool: str, service: str | None, op: str | None) -> None:
    gt = classify(tool)
    assert gt is not None and (gt.service, gt.op) == (service, op)


@pytest.mark.parametrize(
    "tool",
    [
        "mcp__github__list_files",
        "mcp__notion__create_page",
        "Bash",
        "mcp__slack__send_message",
        "mcp__docs-site__search",
        "mcp__x",
    ],
)
def test_non_google_tools_are_not_classified(tool: str) -> None:
    assert classify(tool) is None


def test_file_ids_from_urls() -> None:
    assert normalize_file_id(f"https://docs.google.com/document/d/{DOC_ID}/edit") == DOC_ID
    assert normalize_file_id(f"https://drive.google.com/open?id={DOC_ID}") == DOC_ID
    assert normalize_file_id(f" {DOC_ID} ") == DOC_ID


def test_created_ids_from_result_shapes() -> None:
    assert created_ids({"id": DOC_ID, "parents": [OTHER_ID]}) == [DOC_ID]
    assert created_ids(json.dumps({"file": {"fileId": DOC_ID}})) == [DOC_ID]
    mcp = {"content": [{"type": "text", "text": f"Created file 'Plan' (ID: {DOC_ID}) in folder"}]}
    assert created_ids(mcp) == [DOC_ID]
    link = {"webViewLink": f"https://docs.google.com/spreadsheets/d/{DOC_ID}/edit"}
    assert created_ids(link) == [DOC_ID]
    assert created_ids(None) == [] and created_ids("done") == []


# --- parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "params", "message"),
    [
        (gdrive_policy, {"read_all": "yes"}, "read_all"),
        (gdrive_policy, {"allow_create": 1}, "allow_create"),
        (gdrive_policy, {"write_files": DOC_ID}, "write_files"),
        (gdrive_policy, {"write_files": [""]}, "write_files"),
        (gdrive_policy, {"extra_servers": "corp"}, "extra_servers"),
        (gmail_policy, {"allow_send": "true"}, "allow_send"),
        (gmail_policy, {"allow_modify": None}, "allow_modify"),
        (gcalendar_policy, {"allow_create_events": 0}, "allow_create_events"),
    ],
)
def test_rejects_bad_params(fn: Any, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fn(**params)


@pytest.mark.parametrize("fn", [gdrive_policy, gmail_policy, gcalendar_policy])
def test_registry_schema_defaults_match_code(fn: Any) -> None:
    entry = next(e for e in google.POLICY_REGISTRY if e["handler"].endswith("." + fn.__name__))
    props = entry["params_schema"]["properties"]
    sig = inspect.signature(fn)
    assert set(props) == set(sig.parameters)
    for name, param in sig.parameters.items():
        assert props[name]["default"] == param.default
        assert props[name]["description"]
    Registry.load().validate(entry["handler"], {})


def test_seed_example_compiles() -> None:
    spec = PolicySpec(
        "google_policy",
        "goalrail.policies.builtins.google.gdrive_policy",
        params={"read_all": True, "allow_create": True},
    )
    assert len(compile_chain([spec], Registry.load())) == 1


# --- drive ------------------------------------------------------------------------


def test_drive_defaults_read_and_create_but_no_foreign_writes() -> None:
    p = gdrive_policy()
    assert verdict(p, call("mcp__google__drive_search", query="plan")) is None
    assert verdict(p, call("mcp__google__create_drive_file", name="x")) is None
    r = p(ev(call("mcp__google__modify_doc_text", document_id=DOC_ID, text="hi")))
    assert r["result"] == "DENY" and "not created in this session" in r["reason"]
    assert DOC_ID not in r["reason"]


def test_drive_write_allowed_to_a_file_created_this_session() -> None:
    p = gdrive_policy()
    r = p(ev(result("mcp__google__create_drive_file", {"id": DOC_ID, "parents": [OTHER_ID]}, name="x")))
    assert r["result"] == "ALLOW"
    (upd,) = r["state_updates"]
    assert upd == {"key": "created_file_ids", "action": "append", "value": DOC_ID, "scope": "policy", "max_len": 1000}
    state = {"created_file_ids": [DOC_ID]}
    assert verdict(p, call("mcp__google__modify_doc_text", document_id=DOC_ID), state) is None
    url = f"https://docs.google.com/document/d/{DOC_ID}/edit"
    assert verdict(p, call("mcp__google__delete_drive_file", file_url=url), state) is None
    # the parent folder was not collected
    assert verdict(p, call("mcp__google__delete_drive_file", file_id=OTHER_ID), state) == "DENY"
    # an id already known is not appended twice
    assert p(ev(result("mcp__google__create_drive_file", {"id": DOC_ID}), state)) is None


def test_results_of_reads_and_writes_are_not_tracked() -> None:
    p = gdrive_policy()
    assert p(ev(result("mcp__google__drive_search", {"id": DOC_ID}))) is None
    assert p(ev(result("mcp__google__modify_doc_text", {"id": DOC_ID}, document_id=DOC_ID))) is None


def test_drive_write_files_parameter_accepts_ids_and_urls() -> None:
    p = gdrive_policy(write_files=[f"https://docs.google.com/spreadsheets/d/{OTHER_ID}/edit"])
    assert verdict(p, call("mcp__google__sheets_values_update", spreadsheet_id=OTHER_ID)) is None
    assert verdict(p, call("mcp__google__sheets_values_update", spreadsheetId=DOC_ID)) == "DENY"


def test_drive_write_without_a_file_id_is_denied() -> None:
    r = gdrive_policy()(ev(call("mcp__google__share_drive_file", email="a@b.c")))
    assert r["result"] == "DENY" and "names no file id" in r["reason"]


def test_drive_read_all_false_allows_only_own_files() -> None:
    p = gdrive_policy(read_all=False)
    r = p(ev(call("mcp__google__drive_search", query="x")))
    assert r["result"] == "DENY" and "read_all is false" in r["reason"]
    assert (
        verdict(p, call("mcp__google__docs_document_get", document_id=DOC_ID), {"created_file_ids": [DOC_ID]}) is None
    )
    p2 = gdrive_policy(read_all=False, write_files=[OTHER_ID])
    assert verdict(p2, call("mcp__google__docs_document_get", document_id=OTHER_ID)) is None


def test_drive_allow_create_false() -> None:
    r = gdrive_policy(allow_create=False)(ev(call("mcp__google__create_spreadsheet", title="x")))
    assert r["result"] == "DENY" and "allow_create is false" in r["reason"]


def test_create_verb_on_an_existing_file_is_a_write() -> None:
    p = gdrive_policy()
    assert verdict(p, call("mcp__google__docs_insert_text", document_id=DOC_ID, text="x")) == "DENY"
    # copying an existing file creates a new one
    assert verdict(p, call("mcp__google__copy_drive_file", file_id=DOC_ID)) is None


def test_unknown_google_tool_asks_or_is_a_write_when_it_names_a_file() -> None:
    p = gdrive_policy()
    r = p(ev(call("mcp__google__frobnicate", x=1)))
    assert r["result"] == "ASK" and "unrecognised Google tool `frobnicate`" in r["reason"]
    assert verdict(p, call("mcp__google__frobnicate", document_id=DOC_ID)) == "DENY"
    assert verdict(p, call("mcp__google__frobnicate", document_id=DOC_ID), {"created_file_ids": [DOC_ID]}) is None


def test_extra_servers_make_a_server_google() -> None:
    assert verdict(gdrive_policy(), call("mcp__corp-gw__update_doc", document_id=DOC_ID)) is None
    p = gdrive_policy(extra_servers=["corp-*"])
    assert verdict(p, call("mcp__corp-gw__update_doc", document_id=DOC_ID)) == "DENY"
    assert verdict(p, call("mcp__corp-gw__mystery")) == "ASK"


def test_drive_ignores_other_services_and_phases() -> None:
    p = gdrive_policy()
    assert verdict(p, call("mcp__gmail__send_email", to="x")) is None
    assert verdict(p, call("Bash", command="ls")) is None
    assert p(ev({"type": "request", "data": "x"})) is None


async def test_drive_tracking_through_the_engine() -> None:
    spec = PolicySpec("drive", "goalrail.policies.builtins.google.gdrive_policy", params={})
    sim = Session(make_runtime(spec))
    assert (await sim.send(call("mcp__google__modify_doc_text", document_id=DOC_ID))).result == "DENY"
    assert (await sim.send(call("mcp__google__create_doc", title="notes"))).result == "ALLOW"
    text = {"content": [{"type": "text", "text": f"Created Google Doc 'notes' (ID: {DOC_ID})"}]}
    assert (await sim.send(result("mcp__google__create_doc", text, title="notes"))).result == "ALLOW"
    assert (await sim.send(call("mcp__google__modify_doc_text", document_id=DOC_ID))).result == "ALLOW"


# --- gmail ----------------------------------------------------------------------------


def test_gmail_defaults_read_and_drafts_no_send_no_modify() -> None:
    p = gmail_policy()
    assert verdict(p, call("mcp__gmail__search_emails", query="x")) is None
    assert verdict(p, call("mcp__gmail__draft_email", to="a")) is None
    r = p(ev(call("mcp__gmail__send_email", to="a@b.c", body="secret")))
    assert r["result"] == "DENY" and "sending mail" in r["reason"] and "allow_send is false" in r["reason"]
    assert "a@b.c" not in r["reason"]
    assert verdict(p, call("mcp__gmail__modify_email", id="x")) == "DENY"


@pytest.mark.parametrize(
    ("param", "tool"),
    [
        ("allow_read", "mcp__gmail__read_email"),
        ("allow_send", "mcp__gmail__send_email"),
        ("allow_drafts", "mcp__gmail__draft_email"),
        ("allow_modify", "mcp__gmail__delete_email"),
    ],
)
def test_gmail_each_flag(param: str, tool: str) -> None:
    assert verdict(gmail_policy(**{param: True}), call(tool)) is None
    r = gmail_policy(**{param: False})(ev(call(tool)))
    assert r["result"] == "DENY" and f"{param} is false" in r["reason"]


def test_gmail_unknown_tool_asks() -> None:
    p = gmail_policy()
    assert verdict(p, call("mcp__gmail__frobnicate_inbox")) == "ASK"
    assert verdict(p, call("mcp__google__frobnicate")) == "ASK"
    assert verdict(p, call("mcp__google__drive_search")) is None
    assert p(ev(result("mcp__gmail__send_email", "ok"))) is None


# --- calendar -------------------------------------------------------------------------


def test_calendar_defaults_read_only() -> None:
    p = gcalendar_policy()
    assert verdict(p, call("mcp__gcal__list-events")) is None
    assert verdict(p, call("mcp__google__create_event", summary="x")) == "DENY"
    assert verdict(p, call("mcp__google__modify_event", event_id="x")) == "DENY"
    r = p(ev(call("mcp__google__delete_event", event_id="x")))
    assert r["result"] == "DENY" and "allow_modify_events is false" in r["reason"]


@pytest.mark.parametrize(
    ("param", "tool"),
    [
        ("allow_read", "mcp__google__get_events"),
        ("allow_create_events", "mcp__google-calendar__create-event"),
        ("allow_modify_events", "mcp__google__update_event"),
        ("allow_modify_events", "mcp__google__delete_event"),
    ],
)
def test_calendar_each_flag(param: str, tool: str) -> None:
    assert verdict(gcalendar_policy(**{param: True}), call(tool)) is None
    assert verdict(gcalendar_policy(**{param: False}), call(tool)) == "DENY"


def test_calendar_unknown_tool_asks() -> None:
    p = gcalendar_policy()
    assert verdict(p, call("mcp__gcal__frobnicate")) == "ASK"
    assert verdict(p, call("mcp__gmail__send_email")) is None


@pytest.mark.parametrize(
    ("tool", "service", "op"),
    [
        # taylorwilsdon/google_workspace_mcp style names
        ("mcp__google_workspace__get_gmail_messages_content_batch", "gmail", "read"),
        ("mcp__google_workspace__modify_gmail_message_labels", "gmail", "modify"),
        ("mcp__google_workspace__find_and_replace_doc", "drive", "write"),
        ("mcp__google_workspace__read_document_comments", "drive", "read"),
        ("mcp__google_workspace__create_document_comment", "drive", "write"),
        ("mcp__google_workspace__check_drive_file_public_access", "drive", "read"),
        ("mcp__google_workspace__batch_update_presentation", "drive", "write"),
        ("mcp__google_workspace__list_calendars", "calendar", "read"),
    ],
)
def test_classify_workspace_server_names(tool: str, service: str, op: str) -> None:
    gt = classify(tool)
    assert gt is not None and (gt.service, gt.op) == (service, op)


@pytest.mark.parametrize(
    "tool", ["mcp__google_workspace__list_spaces", "mcp__google__list_tasks", "mcp__google__create_form"]
)
def test_other_google_products_are_left_alone(tool: str) -> None:
    assert classify(tool) is None
    assert gmail_policy()(ev(call(tool))) is None


def test_ambiguous_send_message_on_a_google_server_counts_as_mail() -> None:
    # Google Chat's `send_message` cannot be told from Gmail by name: the safe reading wins.
    assert verdict(gmail_policy(), call("mcp__google_workspace__send_message", space_id="x")) == "DENY"


def test_gmail_drafts_can_be_changed_only_when_created_this_session() -> None:
    p = gmail_policy()
    r = p(ev(call("mcp__gmail__delete_draft", draft_id="r-12345678901")))
    assert r["result"] == "DENY" and "not created in this session" in r["reason"]
    created = p(ev(result("mcp__gmail__create_draft", {"id": "r-12345678901", "message": {"id": "m1"}})))
    assert created["state_updates"][0]["value"] == "r-12345678901"
    assert [u["value"] for u in created["state_updates"]] == ["r-12345678901"]
    state = {"created_draft_ids": ["r-12345678901"]}
    assert verdict(p, call("mcp__gmail__update_draft", draftId="r-12345678901"), state) is None
    assert verdict(p, call("mcp__gmail__delete_draft", id="r-99999999999"), state) == "DENY"
    # MCP text results are understood too
    text = {"content": [{"type": "text", "text": "Draft created. Draft ID: r-55555555555"}]}
    r = p(ev(result("mcp__google__draft_gmail_message", text)))
    assert r["state_updates"][0]["value"] == "r-55555555555"
    # with allow_drafts false nothing is tracked or allowed
    q = gmail_policy(allow_drafts=False)
    assert q(ev(result("mcp__gmail__create_draft", {"id": "r-12345678901"}))) is None
    assert verdict(q, call("mcp__gmail__update_draft", draftId="r-12345678901"), state) == "DENY"


async def test_gmail_draft_tracking_through_the_runtime() -> None:
    spec = PolicySpec("mail", "goalrail.policies.builtins.google.gmail_policy", params={})
    sim = Session(make_runtime(spec))
    assert (await sim.send(call("mcp__gmail__update_draft", draft_id="r-77777777777"))).result == "DENY"
    assert (await sim.send(call("mcp__gmail__create_draft", to="a"))).result == "ALLOW"
    assert (await sim.send(result("mcp__gmail__create_draft", {"id": "r-77777777777"}))).result == "ALLOW"
    assert (await sim.send(call("mcp__gmail__update_draft", draft_id="r-77777777777"))).result == "ALLOW"
