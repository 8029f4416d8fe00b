"""A line of provenance views: the chunks of a session's record it holds, oldest first, and its index.

``goalrail.policies.provenance`` builds and advances lines (``Provenance``); its
names for these are re-exported there.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

TRUSTED, UNTRUSTED, SENSITIVE = "trusted", "untrusted", "sensitive"


@dataclass(slots=True)
class Source:
    name: str  # "user" or the tool's name
    trust: str
    seq: int
    path: str | None = None
    at: float | None = None


@dataclass(slots=True)
class Chunk:
    key: str
    values: Mapping[str, object]  # the chunk's ``v``: value key -> [kind, path]
    trust: str
    raw: object  # the chunk as recorded (its source, sequence number and time)


@dataclass(slots=True)
class Tally:
    """What ``provenance.record`` would otherwise scan the record for: its value count, its chunk
    count and its chunk keys, oldest first."""

    count: int
    keys: Iterator[str]
    chunks: int


class Line:
    """The chunks a line of views indexes, oldest first, what evicting one takes back, and the
    line's value index once a question needed it (``None`` until then, or after the tracker dropped it).

    Shared, like the index, by a view and the views advanced from it: only the
    newest view of a line is current (see :meth:`Provenance.advanced`).
    """

    __slots__ = ("chunks", "count", "digests", "index", "on_index", "scanned", "sensitive", "untrusted")

    def __init__(self) -> None:
        self.chunks: deque[Chunk] = deque()
        self.untrusted: deque[Source] = deque()  # one per untrusted chunk, oldest first
        self.sensitive = 0  # sensitive chunks
        self.count = 0  # values
        self.index: dict[str, list[Source]] | None = None
        self.on_index: Callable[[], object] | None = None  # told when a question builds the index
        self.scanned = 0  # chunks looked at by :meth:`scan` since the index was last dropped
        self.digests: dict[str, int] = {}  # the digests chunks carry (``h``: content recorded once) and how many

    def note(self, digest: object, step: int) -> None:
        """Count a chunk's digest in (``step`` 1) or out (-1)."""
        if isinstance(digest, str):
            n = self.digests.get(digest, 0) + step
            if n > 0:
                self.digests[digest] = n
            else:
                self.digests.pop(digest, None)

    def mark(self) -> tuple[int, str | None]:
        return len(self.chunks), self.chunks[-1].key if self.chunks else None

    def scan(self, key: str) -> list[Source]:
        """What the index would hold for ``key``, found in the chunks: a lookup per chunk."""
        self.scanned += len(self.chunks)
        out: list[Source] = []
        for chunk in self.chunks:
            if (kind_path := chunk.values.get(key)) is not None and (
                type(raw := chunk.raw) is dict or isinstance(raw, Mapping)  # (a dict, the usual chunk: no ABC check)
            ):
                path = kind_path[1] if isinstance(kind_path, list | tuple) else None
                out.append(
                    Source(str(raw.get("src") or "?"), chunk.trust, int(raw.get("seq") or 0), path, raw.get("at"))
                )
        return out


def index_chunk(index: dict[str, list[Source]], chunk: Chunk) -> None:
    raw, trust = chunk.raw, chunk.trust
    if type(raw) is not dict and not isinstance(raw, Mapping):  # (a dict, the usual chunk: no ABC check)
        return
    name, seq, at = str(raw.get("src") or "?"), int(raw.get("seq") or 0), raw.get("at")
    get = index.get
    by_path: dict[object, Source] = {}  # values found in one field share their (read-only) source
    for value_key, kind_path in (raw.get("v") or {}).items():
        path = kind_path[1]
        if (source := by_path.get(path)) is None:
            source = by_path[path] = Source(name, trust, seq, path, at)
        if (sources := get(value_key)) is None:
            index[value_key] = [source]
        else:
            sources.append(source)
