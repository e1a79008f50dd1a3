"""HTTP routes the back office uses to help buyers (support, finance, admin): find orders and vouchers, see an
order's state at Stripe, send the voucher e-mail again, and the overview figures."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN, FINANCE, SUPPORT
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.http import json_response, query_param
from chalicelib.core.lazy import lazy

audit = lazy("chalicelib.staff.audit")
delivery = lazy("chalicelib.payments.delivery")
lifecycle = lazy("chalicelib.vouchers.lifecycle")
orders = lazy("chalicelib.payments.orders")
overview = lazy("chalicelib.payments.overview")
redemption = lazy("chalicelib.vouchers.redemption")
stripe_gateway = lazy("chalicelib.payments.stripe_gateway")
views = lazy("chalicelib.vouchers.views")

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}
STAFF = (ADMIN, FINANCE, SUPPORT)
MAX_ORDERS = 50


def _orders_by_email(address: str) -> list[Any]:
    from chalicelib.payments.models import Order

    ids: list[str] = []
    for candidate in dict.fromkeys((address, address.lower())):
        ids += [o.order_id for o in Order.by_email.query(candidate, scan_index_forward=False, limit=MAX_ORDERS)]
    if not ids:
        return []
    found = {o.order_id: o for o in Order.batch_get(list(dict.fromkeys(ids)))}
    return sorted(found.values(), key=lambda o: o.created_at, reverse=True)


def _staff_order_view(order: Any) -> dict[str, Any]:
    view = orders.order_view(order)
    view.update(email=order.email, payment_intent_id=order.payment_intent_id, refund_id=order.refund_id,
                refund_due=bool(order.refund_due), campaign_name=order.campaign_name)
    return view


@bp.route("/api/v1/orders", methods=["GET"])
def find_orders():
    """Find orders (support, finance, admin) by `email` (newest first, up to 50) or `order_id`."""
    auth.require(bp.current_request, *STAFF)
    address = (query_param(bp.current_request, "email") or "").strip()
    order_id = (query_param(bp.current_request, "order_id") or "").strip()
    if order_id:
        if len(order_id) > 64:
            raise not_found("No such order.")
        found = [orders.get_order(order_id)]
    elif address:
        if len(address) > 254:
            raise DomainError("invalid_request", "'email' is too long.", field="email")
        found = _orders_by_email(address)
    else:
        raise DomainError("invalid_request", "Name 'email' or 'order_id'.", field="email")
    return json_response({"orders": [_staff_order_view(o) for o in found]}, headers=NO_STORE)


@bp.route("/api/v1/orders/{order_id}/stripe", methods=["GET"])
def stripe_state(order_id: str):
    """The order's PaymentIntent as Stripe sees it now (support, finance, admin): status, amounts, refunds."""
    auth.require(bp.current_request, *STAFF)
    order = orders.get_order(order_id)
    if not order.payment_intent_id:
        raise not_found("This order has no payment at Stripe.")
    try:
        intent = stripe_gateway.retrieve_payment_intent(order.payment_intent_id)
    except stripe_gateway.StripeUnavailable:
        raise DomainError("payment_unavailable", "Stripe cannot be reached right now.") from None
    charge = intent.get("latest_charge")
    charge = charge if isinstance(charge, dict) else {}
    return json_response({"payment_intent_id": intent.get("id"), "status": intent.get("status"),
                          "amount": intent.get("amount"), "amount_received": intent.get("amount_received"),
                          "currency": intent.get("currency"), "amount_refunded": charge.get("amount_refunded"),
                          "livemode": intent.get("livemode")}, headers=NO_STORE)


@bp.route("/api/v1/orders/{order_id}/resend", methods=["POST"])
def resend_vouchers(order_id: str):
    """Send the voucher e-mail of a paid order again, to the buyer's address (support, admin)."""
    principal = auth.require(bp.current_request, ADMIN, SUPPORT)
    order = orders.get_order(order_id)
    vouchers = orders.vouchers_of(order)
    if not vouchers:
        raise DomainError("order_not_paid", "This order has no vouchers yet.", order_status=order.status)
    with audit.recorded(principal, "order.resend", "order", order_id) as rec:
        message_id = delivery.send_vouchers(order, vouchers)
        rec.detail(message_id=message_id)
    return json_response({"order_id": order_id, "sent_to": order.email, "message_id": message_id})


@bp.route("/api/v1/vouchers", methods=["GET"])
def find_vouchers():
    """Find vouchers (support, finance, admin): by `code` (the token or the URL from its QR), `voucher_id`, or
    `email` of the order that bought them."""
    auth.require(bp.current_request, *STAFF)
    request = bp.current_request
    code = (query_param(request, "code") or "").strip()
    voucher_id = (query_param(request, "voucher_id") or "").strip()
    address = (query_param(request, "email") or "").strip()
    ids: list[str] = []
    if code:
        token = code.rstrip("/").rsplit("/", 1)[-1]  # a scanned QR holds the whole URL, upper case
        ids = [redemption.verify_token(token)]
    elif voucher_id:
        ids = [voucher_id[:64]]
    elif address:
        for order in _orders_by_email(address):
            ids += list(order.voucher_ids or [])
    else:
        raise DomainError("invalid_request", "Name 'code', 'voucher_id' or 'email'.", field="code")
    found = []
    for vid in ids[:100]:
        try:
            voucher = lifecycle.get_voucher(vid)
        except DomainError:
            continue
        view = views.voucher_admin(voucher)
        found.append(view)
    return json_response({"vouchers": found}, headers=NO_STORE)


@bp.route("/api/v1/overview", methods=["GET"])
def staff_overview():
    """The back office's first page (support, finance, admin): today's and this month's sales and redemptions,
    outstanding liability, open refunds and disputes."""
    auth.require(bp.current_request, *STAFF)
    return json_response(overview.overview(), headers=NO_STORE)
