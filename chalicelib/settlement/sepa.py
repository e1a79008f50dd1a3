"""The payout file: a SEPA credit transfer (pain.001.001.09) from the city's account to every retailer with a
positive payout in a closed month, made by `sepaxml` and validated against the schema it bundles."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chalicelib.core import clock, settings
from chalicelib.core.errors import DomainError
from chalicelib.settlement.accounts import debtor_account

SCHEMA = "pain.001.001.09"


def execution_date(today: date) -> date:
    """The next bank working day (Monday to Friday; TARGET holidays are the bank's to roll)."""
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def end_to_end_id(month: str, retailer_id: str) -> str:
    return f"MP{month.replace('-', '')}{retailer_id}"[:35]


def credit_transfer(result: dict[str, Any]) -> bytes:
    from sepaxml import SepaTransfer

    month = result["month"]
    payees = [r for r in result["retailers"] if r["payout_cents"] > 0]
    if not payees:
        raise DomainError("nothing_to_pay", f"No retailer is owed money for {month}.")
    missing = [r["name"] for r in payees if not r.get("iban")]
    if missing:
        raise DomainError("missing_iban", f"These retailers have no IBAN: {', '.join(missing)}.")
    debtor = debtor_account()
    config: dict[str, Any] = {"name": debtor.holder, "IBAN": debtor.iban, "batch": True, "currency": "EUR"}
    if debtor.bic:
        config["BIC"] = debtor.bic
    transfer = SepaTransfer(config, schema=SCHEMA, clean=True)
    when = execution_date(clock.now().astimezone(clock.BERLIN).date())
    town = settings.get().town_name
    for row in payees:
        payment: dict[str, Any] = {
            "name": row.get("account_holder") or row["name"], "IBAN": row["iban"], "amount": int(row["payout_cents"]),
            "execution_date": when, "endtoend_id": end_to_end_id(month, row["retailer_id"]),
            "description": f"Stadtgutschein {town} Abrechnung {month} {row['name']}"}
        if row.get("bic"):
            payment["BIC"] = row["bic"]
        transfer.add_payment(payment)
    return transfer.export(validate=True)
