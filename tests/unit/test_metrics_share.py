"""Counters of several worker processes add up in ``/metrics``."""

from __future__ import annotations

from pathlib import Path

from goalrail.server.metrics import Metrics
from goalrail.server.metrics_share import MetricsShare


def _metrics(verdict: str, n: int, seconds: float) -> Metrics:
    m = Metrics()
    for _ in range(n):
        m.observe(verdict, "cap" if verdict == "DENY" else None, seconds, [("cap", verdict)])
    m.approvals["approved"] += n
    return m


def test_workers_files_add_up_and_a_broken_file_counts_as_none(tmp_path: Path) -> None:
    MetricsShare.prepare(tmp_path)
    (tmp_path / "worker-7.json").write_text("{}")  # an earlier run's file is removed
    MetricsShare.prepare(tmp_path)
    assert not list(tmp_path.iterdir())
    a, b = MetricsShare(tmp_path, 0), MetricsShare(tmp_path, 1)
    mine, theirs = _metrics("ALLOW", 3, 0.0003), _metrics("DENY", 2, 0.02)
    b.publish(theirs)
    (tmp_path / "worker-2.json").write_text('{"decisions": [["ALLOW"')  # half a file: ignored
    (tmp_path / "worker-3.json").write_text('{"decisions": 5}')  # wrong shape: ignored
    a.publish(mine)  # its own file is not counted twice
    total = mine.merged(a.others())
    text = total.render()
    assert 'goalrail_decisions_total{verdict="ALLOW",policy=""} 3' in text
    assert 'goalrail_decisions_total{verdict="DENY",policy="cap"} 2' in text
    assert 'goalrail_policy_verdicts_total{policy="cap",verdict="DENY"} 2' in text
    assert "goalrail_evaluation_seconds_count 5" in text
    assert 'goalrail_evaluation_seconds_bucket{le="0.0005"} 3' in text
    assert 'goalrail_evaluation_seconds_bucket{le="0.025"} 5' in text
    assert 'goalrail_approvals_resolved_total{status="approved"} 5' in text
    # the live object is not changed by merging
    assert mine.latency_count == 3 and "DENY" not in str(mine.decisions)
