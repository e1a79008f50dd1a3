"""create_zone, register_sensor, disable_sensor, rotate_sensor_key: the city manages where and what counts."""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core import auth, clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import key_hash, random_id, secret_key
from chalicelib.footfall.models import ACTIVE, Sensor, Zone
from chalicelib.store.credentials import disable_holder, replace_key
from chalicelib.store.models import Credential
from chalicelib.store.transactions import transaction

ZONE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SENSOR_ID_RE = re.compile(r"^sen_[a-z2-7]{1,40}$")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def zone_slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().translate(_UMLAUTS)).strip("-")
    return slug[:40].strip("-") or "zone"


def zone_view(zone: Zone) -> dict[str, Any]:
    return {"zone_id": zone.zone_id, "name": zone.name, "lat": zone.lat, "lon": zone.lon,
            "created_at": zone.created_at}


def sensor_view(sensor: Sensor) -> dict[str, Any]:
    return {"sensor_id": sensor.sensor_id, "name": sensor.name, "zone": sensor.zone, "kind": sensor.kind,
            "ltr_label": sensor.ltr_label, "rtl_label": sensor.rtl_label, "status": sensor.status,
            "external_ref": sensor.external_ref, "created_at": sensor.created_at}


def create_zone(name: str, zone_id: str | None = None, lat: float | None = None,
                lon: float | None = None) -> Zone:
    zone = Zone(zone_id or zone_slug(name), name=name, lat=lat, lon=lon, created_at=clock.iso(clock.now()))
    try:
        zone.save(condition=Zone.zone_id.does_not_exist())
    except PutError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            raise DomainError("zone_exists", f"A zone '{zone.zone_id}' exists already.") from None
        raise
    return zone


def ensure_zone(zone_id: str, name: str, lat: float | None = None, lon: float | None = None) -> Zone:
    try:
        return create_zone(name, zone_id, lat, lon)
    except Exception as err:
        if getattr(err, "code", None) == "zone_exists":
            return Zone.get(zone_id)
        raise


def get_zone(zone_id: str) -> Zone:
    try:
        return Zone.get(zone_id)
    except DoesNotExist:
        raise not_found(f"No zone '{zone_id}'.") from None


def list_zones() -> list[Zone]:
    return sorted(Zone.scan(), key=lambda z: z.zone_id)  # a town has a handful of zones: a scan is honest


def require_zones(zone_ids: list[str]) -> dict[str, Zone]:
    """The named zones (one BatchGetItem), or `unknown_zone` naming the unknown ones."""
    wellformed = [z for z in dict.fromkeys(zone_ids) if ZONE_ID_RE.match(z)]  # never send junk keys to DynamoDB
    found = {z.zone_id: z for z in Zone.batch_get(wellformed)} if wellformed else {}
    unknown = [z for z in zone_ids if z not in found]
    if unknown:
        shown = [z[:40] for z in unknown[:10]]
        raise DomainError("unknown_zone", f"Unknown zone(s): {', '.join(shown)}.", zones=shown)
    return found


def _credential(sensor: Sensor, hashed: str) -> Credential:
    return Credential(hashed, role=auth.SENSOR, subject_id=sensor.sensor_id, zone=sensor.zone, name=sensor.name,
                      created_at=clock.iso(clock.now()))


def register_sensor(name: str, zone: str, kind: str, ltr_label: str | None = None, rtl_label: str | None = None,
                    external_ref: str | None = None) -> tuple[Sensor, str]:
    """A counting sensor and its ingest key (returned once; only its hash is stored)."""
    require_zones([zone])
    ingest_key = secret_key("mps")
    hashed = key_hash(ingest_key)
    sensor = Sensor(random_id("sen"), name=name, zone=zone, kind=kind, ltr_label=ltr_label, rtl_label=rtl_label,
                    status=ACTIVE, key_hash=hashed, external_ref=external_ref, created_at=clock.iso(clock.now()))
    with transaction() as tx:
        tx.save(sensor, name="sensor", condition=Sensor.sensor_id.does_not_exist())
        tx.save(_credential(sensor, hashed), name="credential", condition=Credential.key_hash.does_not_exist())
    return sensor, ingest_key


def get_sensor(sensor_id: str) -> Sensor:
    if not SENSOR_ID_RE.match(sensor_id):
        raise not_found("No such sensor.")
    try:
        return Sensor.get(sensor_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such sensor.") from None


def list_sensors(zone: str | None = None) -> list[Sensor]:
    sensors = [s for s in Sensor.scan() if zone is None or s.zone == zone]
    return sorted(sensors, key=lambda s: (s.zone, s.name.lower()))


def disable_sensor(sensor_id: str) -> Sensor:
    """Its key stops working at once; its counts stay."""
    sensor = get_sensor(sensor_id)
    disable_holder(sensor)
    return sensor


def rotate_sensor_key(sensor_id: str) -> tuple[Sensor, str]:
    """A fresh ingest key (also re-enables a disabled sensor); the old key stops working at once."""
    sensor = get_sensor(sensor_id)
    ingest_key = replace_key(sensor, "mps", lambda hashed: _credential(sensor, hashed))
    return sensor, ingest_key
