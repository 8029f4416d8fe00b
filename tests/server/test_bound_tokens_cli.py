"""``goalrail token create --agent [SPEC]``: bare, an agent token as before; with a spec of
the config's ``agents_dir`` or the store, a token bound to it; an unknown spec, refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from goalrail.cli.main import main
from goalrail.runtime.ports import TokenRecord
from goalrail.server.auth import hash_token
from goalrail.store import open_store

HELPER = "name: helper\npolicies: {}\n"
UPLOADED = "name: uploaded\npolicies: {}\n"


def _tokens(url: str) -> list[TokenRecord]:
    async def read() -> list[TokenRecord]:
        store = await open_store(url)
        try:
            return await store.list_tokens()
        finally:
            await store.close()

    return asyncio.run(read())


def test_token_create_binds_an_agent_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOALRAIL_HOME", str(tmp_path / "home"))
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "helper.yaml").write_text(HELPER)
    url = f"sqlite:///{tmp_path / 'g.db'}"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"agents_dir: {agents}\ndatabase_url: {url}\nauth: {{mode: tokens}}\n")

    async def upload() -> None:
        store = await open_store(url)
        try:
            await store.put_agent("uploaded", UPLOADED)
        finally:
            await store.close()

    asyncio.run(upload())
    create = ["token", "create", "--user", "alice", "-c", str(cfg)]
    assert main([*create, "--agent", "helper", "--label", "hooks"]) == 0
    out = capsys.readouterr().out
    token = out.splitlines()[0]
    assert "bound to agent spec `helper`" in out
    assert main([*create, "--agent", "uploaded"]) == 0  # a spec uploaded to the store
    capsys.readouterr()
    assert main([*create, "--agent"]) == 0  # bare: an agent token, unbound, as before
    capsys.readouterr()
    assert main([*create, "--agent", "ghost"]) == 2
    err = capsys.readouterr().err
    assert "`ghost`" in err and "not known" in err
    stored = {t.token_hash: t for t in _tokens(url)}
    assert stored[hash_token(token)].agent == "helper" and stored[hash_token(token)].role == "agent"
    assert sorted((t.role, t.agent or "") for t in stored.values()) == [
        ("agent", ""),
        ("agent", "helper"),
        ("agent", "uploaded"),
    ]
    assert main(["token", "list", "-c", str(cfg)]) == 0
    listing = capsys.readouterr().out
    assert "agent" in listing.splitlines()[0] and "helper" in listing and "uploaded" in listing
    assert main([*create, "--agent", "helper", "--print-only"]) == 0
    assert ", agent: helper}" in capsys.readouterr().out
    assert main([*create, "--agent", "ghost", "--print-only"]) == 2
    assert "`ghost`" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one role: never admin and bound (argparse refuses it)
        main([*create, "--admin", "--agent", "helper"])
    assert len(_tokens(url)) == 3
