"""Agent specs uploaded through the API, as every process of a server sees them.

An upload (``POST /v1/agents``) is stored, and it moves the server-wide policy
version (``store.put_agent``).  Each runtime loads the stored specs at start and
again whenever that version has moved since it last did (``Runtime.chain_for``)
or a name is asked for that it does not know: so an upload answered by one worker
or replica is the spec every other one judges by from its next event on, and a
session created there under a new agent is not refused elsewhere.

A spec given to the runtime itself (``agents_dir``, the Python API) is never
replaced by a stored one.  A stored spec that no longer loads (a handler gone from
the registry) is dropped, and a session under it fails closed: its chain holds a
policy that denies every event naming the agent and why (``ChainCache.agent``).
"""

from __future__ import annotations

import logging
from typing import Any

from goalrail.config.agent import agent_spec_from_text
from goalrail.errors import GoalrailError
from goalrail.runtime.chains import ChainCache

log = logging.getLogger("goalrail.runtime")


class StoredAgents:
    def __init__(self, chains: ChainCache) -> None:
        self.chains = chains
        self._given = frozenset(chains.agents)  # the runtime's own: never replaced by a stored spec
        self._texts: dict[str, str] = {}  # the stored text each loaded (or refused) spec came from
        #: the server-wide policy version the stored specs were last read at (``None``: never)
        self.version: int | None = None

    async def load(self, store: Any, version: int | None) -> bool:
        """Read the stored specs; register each new or changed one.  True if any changed."""
        lister = getattr(store, "list_agents", None)
        stored: list[tuple[str, str]] = await lister() if lister is not None else []
        changed = False
        for name, text in stored:
            if name in self._given or self._texts.get(name) == text:
                continue
            self._texts[name] = text
            changed = True
            try:
                spec = agent_spec_from_text(
                    text, source=f"<agent {name}>", registry=self.chains.registry, require_registered=True
                )
            except GoalrailError as exc:
                log.error("stored agent `%s` no longer loads: %s", name, exc.message)
                self.chains.refuse_agent(name, f"its stored spec no longer loads: {exc.message}")
                continue
            self.chains.set_agent(spec)
        if version is not None:
            self.version = version
        return changed
