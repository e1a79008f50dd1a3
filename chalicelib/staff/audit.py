"""The audit log: who (staff member and role) did what to which object, when.

An entry is written in the same DynamoDB transaction as the change it records: the route opens
`with recorded(principal, "voucher.block", "voucher", voucher_id):` around the service call, and the entry rides
along with the first transaction the service commits (chalicelib/store/transactions.py). If the change fails, no
entry is written; if the entry cannot be written, the change is not either. A service that changes one item
without a transaction gets its entry written right after, and `recorded` says so in the entry (`"alone": true`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from chalicelib.core import clock
from chalicelib.core.ids import time_ordered_id
from chalicelib.staff import middleware
from chalicelib.staff.models import AuditEntry
from chalicelib.store import transactions

AUTOMATION = "admin-token"
MAX_MONTHS = 24


class Actor(NamedTuple):
    id: str
    name: str | None
    role: str


def actor_of(principal: Any) -> Actor:
    if principal.subject_id == "admin" and not principal.name:
        return Actor(AUTOMATION, "Admin-Token", principal.role)
    return Actor(principal.subject_id, principal.name, principal.role)


def new_entry(actor: Actor, action: str, object_type: str, object_id: str,
              details: dict[str, Any] | None) -> AuditEntry:
    now = clock.now()
    return AuditEntry(
        now.astimezone(clock.BERLIN).strftime("%Y-%m"), time_ordered_id(), at=clock.iso_ms(now), actor=actor.id,
        actor_name=actor.name, role=actor.role, action=action, object_type=object_type, object_id=object_id,
        object_key=f"{object_type}#{object_id}",
        details=json.dumps(details, ensure_ascii=False, separators=(",", ":"))[:2000] if details else None)


def _create_kwargs(entry: AuditEntry) -> dict[str, Any]:
    """An UpdateItem that creates the entry and fails if it exists: updates go last in a transaction."""
    attrs = entry.get_attributes()
    actions = [attrs[name].set(value) for name, value in entry.attribute_values.items()
               if name not in ("month", "entry_id") and value is not None]
    return entry.get_update_kwargs_from_instance(actions=actions, condition=AuditEntry.entry_id.does_not_exist(),
                                                 add_version_condition=False)


class Recording:
    """One action's audit entry, riding along with the action's transaction. Routes may add details once known."""

    def __init__(self, entry: AuditEntry) -> None:
        self.entry = entry
        self.written = False

    def detail(self, **details: Any) -> None:
        merged = json.loads(self.entry.details) if self.entry.details else {}
        merged.update({k: v for k, v in details.items() if v is not None})
        self.entry.details = json.dumps(merged, ensure_ascii=False, separators=(",", ":"))[:2000]

    def transaction_item(self) -> dict[str, Any] | None:
        return None if self.written else _create_kwargs(self.entry)

    def committed(self) -> None:
        self.written = True

    def write_alone(self) -> None:
        """For a change made without a transaction (a single conditional write, an e-mail): right after it."""
        if not self.written:
            self.detail(alone=True)
            self.entry.save(condition=AuditEntry.entry_id.does_not_exist())
            self.written = True


@contextmanager
def recorded(principal: Any, action: str, object_type: str, object_id: str,
             **details: Any) -> Iterator[Recording]:
    """Around one admin action: its audit entry joins the action's transaction (or follows a lone write)."""
    middleware.take_over()
    recording = Recording(new_entry(actor_of(principal), action, object_type, object_id,
                                 {k: v for k, v in details.items() if v is not None} or None))
    token = transactions.set_rider(recording)
    try:
        yield recording
    finally:
        transactions.reset_rider(token)
    recording.write_alone()


class Query(NamedTuple):
    months: list[str]
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    text: str | None = None


def search(query: Query, limit: int = 500) -> list[AuditEntry]:
    """Newest first. With an object: the by-object index; otherwise each month's partition, filtered here."""
    if query.object_type and query.object_id:
        rows = list(AuditEntry.by_object.query(f"{query.object_type}#{query.object_id}", scan_index_forward=False,
                                               limit=limit))
        rows = [r for r in rows if r.month in query.months]
    else:
        rows = []
        for month in sorted(query.months, reverse=True):
            rows.extend(AuditEntry.query(month, scan_index_forward=False))
    out = []
    needle = (query.text or "").lower()
    for r in rows:
        if query.actor and r.actor != query.actor.lower() and r.actor != query.actor:
            continue
        if query.action and not r.action.startswith(query.action):
            continue
        if query.object_type and r.object_type != query.object_type:
            continue
        if needle and needle not in " ".join(filter(None, (r.actor, r.actor_name, r.action, r.object_id,
                                                                 r.details))).lower():
            continue
        out.append(r)
        if len(out) >= limit:
            break
    return out


def view(entry: AuditEntry) -> dict[str, Any]:
    return {"entry_id": entry.entry_id, "at": entry.at, "actor": entry.actor, "actor_name": entry.actor_name,
            "role": entry.role, "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "details": json.loads(entry.details) if entry.details else {}}


CSV_HEADER = ["Zeitpunkt (UTC)", "Mitarbeiter/in", "Name", "Rolle", "Aktion", "Objektart", "Objekt", "Details"]


def to_csv(entries: list[AuditEntry]) -> str:
    from chalicelib.core import excel_csv

    rows = [CSV_HEADER] + [[e.at, e.actor, e.actor_name or "", e.role, e.action, e.object_type, e.object_id,
                            e.details or ""] for e in entries]
    return excel_csv.document(rows)
