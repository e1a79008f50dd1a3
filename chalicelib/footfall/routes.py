"""HTTP routes for zones, sensors, ingestion, import, events, marketing users and stats: parse, authorize,
call a service verb, answer JSON (or CSV)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice import Blueprint, Response

from chalicelib.core import auth, clock
from chalicelib.core.auth import ADMIN, MARKETING, SENSOR
from chalicelib.core.errors import DomainError
from chalicelib.core.http import json_body, json_response, json_value, query_param
from chalicelib.core.lazy import lazy
from chalicelib.core.validate import choice, email, text, timestamp

# Loaded when a footfall route is first called, not at every cold start (chalicelib/core/lazy.py).
events = lazy("chalicelib.footfall.events")
marketing = lazy("chalicelib.footfall.marketing")
stats = lazy("chalicelib.footfall.stats")
zones = lazy("chalicelib.footfall.zones")
ingest = lazy("chalicelib.footfall.ingest")
models = lazy("chalicelib.footfall.models")
timeseries = lazy("chalicelib.footfall.timeseries")

bp = Blueprint(__name__)

CSV_UPLOAD_TYPES = ["text/csv", "text/plain", "application/octet-stream", "application/json"]
MAX_STATS_ZONES = 10
MAX_HTTP_IMPORT_ROWS = 2000  # ~83 days of one location: ~2,200 DynamoDB requests, well inside 29 s


def _coordinate(body: dict[str, Any], name: str, limit: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -limit <= value <= limit:
        raise DomainError("invalid_request", f"'{name}' must be a number between -{limit} and {limit}.", field=name)
    return value


@bp.route("/api/v1/zones", methods=["POST"])
def create_zone():
    """Create a zone, a street or square (admin): `{"name", "zone_id"?, "lat"?, "lon"?}`."""
    auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    name = text(body, "name", max_length=100)
    zone_id = text(body, "zone_id", required=False, max_length=40)
    if zone_id is not None and not zones.ZONE_ID_RE.match(zone_id):
        raise DomainError("invalid_request", "'zone_id' must be lower-case letters, digits and '-'.", field="zone_id")
    zone = zones.create_zone(name, zone_id, _coordinate(body, "lat", 90), _coordinate(body, "lon", 180))
    return json_response(zones.zone_view(zone), 201)


@bp.route("/api/v1/zones", methods=["GET"])
def list_zones():
    """The town's zones (admin, marketing)."""
    auth.require(bp.current_request, ADMIN, MARKETING)
    return json_response({"zones": [zones.zone_view(z) for z in zones.list_zones()]})


@bp.route("/api/v1/sensors", methods=["POST"])
def register_sensor():
    """Register a counting sensor (admin); the answer holds its ingest key, shown only this once."""
    auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    name = text(body, "name", max_length=100)
    zone = text(body, "zone", max_length=40)
    kind = choice(body, "kind", models.SENSOR_KINDS)
    sensor, key = zones.register_sensor(name, zone, kind, text(body, "ltr_label", required=False, max_length=100),
                                        text(body, "rtl_label", required=False, max_length=100))
    return json_response({**zones.sensor_view(sensor), "ingest_key": key}, 201)


@bp.route("/api/v1/sensors", methods=["GET"])
def list_sensors():
    """Counting sensors, optionally of one `zone` (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"sensors": [zones.sensor_view(s)
                                      for s in zones.list_sensors(query_param(bp.current_request, "zone"))]})


@bp.route("/api/v1/sensors/{sensor_id}/disable", methods=["POST"])
def disable_sensor(sensor_id: str):
    """Disable a sensor (admin): its ingest key stops working at once; its counts stay."""
    auth.require(bp.current_request, ADMIN)
    return json_response(zones.sensor_view(zones.disable_sensor(sensor_id)))


@bp.route("/api/v1/sensors/{sensor_id}/key", methods=["POST"])
def rotate_sensor_key(sensor_id: str):
    """Issue a new ingest key for a sensor (admin); the old one stops working, a disabled sensor is enabled."""
    auth.require(bp.current_request, ADMIN)
    sensor, key = zones.rotate_sensor_key(sensor_id)
    return json_response({**zones.sensor_view(sensor), "ingest_key": key})


def _records(request: Any) -> list[Any]:
    body = json_value(request, max_bytes=ingest.MAX_BODY_BYTES)
    records = body.get("records") if isinstance(body, dict) else body
    if not isinstance(records, list) or not records:
        raise DomainError("invalid_request", "Send a JSON list of records, or {\"records\": [...]}.",
                          field="records")
    if len(records) > ingest.MAX_RECORDS:
        raise DomainError("too_many_records", f"At most {ingest.MAX_RECORDS} records per request.", field="records")
    return records


@bp.route("/api/v1/footfall/measurements", methods=["POST"])
def ingest_measurements():
    """Ingest up to 1,000 interval counts (sensor key); a re-sent interval replaces, never adds."""
    principal = auth.require(bp.current_request, SENSOR)
    records = _records(bp.current_request)
    result = ingest.record_counts(principal.subject_id, principal.zone or "", records)
    return json_response(result.answer())


@bp.route("/api/v1/footfall/import", methods=["POST"], content_types=CSV_UPLOAD_TYPES)
def import_footfall():
    """Import a hystreet-style CSV (admin), the file as body; `?zone=` (sensors per location) or `?sensor=`.

    Send Latin-1 files as `application/octet-stream` (binary-safe through API Gateway); UTF-8 may be `text/csv`.
    """
    request = bp.current_request
    auth.require(request, ADMIN)
    data = request.raw_body or b""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data.strip():
        raise DomainError("invalid_request", "Send the CSV file as the request body.")
    from chalicelib.footfall import importing  # the CSV parser stays off the cold-start path

    answer = importing.import_csv(data, zone=query_param(request, "zone"), sensor_id=query_param(request, "sensor"),
                                  max_rows=MAX_HTTP_IMPORT_ROWS)
    return json_response(answer)


@bp.route("/api/v1/events", methods=["POST"])
def record_event():
    """Record an event shown as an annotation (admin, marketing): `{"name", "starts_at", "ends_at", "zones"}`."""
    principal = auth.require(bp.current_request, ADMIN, MARKETING)
    body = json_body(bp.current_request)
    name = text(body, "name", max_length=200)
    starts_at = timestamp(body, "starts_at")
    ends_at = timestamp(body, "ends_at")
    zone_ids = body.get("zones")
    if not isinstance(zone_ids, list) or not all(isinstance(z, str) and z for z in zone_ids):
        raise DomainError("invalid_request", "'zones' must be a list of zone ids.", field="zones")
    event = events.record_event(name, starts_at, ends_at, zone_ids, principal)  # type: ignore[arg-type]
    return json_response(events.event_view(event), 201)


def _range(request: Any, default_days: int = 7) -> tuple[Any, Any]:
    raw_from, raw_to = query_param(request, "from"), query_param(request, "to")
    try:
        end = timeseries.parse_bound(raw_to, end=True) if raw_to else clock.now()
        start = timeseries.parse_bound(raw_from, end=False) if raw_from else end - timedelta(days=default_days)
    except timeseries.RangeError as err:
        raise DomainError("invalid_range", str(err)) from None
    if end <= start:
        raise DomainError("invalid_range", "'to' must lie after 'from'.")
    return start, end


def _zone_ids(request: Any) -> list[str]:
    raw = query_param(request, "zone") or ""
    ids = [z.strip() for z in raw.split(",") if z.strip()]
    if not ids:
        raise DomainError("invalid_request", "Name at least one 'zone' (comma-separated for several).",
                          field="zone")
    if len(ids) > MAX_STATS_ZONES:
        raise DomainError("invalid_request", f"At most {MAX_STATS_ZONES} zones per query.", field="zone")
    return list(dict.fromkeys(ids))


@bp.route("/api/v1/events", methods=["GET"])
def list_events():
    """Events of a `zone` between `from` and `to` (admin, marketing)."""
    request = bp.current_request
    auth.require(request, ADMIN, MARKETING)
    start, end = _range(request, default_days=90)
    found: dict[str, Any] = {}
    zone_ids = _zone_ids(request)
    zones.require_zones(zone_ids)
    for zone_id in zone_ids:
        for event in events.events_between(zone_id, start, end):
            found.setdefault(event.event_id, events.event_view(event))
    return json_response({"events": sorted(found.values(), key=lambda e: (e["starts_at"], e["event_id"]))})


def _wants_csv(request: Any) -> bool:
    fmt = query_param(request, "format", "json")
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_request", "'format' must be json or csv.", field="format")
    return fmt == "csv"


def _csv(render: str, answer: dict[str, Any], name: str) -> Response:
    from chalicelib.footfall import csv_export  # only exports pay for the csv module

    body: str = getattr(csv_export, render)(answer)
    # Sent as text (BOM included), not as a binary type: API Gateway would otherwise demand a matching Accept.
    return Response(body=body, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8",
                                                         "Content-Disposition": f'attachment; filename="{name}"'})


def _stats_call(call: Any, *args: Any) -> dict[str, Any]:
    try:
        return call(*args)
    except timeseries.RangeError as err:
        raise DomainError("invalid_range", str(err)) from None


@bp.route("/api/v1/stats/footfall", methods=["GET"])
def footfall_stats():
    """Footfall series per zone with week/year comparisons, events, WLAN and voucher figures (admin, marketing)."""
    request = bp.current_request
    auth.require(request, ADMIN, MARKETING)
    resolution = query_param(request, "resolution", "day")
    if resolution not in timeseries.RESOLUTIONS:
        raise DomainError("invalid_request", f"'resolution' must be one of: {', '.join(timeseries.RESOLUTIONS)}.",
                          field="resolution")
    as_csv = _wants_csv(request)
    start, end = _range(request)
    answer = _stats_call(stats.footfall_stats, _zone_ids(request), start, end, resolution)
    if as_csv:
        return _csv("footfall_csv", answer, f"passanten-{resolution}.csv")
    return json_response(answer)


@bp.route("/api/v1/stats/heatmap", methods=["GET"])
def heatmap_stats():
    """Average footfall per weekday and hour for zones between `from` and `to` (admin, marketing)."""
    request = bp.current_request
    auth.require(request, ADMIN, MARKETING)
    as_csv = _wants_csv(request)
    start, end = _range(request, default_days=28)
    answer = _stats_call(stats.heatmap_stats, _zone_ids(request), start, end)
    if as_csv:
        return _csv("heatmap_csv", answer, "passanten-heatmap.csv")
    return json_response(answer)


@bp.route("/api/v1/marketing-users", methods=["POST"])
def create_marketing_user():
    """Create a marketing user (admin); the answer holds its bearer token, shown only this once."""
    auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    user, token = marketing.create_marketing_user(text(body, "name", max_length=100),
                                                  email(body, "email", required=False))
    return json_response({**marketing.marketing_user_view(user), "token": token}, 201)


@bp.route("/api/v1/marketing-users", methods=["GET"])
def list_marketing_users():
    """Marketing users (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"users": [marketing.marketing_user_view(u) for u in marketing.list_marketing_users()]})


@bp.route("/api/v1/marketing-users/{user_id}/disable", methods=["POST"])
def disable_marketing_user(user_id: str):
    """Disable a marketing user (admin): the token stops working at once."""
    auth.require(bp.current_request, ADMIN)
    return json_response(marketing.marketing_user_view(marketing.disable_marketing_user(user_id)))
