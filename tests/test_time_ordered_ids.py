"""Ledger entry ids must sort in time order (the ledger is read in id order)."""

from __future__ import annotations

import time

from chalicelib.core.ids import time_ordered_id


def test_ids_from_later_milliseconds_sort_later() -> None:
    ids = []
    for i in range(2000):
        ids.append(time_ordered_id())
        if i % 40 == 0:
            time.sleep(0.001)
    # The first 9 characters (45 bits) hold only the millisecond clock: they never go backwards.
    assert all(a[:9] <= b[:9] for a, b in zip(ids, ids[1:], strict=False))
    assert len({i[:9] for i in ids}) > 10
