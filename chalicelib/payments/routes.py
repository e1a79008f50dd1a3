"""HTTP routes for buying vouchers, Stripe's webhook, bonus campaigns, settlement and the liability report."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.core import auth
from chalicelib.core.auth import ADMIN, FINANCE, RETAILER, SUPPORT
from chalicelib.core.errors import DomainError
from chalicelib.core.http import client_address, idempotency_key, json_body, json_response, query_param
from chalicelib.core.lazy import lazy
from chalicelib.core.ratelimit import hit
from chalicelib.core.validate import choice, email, integer, month_param, text, timestamp

audit = lazy("chalicelib.staff.audit")
# Loaded when a payment route is first called, not at every cold start (chalicelib/core/lazy.py).
campaigns = lazy("chalicelib.payments.campaigns")
config = lazy("chalicelib.payments.config")
orders = lazy("chalicelib.payments.orders")
refunds = lazy("chalicelib.payments.refunds")
settlement = lazy("chalicelib.payments.settlement")
statement = lazy("chalicelib.payments.statement")
stripe_gateway = lazy("chalicelib.payments.stripe_gateway")
webhook = lazy("chalicelib.payments.webhook")

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/api/v1/orders", methods=["POST"])
def create_order():
    """Buy vouchers (public): creates the order and its Stripe PaymentIntent; confirm it with stripe.js.

    An optional Idempotency-Key header makes a retry return the same order (another body: 422)."""
    request = bp.current_request
    hit("orders", client_address(request), config.orders_per_minute())
    body = json_body(request)
    amount = integer(body, "amount_cents", minimum=1)
    quantity = integer(body, "quantity", minimum=1, maximum=config.MAX_QUANTITY)
    buyer = email(body, "email")
    code = text(body, "bonus_code", required=False, max_length=40) or None
    lang = choice(body, "lang", ("de", "en"), required=False, default="de")
    key = idempotency_key(request, required=False)
    placed = orders.place_order(amount_cents=amount, quantity=quantity, email=buyer, bonus_code=code, lang=lang,
                                idempotency_key=key)
    answer = placed.answer if isinstance(placed, orders.ReplayedOrder) else orders.placed_view(placed)
    return json_response(answer, 201, NO_STORE)


def _order_secret() -> str | None:
    request = bp.current_request
    return request.headers.get("x-order-secret") or query_param(request, "secret")


@bp.route("/api/v1/orders/{order_id}", methods=["GET"])
def order_status(order_id: str):
    """An order's status and, once paid, its vouchers (public, with the order secret)."""
    order = orders.order_for_holder(order_id, _order_secret())
    return json_response(orders.order_view(order), headers=NO_STORE)


@bp.route("/api/v1/orders/{order_id}/withdrawal", methods=["POST"])
def withdraw(order_id: str):
    """Withdraw (Widerruf) within 14 days while no voucher is spent (public with the order secret; or admin and
    support staff)."""
    request = bp.current_request
    if auth.bearer_token(request) or "mp_staff=" in (request.headers.get("cookie") or ""):
        principal = auth.require(request, ADMIN, SUPPORT)
        with audit.recorded(principal, "order.withdraw", "order", order_id):
            order = refunds.withdraw_order(orders.get_order(order_id), audit.actor_of(principal).id)
    else:
        order = refunds.withdraw_order(orders.order_for_holder(order_id, _order_secret()), "buyer")
    view = orders.order_view(order)
    view["refund"] = "done" if order.refund_id else "pending"
    return json_response(view, headers=NO_STORE)


@bp.route("/api/v1/orders/refunds/failed", methods=["GET"])
def failed_refunds():
    """Orders whose Stripe refund failed (admin): the buyer is still owed the money; retry or pay it otherwise."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"orders": [refund_failure_view(o) for o in refunds.failed_refunds()]}, headers=NO_STORE)


@bp.route("/api/v1/orders/{order_id}/refund/retry", methods=["POST"])
def retry_refund(order_id: str):
    """Ask Stripe again for an order's failed refund (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response(refund_failure_view(refunds.retry_failed_refund(order_id)), headers=NO_STORE)


def refund_failure_view(order) -> dict:  # type: ignore[no-untyped-def]
    return {"order_id": order.order_id, "email": order.email, "total_cents": int(order.total_cents),
            "refunded_cents": int(order.refunded_cents or 0), "refund": order.refund_due or "done",
            "failed_refund_id": order.failed_refund_id, "failed_refund_cents": int(order.failed_refund_cents or 0),
            "failure_reason": order.refund_failure, "withdrawn_at": order.withdrawn_at}


@bp.route("/api/v1/stripe/webhook", methods=["POST"])
def stripe_webhook():
    """Stripe's webhook (public, verified by its Stripe-Signature header over the raw body)."""
    request = bp.current_request
    return json_response(webhook.handle_stripe_event(request.raw_body or b"", request.headers.get("stripe-signature")))


@bp.route("/api/v1/campaigns", methods=["POST"])
def create_campaign():
    """Create a bonus campaign (admin): percent, optional code, budget in cents, start and end."""
    auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    campaign = campaigns.create_campaign(
        name=text(body, "name", max_length=100),
        percent=integer(body, "percent", minimum=1, maximum=100),
        budget_cents=integer(body, "budget_cents", minimum=1, maximum=100_000_000),
        starts_at=timestamp(body, "starts_at"),
        ends_at=timestamp(body, "ends_at"),
        code=text(body, "code", required=False, max_length=40),
    )
    return json_response(campaigns.campaign_view(campaign), 201)


@bp.route("/api/v1/campaigns", methods=["GET"])
def list_campaigns():
    """All bonus campaigns with budget spent and left (admin)."""
    auth.require(bp.current_request, ADMIN)
    return json_response({"campaigns": [campaigns.campaign_view(c) for c in campaigns.list_campaigns()]})


@bp.route("/api/v1/campaigns/current", methods=["GET"])
def current_campaign():
    """The bonus a purchase gets right now (public; `?code=` for a coded campaign), while its budget lasts."""
    code = query_param(bp.current_request, "code")
    if code is not None and len(code) > 40:
        raise DomainError("invalid_request", "'code' is too long.", field="code")
    campaign = campaigns.current_campaign(code)
    body = {"campaign": campaigns.campaign_public(campaign) if campaign else None}
    return json_response(body, headers={"Cache-Control": "no-store"})


def _month() -> str:
    month = query_param(bp.current_request, "month") or settlement.current_month()
    month_param(month)
    return month


def _wants_csv() -> bool:
    fmt = query_param(bp.current_request, "format") or "json"
    if fmt not in ("json", "csv"):
        raise DomainError("invalid_request", "'format' must be json or csv.", field="format")
    return fmt == "csv"


def _csv(month: str, rows: list[dict], name: str) -> Response:
    return Response(body=statement.to_csv(month, rows), status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}-{month}.csv"', **NO_STORE})


@bp.route("/api/v1/settlements", methods=["GET"])
def settlements():
    """Monthly settlement per retailer (finance, admin): `?month=YYYY-MM`, `&format=csv` for Excel."""
    auth.require(bp.current_request, ADMIN, FINANCE)
    month = _month()
    result = settlement.settle_month(month)
    if _wants_csv():
        return _csv(month, result["retailers"], "abrechnung")
    return json_response(result, headers=NO_STORE)


@bp.route("/api/v1/retailers/me/settlements", methods=["GET"])
def my_settlement():
    """The calling retailer's own monthly statement (`?month=YYYY-MM`, `&format=csv`)."""
    principal = auth.require(bp.current_request, RETAILER)
    month = _month()
    result = settlement.retailer_statement(principal.subject_id, month)
    if _wants_csv():
        return _csv(month, [result], "abrechnung")
    return json_response(result, headers=NO_STORE)


@bp.route("/api/v1/reports/liability", methods=["GET"])
def liability():
    """Liability by month of booking (`?month=YYYY-MM`, default this month): sold, redeemed, reversed, refunded and
    expired in the month; outstanding and blocked at its end; buyer's and bonus money apart (finance, admin)."""
    auth.require(bp.current_request, ADMIN, FINANCE)
    return json_response(settlement.liability_report(_month()), headers=NO_STORE)
