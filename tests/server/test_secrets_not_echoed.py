"""No secret an agent or a user sends comes back in what Goalrail shows or logs: an approval's
preview (GET endpoints, the session view), the reasons of builtins and of any policy, the
audit's reasons, 4xx error bodies, metrics labels, the server's logs (uvicorn's access log
included) and its bearer-token cache.  Each test plants secrets of several kinds and looks
for them in the answer as text."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from server_support import BASE_CONFIG, CONSOLE, TOKENS, add_tokens, auth, client_for, make_app

from goalrail.store.memory import MemoryStore

ALICE, AGENT, ADMIN = auth("alice"), auth("alice_agent"), auth("admin")
GITHUB = "ghp_" + "Zq7Rk2Wm9Xv4Tn8Lp3Hs6Jd1Fb5Gc0Ya2Ue" + "abcd"
ANTHROPIC = "sk-ant-api03-" + "Q9w8E7r6T5y4U3i2O1p0AsDfGhJkLzXcVbNm" + "wxyz"
AWS = "AKIAZ7QX3VWT9KLM2PRS"
PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n7wG5Zb3kq2N9Qx4Lm8Rt1Vy6Hs0Jd3Fc\n-----END RSA PRIVATE KEY-----"
URL_PASSWORD = "Hunter2Correct"
BEARER = "eyJhbGciOiJIUzI1NiJ9x7Kq2Lm9Np4Rs8Tv3Wx6Yz1B5c"
#: every planted secret, and a fragment of each long enough to be recognised
SECRETS = (GITHUB, ANTHROPIC, AWS, PEM_BODY, URL_PASSWORD, BEARER)
COMMAND = (
    f"git push https://{GITHUB}@github.com/o/r && ANTHROPIC_API_KEY={ANTHROPIC} claude -p hi"
    f" && aws configure set aws_access_key_id {AWS} && psql postgres://app:{URL_PASSWORD}@db/prod"
    f" && curl -H 'Authorization: Bearer {BEARER}' https://api.example.com && printf '{PEM}' > key.pem"
)
ASK_OS = """
auth: {mode: tokens}
policies:
  shell: {type: function, handler: goalrail.policies.builtins.safety.ask_on_os_tools}
"""


def bash(command: str, use_id: str = "toolu_1") -> dict[str, Any]:
    return {"type": "tool_call", "target": "Bash", "data": {"arguments": {"command": command}, "tool_use_id": use_id}}


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets or SECRETS:
        assert secret not in text, f"`{secret[:12]}…` shown in {text[:400]}"


async def _client(config: str) -> httpx.AsyncClient:
    store = MemoryStore()
    await add_tokens(store)
    return client_for(make_app(config, store=store))


async def shown_when_asked(c: httpx.AsyncClient, command: str) -> tuple[list[str], str]:
    """Every text an ASK on ``command`` shows (its answer, the approval, the pending list, the
    session view, the audit's reason, target and decisions) and the approval's previewed command."""
    asked = (await c.post("/v1/sessions/s1/events", json=bash(command), headers=AGENT)).json()
    assert asked["result"] == "ASK"
    approval = (await c.get(f"/v1/approvals/{asked['approval_id']}", headers=ALICE)).json()
    audit = (await c.get("/v1/audit?session=s1", headers=ADMIN)).json()["data"][-1]["payload"]
    texts = [
        str(approval),
        (await c.get("/v1/approvals?status=pending", headers=ALICE)).text,
        (await c.get("/v1/sessions/s1", headers=ALICE)).text,
        str(asked),
        str(audit.get("reason")) + str(audit.get("target")) + str(audit.get("decisions")),
    ]
    return texts, json.loads(approval["preview"])["data"]["arguments"]["command"]


async def shown_when_denied(c: httpx.AsyncClient, command: str) -> list[str]:
    """The DENY answer to ``command`` and every reason and decision the session's audit holds."""
    out = await c.post("/v1/sessions/s1/events", json=bash(command), headers=AGENT)
    assert out.json()["result"] == "DENY"  # the failing policy fails closed
    audit = await c.get("/v1/audit?session=s1", headers=ADMIN)
    reasons = [str(e["payload"].get("reason")) + str(e["payload"].get("decisions")) for e in audit.json()["data"]]
    return [out.text, " ".join(reasons)]


async def test_an_approval_preview_redacts_each_secret_and_keeps_the_action() -> None:
    async with await _client(ASK_OS) as c:
        asked = (await c.post("/v1/sessions/s1/events", json=bash(COMMAND), headers=AGENT)).json()
        assert asked["result"] == "ASK"
        shown = [
            (await c.get(f"/v1/approvals/{asked['approval_id']}", headers=ALICE)).text,
            (await c.get("/v1/approvals?status=pending", headers=ALICE)).text,
            (await c.get("/v1/sessions/s1", headers=ALICE)).text,
        ]
        for text in shown:
            assert_no_secret(text)
        preview = (await c.get(f"/v1/approvals/{asked['approval_id']}", headers=ALICE)).json()["preview"]
        shown_command = json.loads(preview)["data"]["arguments"]["command"]
        # the kind of each secret is named, with the last four characters of a token as a hint
        for mark in (
            "[redacted github_token …abcd]",
            "[redacted anthropic_key …wxyz]",
            "[redacted aws_access_key …2PRS]",
            "[redacted url_password]",
            "[redacted bearer_token …1B5c]",
            "[redacted private_key]",
        ):
            assert mark in shown_command, (mark, shown_command)
        # everything else of the action is shown as it is
        assert shown_command.startswith("git push https://[redacted github_token …abcd]@github.com/o/r && ")
        assert "psql postgres://app:[redacted url_password]@db/prod" in shown_command
        assert shown_command.endswith("' > key.pem") and json.loads(preview)["target"] == "sys_os_shell"


async def test_approving_a_redacted_preview_approves_the_exact_original_action() -> None:
    async with await _client(ASK_OS) as c:
        asked = (await c.post("/v1/sessions/s1/events", json=bash(COMMAND), headers=AGENT)).json()
        r = await c.post(f"/v1/approvals/{asked['approval_id']}", json={"decision": "approve"}, headers=ALICE)
        assert r.status_code == 200, r.text
        other = COMMAND.replace(GITHUB, GITHUB[:-4] + "efgh")  # the same marker and hint but one
        retry = (await c.post("/v1/sessions/s1/events", json=bash(COMMAND, "toolu_2"), headers=AGENT)).json()
        assert retry["result"] == "ALLOW" and retry["approval_id"] == asked["approval_id"]
        again = (await c.post("/v1/sessions/s1/events", json=bash(other, "toolu_3"), headers=AGENT)).json()
        assert again["result"] == "ASK"  # another secret is another action, whatever the preview shows


async def test_a_session_grant_is_bound_to_the_secret_not_to_its_marker() -> None:
    async with await _client(ASK_OS) as c:
        asked = (await c.post("/v1/sessions/s1/events", json=bash(COMMAND), headers=AGENT)).json()
        body = {"decision": "approve", "scope": "session_identical"}
        assert (await c.post(f"/v1/approvals/{asked['approval_id']}", json=body, headers=ALICE)).status_code == 200
        same = (await c.post("/v1/sessions/s1/events", json=bash(COMMAND, "t2"), headers=AGENT)).json()
        assert same["result"] == "ALLOW"
        changed = COMMAND.replace(URL_PASSWORD, "Hunter3Correct")
        assert (await c.post("/v1/sessions/s1/events", json=bash(changed, "t3"), headers=AGENT)).json()[
            "result"
        ] == "ASK"


WORKDIR = """
auth: {mode: tokens}
policies:
  workdir: {type: function, handler: goalrail.policies.builtins.working_dir.block_working_dir_changes}
  github: {type: function, handler: goalrail.policies.builtins.github.github_policy}
"""


@pytest.mark.parametrize(
    "command",
    [
        f"cd /srv/{GITHUB}",  # a reason quotes the directory, cut to 60 characters
        f"git -C /srv/{AWS}/{ANTHROPIC} status",
        f"cd https://{GITHUB}@github.com",
        f"cd $(curl -H 'Authorization: Bearer {BEARER}' https://dirs.example.com)",
        f"pushd /mnt/https://app:{URL_PASSWORD}@db",
    ],
)
async def test_builtin_reasons_never_quote_a_secret(command: str) -> None:
    async with await _client(WORKDIR) as c:
        out = await c.post("/v1/sessions/s1/events", json=bash(command), headers=AGENT)
        assert out.status_code == 200 and out.json()["result"] in ("DENY", "ASK"), out.text
        assert_no_secret(out.text)
        assert_no_secret(
            (await c.get("/v1/audit?session=s1", headers=ADMIN)).json()["data"][-1]["payload"].get("reason") or ""
        )
        # nor any fragment of one long enough to tell: the reason is cut after redacting, never before
        assert_no_secret(out.json()["reason"], GITHUB[:24], ANTHROPIC[:24], BEARER[:20])


QUOTING = """
auth: {mode: tokens}
policy_modules: [gr_secret_policies]
policies:
  quote: {type: function, handler: gr_secret_policies.quote_command}
  boom: {type: function, handler: gr_secret_policies.fail_on_command}
"""


@pytest.fixture
def secret_policies(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gr_secret_policies.py").write_text(
        "_OBJ = {'type': 'object', 'additionalProperties': False}\n"
        "POLICY_REGISTRY = [\n"
        "    {'handler': 'gr_secret_policies.quote_command', 'kind': 'callable', 'name': 'Quote',\n"
        "     'description': 'quotes the command', 'params_schema': _OBJ},\n"
        "    {'handler': 'gr_secret_policies.fail_on_command', 'kind': 'callable', 'name': 'Fail',\n"
        "     'description': 'raises quoting the command', 'params_schema': _OBJ},\n"
        "]\n"
        "\n"
        "def quote_command(event):\n"
        "    if event['type'] == 'tool_call':\n"
        "        cmd = event['data']['arguments']['command']\n"
        "        return {'result': 'ASK', 'reason': f'running `{cmd}`', 'warning': f'saw {cmd}'}\n"
        "\n"
        "def fail_on_command(event):\n"
        "    if event['type'] == 'tool_call':\n"
        "        raise ValueError('cannot parse ' + event['data']['arguments']['command'])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.mark.usefixtures("secret_policies")
async def test_any_policy_reason_warning_and_failure_is_redacted(logs: pytest.LogCaptureFixture) -> None:
    caplog = logs
    caplog.set_level(logging.WARNING)
    async with await _client(QUOTING) as c:
        for text in await shown_when_denied(c, COMMAND):
            assert_no_secret(text)
    assert "failed closed" in caplog.text
    assert_no_secret(caplog.text)


async def test_error_bodies_do_not_echo_a_secret() -> None:
    async with await _client(BASE_CONFIG) as c:
        answers = [
            await c.post(f"/v1/sessions/s1/events?agent={GITHUB}", json=bash("ls"), headers=AGENT),
            await c.post("/v1/sessions", json={"agent": ANTHROPIC}, headers=ALICE),
            await c.post(
                "/v1/sessions/s2/policies",
                json={"name": "p", "handler": f"x.{AWS}"},
                headers=ALICE,
            ),
            await c.post(
                "/v1/sessions/s3/policies",
                json={
                    "name": "p",
                    "handler": "goalrail.policies.builtins.tools.tool_gate",
                    "factory_params": {GITHUB: 1},
                },
                headers=ALICE,
            ),
            await c.post("/v1/sessions/s4/events", json={"type": f"tool_{GITHUB}"}, headers=AGENT),  # cut at 40
            await c.post(f"/v1/approvals/apr_{GITHUB}", json={"decision": "approve"}, headers=ALICE),
        ]
        for r in answers:
            assert 400 <= r.status_code < 500, r.text
            assert_no_secret(r.text)


async def test_metrics_labels_do_not_show_a_secret() -> None:
    async with await _client(BASE_CONFIG) as c:
        await c.post("/v1/sessions", json={"id": "s1"}, headers=ALICE)
        r = await c.post(
            "/v1/sessions/s1/policies",
            json={
                "name": GITHUB,
                "handler": "goalrail.policies.builtins.tools.tool_gate",
                "factory_params": {"deny": ["*"]},
            },
            headers=ALICE,
        )
        assert r.status_code in (200, 201), r.text
        assert (await c.post("/v1/sessions/s1/events", json=bash("ls"), headers=AGENT)).json()["result"] == "DENY"
        metrics = (await c.get("/metrics", headers=ADMIN)).text
        assert "goalrail_policy_verdicts_total" in metrics
        assert_no_secret(metrics)


def test_the_server_logs_redact_secrets_and_credential_query_values(logs: pytest.LogCaptureFixture) -> None:
    caplog = logs
    make_app(BASE_CONFIG)  # puts the filter on the loggers
    caplog.set_level(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/login?code=a1b2c3d4e5f6", "1.1", 303)
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", f"/v1/x?token={GITHUB}&b=1", "1.1", 200)
    logging.getLogger("goalrail.server").error("could not reach %s", f"https://app:{URL_PASSWORD}@db")
    try:
        raise RuntimeError(f"bad key {ANTHROPIC}")
    except RuntimeError:
        logging.getLogger("goalrail.server").exception("unhandled error")
    assert "/login?code=[redacted" in caplog.text and "&b=1" in caplog.text
    assert_no_secret(caplog.text, "a1b2c3d4e5f6", GITHUB, URL_PASSWORD, ANTHROPIC)


async def test_the_bearer_cache_keeps_no_token_as_sent() -> None:
    store = MemoryStore()
    await add_tokens(store)
    app = make_app(BASE_CONFIG, store=store)
    async with client_for(app) as c:
        for name in ("alice", "alice_agent", "console"):
            assert (await c.get("/v1/sessions", headers=auth(name))).status_code == 200
    cache = app.state.goalrail.auth._principals
    assert len(cache) == 3
    sent = [TOKENS["alice"][0], TOKENS["alice_agent"][0], CONSOLE]
    for key in cache:
        assert not any(token in repr(key) or repr(key) in token for token in sent)
        assert key not in sent
