"""import_csv: a hystreet-style file into the same raw records and rollups as live sensor data."""

from __future__ import annotations

from typing import Any

from chalicelib.core import clock
from chalicelib.core.errors import DomainError
from chalicelib.footfall import hystreet_csv, zones
from chalicelib.footfall.ingest import store_readings
from chalicelib.footfall.models import Sensor
from chalicelib.footfall.readings import CLOCK_SKEW, Reading


def _sensor_for(location: hystreet_csv.Location, zone: str | None, sensor_id: str | None,
                known: dict[str, Sensor]) -> Sensor:
    if sensor_id:
        return zones.get_sensor(sensor_id)
    ref = f"hystreet:{location.location}"
    if ref in known:
        return known[ref]
    if zone is None:  # import_csv checked that one of the two is named
        raise DomainError("invalid_request", "Name the 'zone' the file's counts belong to.", field="zone")
    sensor, _ = zones.register_sensor(location.name[:100], zone, "laser", location.ltr_label, location.rtl_label,
                                      external_ref=ref)  # the ingest key is not needed for imports; rotate to get one
    known[ref] = sensor
    return sensor


def import_csv(data: bytes, zone: str | None = None, sensor_id: str | None = None,
               max_rows: int | None = None) -> dict[str, Any]:
    """Import every location of the file: into `sensor_id` (one location only), or into the sensor of `zone`
    that earlier imports created for that location (created now if missing). Re-importing a file changes
    nothing: records replace records."""
    if not zone and not sensor_id:
        raise DomainError("invalid_request", "Name the 'zone' (or the 'sensor') the file's counts belong to.",
                          field="zone")
    try:
        parsed = hystreet_csv.parse(data)
    except hystreet_csv.FormatError as err:
        raise DomainError("unknown_format", str(err)) from None
    except UnicodeDecodeError:
        raise DomainError("unknown_format", "The file's BOM says UTF-8 but the bytes are not.") from None
    rows = sum(len(loc.rows) for loc in parsed.locations.values())
    if max_rows is not None and rows > max_rows:
        # each hour is one write per zone-hour: a year of a location would outlast an API Gateway request
        raise DomainError("too_many_rows", f"The file holds {rows} hourly rows; at most {max_rows} per request. "
                          "Split it, or use the admin command (python -m chalicelib.footfall.import_command).")
    if sensor_id and len(parsed.locations) > 1:
        raise DomainError("several_locations", "The file holds several locations; import it into a zone instead.")
    if zone:
        zones.require_zones([zone])
    known = {s.external_ref: s for s in zones.list_sensors(zone) if s.external_ref} if zone and not sensor_id else {}
    limit = clock.now() + CLOCK_SKEW
    refused = list(parsed.refused)
    report = []
    for location in parsed.locations.values():
        readings = []
        for row in location.rows:
            if row.start > limit:
                refused.append({"line": row.line, "reasons": ["the time of measurement lies in the future"]})
                continue
            readings.append(Reading(row.start, 60, row.count, row.ltr_count, row.rtl_count, row.adult_count,
                                    row.child_count))
        if not readings and not location.gaps:
            continue
        sensor = _sensor_for(location, zone, sensor_id, known)
        hours = store_readings(sensor.sensor_id, sensor.zone, readings, source="import")
        report.append({"location": location.location, "name": location.name, "sensor_id": sensor.sensor_id,
                       "zone": sensor.zone, "imported": len(readings), "gaps": location.gaps,
                       "hours_updated": hours})
    refused.sort(key=lambda r: r["line"])  # type: ignore[arg-type, return-value]
    return {"format": parsed.format, "encoding": parsed.encoding, "locations": report, "refused": refused}
