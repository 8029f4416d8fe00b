"""Which approval records a step builds: the stores decode an approval into an ``ApprovalRecord``,
so a lookup that reads more approvals than it needs shows here."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.runtime.ports import ApprovalRecord


def approval_records_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the ``ApprovalRecord`` objects made from now on (until the test ends)."""
    made: list[str] = []
    init = ApprovalRecord.__init__

    def counted(self: ApprovalRecord, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(self.id)

    monkeypatch.setattr(ApprovalRecord, "__init__", counted)
    return made
