"""The one cache helper: TTL, thread-safe, one reset for all (no I/O here)."""

from __future__ import annotations

import threading
from pathlib import Path

from chalicelib.core import cache

ROOT = Path(__file__).resolve().parents[1]


def test_entries_expire_and_reset_all_empties_every_cache(monkeypatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    short = cache.ttl("test-short", seconds=10)
    short.clear()
    short.put("a", 1)
    assert short.get("a") == 1 and cache.ttl("test-short", seconds=10) is short
    now[0] += 11
    assert short.get("a") is None
    short.put("b", 2)
    other = cache.ttl("test-other", seconds=60)
    other.put("c", 3)
    forgotten: list[bool] = []
    cache.on_reset(lambda: forgotten.append(True))
    cache.reset_all()
    assert short.get("b") is None and other.get("c") is None and forgotten == [True]
    cache._resets.pop()


def test_concurrent_puts_are_safe() -> None:
    shared = cache.ttl("test-threads", seconds=60, maxsize=100)

    def work(n: int) -> None:
        for i in range(500):
            shared.put((n, i % 150), i)
            shared.get((n, i % 150))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(shared.keys()) <= 100


def test_no_hand_made_cache_is_left() -> None:
    offenders = []
    for path in (ROOT / "chalicelib").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "cache.py" and ("time.monotonic() -" in text or "OrderedDict" in text):
            offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == []
