"""What the audit records of a decision (``Decision.answers``) does not depend on
whether anything read ``decision.decisions`` first: every shadow policy of the
chain is listed, called or not, in an indexed chain and after a DENY alike."""

from __future__ import annotations

from typing import Any

import pytest

from goalrail.engine import decision as decision_module
from goalrail.engine.chain import Chain, CompiledPolicy
from goalrail.engine.evaluate import evaluate
from goalrail.engine.spec import PolicySpec
from goalrail.policies.listens import listens_to


def _policy(name: str, fn: Any, *, shadow: bool = False) -> CompiledPolicy:
    spec = PolicySpec(name, f"tests.{name}", level="server", mode="shadow" if shadow else "enforce")
    listens = getattr(fn, "listens_to", None)
    return CompiledPolicy(spec, fn, False, 5.0, shadow, spec.key, inline=True, listens=listens)


@listens_to(types=("tool_call",), tools=("Write",))
def _on_write(event: Any) -> Any:
    return {"result": "DENY", "reason": "no writes"}


def _deny(event: Any) -> Any:
    return {"result": "DENY", "reason": "no"}


def _quiet(event: Any) -> Any:
    return None


def _listed(answers: tuple[list[dict[str, Any]], int]) -> tuple[list[tuple[Any, ...]], int]:
    return [(a["policy"], a["verdict"], a["mode"]) for a in answers[0]], answers[1]


def _event(tool: str) -> dict[str, Any]:
    return {"type": "tool_call", "target": tool, "data": {"name": tool, "arguments": {}}, "context": {}}


CHAINS = {
    # the shadow policy does not listen to Bash: an indexed chain does not call it
    "not listening": ([_policy("a", _quiet), _policy("watch", _on_write, shadow=True)], "Bash"),
    # the shadow policy comes after a DENY: skipped
    "after a deny": ([_policy("a", _deny), _policy("watch", _quiet, shadow=True)], "Bash"),
}


@pytest.mark.parametrize("name", list(CHAINS))
def test_answers_are_the_same_before_and_after_decisions_is_read(name: str) -> None:
    policies, tool = CHAINS[name]
    chain = Chain(policies)
    first = evaluate(chain, _event(tool))
    second = evaluate(chain, _event(tool))
    third = evaluate(chain, _event(tool))
    unread = _listed(first.answers())
    [d.policy for d in second.decisions]  # what an explanation or a trace reads
    assert _listed(second.answers()) == unread
    explained = third.to_dict()  # what an ASK's approval reads: compact records, not PolicyDecisions
    assert _listed(third.answers()) == unread
    assert explained["decisions"] == [d.to_dict() for d in third.decisions]
    assert ("watch", "SKIPPED" if name == "after a deny" else "ABSTAIN", "shadow") in unread[0]
    assert len(unread[0]) + unread[1] == len(policies)


def test_a_chain_without_shadow_policies_lists_only_what_answered() -> None:
    chain = Chain([_policy("a", _quiet), _policy("b", _on_write)])
    d = evaluate(chain, _event("Bash"))
    assert d.answers() == ([], 2)
    assert [x.verdict for x in d.decisions] == ["ABSTAIN", "ABSTAIN"]
    assert d.answers() == ([], 2)


def _allow(event: Any) -> Any:
    return {"result": "ALLOW", "reason": "fine"}


def test_abstentions_read_with_their_own_policy_in_an_indexed_chain_and_after_a_resolution() -> None:
    """The sync loop records an ABSTAIN as its duration alone: read back, each names the
    policy that abstained, in chain order, whether or not the chain called every policy."""
    chain = Chain([_policy("q1", _quiet), _policy("w", _on_write), _policy("ok", _allow), _policy("q2", _quiet)])
    d = evaluate(chain, _event("Bash"))  # `w` listens to Write only: not called
    assert d.result == "ALLOW" and d.answers()[1] == 3
    resolved = d.resolved("DENY", "changed", changes=False)  # shares the records, read first
    for decision in (resolved, d):
        listed = [(x.policy, x.verdict) for x in decision.decisions]
        assert listed == [("q1", "ABSTAIN"), ("w", "ABSTAIN"), ("ok", "ALLOW"), ("q2", "ABSTAIN")]
        assert all(isinstance(x.duration_us, float) and x.duration_us >= 0 for x in decision.decisions)
    stopped = evaluate(Chain([_policy("q1", _quiet), _policy("no", _deny), _policy("q2", _quiet)]), _event("Bash"))
    assert [(x.policy, x.verdict) for x in stopped.decisions] == [("q1", "ABSTAIN"), ("no", "DENY"), ("q2", "SKIPPED")]


def _ask(event: Any) -> Any:
    return {"result": "ASK", "reason": "a human decides"}


def _count_records(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the policies whose records ``record_dict`` makes from now on, in order."""
    made: list[str] = []
    real = decision_module.record_dict

    def counted(*args: Any) -> Any:
        made.append(args[0].name)
        return real(*args)

    monkeypatch.setattr(decision_module, "record_dict", counted)
    return made


@pytest.mark.parametrize("shadow", [False, True])
def test_an_ask_makes_each_record_once_for_its_approval_answer_and_audit(
    shadow: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ASK's approval keeps ``to_dict()``, the route answers ``to_dict()`` again and the audit
    entry lists ``answers()``: each policy's record is made once, and each of them gets a copy
    of its own (a caller may change what it was given)."""
    made = _count_records(monkeypatch)
    chain = Chain([_policy("q1", _quiet), _policy("gate", _ask), _policy("w", _on_write, shadow=shadow)])
    d = evaluate(chain, _event("Bash"))
    approval, answer = d.to_dict(keep=True), d.to_dict()  # as runtime.asks.new_approval
    listed, quiet = d.answers()
    assert sorted(made) == ["gate", "q1", "w"]  # once each
    assert approval == answer and [x["policy"] for x in listed] == (["gate", "w"] if shadow else ["gate"])
    assert quiet == 3 - len(listed)
    for item in answer["decisions"] + listed:  # what one caller changes, no other sees
        item.pop("duration_us")
    answer["approval_id"] = "apr_1"
    assert d.to_dict() == approval and "duration_us" in approval["decisions"][1]
    assert all("duration_us" in x for x in d.answers()[0])


def test_bare_durations_read_the_same_whatever_is_read_first() -> None:
    """``to_dict`` makes a bare duration's record without making its compact record first:
    the answer, the audit's answers and the explanation read the same in any order."""
    chain = Chain([_policy("q1", _quiet), _policy("gate", _ask), _policy("q2", _quiet), _policy("ok", _allow)])
    first, second = evaluate(chain, _event("Bash")), evaluate(chain, _event("Bash"))
    explained = first.to_dict()
    listed = first.answers()
    records = [d.to_dict() for d in first.decisions]
    assert [x["policy"] for x in explained["decisions"]] == ["q1", "gate", "q2", "ok"]
    assert [x["verdict"] for x in explained["decisions"]] == ["ABSTAIN", "ASK", "ABSTAIN", "ALLOW"]
    assert explained["decisions"] == records and list(explained["decisions"][0]) == list(records[1])
    [d.policy for d in second.decisions]  # the explanation read first
    assert _listed(second.answers()) == _listed(listed) == ([("gate", "ASK", "enforce"), ("ok", "ALLOW", "enforce")], 2)
    assert [(x["policy"], x["verdict"]) for x in second.to_dict()["decisions"]] == [
        (x["policy"], x["verdict"]) for x in explained["decisions"]
    ]


def test_a_plain_answer_keeps_no_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ``keep`` (a plain decision's answer, read once) the records are made for the
    caller alone: each call makes them anew, equal and independent, and the audit's answers
    make their own."""
    made = _count_records(monkeypatch)
    chain = Chain([_policy("q1", _quiet), _policy("ok", _allow), _policy("w", _on_write, shadow=True)])
    d = evaluate(chain, _event("Bash"))
    first = d.to_dict()
    first["decisions"][1]["reason"] = "changed"
    second = d.to_dict()
    assert second["decisions"][1]["reason"] == "fine" and sorted(made) == ["ok", "ok", "q1", "q1", "w", "w"]
    listed, quiet = d.answers()
    assert [(x["policy"], x["reason"]) for x in listed] == [("ok", "fine"), ("w", None)] and quiet == 1
    assert listed == [second["decisions"][1], second["decisions"][2]]


#: (the chain's policies, the tool called): indexed (policies not called), stopped by a DENY
#: (SKIPPED after it), with a shadow policy, and every policy called
SHAPES = {
    "indexed": ([_policy("q1", _quiet), _policy("w", _on_write), _policy("ok", _allow), _policy("q2", _quiet)], "Bash"),
    "stopped": ([_policy("q1", _quiet), _policy("no", _deny), _policy("q2", _quiet), _policy("q3", _quiet)], "Bash"),
    "indexed, stopped": ([_policy("w", _on_write), _policy("ok", _allow), _policy("q", _quiet)], "Write"),
    "shadow": ([_policy("a", _quiet), _policy("watch", _on_write, shadow=True), _policy("ok", _allow)], "Bash"),
    "all called": ([_policy("q1", _quiet), _policy("ok", _allow), _policy("ask", _ask)], "Bash"),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_a_plain_answer_reads_its_records_as_the_explanation_lists_them(name: str) -> None:
    """``to_dict()`` without a kept copy reads the called policies' items and the layout as they
    are: the same records, in the same order, as the expanded PolicyDecisions', and the audit's
    ``answers`` the same afterwards."""
    policies, tool = SHAPES[name]
    chain = Chain(policies)
    plain, explained, kept = (evaluate(chain, _event(tool)) for _ in range(3))
    answer = plain.to_dict()
    expected = [d.to_dict() for d in explained.decisions]
    durations = [r.pop("duration_us") for r in answer["decisions"]] + [r.pop("duration_us") for r in expected]
    assert answer["decisions"] == expected and len(expected) == len(policies)
    assert all(type(x) is float and x >= 0 for x in durations)
    assert _listed(plain.answers()) == _listed(explained.answers()) == _listed(kept.answers())
    assert [(d.policy, d.verdict) for d in plain.decisions] == [(r["policy"], r["verdict"]) for r in expected]
    kept.to_dict(keep=True)
    assert [r.pop("duration_us") is not None and r for r in kept.to_dict()["decisions"]] == expected
