"""The one in-process cache: a thread-safe TTL cache (cachetools' TTLCache behind a lock), registered by name so
that `reset_all()` empties every cache of the process (tests call it between tests; nothing else needs to).

    _principals = cache.ttl("principals", seconds=60, maxsize=10_000)
    hit = _principals.get(key)            # None when absent or expired
    _principals.put(key, value)
    _principals.pop(key); _principals.clear()

Warm Lambdas keep these between requests; every user says in its docstring how stale an entry may be and why
that is fine. cachetools is imported on first use, not at cold start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

_registry: dict[str, TtlCache] = {}
_registry_lock = threading.Lock()
_resets: list[Callable[[], None]] = []


class TtlCache:
    def __init__(self, name: str, seconds: float, maxsize: int) -> None:
        self.name, self.seconds, self.maxsize = name, seconds, maxsize
        self._lock = threading.Lock()
        self._data: Any = None  # the TTLCache, made on first use

    def _store(self) -> Any:
        if self._data is None:
            from cachetools import TTLCache

            self._data = TTLCache(maxsize=self.maxsize, ttl=self.seconds, timer=lambda: time.monotonic())
        return self._data

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return self._store().get(key, default)

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._store()[key] = value

    def pop(self, key: Any) -> None:
        with self._lock:
            self._store().pop(key, None)

    def keys(self) -> list[Any]:
        with self._lock:
            return list(self._store().keys())

    def clear(self) -> None:
        with self._lock:
            if self._data is not None:
                self._data.clear()

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._store()


def ttl(name: str, *, seconds: float, maxsize: int = 10_000) -> TtlCache:
    """The process's cache called `name` (made once; a second call with the same name returns the same cache)."""
    with _registry_lock:
        existing = _registry.get(name)
        if existing is None:
            existing = _registry[name] = TtlCache(name, seconds, maxsize)
        return existing


def on_reset(forget: Callable[[], None]) -> Callable[[], None]:
    """Memos that are not TTL caches (settings read once, boto3 clients) join `reset_all` through this."""
    with _registry_lock:
        _resets.append(forget)
    return forget


def reset_all() -> None:
    """Empty every cache and memo of the process (tests, between tests)."""
    with _registry_lock:
        caches, resets = list(_registry.values()), list(_resets)
    for c in caches:
        c.clear()
    for forget in resets:
        forget()
