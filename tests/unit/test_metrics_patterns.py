"""``Metrics.observe_records`` counts each policy's verdict as ``observe`` does with the pairs
(issue 13: one key per distinct chain of verdicts, added up by pair when they are read)."""

from __future__ import annotations

import random

import pytest

from goalrail.server import metrics as metrics_module
from goalrail.server.metrics import Metrics

VERDICTS = ("ALLOW", "DENY", "ASK", "ABSTAIN", "SKIPPED")


def _records(rng: random.Random) -> list[dict[str, object]]:
    names = [f"p{i}" for i in range(rng.randint(0, 6))]
    return [{"policy": n, "level": "server", "verdict": rng.choice(VERDICTS), "reason": None} for n in names]


@pytest.mark.parametrize("cap", [1, 3, 1024])
def test_records_are_counted_as_their_pairs_would_be(monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
    monkeypatch.setattr(metrics_module, "_PATTERNS_MAX", cap)
    rng = random.Random(13)
    by_records, by_pairs = Metrics(), Metrics()
    for i in range(300):
        records = _records(rng)
        result, policy, seconds = rng.choice(VERDICTS), rng.choice([None, "p0"]), rng.random() / 100
        pairs = [(str(r["policy"]), str(r["verdict"])) for r in records]
        by_pairs.observe(result, policy, seconds, pairs)
        if i % 7 == 0:  # the plain call (an answer that waited) between the others
            by_records.observe(result, policy, seconds, pairs)
        else:
            by_records.observe_records(result, policy, seconds, records)
        if i % 50 == 0:  # read halfway: what was pending is added once, not twice
            assert by_records.policy_verdicts == by_pairs.policy_verdicts
    assert sum(by_pairs.policy_verdicts.values()) > 300
    assert by_records.policy_verdicts == by_pairs.policy_verdicts
    assert by_records.render() == by_pairs.render()
    assert by_records.merged([by_pairs.snapshot()]).render() == by_pairs.merged([by_pairs.snapshot()]).render()
