"""The memory store's tokens (``AdminStore``'s token methods), kept apart from its sessions."""

from __future__ import annotations

from dataclasses import replace

from goalrail.errors import Conflict, NotFound
from goalrail.runtime.ports import TokenRecord
from goalrail.runtime.quota import TokenCap


class MemoryTokens:
    """Tokens by id; a capped creation counts the user's and stores with no await between (one step)."""

    def __init__(self) -> None:
        self.tokens: dict[str, TokenRecord] = {}
        self._by_hash: dict[str, TokenRecord] = {}

    async def create_token(self, record: TokenRecord, cap: TokenCap | None = None) -> None:
        if record.id in self.tokens or record.token_hash in self._by_hash:
            raise Conflict("a token with this id or hash already exists")
        if cap is not None:
            cap.check(
                sum(t.user == cap.user and cap.counts(t.id, t.created_at, t.revoked) for t in self.tokens.values())
            )
        self.tokens[record.id] = self._by_hash[record.token_hash] = replace(record)

    async def find_token(self, token_hash: str) -> TokenRecord | None:
        found = self._by_hash.get(token_hash)
        return replace(found) if found else None

    async def get_token(self, token_id: str) -> TokenRecord | None:
        found = self.tokens.get(token_id)
        return replace(found) if found else None

    async def list_tokens(self, user: str | None = None) -> list[TokenRecord]:
        tokens = [replace(t) for t in self.tokens.values() if user is None or t.user == user]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))

    async def revoke_token(self, token_id: str) -> None:
        token = self.tokens.get(token_id)
        if token is None:
            raise NotFound(f"token `{token_id}` not found")
        token.revoked = True
