"""record_event and events_between: annotations (Sunday shopping, markets, road works) shown beside the counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.errors import DomainError
from chalicelib.core.ids import time_ordered_id
from chalicelib.footfall import zones as zone_service
from chalicelib.footfall.models import Event
from chalicelib.store.transactions import transaction

MAX_ZONES = 25


def event_view(event: Event) -> dict[str, Any]:
    return {"event_id": event.event_id, "name": event.name,
            "starts_at": clock.parse_iso(event.starts_at).astimezone(clock.BERLIN).isoformat(),
            "ends_at": clock.parse_iso(event.ends_at).astimezone(clock.BERLIN).isoformat(),
            "zones": list(event.zones), "created_by": event.created_by, "created_at": event.created_at}


def record_event(name: str, starts_at: datetime, ends_at: datetime, zones: list[str],
                 actor: Principal) -> Event:
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not 2000 <= value.year <= 2100:
            raise DomainError("invalid_request", f"'{field}' must lie between 2000 and 2100.", field=field)
    if ends_at <= starts_at:
        raise DomainError("invalid_request", "'ends_at' must lie after 'starts_at'.", field="ends_at")
    unique = list(dict.fromkeys(zones))
    if not unique or len(unique) > MAX_ZONES:
        raise DomainError("invalid_request", f"'zones' must name 1 to {MAX_ZONES} zones.", field="zones")
    zone_service.require_zones(unique)
    event_id = time_ordered_id("evt")
    start_iso, end_iso = clock.iso(starts_at), clock.iso(ends_at)
    items = [Event(zone, f"{start_iso}#{event_id}", event_id=event_id, name=name, starts_at=start_iso,
                   ends_at=end_iso, zones=unique, created_by=f"{actor.role}:{actor.subject_id}",
                   created_at=clock.iso(clock.now())) for zone in unique]
    with transaction() as tx:  # all zones or none
        for item in items:
            tx.save(item, name=f"event:{item.zone}", condition=Event.sort_key.does_not_exist())
    return items[0]


def events_between(zone: str, start: datetime, end: datetime) -> list[Event]:
    """Events of a zone overlapping [start, end): one Query (starting before `end`, ending after `start`)."""
    return list(Event.query(zone, Event.sort_key < f"{clock.iso(end)}#",
                            filter_condition=Event.ends_at > clock.iso(start)))
