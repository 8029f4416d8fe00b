"""Agent OS signals and what they mean in Goalrail.

A signal is what the seed's kernel sends an agent on a violation.  Goalrail
has no agent process to signal; each signal maps onto a verdict instead:
SIGKILL → DENY and end the session, SIGSTOP → ASK (pause for a human),
SIGWARN → ALLOW with a warning.  (LOG_ONLY has no signal: ALLOW, recorded.)
"""

from __future__ import annotations

from enum import StrEnum

from goalrail.patterns.model import ViolationMode


class AgentSignal(StrEnum):
    SIGKILL = "SIGKILL"
    SIGSTOP = "SIGSTOP"
    SIGWARN = "SIGWARN"
    SIGCONT = "SIGCONT"

    @property
    def violation_mode(self) -> ViolationMode:
        return _TO_MODE[self]

    def __str__(self) -> str:
        return self.value


_TO_MODE = {
    AgentSignal.SIGKILL: ViolationMode.SIGKILL,
    AgentSignal.SIGSTOP: ViolationMode.SIGSTOP,
    AgentSignal.SIGWARN: ViolationMode.SIGWARN,
    AgentSignal.SIGCONT: ViolationMode.LOG_ONLY,
}

_FROM_MODE = {
    ViolationMode.SIGKILL: AgentSignal.SIGKILL,
    ViolationMode.SIGSTOP: AgentSignal.SIGSTOP,
    ViolationMode.SIGWARN: AgentSignal.SIGWARN,
    ViolationMode.LOG_ONLY: None,
    ViolationMode.BLOCK: None,
}


def signal_for(mode: ViolationMode | None) -> AgentSignal | None:
    return _FROM_MODE.get(mode) if mode is not None else None
