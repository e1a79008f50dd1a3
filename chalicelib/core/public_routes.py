"""The routes anyone may call without a key: the one list that auth, the OpenAPI document and the role tests read.

Every other `/api/` route is refused with `unauthorized` before its handler runs when no bearer token is sent
(`auth.credentials_middleware`), so a route that forgets `auth.require` still cannot be called anonymously.
Adding a public route means adding it here, on purpose, in review. Pages (HTML, QR images, static files) are
public by nature and listed too, so the OpenAPI document marks them correctly.
"""

from __future__ import annotations

PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset({
    # shoppers: pages, their voucher, buying and withdrawing with the order secret
    ("GET", "/"),
    ("GET", "/v/{token}"),
    ("GET", "/V/{token}"),
    ("GET", "/v/{token}/qr.png"),
    ("GET", "/v/{token}/qr.svg"),
    ("GET", "/api/v1/vouchers/balance"),
    ("GET", "/api/v1/vouchers/spending"),
    ("GET", "/bestellung/{order_id}"),
    ("GET", "/api/v1/shops"),
    ("GET", "/api/v1/campaigns/current"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{order_id}"),
    ("POST", "/api/v1/orders/{order_id}/withdrawal"),
    # Stripe: verified by its Stripe-Signature header instead of a key
    ("POST", "/api/v1/stripe/webhook"),
    # retailers' and marketing's page shells (their API calls carry keys)
    ("GET", "/haendler"),
    ("GET", "/haendler-sw.js"),
    ("GET", "/haendler.webmanifest"),
    ("GET", "/dashboard"),
    # WLAN guests and gateways (gateways prove themselves with the faskey / gatewayhash)
    ("GET", "/wlan/fas/{gateway_id}"),
    ("POST", "/wlan/fas/{gateway_id}"),
    ("GET", "/wlan/meraki/{gateway_id}"),
    ("POST", "/wlan/meraki/{gateway_id}"),
    ("GET", "/wlan/sessions/{session_id}"),
    ("GET", "/capport/{session_id}"),
    # the system: health, published verification keys, the API description, static assets
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/.well-known/voucher-keys.json"),
    ("GET", "/openapi.json"),
    ("GET", "/static/{folder}/{name}"),
    ("GET", "/favicon.ico"),
    # the town's legal pages, linked from every page's footer
    ("GET", "/impressum"),
    ("GET", "/datenschutz"),
    ("GET", "/agb"),
    ("GET", "/widerruf"),
})

_extra: set[tuple[str, str]] = set()


def add(method: str, path: str) -> None:
    """For the local stack's own dev-only routes (devstack), which the Lambda never has."""
    _extra.add((method.upper(), path))


def is_public(method: str, path: str) -> bool:
    key = (method.upper(), path)
    return key in PUBLIC_ROUTES or key in _extra
