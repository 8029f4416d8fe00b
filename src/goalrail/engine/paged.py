"""A mapping whose copies share their unchanged parts: how stores hold the provenance record.

The record (``goalrail.provenance``) holds a chunk per recorded event, keyed
``e`` and the event's nine-digit sequence number, and a few other keys.  Snapshots
share it as it is (``engine.state.snapshot_states``), so a commit must not change
the mapping a snapshot holds.  A plain dict would have to be copied whole on every
commit, which costs the size of the record; a :class:`PagedMap` keeps chunk keys in
pages of ``PAGE`` consecutive sequence numbers (other keys in a page of their own)
and :meth:`PagedMap.fork` copies only the table of pages: a commit then copies the
pages it changes (the newest, and the oldest when one is evicted), whatever the
size of the record.  It holds the same keys and values as the dict it stands for
and is stored, read back and serialized like it (``dict(m)`` is that dict).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import TypeVar, overload

from goalrail.jsontypes import JsonObject, JsonValue

PAGE_BITS = 6  # 64 chunk keys a page
T = TypeVar("T")
_OTHER = -1  # the page of keys that are not chunk keys


def page_of(key: str) -> int:
    """The page ``key`` is kept in: a chunk key's sequence number // 64, else ``_OTHER``
    (a key that only looks like one, ``e-000000001``, is simply kept where this puts it)."""
    if len(key) == 10 and key[0] == "e":
        try:
            return int(key[1:]) >> PAGE_BITS
        except ValueError:
            return _OTHER
    return _OTHER


class PagedMap(MutableMapping[str, JsonValue]):
    """A ``str`` → JSON mapping in pages; :meth:`fork` makes a copy that shares them.

    A page shared with another map is copied before it is changed (``_own``: the
    pages this map may change in place), so neither map ever sees the other's changes.
    """

    __slots__ = ("_len", "_own", "_pages", "writes")

    def __init__(self, values: Mapping[str, JsonValue] | None = None) -> None:
        self._pages: dict[int, JsonObject] = {}
        self._own: set[int] = set()
        self._len = 0
        #: Changes made to this map in place (a fork starts its own count): with the map's identity,
        #: what a cache of something derived from it is keyed by (``runtime.flow.ProvenanceTracker``).
        self.writes = 0
        if values:
            for key, value in values.items():
                self[key] = value

    def fork(self) -> PagedMap:
        """A copy sharing every page with this map (neither changes a shared page in place)."""
        new = PagedMap.__new__(PagedMap)
        new._pages, new._own, new._len, new.writes = dict(self._pages), set(), self._len, 0
        self._own = set()
        return new

    def __getitem__(self, key: str) -> JsonValue:
        page = self._pages.get(page_of(key))
        if page is None:
            raise KeyError(key)
        return page[key]

    @overload
    def get(self, key: str, /) -> JsonValue: ...
    @overload
    def get(self, key: str, /, default: JsonValue | T) -> JsonValue | T: ...
    def get(self, key: str, /, default: object = None) -> object:
        page = self._pages.get(page_of(key))
        return default if page is None else page.get(key, default)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        page = self._pages.get(page_of(key))
        return page is not None and key in page

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[str]:
        for page in list(self._pages.values()):
            yield from page

    def _writable(self, n: int) -> JsonObject:
        page = self._pages.get(n)
        if page is None:
            page = self._pages[n] = {}
            self._own.add(n)
        elif n not in self._own:
            page = self._pages[n] = dict(page)
            self._own.add(n)
        return page

    def __setitem__(self, key: str, value: JsonValue) -> None:
        page = self._writable(page_of(key))
        self._len += key not in page
        page[key] = value
        self.writes += 1

    def __delitem__(self, key: str) -> None:
        n = page_of(key)
        page = self._pages.get(n)
        if page is None or key not in page:
            raise KeyError(key)
        if len(page) == 1:
            del self._pages[n]
            self._own.discard(n)
        else:
            del self._writable(n)[key]
        self._len -= 1
        self.writes += 1

    def __repr__(self) -> str:
        return f"PagedMap({dict(self)!r})"

    def __reduce__(self) -> tuple[type[JsonObject], tuple[JsonObject]]:
        return dict, (dict(self),)  # copied, pickled: the plain dict it stands for
