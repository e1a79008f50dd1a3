"""Payment settings, read only through chalicelib.core.settings (lazily, never at import)."""

from __future__ import annotations

from typing import NamedTuple

from chalicelib.core import settings

# Local mode (localstripe) accepts any test keys; the webhook secret is the one devstack registers with it.
LOCAL_SECRET_KEY = "sk_test_marktplatz_local"
LOCAL_PUBLISHABLE_KEY = "pk_test_marktplatz_local"
LOCAL_WEBHOOK_SECRET = "whsec_marktplatz_local"

MAX_QUANTITY = 20
WITHDRAWAL_DAYS = 14
DELIVERY_CLAIM_MINUTES = 10  # a delivery claimed longer ago than this counts as crashed and is retried


class StripeKeys(NamedTuple):
    secret_key: str
    publishable_key: str
    webhook_secret: str
    api_base: str | None  # localstripe's URL in local mode; None means real Stripe

    @property
    def is_real_stripe(self) -> bool:
        return self.api_base is None


def stripe_keys() -> StripeKeys:
    s = settings.get()
    stored = settings.secret("stripe") or {}
    if not isinstance(stored, dict):
        stored = {}
    local = s.is_local
    return StripeKeys(
        secret_key=s.stripe_secret_key_env or stored.get("secret_key") or (LOCAL_SECRET_KEY if local else ""),
        publishable_key=(s.stripe_publishable_key_env or stored.get("publishable_key")
                         or (LOCAL_PUBLISHABLE_KEY if local else "")),
        webhook_secret=(s.stripe_webhook_secret_env or stored.get("webhook_secret")
                        or (LOCAL_WEBHOOK_SECRET if local else "")),
        # With real keys configured, the same code talks to real Stripe (test mode) even locally.
        api_base=None if s.stripe_secret_key_env else s.stripe_api_base,
    )


def amount_limits() -> tuple[int, int]:
    s = settings.get()
    return s.voucher_min_cents, s.voucher_max_cents


def reconcile_lookback_hours() -> int:
    return int(settings.get().env("MARKTPLATZ_RECONCILE_LOOKBACK_HOURS", "72") or 72)


def order_payment_hours() -> int:
    """How long a pending order waits for its payment before it expires and its PaymentIntent is cancelled."""
    return int(settings.get().env("MARKTPLATZ_ORDER_PAYMENT_HOURS", "24") or 24)


def orders_per_minute() -> int:
    """New orders per client and minute: each one creates a PaymentIntent at Stripe."""
    return int(settings.get().env("MARKTPLATZ_ORDERS_PER_MINUTE", "20") or 20)


def fee_basis_points() -> int:
    return settings.get().settlement_fee_basis_points
