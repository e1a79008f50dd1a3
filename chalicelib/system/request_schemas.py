"""What each route accepts, as JSON Schema: bodies and query parameters, by view function name.

The routes validate with chalicelib/core/validate.py; these schemas describe the same rules to clients in
/openapi.json and let the fuzz test (tests/hostile/test_fuzz_openapi.py) send both valid and near-valid requests.
A test holds every JSON route that reads a body to an entry here.
"""

from __future__ import annotations

from typing import Any

from chalicelib.footfall.ingest import MAX_RECORDS
from chalicelib.footfall.models import SENSOR_KINDS
from chalicelib.payments.config import MAX_QUANTITY as MAX_ORDER_QUANTITY
from chalicelib.vouchers.issuing import MAX_AMOUNT_CENTS, MAX_QUANTITY

Schema = dict[str, Any]


def _obj(required: list[str], **props: Schema) -> Schema:
    return {"type": "object", "required": required, "properties": props}


def _str(max_length: int, **extra: Any) -> Schema:
    return {"type": "string", "maxLength": max_length, **extra}


def _int(minimum: int | None = None, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


TIMESTAMP = _str(40, format="date-time", description="ISO 8601 with a UTC offset, years 2000-2100")
DAY = _str(10, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, a Berlin calendar day")
MONTH = _str(7, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, a Berlin calendar month")
EMAIL = _str(254, format="email")
CENTS = _int(1, MAX_AMOUNT_CENTS)
LIMITS = {"session_minutes": _int(1, 10080), "upload_kbps": _int(0, 10_000_000),
          "download_kbps": _int(0, 10_000_000), "upload_quota_kb": _int(0, 1_000_000_000),
          "download_quota_kb": _int(0, 1_000_000_000)}
OPENNDS = _obj([], security_level={"enum": [1, 2, 3, 4]}, faskey=_str(64, minLength=8),
               gatewayname=_str(200, minLength=1))
MERAKI = _obj(["grant_hosts"], grant_hosts={"type": "array", "minItems": 1, "maxItems": 20, "items": _str(253)})
RECORD = _obj(["timestamp", "interval_minutes", "count"], timestamp=TIMESTAMP, interval_minutes={"enum": [5, 15, 60]},
              count=_int(0, 1_000_000), ltr_count=_int(0, 1_000_000), rtl_count=_int(0, 1_000_000),
              adult_count=_int(0, 1_000_000), child_count=_int(0, 1_000_000), sensor_id=_str(64))

BODIES: dict[str, Schema] = {
    "issue_vouchers": _obj(["amount_cents", "quantity"], amount_cents=CENTS, quantity=_int(1, MAX_QUANTITY),
                           campaign=_str(100), expires_at=TIMESTAMP),
    "block_voucher": _obj([], reason=_str(300)),
    "create_redemption": _obj(["token", "amount_cents"], token=_str(200, minLength=1), amount_cents=CENTS,
                              expected_balance_cents=_int(0)),
    "register_retailer": _obj(["name", "address", "email", "zone"], name=_str(120), address=_str(200), email=EMAIL,
                              zone=_str(60), contact=_str(200), iban=_str(42), account_holder=_str(70)),
    "create_order": _obj(["amount_cents", "quantity", "email"], amount_cents=CENTS,
                         quantity=_int(1, MAX_ORDER_QUANTITY), email=EMAIL, bonus_code=_str(40),
                         lang={"enum": ["de", "en"]}),
    "create_campaign": _obj(["name", "percent", "budget_cents", "starts_at", "ends_at"], name=_str(100),
                            percent=_int(1, 100), budget_cents=_int(1, 100_000_000), starts_at=TIMESTAMP,
                            ends_at=TIMESTAMP, code=_str(40)),
    "register_gateway": _obj(["name", "vendor", "zone"], name=_str(100), vendor={"enum": ["opennds", "meraki"]},
                             zone=_str(64), wifi4eu_network_id={"type": ["string", "null"], "maxLength": 64},
                             opennds=OPENNDS, meraki=MERAKI, **LIMITS),
    "change_gateway": _obj([], name=_str(100), zone=_str(64), wifi4eu_network_id={"type": ["string", "null"]},
                           opennds=OPENNDS, meraki=MERAKI, **LIMITS),
    "create_zone": _obj(["name"], name=_str(100), zone_id=_str(40, pattern="^[a-z0-9-]+$"),
                        lat={"type": "number", "minimum": -90, "maximum": 90},
                        lon={"type": "number", "minimum": -180, "maximum": 180}),
    "register_sensor": _obj(["name", "zone", "kind"], name=_str(100), zone=_str(40),
                            kind={"enum": list(SENSOR_KINDS)}, ltr_label=_str(100),
                            rtl_label=_str(100)),
    "ingest_measurements": {"oneOf": [
        _obj(["records"], records={"type": "array", "minItems": 1, "maxItems": MAX_RECORDS, "items": RECORD}),
        {"type": "array", "minItems": 1, "maxItems": MAX_RECORDS, "items": RECORD}]},
    "record_event": _obj(["name", "starts_at", "ends_at", "zones"], name=_str(200), starts_at=TIMESTAMP,
                         ends_at=TIMESTAMP, zones={"type": "array", "minItems": 1, "items": _str(40)}),
    "create_marketing_user": _obj(["name"], name=_str(100), email=EMAIL),
    "edit_retailer": _obj([], name=_str(120), address=_str(200), email=EMAIL, zone=_str(60), contact=_str(200),
                          iban=_str(42, description="checked with schwifty; SEPA countries only"),
                          account_holder=_str(70)),
    "onboarding_sheet": _obj(["api_key"], api_key=_str(200)),
    "sign_in": _obj(["email", "password"], email=EMAIL, password=_str(200)),
    "change_password": _obj(["current_password", "new_password"], current_password=_str(200),
                            new_password=_str(200)),
    "create_staff": _obj(["email", "name", "role", "password"], email=EMAIL, name=_str(100),
                         role={"enum": ["admin", "finance", "support"]}, password=_str(200)),
    "update_staff": _obj([], name=_str(100), role={"enum": ["admin", "finance", "support"]},
                         status={"enum": ["active", "disabled"]}, password=_str(200)),
}

_RANGE = {"from": {"schema": _str(40), "description": "a date (YYYY-MM-DD) or an ISO 8601 time"},
          "to": {"schema": _str(40), "description": "a date (YYYY-MM-DD) or an ISO 8601 time"},
          "zone": {"schema": _str(400), "description": "one zone id, or several separated by commas"},
          "format": {"schema": {"enum": ["json", "csv"]}}}

QUERIES: dict[str, dict[str, dict[str, Any]]] = {
    "voucher_balance": {"token": {"schema": _str(200), "required": True}},
    "voucher_spending_history": {"token": {"schema": _str(200), "required": True}},
    "list_redemptions": {"date": {"schema": DAY}, "limit": {"schema": _int(1, 200)},
                         "cursor": {"schema": _str(1024), "description": "next_cursor of the previous page"},
                         "retailer_id": {"schema": _str(64), "description": "admin only"}},
    "settlements": {"month": {"schema": MONTH}, "format": {"schema": {"enum": ["json", "csv"]}}},
    "my_settlement": {"month": {"schema": MONTH}, "format": {"schema": {"enum": ["json", "csv"]}}},
    "current_campaign": {"code": {"schema": _str(40)}},
    "order_status": {"secret": {"schema": _str(200)}},
    "withdraw": {"secret": {"schema": _str(200)}},
    "list_sensors": {"zone": {"schema": _str(40)}},
    "list_events": {k: v for k, v in _RANGE.items() if k != "format"},
    "footfall_stats": {**_RANGE, "resolution": {"schema": {"enum": ["hour", "day", "week", "month"]}}},
    "heatmap_stats": _RANGE,
    "import_footfall": {"zone": {"schema": _str(40)}, "sensor": {"schema": _str(64)}},
}


# Idempotency-Key (core/http.py): required on redemptions, optional on admin issuing and orders.
_IDEMPOTENCY_KEY = {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"}
IDEMPOTENT = {"create_redemption": True, "issue_vouchers": False, "create_order": False}


def header_parameters(view_name: str) -> list[dict[str, Any]]:
    if view_name not in IDEMPOTENT:
        return []
    return [{"name": "Idempotency-Key", "in": "header", "required": IDEMPOTENT[view_name], "schema": _IDEMPOTENCY_KEY,
             "description": "Same key and body: the first answer again; another body: 422 idempotency_key_reused."}]


def query_parameters(view_name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": spec.get("required", False), "schema": spec["schema"],
             **({"description": spec["description"]} if "description" in spec else {})}
            for name, spec in QUERIES.get(view_name, {}).items()]
