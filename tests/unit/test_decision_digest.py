"""The decision path's output, byte for byte: ``bench/decision_digest.py`` over 200 events.

Every answer, reason, approval, state value and sealed audit row of a fixed run (fixed
clock, approval ids and policy timings) hashed into one digest.  A performance change
must keep it; a change that means to alter what is decided or recorded updates it
(``python bench/decision_digest.py --events 200``) and says why.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
# Changed on purpose (red16c): the events' ``llm_request`` (user message "hi") is now recorded as the user's
# provenance in the session's state; with that recording switched off the digest is the one before.
DIGEST_200 = "63b41664afe78a4e87d023a167b41f48d2a8fb63c2f1c911bcfe203f573722c0"


def test_decision_path_output_is_unchanged() -> None:
    spec = importlib.util.spec_from_file_location("decision_digest", BENCH / "decision_digest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
        assert module.digest(200) == DIGEST_200
    finally:
        sys.path[:] = saved
