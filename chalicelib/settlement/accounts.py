"""Bank accounts: retailers' IBANs checked with `schwifty` (checksum, country length, German bank code), and the
city's own (debtor) account from the deployment's settings."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.core import settings
from chalicelib.core.errors import DomainError

# A valid test IBAN (Commerzbank's documented example) so that `make run` can produce a SEPA file out of the box.
LOCAL_DEBTOR = ("Stadt Billerbeck", "DE89370400440532013000", "COBADEFFXXX")


class BankAccount(NamedTuple):
    holder: str
    iban: str  # compact, upper case
    bic: str | None


def clean_iban(raw: str, field: str = "iban") -> tuple[str, str | None]:
    """(compact IBAN, BIC if the bank registry knows it), or a 400 naming the field."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        iban = IBAN(raw)
    except (SchwiftyException, ValueError) as err:
        raise DomainError("invalid_iban", f"This is not a valid IBAN ({err}).", field=field) from None
    if not iban.in_sepa_zone:
        raise DomainError("iban_not_sepa", "Payouts are SEPA credit transfers: the IBAN must be in the SEPA zone.",
                          field=field)
    bic = None
    try:
        bic = str(iban.bic) if iban.bic else None
    except SchwiftyException:
        bic = None
    return iban.compact, bic


def debtor_account() -> BankAccount:
    """The city's account that pays retailers: MARKTPLATZ_SEPA_DEBTOR_NAME / _IBAN / _BIC per deployment."""
    s = settings.get()
    name, iban, bic = (s.env("MARKTPLATZ_SEPA_DEBTOR_NAME"), s.env("MARKTPLATZ_SEPA_DEBTOR_IBAN"),
                       s.env("MARKTPLATZ_SEPA_DEBTOR_BIC"))
    if not iban and s.is_local:
        name, iban, bic = LOCAL_DEBTOR[0].replace("Billerbeck", s.town_name), LOCAL_DEBTOR[1], LOCAL_DEBTOR[2]
    if not iban or not name:
        raise DomainError("sepa_not_configured", "The city's paying account (MARKTPLATZ_SEPA_DEBTOR_NAME, "
                                              "MARKTPLATZ_SEPA_DEBTOR_IBAN, MARKTPLATZ_SEPA_DEBTOR_BIC) is not set.")
    compact, known_bic = clean_iban(iban, "debtor_iban")
    return BankAccount(name, compact, bic or known_bic)
