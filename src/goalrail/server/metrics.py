"""Prometheus metrics, written out by hand (text exposition format 0.0.4).

A policy is counted under its name when the operator named it (server config, agent spec)
and under ``@session/<handler>`` when a session added it: a session policy's name is its
user's (or agent's) to choose, so counting by it would let one user give the admin's policy
counts (a session policy named like it), grow the process's counters and every scrape
without bound (a new name per policy), and show every user's names to anyone reading
``/metrics``.  Handlers a session can add are the registry's: a bounded set.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import TypedDict

from goalrail.policies.redact import redact

#: a record's policy and verdict (``Outcome.to_dict``'s ``decisions``), read in C
_POLICY = itemgetter("policy")
_VERDICT = itemgetter("verdict")
SESSION_PREFIX = "@session/"
#: distinct chains of verdicts counted as one key each before their pairs are added up
_PATTERNS_MAX = 1024
BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


def _label(value: str) -> str:
    """A label value, escaped, a secret in it (a session policy's name is the agent's to choose) redacted."""
    return redact(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def counted_as(name: str, level: str, handler: str) -> str:
    """The ``policy`` label of a policy: its name, or ``@session/<handler>`` for a session's."""
    return SESSION_PREFIX + handler if level == "session" else name


def _record_label(record: Mapping[str, object]) -> str:
    return counted_as(str(record["policy"]), str(record["level"]), str(record["handler"]))


def _session_labels(
    result: str, policy: str | None, records: Sequence[Mapping[str, object]]
) -> tuple[tuple[str, ...], str | None]:
    """Each record's label, and the deciding policy's: the first record that said the result
    (the engine's deciding policy: the first DENY, the first ASK, the first ALLOW)."""
    labels = tuple(map(_record_label, records))
    if policy is not None:
        for record, label in zip(records, labels, strict=True):
            if record["verdict"] == result and record["policy"] == policy:
                return labels, label
    return labels, policy


class Snapshot(TypedDict):
    """One process's counters, as ``Metrics.snapshot`` writes them (JSON)."""

    decisions: list[tuple[str, str, int]]
    policy_verdicts: list[tuple[str, str, int]]
    buckets: list[int]
    count: int
    sum: float
    approvals: dict[str, int]


class Metrics:
    def __init__(self) -> None:
        self.decisions: dict[tuple[str, str], int] = {}
        self._policy_verdicts: Counter[tuple[str, str]] = Counter()
        #: how many decisions answered each (policies, verdicts) of their records, not yet in
        #: ``policy_verdicts``: one key per decision instead of one per policy of the chain
        self._patterns: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        self.bucket_counts = [0] * len(BUCKETS)
        self.latency_count = 0
        self.latency_sum = 0.0
        self.approvals: Counter[str] = Counter()

    @property
    def policy_verdicts(self) -> Counter[tuple[str, str]]:
        """What each policy said, by (policy, verdict): how many times."""
        if self._patterns:
            self._add_patterns()
        return self._policy_verdicts

    def _add_patterns(self) -> None:
        counts = self._policy_verdicts
        for (policies, verdicts), n in self._patterns.items():
            for pair in zip(policies, verdicts, strict=True):
                counts[pair] += n
        self._patterns = {}

    def observe(self, result: str, policy: str | None, seconds: float, decisions: Iterable[tuple[str, str]]) -> None:
        """One decision: its verdict and deciding policy, how long it took, and the
        (policy, verdict) pair of every policy of the chain (counted in C: ``Counter.update``)."""
        self._policy_verdicts.update(decisions)
        self._observe(result, policy, seconds)

    def observe_records(
        self, result: str, policy: str | None, seconds: float, records: Sequence[Mapping[str, object]]
    ) -> None:
        """:meth:`observe` with the pairs of the answer's records (``Outcome.to_dict``'s
        ``decisions``), counted once per distinct chain of verdicts (two tuples of names read
        in C, one dict key) and added up by pair when they are read."""
        if records and records[0].get("level") == "session":  # session policies come first in the chain
            names, policy = _session_labels(result, policy, records)
        else:
            names = tuple(map(_POLICY, records))
        key = (names, tuple(map(_VERDICT, records)))
        patterns = self._patterns
        n = patterns.get(key)
        if n is not None:
            patterns[key] = n + 1
        else:
            if len(patterns) >= _PATTERNS_MAX:
                self._add_patterns()
                patterns = self._patterns
            patterns[key] = 1
        self._observe(result, policy, seconds)

    def _observe(self, result: str, policy: str | None, seconds: float) -> None:
        key = (result, policy or "")
        self.decisions[key] = self.decisions.get(key, 0) + 1
        i = bisect.bisect_left(BUCKETS, seconds)
        if i < len(BUCKETS):
            self.bucket_counts[i] += 1
        self.latency_count += 1
        self.latency_sum += seconds

    def snapshot(self) -> Snapshot:
        """The counters as JSON-ready data (for ``merged`` in another process)."""
        return {
            "decisions": [(*key, n) for key, n in self.decisions.items()],
            "policy_verdicts": [(*key, n) for key, n in self.policy_verdicts.items()],
            "buckets": list(self.bucket_counts),
            "count": self.latency_count,
            "sum": self.latency_sum,
            "approvals": dict(self.approvals),
        }

    def merged(self, snapshots: list[Snapshot]) -> Metrics:
        """These counters plus those of ``snapshots`` (other processes'), as a new object."""
        total = Metrics()
        for part in [self.snapshot(), *snapshots]:
            for a, b, n in part["decisions"]:
                total.decisions[(a, b)] = total.decisions.get((a, b), 0) + n
            for a, b, n in part["policy_verdicts"]:
                total.policy_verdicts[(a, b)] = total.policy_verdicts.get((a, b), 0) + n
            total.bucket_counts = [x + y for x, y in zip(total.bucket_counts, part["buckets"], strict=True)]
            total.latency_count += part["count"]
            total.latency_sum += part["sum"]
            total.approvals.update(part["approvals"])
        return total

    def render(self, pending_approvals: int | None = None) -> str:
        out = [
            "# HELP goalrail_decisions_total Final decisions by verdict and deciding policy.",
            "# TYPE goalrail_decisions_total counter",
        ]
        for (verdict, policy), n in sorted(self.decisions.items()):
            out.append(f'goalrail_decisions_total{{verdict="{_label(verdict)}",policy="{_label(policy)}"}} {n}')
        out += [
            "# HELP goalrail_policy_verdicts_total What each policy said (ALLOW, DENY, ASK, ABSTAIN).",
            "# TYPE goalrail_policy_verdicts_total counter",
        ]
        for (policy, verdict), n in sorted(self.policy_verdicts.items()):
            out.append(f'goalrail_policy_verdicts_total{{policy="{_label(policy)}",verdict="{_label(verdict)}"}} {n}')
        out += [
            "# HELP goalrail_evaluation_seconds Time to evaluate one event (lock, snapshot, chain, commit).",
            "# TYPE goalrail_evaluation_seconds histogram",
        ]
        cumulative = 0
        for bound, n in zip(BUCKETS, self.bucket_counts, strict=True):
            cumulative += n
            out.append(f'goalrail_evaluation_seconds_bucket{{le="{bound:g}"}} {cumulative}')
        out.append(f'goalrail_evaluation_seconds_bucket{{le="+Inf"}} {self.latency_count}')
        out.append(f"goalrail_evaluation_seconds_sum {self.latency_sum:.6f}")
        out.append(f"goalrail_evaluation_seconds_count {self.latency_count}")
        out += [
            "# HELP goalrail_approvals_resolved_total Approvals resolved, by status.",
            "# TYPE goalrail_approvals_resolved_total counter",
        ]
        for status, n in sorted(self.approvals.items()):
            out.append(f'goalrail_approvals_resolved_total{{status="{_label(status)}"}} {n}')
        if pending_approvals is not None:
            out += [
                "# HELP goalrail_approvals_pending Approvals waiting for a human.",
                "# TYPE goalrail_approvals_pending gauge",
                f"goalrail_approvals_pending {pending_approvals}",
            ]
        return "\n".join(out) + "\n"
