"""Every table the application uses, and how to create them (local stack and tests; infra/ does it on AWS)."""

from __future__ import annotations

import importlib

from pynamodb.models import Model

# "module:Class" so that listing the tables imports nothing until asked. Each domain adds its own models here.
MODEL_PATHS: list[str] = [
    "chalicelib.store.models:Credential",
    "chalicelib.store.models:IdempotencyRecord",
    "chalicelib.store.models:RateCounter",
    "chalicelib.vouchers.models:Voucher",
    "chalicelib.vouchers.models:LedgerEntry",
    "chalicelib.vouchers.models:Retailer",
    "chalicelib.vouchers.models:MonthTotal",
    "chalicelib.vouchers.models:DayTotal",
    "chalicelib.vouchers.models:ZoneDayRedemptions",
    "chalicelib.vouchers.models:ZoneMonthRedemptions",
    "chalicelib.payments.models:Order",
    "chalicelib.payments.models:Campaign",
    "chalicelib.wlan.models:Gateway",
    "chalicelib.wlan.models:Grant",
    "chalicelib.wlan.models:WlanSession",
    "chalicelib.wlan.models:DailyKey",
    "chalicelib.wlan.models:DeviceDay",
    "chalicelib.wlan.models:WlanHourlyCount",
    "chalicelib.footfall.models:Zone",
    "chalicelib.footfall.models:Sensor",
    "chalicelib.footfall.models:Measurement",
    "chalicelib.footfall.models:HourlyCount",
    "chalicelib.footfall.models:DailyCount",
    "chalicelib.footfall.models:Event",
    "chalicelib.footfall.models:MarketingUser",
    "chalicelib.staff.models:StaffAccount",
    "chalicelib.staff.models:StaffSession",
    "chalicelib.staff.models:SigninFailures",
    "chalicelib.staff.models:AuditEntry",
    "chalicelib.settlement.models:ClosedMonth",
]


def all_models() -> list[type[Model]]:
    models = []
    for path in MODEL_PATHS:
        module, name = path.split(":")
        models.append(getattr(importlib.import_module(module), name))
    return models


def existing_tables() -> set[str]:
    """The store's table names: one ListTables call a page, instead of one DescribeTable per model
    (`Model.exists()`)."""
    connection = all_models()[0]._get_connection().connection
    names: set[str] = set()
    start = None
    while True:
        page = connection.list_tables(exclusive_start_table_name=start)
        names.update(page.get("TableNames", []))
        start = page.get("LastEvaluatedTableName")
        if not start:
            return names


def create_all() -> None:
    existing = existing_tables()
    for model in all_models():
        if model.Meta.table_name not in existing:
            model.create_table(wait=True)
