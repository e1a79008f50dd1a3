"""What each ledger entry adds to the maintained totals, and the reports derived from them. Pure: no AWS.

DynamoDB cannot sum, so the figures the city's reports need are kept as counters, written in the same transaction
as the ledger entry they count. `entry_deltas` is the ONE definition of that mapping: the live transactions add
its deltas, and `marktplatz totals check` recomputes every counter from the ledger with it, so the two cannot
drift apart.

Key design (no item that unrelated tills share):
- Money per month of booking (Europe/Berlin calendar month of the entry's `created_at`), in one partition so any
  month's report is one Query: sort key `<YYYY-MM>#r#<retailer_id>` for redemptions and reversals (a till only
  touches its own shop's item; this item is also that shop's settlement), `<YYYY-MM>#v#<shard>` for everything
  else a voucher does (issue, refund, block, unblock, re-issue, expiry), spread over SHARDS items by a hash of the
  voucher id.
- A closing item per past month, `<YYYY-MM>#z#closing`, holds every counter summed from the first month through
  that month (written by the hourly job once the month is over; a month's entries never change afterwards). A
  report reads backwards from its month to the latest closing, so its cost does not grow with the years.
- Redemptions for the dashboard, per zone and retailer: per UTC day with a counter pair per UTC hour (`n07`/`c07`,
  hour resolution, at most 93 days) and per Berlin month with a pair per Berlin day (`n01`/`c01`, day, week and
  month resolution). When a month is over, the job's closing also writes per zone a rollup `all#<YYYY-MM>`: the
  day cells of all its shops, packed into one string (`pack_days`); every hour it also rolls up the running
  month through the last day that is over (`through`). A zone's year is then its rollups plus today's cells of
  its shops: two Queries whose size does not grow with the redemptions.
- Per Berlin day, in a table of their own (partition: the day), small items for the back office's "today":
  `r#<retailer_id>` (redemptions net of reversals: `rn`, `rc`) and `v#<shard>` (vouchers sold: `sn`, `sc`). One
  Query reads a day; the month table and its items stay as small as the reports need them.

Buckets are flows (what happened in the month); the stocks (outstanding, blocked) are sums of flows up to the end
of a month. Every bucket counts `_n` (events or vouchers), `_cents` (money) and `_bonus` (the city's share of it).
Money on a blocked voucher is in `blocked`, not `outstanding`; the entry's `from_status` says where it was:
`blocked` books an expiry or refund against the blocked stock (`expired_blocked`, `refunded_blocked`) and a
reversal credited to a blocked voucher into it (`reversed_blocked`, besides the shop's `reversed`); `forwarded`
marks the reissue_out/reissue_in pair that carries a reversal along a re-issue chain, which counts nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from chalicelib.core import clock, dates
from chalicelib.vouchers.rules import bonus_share

BOOK = "town"
SHARDS = 16
BUCKETS = ("sold", "redeemed", "reversed", "reversed_blocked", "refunded", "refunded_blocked", "expired",
           "expired_blocked", "blocked", "unblocked", "reissued")
BLOCKED, FORWARDED = "blocked", "forwarded"  # LedgerEntry.from_status values the mapping reads
MEASURES = ("n", "cents", "bonus")
MONTH_ATTRIBUTES = tuple(f"{b}_{m}" for b in BUCKETS for m in MEASURES)
HOUR_ATTRIBUTES = tuple(f"{m}{h:02d}" for h in range(24) for m in ("n", "c"))
DAY_ATTRIBUTES = tuple(f"{m}{d:02d}" for d in range(1, 32) for m in ("n", "c"))
DAY_TOTAL_ATTRIBUTES = ("sn", "sc", "rn", "rc")
MONTH_TABLE, DAY_TABLE, ZONE_TABLE, ZONE_MONTH_TABLE = "month", "day", "zone_day", "zone_month"
CLOSING = "z#closing"
ROLLUP = "all#"  # zone-month rollups sort after every "<YYYY-MM>#<retailer>" item of the zone


class Entry(Protocol):
    """The fields of a ledger entry the totals depend on (chalicelib.vouchers.models.LedgerEntry has them)."""

    voucher_id: str
    kind: str
    amount_cents: Any
    created_at: str
    retailer_id: str | None
    zone: str | None
    paid_cents: Any
    bonus_cents: Any
    from_status: str | None


class Terms(NamedTuple):
    """A voucher's fixed split: how much of its initial value is the city's bonus."""

    initial_cents: int
    bonus_cents: int


class Delta(NamedTuple):
    table: str  # MONTH_TABLE | DAY_TABLE | ZONE_TABLE | ZONE_MONTH_TABLE
    hash_key: str
    range_key: str
    adds: dict[str, int]


def month_of(created_at: str) -> str:
    return clock.parse_iso(created_at).astimezone(clock.BERLIN).strftime("%Y-%m")


def shard_of(voucher_id: str) -> str:
    return f"{zlib.crc32(voucher_id.encode()) % SHARDS:02d}"


def retailer_key(month: str, retailer_id: str) -> str:
    return f"{month}#r#{retailer_id}"


def voucher_key(month: str, voucher_id: str) -> str:
    return f"{month}#v#{shard_of(voucher_id)}"


def split(amount_cents: int, terms: Terms) -> tuple[int, int]:
    """(amount, bonus share) of money moved on a voucher; one rounding rule (payments.allocation)."""
    return amount_cents, bonus_share(amount_cents, terms.bonus_cents, terms.initial_cents)


def moved(entry: Entry, terms: Terms | None) -> tuple[int, int]:
    """Money the entry concerns (positive) and its bonus share. Entries written since the totals exist carry their
    split (`paid_cents` + `bonus_cents`); older redemptions and reversals are split by the voucher's terms."""
    if entry.paid_cents is not None or entry.bonus_cents is not None:
        paid, bonus = int(entry.paid_cents or 0), int(entry.bonus_cents or 0)
        return abs(paid + bonus), abs(bonus)
    amount = abs(int(entry.amount_cents))
    if terms is None:
        return amount, 0
    return split(amount, terms)


def _bucket(name: str, n: int, cents: int, bonus: int) -> dict[str, int]:
    return {f"{name}_n": n, f"{name}_cents": cents, f"{name}_bonus": bonus}


def closing_key(month: str) -> str:
    return f"{month}#{CLOSING}"


def is_closing(key: str) -> bool:
    return key.endswith(f"#{CLOSING}")


def berlin_day(created_at: str) -> str:
    return clock.parse_iso(created_at).astimezone(clock.BERLIN).strftime("%Y-%m-%d")


def _hour_cell(created_at: str) -> tuple[str, str]:
    at = clock.parse_iso(created_at).astimezone(UTC)
    return at.strftime("%Y-%m-%d"), f"{at.hour:02d}"


def _day_cell(created_at: str) -> tuple[str, str]:
    at = clock.parse_iso(created_at).astimezone(clock.BERLIN)
    return at.strftime("%Y-%m"), f"{at.day:02d}"


def entry_deltas(entry: Entry, terms: Terms | None = None) -> list[Delta]:
    """The counters one ledger entry moves. `terms` only matters for entries without their own split."""
    month = month_of(entry.created_at)
    kind = entry.kind
    cents, bonus = moved(entry, terms)
    if entry.from_status == FORWARDED:
        return []  # a reversal passed along a re-issue chain: money moving between the holder's vouchers
    if kind in ("redemption", "reversal"):
        retailer = entry.retailer_id or "unknown"
        bucket = "redeemed" if kind == "redemption" else "reversed"
        sign = 1 if kind == "redemption" else -1  # a reversal undoes one redemption, in the hour it happens
        deltas = [Delta(MONTH_TABLE, BOOK, retailer_key(month, retailer), _bucket(bucket, 1, cents, bonus)),
                  Delta(DAY_TABLE, berlin_day(entry.created_at), f"r#{retailer}", {"rn": sign, "rc": sign * cents})]
        if entry.zone:
            day, hour = _hour_cell(entry.created_at)
            deltas.append(Delta(ZONE_TABLE, entry.zone, f"{day}#{retailer}",
                                {f"n{hour}": sign, f"c{hour}": sign * cents}))
            local_month, local_day = _day_cell(entry.created_at)
            deltas.append(Delta(ZONE_MONTH_TABLE, entry.zone, f"{local_month}#{retailer}",
                                {f"n{local_day}": sign, f"c{local_day}": sign * cents}))
        if entry.from_status == BLOCKED:  # credited to a blocked voucher: the money stays frozen there
            deltas.append(Delta(MONTH_TABLE, BOOK, voucher_key(month, entry.voucher_id),
                                _bucket("reversed_blocked", 1, cents, bonus)))
        return deltas
    bucket = {
        "issue": "sold",
        "refund": "refunded_blocked" if entry.from_status == BLOCKED else "refunded",
        "expiry": "expired_blocked" if entry.from_status == BLOCKED else "expired",
        "block": "blocked",
        "unblock": "unblocked",
        "reissue_out": "reissued",  # blocked money moves to the new voucher (its reissue_in adds nothing twice)
    }.get(kind)
    if bucket is None:
        return []
    deltas = [Delta(MONTH_TABLE, BOOK, voucher_key(month, entry.voucher_id), _bucket(bucket, 1, cents, bonus))]
    if kind == "issue":
        deltas.append(Delta(DAY_TABLE, berlin_day(entry.created_at), f"v#{shard_of(entry.voucher_id)}",
                            {"sn": 1, "sc": cents}))
    return deltas


def merge(deltas: Iterable[Delta]) -> list[Delta]:
    """One delta per item: a transaction may name each item once, and zero adds are left out."""
    out: dict[tuple[str, str, str], dict[str, int]] = {}
    for d in deltas:
        adds = out.setdefault((d.table, d.hash_key, d.range_key), {})
        for name, value in d.adds.items():
            adds[name] = adds.get(name, 0) + value
    return [Delta(t, h, r, {k: v for k, v in adds.items() if v}) for (t, h, r), adds in out.items()
            if any(adds.values())]


# --- reading the totals -------------------------------------------------------------------------------------------

def _get(item: Mapping[str, Any], name: str) -> int:
    return int(item.get(name) or 0)


def _sum(items: Iterable[Mapping[str, Any]], bucket: str) -> dict[str, int]:
    n = cents = bonus = 0
    for item in items:
        n += _get(item, f"{bucket}_n")
        cents += _get(item, f"{bucket}_cents")
        bonus += _get(item, f"{bucket}_bonus")
    return {"n": n, "cents": cents, "bonus": bonus}


def _view(n: int, cents: int, bonus: int) -> dict[str, int]:
    return {"count": n, "paid_cents": cents - bonus, "bonus_cents": bonus, "total_cents": cents}


def _combine(*parts: tuple[int, dict[str, int]]) -> dict[str, int]:
    return _view(*(sum(sign * p[m] for sign, p in parts) for m in MEASURES))


def add_up(items: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Every counter summed over the items (a closing is the add-up of all months through its own)."""
    out: dict[str, int] = {}
    for item in items:
        for name in MONTH_ATTRIBUTES:
            value = _get(item, name)
            if value:
                out[name] = out.get(name, 0) + value
    return out


def closings(opening: Mapping[str, int], first: str, last: str,
             items: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, dict[str, int]]:
    """The closing counters of every month from `first` through `last` (a chain without gaps), starting from the
    counters at the end of the month before `first`; `items` are (sort key, counters) of those months."""
    by_month: dict[str, list[Mapping[str, Any]]] = {}
    for key, item in items:
        if not is_closing(key):
            by_month.setdefault(key[:7], []).append(item)
    out, running = {}, dict(opening)
    for month in dates.months_between(first, last):
        running = add_up([running, *by_month.get(month, [])])
        out[month] = running
    return out


def liability(month: str, opening: Mapping[str, int], this_month: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The liability report of `month`: `opening` holds the counters summed through the end of the month before,
    `this_month` the month's items. Flows are what was booked in the month; `outstanding` (money on active
    vouchers) and `blocked` are what is owed at the end of the month (now, for the running month)."""

    def stocks(f: Mapping[str, dict[str, int]]) -> tuple[dict[str, int], dict[str, int]]:
        outstanding = _combine((1, f["sold"]), (-1, f["redeemed"]), (1, f["reversed"]), (-1, f["reversed_blocked"]),
                               (-1, f["refunded"]), (-1, f["expired"]), (-1, f["blocked"]), (1, f["unblocked"]),
                               (1, f["reissued"]))
        blocked = _combine((1, f["blocked"]), (1, f["reversed_blocked"]), (-1, f["unblocked"]), (-1, f["reissued"]),
                           (-1, f["expired_blocked"]), (-1, f["refunded_blocked"]))
        # Redemptions and reversals move money, not vouchers: the counts of vouchers ignore them.
        outstanding["count"] = (f["sold"]["n"] - f["refunded"]["n"] - f["expired"]["n"] - f["blocked"]["n"]
                                + f["unblocked"]["n"] + f["reissued"]["n"])
        blocked["count"] = (f["blocked"]["n"] - f["unblocked"]["n"] - f["reissued"]["n"] - f["expired_blocked"]["n"]
                            - f["refunded_blocked"]["n"])
        return outstanding, blocked

    month_counters = add_up(this_month)
    flows = {b: _sum([month_counters], b) for b in BUCKETS}
    outstanding, blocked = stocks({b: _sum([opening, month_counters], b) for b in BUCKETS})
    opening_outstanding, opening_blocked = stocks({b: _sum([opening], b) for b in BUCKETS})
    return {
        "month": month,
        "sold": _view(*flows["sold"].values()),
        "redeemed": _combine((1, flows["redeemed"]), (-1, flows["reversed"])),  # net (count: minus reversals)
        "reversed": _view(*flows["reversed"].values()),
        "refunded": _combine((1, flows["refunded"]), (1, flows["refunded_blocked"])),
        "expired": _combine((1, flows["expired"]), (1, flows["expired_blocked"])),
        "outstanding": outstanding,
        "blocked": blocked,
        "opening": {"outstanding": opening_outstanding, "blocked": opening_blocked},
    }


def rollup_key(month: str) -> str:
    return f"{ROLLUP}{month}"


def is_rollup(key: str) -> bool:
    return key.startswith(ROLLUP)


def pack_days(items: Iterable[Mapping[str, Any]], through: int = 31) -> str:
    """The day cells of a zone's retailer items of one month, summed, as one string: 31 `n,c` cells joined by `;`
    (empty when both are 0), days after `through` left empty. One attribute whatever the density, so reading a
    month costs the same in a quiet zone as in a busy one; ADD needs numbers, so only days that are over (and no
    longer change) are packed."""
    summed = {name: 0 for name in DAY_ATTRIBUTES}
    for item in items:
        for name in DAY_ATTRIBUTES:
            summed[name] += _get(item, name)
    cells = []
    for d in range(1, 32):
        n, c = summed[f"n{d:02d}"], summed[f"c{d:02d}"]
        cells.append(f"{n},{c}" if (n or c) and d <= through else "")
    return ";".join(cells)


def days_after(through: int) -> list[str]:
    """The day counters (`nDD`, `cDD`) of the days after `through`: what a month-so-far rollup does not hold."""
    return [name for name in DAY_ATTRIBUTES if int(name[1:]) > through]


def unpack_days(packed: str) -> dict[str, int]:
    """The non-zero day counters (`nDD`, `cDD`) of a packed rollup."""
    out = {}
    for d, cell in enumerate(packed.split(";"), start=1):
        if cell:
            n, c = (int(x) for x in cell.split(","))
            out.update({k: v for k, v in ((f"n{d:02d}", n), (f"c{d:02d}", c)) if v})
    return out


def day_figures(items: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Vouchers sold and redemptions (net of reversals) of one day, from its day items."""
    cells = {m: sum(_get(item, m) for item in items) for m in DAY_TOTAL_ATTRIBUTES}
    return {"sold": {"count": cells["sn"], "cents": cells["sc"]},
            "redeemed": {"count": cells["rn"], "cents": cells["rc"]}}


def day_series(month: str, item: Mapping[str, Any]) -> list[tuple[datetime, int, int]]:
    """(Berlin midnight, redemptions, cents) of a zone-month item's non-empty days."""
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for d in range(1, 32):
        n, c = _get(item, f"n{d:02d}"), _get(item, f"c{d:02d}")
        if n or c:
            out.append((datetime(year, mon, d, tzinfo=clock.BERLIN), n, c))
    return out


def hour_series(day: str, item: Mapping[str, Any]) -> list[tuple[datetime, int, int]]:
    """(UTC hour, redemptions, cents) of a zone-day item's non-empty hours."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    out = []
    for h in range(24):
        n, c = _get(item, f"n{h:02d}"), _get(item, f"c{h:02d}")
        if n or c:
            out.append((start.replace(hour=h), n, c))
    return out
