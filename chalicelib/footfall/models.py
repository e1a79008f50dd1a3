"""Zones, sensors, raw measurements, the per-zone hour and day rollups, events and marketing users in DynamoDB.

How the rollups stay exact (see docs/footfall.md):
- `Measurement` keeps every raw record, one item per sensor and interval start: a re-sent record is a PUT that
  replaces, never adds.
- `HourlyCount` (zone, UTC hour) holds one attribute per sensor and interval ("p:<sensor_id>:<minute>"), set with
  SET, never ADD: two sensors of one zone writing the same hour touch different attributes of one item (atomic
  per item), a re-sent record overwrites its own attribute. `v` counts the updates of the item.
- `DailyCount` (zone, UTC day) holds the 24 hour totals of the zone as "hHH" = "v|count|ltr|rtl|adult|child";
  it is what every dashboard reads (a year is 365 small items: one Query). A total is only written when its `v` is
  newer than the stored one, so concurrent writers can never put an older total over a newer one.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.store.base import BaseModel, table_meta

ACTIVE, DISABLED = "active", "disabled"
SENSOR_KINDS = ("laser", "thermal", "camera", "manual")


class Zone(BaseModel):
    """A street or square of the town centre; retailers, sensors and WLAN gateways name it by `zone_id`."""

    Meta = table_meta("footfall-zones")
    zone_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)
    created_at = UnicodeAttribute()


class Sensor(BaseModel):
    Meta = table_meta("footfall-sensors")
    sensor_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    zone = UnicodeAttribute()
    kind = UnicodeAttribute()
    ltr_label = UnicodeAttribute(null=True)
    rtl_label = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=ACTIVE)
    key_hash = UnicodeAttribute()
    external_ref = UnicodeAttribute(null=True)  # the location id/name of an imported hystreet-style file
    created_at = UnicodeAttribute()


class Measurement(BaseModel):
    """One raw record of one sensor and interval; not personal data (counts of passers-by)."""

    Meta = table_meta("footfall-measurements")
    sensor_id = UnicodeAttribute(hash_key=True)
    start = UnicodeAttribute(range_key=True)  # interval start, UTC "YYYY-MM-DDTHH:MMZ"
    interval_minutes = NumberAttribute()
    count = NumberAttribute()
    ltr_count = NumberAttribute(null=True)
    rtl_count = NumberAttribute(null=True)
    adult_count = NumberAttribute(null=True)
    child_count = NumberAttribute(null=True)
    zone = UnicodeAttribute()
    received_at = UnicodeAttribute()
    source = UnicodeAttribute(default="sensor")  # sensor | import


class HourlyCount(BaseModel):
    """Per zone and UTC hour; the per-sensor-interval parts are attributes written with raw UpdateItem calls."""

    Meta = table_meta("footfall-hourly")
    zone = UnicodeAttribute(hash_key=True)
    hour = UnicodeAttribute(range_key=True)  # UTC "YYYY-MM-DDTHH:00Z"
    v = NumberAttribute(default=0)


class DailyCount(BaseModel):
    """Per zone and UTC day: the 24 hour totals ("h00".."h23") that every stats query reads."""

    Meta = table_meta("footfall-daily")
    zone = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)  # UTC "YYYY-MM-DD"


class Event(BaseModel):
    """An annotation (Sunday shopping, market, road works): one item per zone it concerns, so a zone's events
    are one Query."""

    Meta = table_meta("footfall-events")
    zone = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # "<starts_at UTC>#<event_id>"
    event_id = UnicodeAttribute()
    name = UnicodeAttribute()
    starts_at = UnicodeAttribute()  # UTC ISO
    ends_at = UnicodeAttribute()  # UTC ISO
    zones = ListAttribute(of=UnicodeAttribute)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()


class MarketingUser(BaseModel):
    """City marketing staff: a bearer token (stored only hashed in Credential) that may read stats and record
    events, nothing else."""

    Meta = table_meta("footfall-marketing-users")
    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default=ACTIVE)
    key_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
