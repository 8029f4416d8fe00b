"""The values of texts read recently: :class:`ReadTexts`, what ``provenance_values.extract_values`` remembers.

Finding a text's values scans it with a dozen patterns (about 70 k instructions for a
47-character request, 14 k for ``hi``, millions for a page), and the same texts come back:
the system prompt and first message every new session forwards, a short reply
(``yes``, ``continue``), a file or page read again.  What a text yields depends on the
text alone (the patterns and lists are constants), so a text read again is answered
from here: the same pairs, in the same order, without scanning it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

Pairs = tuple[tuple[str, str], ...]

#: What a pair costs beyond its characters (a tuple of two strings), in the same units as a character.
_PAIR_OVERHEAD = 64


class ReadTexts:
    """``read(text, words)``'s answers, by text, least recently read first out.

    Bounded by what it holds, counted in characters: each text's and its values', plus
    :data:`_PAIR_OVERHEAD` a pair (``max_chars``, 8 MiB by default); a text longer than
    ``max_text`` characters is read every time and not kept.  Safe to use from several
    threads (a policy may ask on a worker thread): the table is changed under a lock,
    the reading is done outside it.  The answers are tuples, never changed: each caller
    gets a list of its own.
    """

    def __init__(
        self, read: Callable[[str, bool], Pairs], *, max_chars: int = 8 << 20, max_text: int = 64 << 10
    ) -> None:
        self._read = read
        self.max_chars = max_chars
        self.max_text = max_text
        self._kept: OrderedDict[tuple[str, bool], tuple[Pairs, int]] = OrderedDict()
        self._chars = 0  # charged across ``_kept``
        self._lock = threading.Lock()

    def values(self, text: str, words: bool) -> list[tuple[str, str]]:
        """The pairs ``read`` answers for ``text``: remembered, or read now (and kept if it fits)."""
        key = (text, words)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return list(kept[0])
        pairs = self._read(text, words)
        if len(text) <= self.max_text:
            self._keep(key, pairs)
        return list(pairs)

    def _keep(self, key: tuple[str, bool], pairs: Pairs) -> None:
        cost = len(key[0]) + sum(len(v) for _, v in pairs) + _PAIR_OVERHEAD * (len(pairs) + 1)
        with self._lock:
            old = self._kept.pop(key, None)  # (another thread read it meanwhile)
            if old is not None:
                self._chars -= old[1]
            self._kept[key] = (pairs, cost)
            self._chars += cost
            while self._chars > self.max_chars and self._kept:
                _, (_, gone) = self._kept.popitem(last=False)
                self._chars -= gone

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._chars = 0

    @property
    def chars(self) -> int:
        """What the kept answers are charged, in characters."""
        return self._chars
