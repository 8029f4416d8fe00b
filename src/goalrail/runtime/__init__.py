"""The stateful loop around the pure engine: lock a session, snapshot it,
evaluate, apply the outcome atomically; approvals; usage and cost.

Talks to storage only through the narrow interface in ``ports.py``.  May import
errors, policies, engine and config.
"""

from goalrail.runtime.ports import ApprovalRecord, Commit, SessionInfo, SessionTx, Store, UsageRecord
from goalrail.runtime.runtime import Outcome, Runtime

__all__ = ["ApprovalRecord", "Commit", "Outcome", "Runtime", "SessionInfo", "SessionTx", "Store", "UsageRecord"]
