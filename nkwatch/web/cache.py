"""What many requests read alike, computed once while the store stays the same.

A list page, the API's list, the principal behind a session cookie or a token: between two changes to the
store the answer is the same, so it is kept in memory and dropped as soon as anything is committed, by this
process or any other (a CLI ingest, a link run, a review on another worker). `Store.generation()` says when.
The values kept must not be changed by whoever gets them (tuples, frozen dataclasses, dicts no one edits).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from nkwatch.store.db import Store

T = TypeVar("T")


class ReadCache:
    def __init__(self, store: Store, size: int = 4096):
        self._store, self._size = store, size
        self._lock = threading.Lock()
        self._generation: object = None
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        generation = self._store.generation()
        with self._lock:
            if generation != self._generation:
                self._items.clear()
                self._generation = generation
            elif key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[return-value]
            self.misses += 1
        # Computed outside the lock, from a snapshot at least as new as `generation`: if a commit came in
        # between, the next call sees a new generation and drops it.
        value = compute()
        with self._lock:
            if self._generation == generation:
                self._items[key] = value
                if len(self._items) > self._size:
                    self._items.popitem(last=False)
        return value
