"""Modules loaded on first use, so a cold start loads only what its first request needs.

A Lambda answering a redemption should not first import the footfall statistics or the Stripe webhook. Route
modules name their domain services through `lazy("...")`; the real import happens, once and under a lock, when
a handler first touches the service. (importlib's LazyLoader is not thread-safe on Python 3.11, and
`chalice local` serves requests on threads.)
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

    def _load(self) -> ModuleType:
        module = self._module
        if module is None:
            with self._lock:
                if self._module is None:
                    self._module = importlib.import_module(self._name)
                module = self._module
        return module

    def __getattr__(self, attr: str) -> Any:  # only for names not on the proxy itself
        return getattr(self._load(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{' (loaded)' if self._module else ''}>"


def lazy(name: str) -> Any:
    return LazyModule(name)
