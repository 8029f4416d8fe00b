"""PII look-alike spellings and request shapes: folded text, every string leaf, roles in any case."""

from __future__ import annotations

import sys
import unicodedata
from typing import Any

import pytest

from goalrail.policies.builtins import _pii, _pii_request, safety
from tests.unit.builtins.builtin_events import make_event

SSN = "536-90-4412"
CARD = "4111 1111 1111 1111"
AMEX = "378282246310005"
EMAIL = "jane.doe@example.com"
PHONE = "+44 20 7946 0958"

# --- spellings -----------------------------------------------------------------------

DASHES = ["\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\ufe63", "\uff0d"]
SPACES = ["\u00a0", "\u2002", "\u2003", "\u2007", "\u2009", "\u200a", "\u202f", "\u205f", "\u3000"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202a"]


@pytest.mark.parametrize("dash", DASHES)
def test_unicode_dashes_as_separators(dash: str) -> None:
    assert _pii.scan(f"ssn {SSN.replace('-', dash)}") == {"ssn": 1}
    assert _pii.scan(f"card 4111{dash}1111{dash}1111{dash}1111") == {"credit_card": 1}
    assert _pii.scan(f"call 415{dash}555{dash}2671") == {"phone": 1}


@pytest.mark.parametrize("space", SPACES)
def test_unicode_spaces_as_separators(space: str) -> None:
    assert _pii.scan(f"call {PHONE.replace(' ', space)}") == {"phone": 1}
    assert _pii.scan(f"card {CARD.replace(' ', space)}") == {"credit_card": 1}
    assert _pii.scan(f"ssn 536{space}90{space}4412") == {"ssn": 1}
    assert _pii.scan(f"mail{space}{EMAIL}{space}now") == {"email": 1}


@pytest.mark.parametrize("zw", ZERO_WIDTH)
def test_zero_width_and_format_characters_are_stripped(zw: str) -> None:
    assert _pii.scan(f"ssn {zw.join(SSN)}") == {"ssn": 1}
    assert _pii.scan(f"card {zw.join(CARD)}") == {"credit_card": 1}
    assert _pii.scan(f"key {zw.join('AKIAIOSFODNN7EXAMPLE')}") == {"aws_access_key": 1}
    assert _pii.scan(f"mail {zw.join(EMAIL)}") == {"email": 1}


@pytest.mark.parametrize(
    "text",
    [
        "ssn 536.90.4412",
        "SSN 536\u00b790\u00b74412",
        "my SSN is 536904412",
        "Social Security Number: 536904412.",
        "social security no. 536904412",
        "her ss# 536904412",
        "SSN:536-90-4412,",
        "(ssn 536 90 4412)",
        "ssn 536 - 90 - 4412",
        "ssn 536 \u2013 90 \u2013 4412",
        "\uff15\uff13\uff16-\uff19\uff10-\uff14\uff14\uff11\uff12",  # full-width digits
        "\u0665\u0663\u0666-\u0669\u0660-\u0664\u0664\u0661\u0662",  # Arabic-Indic digits
    ],
)
def test_ssn_spellings(text: str) -> None:
    assert _pii.scan(text) == {"ssn": 1}


@pytest.mark.parametrize(
    "text",
    [
        "card 4111.1111.1111.1111",
        f"amex {AMEX}",
        "amex 3782 822463 10005",
        "amex 3782-822463-10005",
        "amex 3782.822463.10005",
        "amex 3714\u00a0496353\u00a098431",
        "AMEX: 371449635398431.",
        "card \uff14\uff11\uff11\uff11 1111 1111 1111",
    ],
)
def test_card_spellings(text: str) -> None:
    assert _pii.scan(text) == {"credit_card": 1}


@pytest.mark.parametrize(
    "text",
    [
        "JANE.DOE@EXAMPLE.COM",
        "Mail: John.Smith@Example.Co.UK",
        "MAILTO:OPS+ALERTS@ACME.IO",
        "jane\uff20example.com",  # full-width at sign
    ],
)
def test_email_spellings(text: str) -> None:
    assert _pii.scan(text) == {"email": 1}


@pytest.mark.parametrize(
    "text",
    [
        "+44 20 7946 0958",
        "+33 1 23 45 67 89",
        "+49 30 1234 5678",
        "+91 98765 43210",
        "+81 3-1234-5678",
        "+1 (415) 555-2671",
        "+44 (0) 20 7946 0958",
        "+86 138 0013 8000",
        "+44\u00a07911\u00a0123456",
        "call 415 555 2671",
        "call 415.555.2671",
    ],
)
def test_phone_spellings(text: str) -> None:
    assert _pii.scan(text) == {"phone": 1}


@pytest.mark.parametrize(
    "text",
    [
        "order 536904412",  # nine bare digits without an SSN word: an id
        "sample SSN 078-05-1120",  # documented example numbers
        "ssn 123-45-6789",
        "version 1.2.3 and 10.20.3000",
        "pi 3.14159265358979",
        "ip 192.168.100.200",
        "536.90.4412.5",
        "mixed 536-90 4412",
        "association 536904412",  # "soc" inside a word is not "soc sec"
        "Grüße aus Köln — das Büro öffnet um 9 Uhr. Preis: 12,50 €.",
        "tabular 100 200 30",
    ],
)
def test_near_misses_stay_clean(text: str) -> None:
    assert _pii.scan(text) == {}


def test_every_format_space_and_dash_code_point_is_folded() -> None:
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Zs", "Zl", "Zp", "Pd"):
            folded = _pii.normalize(f"a{ch}b")
            assert folded in ("ab", "a b", "a-b"), (hex(code), folded)


# --- request shapes ------------------------------------------------------------------


def _llm(data: dict[str, Any], **params: Any) -> dict[str, Any] | None:
    return safety.deny_pii_in_llm_request(**params)(make_event("llm_request", None, data))


@pytest.mark.parametrize("role", ["user", "User", "USER", "human", "Human", "HUMAN", " user ", None, "customer"])
def test_user_roles_in_any_case(role: Any) -> None:
    msg: dict[str, Any] = {"content": f"my ssn is {SSN}"}
    if role is not None:
        msg["role"] = role
    out = _llm({"model": "m", "messages": [msg]})
    assert out is not None and out["result"] == "DENY"
    assert SSN not in out["reason"] and "ssn (1)" in out["reason"]


@pytest.mark.parametrize("role", ["assistant", "Assistant", "model", "AI", "tool", "Tool", "function"])
def test_other_roles_are_not_scanned_by_default(role: str) -> None:
    assert _llm({"model": "m", "messages": [{"role": role, "content": f"ssn {SSN}"}]}) is None


def test_system_in_any_case_and_roles_param_case_insensitive() -> None:
    data = {"model": "m", "messages": [{"role": "SYSTEM", "content": f"card {CARD}"}]}
    assert _llm(data)["result"] == "DENY"
    data = {"model": "m", "messages": [{"role": "Tool", "content": f"card {CARD}"}]}
    assert _llm(data, scan_roles=["TOOL"])["result"] == "DENY"
    assert _llm(data, scan_roles=["function"])["result"] == "DENY"


@pytest.mark.parametrize(
    "content",
    [
        [{"type": "text", "text": f"ssn {SSN}"}],
        [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": f"ssn {SSN}"}}],
        [{"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": f"ssn {SSN}"}]}}],
        [{"type": "document", "title": f"file of {SSN}", "source": {"type": "url", "url": "https://x"}}],
        [{"type": "document", "context": f"ssn {SSN}", "source": {"type": "text", "data": "ok"}}],
        [{"type": "input_text", "text": f"ssn {SSN}"}],
        [{"type": "input_file", "filename": "a.txt", "file_data": f"ssn {SSN}"}],
        [{"type": "custom_block", "payload": {"deep": [{"deeper": f"ssn {SSN}"}]}}],
        {"nested": {"text": f"ssn {SSN}"}},
    ],
)
def test_every_text_leaf_of_user_content(content: Any) -> None:
    out = _llm({"model": "m", "messages": [{"role": "user", "content": content}]})
    assert out is not None and out["result"] == "DENY"


def test_gemini_contents_parts_and_system_instruction() -> None:
    data = {"model": "gemini", "contents": [{"role": "user", "parts": [{"text": "hi"}, {"text": f"ssn {SSN}"}]}]}
    assert _llm(data)["result"] == "DENY"
    data = {"contents": [{"role": "model", "parts": [{"text": f"ssn {SSN}"}]}]}
    assert _llm(data) is None
    data = {"contents": [], "systemInstruction": {"parts": [{"text": f"mail {EMAIL}"}]}}
    assert _llm(data)["result"] == "DENY"
    data = {"contents": [], "system_instruction": {"parts": [{"text": f"mail {EMAIL}"}]}}
    assert _llm(data)["result"] == "DENY"
    inline = {"inline_data": {"mime_type": "text/plain", "data": f"ssn {SSN}"}}
    assert _llm({"contents": [{"role": "user", "parts": [inline]}]})["result"] == "DENY"


def test_openai_responses_input_items() -> None:
    assert _llm({"input": f"ssn {SSN}"})["result"] == "DENY"
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"ssn {SSN}"}]}
    assert _llm({"input": [item]})["result"] == "DENY"
    assert _llm({"input": [{"type": "function_call_output", "call_id": "c", "output": f"ssn {SSN}"}]}) is None
    assert _llm({"input": [{"type": "function_call", "arguments": f'{{"ssn": "{SSN}"}}'}]}) is None
    assert _llm({"instructions": f"card {CARD}"})["result"] == "DENY"


def test_anthropic_system_blocks_and_tool_results_in_user_messages() -> None:
    assert _llm({"system": [{"type": "text", "text": f"card {CARD}"}], "messages": []})["result"] == "DENY"
    tool_result = {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": f"ssn {SSN}"}]}
    data = {"messages": [{"role": "user", "content": [tool_result, {"type": "text", "text": "thanks"}]}]}
    assert _llm(data) is None  # a tool's output inside a user turn is a tool result (opt-in)
    assert _llm(data, scan_roles=["tool"])["result"] == "DENY"


def test_binary_payloads_and_metadata_are_skipped() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "eyJ" + "a" * 40}}
    part = {"inline_data": {"mime_type": "image/png", "data": "AKIAIOSFODNN7EXAMPLE"}}
    url = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AKIAIOSFODNN7EXAMPLE"}}
    data = {
        "model": "m",
        "user": EMAIL,  # the end-user id field, not message text
        "metadata": {"owner": EMAIL},
        "messages": [{"role": "user", "name": EMAIL, "content": [image, url]}],
        "contents": [{"role": "user", "parts": [part]}],
        "tools": [{"type": "function", "function": {"description": f"mail {EMAIL}"}}],
    }
    assert _llm(data) is None


def test_unknown_top_level_fields_are_read() -> None:
    assert _llm({"model": "m", "messages": [], "query": f"ssn {SSN}"})["result"] == "DENY"
    assert _llm({"documents": [{"data": {"text": f"ssn {SSN}"}}]})["result"] == "DENY"


@pytest.mark.parametrize(
    "attachments",
    [
        [f"ssn {SSN}"],
        [{"text": f"ssn {SSN}"}],
        [{"content": f"ssn {SSN}"}],
        [{"name": "notes.txt", "data": f"ssn {SSN}"}],
        [{"file": {"content": [{"text": f"ssn {SSN}"}]}}],
        [[f"ssn {SSN}"]],
        [{"type": "document", "source": {"type": "text", "data": f"ssn {SSN}"}}],
    ],
)
def test_request_attachments_of_any_shape(attachments: list[Any]) -> None:
    policy = safety.deny_pii_in_llm_request()
    out = policy(make_event("request", None, {"user_content": "see attached", "attachments": attachments}))
    assert out is not None and out["result"] == "DENY" and SSN not in out["reason"]


def test_request_other_fields_and_folded_text() -> None:
    policy = safety.deny_pii_in_llm_request()
    out = policy(make_event("request", None, {"user_content": "hi", "files": [{"body": f"mail {EMAIL}"}]}))
    assert out is not None and out["result"] == "DENY"
    out = policy(make_event("request", None, "ssn 536\u200b-90\u2013\u20604412"))
    assert out is not None and out["reason"] == "message contains ssn (1)"


def test_a_match_never_spans_two_leaves() -> None:
    data = {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "536-90-"}, {"type": "text", "text": "4412"}]}
        ]
    }
    assert _llm(data) is None


def test_role_aliases() -> None:
    assert _pii_request.role_of("Human") == "user"
    assert _pii_request.role_of("MODEL") == "assistant"
    assert _pii_request.role_of("ipython") == "tool"
    assert _pii_request.role_of(None) == "user"
    assert _pii_request.role_of("wizard") == "user"


def test_bounded_walk() -> None:
    deep: Any = f"ssn {SSN}"
    for _ in range(1000):
        deep = {"x": deep}
    assert _llm({"messages": [{"role": "user", "content": deep}]}) is None  # beyond MAX_DEPTH: not read
    wide = [{"type": "text", "text": "x"}] * (_pii_request.MAX_LEAVES + 10)
    assert _llm({"messages": [{"role": "user", "content": wide}]}) is None
