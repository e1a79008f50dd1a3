"""Ledger entry ids must sort in time order (the ledger is read in id order)."""

from __future__ import annotations

import pytest

from chalicelib.core import ids


def test_ids_from_later_milliseconds_sort_later(monkeypatch: pytest.MonkeyPatch) -> None:
    start = 1_795_000_000_000  # ms; the next 70 ms walk every character value of the last time digits
    made = []
    for offset in range(0, 2000, 7):
        monkeypatch.setattr(ids.time, "time", lambda offset=offset: (start + offset) / 1000)
        made.append(ids.time_ordered_id())
    assert made == sorted(made)
