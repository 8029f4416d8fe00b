"""A conversation walked from the last turn's walk (``conversation.walk``) gives exactly the pieces a walk
of the whole conversation gives (``conversation.pieces``: sources, texts, digests), whatever each turn
does to the conversation: appends, resends, truncates, edits a message, reuses tool call ids."""

from __future__ import annotations

import marshal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from goalrail.runtime.conversation import Walk, pieces, walk

IDS = st.sampled_from(["c0", "c1", "c2"])
TOOLS = st.sampled_from(["fetch", "search", "mail"])
TEXT = st.sampled_from(["hi", "a@b.example", "<system-reminder>x</system-reminder>", "", "p1 q@evil.example"])

MESSAGES = st.one_of(
    st.builds(lambda t: {"role": "user", "content": t}, TEXT),
    st.builds(lambda t: {"role": "system", "content": t}, TEXT),
    st.builds(
        lambda i, n: {"role": "assistant", "content": None, "tool_calls": [{"id": i, "function": {"name": n}}]},
        IDS,
        TOOLS,
    ),
    st.builds(lambda i, n: {"role": "assistant", "content": [{"type": "tool_use", "id": i, "name": n}]}, IDS, TOOLS),
    st.builds(lambda i, n: {"type": "function_call", "call_id": i, "name": n}, IDS, TOOLS),
    st.builds(lambda i, t: {"role": "tool", "tool_call_id": i, "content": t}, IDS, TEXT),
    st.builds(lambda i, n, t: {"role": "tool", "tool_call_id": i, "name": n, "content": t}, IDS, TOOLS, TEXT),
    st.builds(lambda i, t: {"type": "function_call_output", "call_id": i, "output": t}, IDS, TEXT),
    st.builds(
        lambda i, t: {"role": "user", "content": [{"type": "tool_result", "tool_use_id": i, "content": t}, t]},
        IDS,
        TEXT,
    ),
    st.builds(lambda t: {"role": "user", "content": [{"type": "document", "source": {"data": t}}]}, TEXT),
)
#: What a turn does: (how many messages to keep, counted from the end when negative; messages appended)
TURNS = st.lists(
    st.tuples(st.integers(min_value=-3, max_value=0), st.lists(MESSAGES, max_size=3), st.booleans()), max_size=8
)


def _key(walked: list[Any]) -> list[tuple[str, bool, list[str], str]]:
    return [(p.source, p.tool, p.texts, p.digest) for p in walked]


@settings(max_examples=300, deadline=None)
@given(TURNS)
def test_a_walk_from_the_last_turn_gives_the_whole_walk(turns: list[tuple[int, list[Any], bool]]) -> None:
    conversation: list[Any] = []
    last: Walk | None = None
    for keep, added, forget in turns:
        conversation = conversation[: len(conversation) + keep] + added
        resent = marshal.loads(marshal.dumps(conversation))  # as a proxy parses it: new objects each turn
        last = walk(resent, None if forget else last)
        assert _key(last.pieces) == _key(list(pieces(conversation)))
        assert last.walked <= len(conversation)
