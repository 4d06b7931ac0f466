"""A bounded least-recently-used cache, safe across threads, owned by whoever serves the requests.

Why not `functools.lru_cache`: on a method or a module function it is shared by every instance
and lives as long as the process (module-level state); this one belongs to one object.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class LRU(Generic[Value]):
    """`get(key, make)`: the value made for `key` before, or `make()` now (kept, oldest dropped past `size`).

    >>> cache = LRU(2)
    >>> [cache.get(k, lambda k=k: k * 10) for k in (1, 2, 1, 3)], list(cache.keys())
    ([10, 20, 10, 30], [1, 3])
    """

    def __init__(self, size: int = 256) -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"LRU size must be a whole number >= 1, got {size!r}.")
        self.size = size
        self._items: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two first callers may both make it, neither waits on the other
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def keys(self) -> list[Hashable]:
        with self._lock:
            return list(self._items)
