"""A text read again is answered from ``provenance_values.READ`` (``provenance_memo.ReadTexts``): the same
pairs as reading it, without scanning it again, whoever reads it and whatever the caller does with them."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from goalrail.policies import provenance as p
from goalrail.policies import provenance_values as pv
from goalrail.policies.provenance_memo import ReadTexts
from goalrail.runtime.runtime import Runtime
from goalrail.store.memory import MemoryStore

#: Texts of every kind ``extract_values`` reads: prose, links (nested too), addresses (spelled too),
#: IBANs, phone numbers (vanity too), identifiers, active links, encoded text, non-ASCII.
TEXTS = [
    "please refactor the parser module and add tests",
    "hi",
    "see https://example.com/path?next=https%3A%2F%2Fevil.example%2Fx and //evil.example/y",
    "mail bob@example.org or bob [at] evil [dot] example, or alice at corp dot example",
    "IBAN DE89 3704 0044 0532 0130 00, call +44 20 7946 0958 or 1-800-FLOWERS",
    "ticket ABC-1234 in repo my_org/my-repo, build 2024.11.3",
    "click javascript:alert(1) or data:text/html;base64,PHNjcmlwdD4=",
    "aHR0cHM6Ly9ldmlsLmV4YW1wbGUvZXhmaWw= and 68747470733a2f2f6576696c2e6578616d706c65",
    "Müller-Bau GmbH, müller-bau.example, xn--mller-bau-q9a.example。com",
    "",
]


@pytest.fixture(autouse=True)
def _fresh() -> Any:
    pv.READ.clear()
    yield
    pv.READ.clear()


def test_a_text_read_again_is_not_scanned_again(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[tuple[str, bool]] = []
    real = pv._extract

    def counting(text: str, words: bool, depth: int) -> list[tuple[str, str]]:
        if depth == 0:
            read.append((text, words))
        return real(text, words, depth)

    monkeypatch.setattr(pv, "_extract", counting)
    first = [pv.extract_values(t, words=True) for t in TEXTS]
    again = [pv.extract_values(t, words=True) for t in TEXTS]
    assert again == first
    assert read == [(t, True) for t in TEXTS]  # each scanned once
    pv.extract_values(TEXTS[0], words=False)  # another question: read apart
    assert read[-1] == (TEXTS[0], False)
    assert pv.collect({"a": TEXTS[0], "b": [TEXTS[0]]}, words=True) == pv.collect({"a": TEXTS[0]}, words=True)
    assert len(read) == len(TEXTS) + 1


def test_remembered_pairs_are_the_pairs_read() -> None:
    for words in (True, False):
        for text in TEXTS:
            scanned = pv._extract(text, words, 0)
            assert pv.extract_values(text, words=words) == scanned  # read now
            assert pv.extract_values(text, words=words) == scanned  # remembered
            assert pv.extract_values(text + " ", words=words) == pv._extract(text + " ", words, 0)


def test_a_caller_changing_its_answer_changes_no_later_answer() -> None:
    text = TEXTS[2]
    mine = pv.extract_values(text, words=False)
    expected = list(mine)
    mine.append(("url", "https://changed.example"))
    mine.clear()
    assert pv.extract_values(text, words=False) == expected
    found = pv.collect(text, words=True, numbers=True)  # (``collect`` adds to the list it is given)
    assert pv.extract_values(text, words=True) == pv._extract(text, True, 0)
    assert found == pv.collect(text, words=True, numbers=True)


def test_a_str_subclass_is_read_every_time() -> None:
    class Text(str):
        pass

    pv.extract_values(Text(TEXTS[0]), words=True)
    assert len(pv.READ) == 0


def test_the_memo_is_bounded_by_what_it_holds_least_recently_read_first_out() -> None:
    calls: list[str] = []

    def read(text: str, words: bool) -> tuple[tuple[str, str], ...]:
        calls.append(text)
        return tuple(("word", w) for w in text.split())

    memo = ReadTexts(read, max_chars=1000, max_text=200)
    texts = [f"text number {i} " + "x" * 40 for i in range(20)]
    for text in texts:
        memo.values(text, True)
    assert 0 < len(memo) < 20 and memo.chars <= 1000
    kept = len(memo)
    memo.values(texts[-1], True)  # the newest is kept: not read again
    assert calls.count(texts[-1]) == 1
    memo.values(texts[0], True)  # the oldest went first: read again
    assert calls.count(texts[0]) == 2
    assert len(memo) == kept
    long = "y " * 150  # longer than max_text: read every time, never kept
    assert memo.values(long, True) == memo.values(long, True) == [("word", "y")] * 150
    assert calls.count(long) == 2
    memo.clear()
    assert len(memo) == 0 and memo.chars == 0


def test_threads_reading_the_same_texts_get_the_pairs_read() -> None:
    memo = ReadTexts(lambda text, words: tuple(pv._extract(text, words, 0)), max_chars=3000)
    expected = {(t, w): pv._extract(t, w, 0) for t in TEXTS for w in (True, False)}
    wrong: list[Any] = []

    def run(seed: int) -> None:
        for i in range(300):
            text, words = TEXTS[(i * (seed + 1)) % len(TEXTS)], bool((i + seed) % 2)
            if memo.values(text, words) != expected[(text, words)]:
                wrong.append((text, words))

    threads = [threading.Thread(target=run, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    assert memo.chars <= 3000
    assert memo.chars == sum(cost for _, cost in memo._kept.values())


def _recorded(rt: Runtime, session_id: str, text: str) -> dict[str, Any]:
    """What a request recorded in ``session_id``'s provenance (its newest chunk)."""
    asyncio.run(rt.evaluate(session_id, {"type": "request", "data": {"user_content": text}}))
    store = rt.store
    assert isinstance(store, MemoryStore)
    state = store.sessions[session_id].policy_states[p.NS]
    return dict(state[p.chunk_key(state[p.SEQ_KEY])])


def test_sessions_and_restarts_record_what_a_first_reading_records() -> None:
    text = "please send the report to bob@example.org and https://corp.example/q4 before 2024-12-01"
    rt = Runtime(MemoryStore(), clock=lambda: 1_800_000_000.0)
    first = _recorded(rt, "a", text)  # read now
    assert (text, True) in pv.READ._kept
    second = _recorded(rt, "b", text)  # remembered, in another session
    again = _recorded(rt, "a", text)  # remembered, the same session again
    pv.READ.clear()  # as a restarted process: nothing remembered
    fresh = _recorded(Runtime(MemoryStore(), clock=lambda: 1_800_000_000.0), "a", text)
    assert first["v"] == second["v"] == again["v"] == fresh["v"]
    assert first["v"] == {f"{k}:{v}": [k, ""] for k, v in pv._extract(text, True, 0)}
    assert first["v"] is not second["v"]  # each chunk's own values
