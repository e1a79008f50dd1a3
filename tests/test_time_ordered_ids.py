"""Ledger entry ids must sort in time order (the ledger is read in id order)."""

from __future__ import annotations

import pytest

from chalicelib.core import ids


def test_ids_from_later_milliseconds_sort_later(monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_795_000_000_000  # ms; the next 70 ms walk every character value of the last time digits
    monkeypatch.setattr(ids, "_last_millis", 0)
    made = []
    for offset in range(0, 2000, 7):
        monkeypatch.setattr(ids.time, "time", lambda offset=offset: (start + offset) / 1000)
        made.append(ids.time_ordered_id())
    assert made == sorted(made)


def test_ids_within_one_millisecond_keep_their_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_last_millis", 0)
    monkeypatch.setattr(ids.time, "time", lambda: 1_795_000_000.123)
    made = [ids.time_ordered_id() for _ in range(500)]
    assert made == sorted(made) and len(set(made)) == 500
    assert len({m[:10] for m in made}) == 1  # same millisecond prefix: the sequence did the ordering


def test_a_clock_stepping_back_never_reorders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_last_millis", 0)
    times = iter([1_795_000_000.500, 1_795_000_000.100, 1_795_000_000.600])
    monkeypatch.setattr(ids.time, "time", lambda: next(times))
    made = [ids.time_ordered_id() for _ in range(3)]
    assert made == sorted(made)
