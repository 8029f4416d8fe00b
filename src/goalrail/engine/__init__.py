"""Pure evaluation: chain order, combining, fail-closed dispatch, context
building, canonical action mapping, state arithmetic and approval digests.

No I/O happens here.  May import ``goalrail.errors`` and ``goalrail.policies``.
"""

from goalrail.engine.chain import Chain, CompiledPolicy, compile_chain, compile_policy
from goalrail.engine.decision import Decision, PolicyDecision
from goalrail.engine.evaluate import aevaluate, evaluate
from goalrail.engine.snapshot import Snapshot
from goalrail.engine.spec import LEVELS, PolicySpec

__all__ = [
    "LEVELS",
    "Chain",
    "CompiledPolicy",
    "Decision",
    "PolicyDecision",
    "PolicySpec",
    "Snapshot",
    "aevaluate",
    "compile_chain",
    "compile_policy",
    "evaluate",
]
