"""What pages read, kept per store and keyed by the change counters of the organisations it shows
(store/versions.py): a page is rebuilt only after something it shows changed, in any process, and never served
stale. The counters are read first and the value built after, so a value is never older than its key."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from devmaturity.auth.policy import Actor
from devmaturity.store import versions
from devmaturity.store.db import Store

T = TypeVar("T")
Stamp = tuple[tuple[int, int], ...]
BUDGET = 128 * 2**20  # characters of rendered pages (and a flat guess per other value) kept per store and process
OTHER = 256 * 2**10  # what a kept value that is not text is counted as (the portfolio list of 1,000 projects)


def _weight(value: object) -> int:
    return len(value) if isinstance(value, str | bytes) else OTHER


class Lru:
    """A small thread-safe least-recently-used map within a budget: a thousand project pages of ~70 kB fit."""

    def __init__(self, budget: int = BUDGET) -> None:
        self._budget = budget
        self._used = 0
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= _weight(old)
            self._items[key] = value
            self._used += _weight(value)
            while self._used > self._budget and len(self._items) > 1:
                self._used -= _weight(self._items.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._items)


_CACHES: weakref.WeakKeyDictionary[Store, Lru] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def cache_of(store: Store) -> Lru:
    with _LOCK:
        found = _CACHES.get(store)
        if found is None:
            found = _CACHES[store] = Lru()
        return found


def stamp(store: Store, actor: Actor) -> Stamp | None:
    """The change counters of every organisation the actor sees; None when the store cannot say (uncacheable)."""
    with store.reading() as conn:
        return versions.versions(conn, None if actor.owner else actor.org_ids())


def viewer_kind(actor: Actor) -> Hashable:
    """What of the actor a page may depend on besides the data: its roles (which links and forms it shows)."""
    return (actor.owner, actor.token_org, tuple(sorted((org, role.value) for org, role in actor.roles.items())))


def kept(store: Store, key: Hashable, current: Stamp | None) -> Any | None:
    """The value kept under `key` at counters `current`, or None."""
    return None if current is None else cache_of(store).get((key, current))


def keep(store: Store, key: Hashable, current: Stamp | None, value: object) -> None:
    """Keep `value`, built after the counters `current` were read, under `key` (nothing when uncacheable)."""
    if current is not None:
        cache_of(store).put((key, current), value)


_BUILDING: dict[Hashable, threading.Lock] = {}


def cached(store: Store, key: Hashable, current: Stamp | None, build: Callable[[], T]) -> T:
    """The value under `key` built at counters `current`, building (and keeping) it when missing. Requests that
    miss together wait for one build instead of each building (the portfolio of 1,000 projects takes seconds
    cold: twenty builds at once would take the server down for a minute)."""
    found = kept(store, key, current)
    if found is not None:
        return found  # type: ignore[no-any-return]
    flight = (id(store), key, current)
    with _LOCK:
        lock = _BUILDING.setdefault(flight, threading.Lock())
    with lock:
        found = kept(store, key, current)
        if found is None:
            found = build()
            keep(store, key, current, found)
    with _LOCK:
        _BUILDING.pop(flight, None)
    return found
