"""An LLM request asking for ``n`` answers is billed for each: the budget's worst case counts them."""

from __future__ import annotations

from goalrail.integrations.llm_proxy.shapes import request_event
from goalrail.policies.builtins.cost import cost_budget
from goalrail.policies.prompt_size import max_output_tokens
from tests.unit.builtins.test_cost import OPUS, ev, llm


def test_n_answers_multiply_the_output_worst_case() -> None:
    assert max_output_tokens({"max_tokens": 1000, "n": 8}, 4096) == 8000
    assert max_output_tokens({"n": 3}, 100) == 300
    for odd in (0, -5, True, "8", 1.5, None):
        assert max_output_tokens({"max_tokens": 1000, "n": odd}, 4096) == 1000


def test_a_request_for_many_answers_cannot_pass_the_limit_as_one() -> None:
    p = cost_budget(max_cost_usd=1.0)
    one = llm(OPUS, max_tokens=1000)  # $0.075 of output at most: fits
    assert p(ev(one, spent=0.1))["result"] == "ALLOW"
    many = {**one, "data": {**one["data"], "n": 64}}  # 64 answers: up to $4.80 of output
    r = p(ev(many, spent=0.1))
    assert r["result"] == "DENY" and "could cost up to" in r["reason"]


def test_the_llm_proxy_passes_n_to_the_request_event() -> None:
    body = {"model": OPUS, "messages": [], "max_tokens": 10, "n": 5}
    assert request_event(body)["data"]["n"] == 5
    assert "n" not in request_event({"model": OPUS, "messages": []})["data"]
