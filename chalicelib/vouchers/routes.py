"""HTTP routes for vouchers and redemptions: parse, authorize, call a service verb, answer JSON."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core import auth, settings
from chalicelib.core.auth import ADMIN, FINANCE, RETAILER, SUPPORT
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.http import client_address, idempotency_key, json_body, json_response, query_param
from chalicelib.core.lazy import lazy
from chalicelib.core.pagination import limit_param
from chalicelib.core.ratelimit import hit
from chalicelib.core.validate import day_param, integer, text, timestamp
from chalicelib.vouchers.rules import Refused

audit = lazy("chalicelib.staff.audit")
# Services load on the first request that needs them (core/lazy.py): cold start imports routes only.
history = lazy("chalicelib.vouchers.history")
issuing = lazy("chalicelib.vouchers.issuing")
lifecycle = lazy("chalicelib.vouchers.lifecycle")
redemption = lazy("chalicelib.vouchers.redemption")
spending = lazy("chalicelib.vouchers.spending")
views = lazy("chalicelib.vouchers.views")

bp = Blueprint(__name__)



@bp.route("/api/v1/vouchers", methods=["POST"])
def issue_vouchers():
    """Issue vouchers without payment (admin): employer vouchers, city campaigns, prizes.

    With an Idempotency-Key header a retry issues nothing twice: same key and body, the same vouchers again;
    another body, 422 idempotency_key_reused."""
    principal = auth.require(bp.current_request, ADMIN)
    body = json_body(bp.current_request)
    amount = integer(body, "amount_cents", minimum=1, maximum=issuing.MAX_AMOUNT_CENTS)
    quantity = integer(body, "quantity", minimum=1, maximum=issuing.MAX_QUANTITY)
    campaign = text(body, "campaign", required=False, max_length=100)
    expires_at = timestamp(body, "expires_at", required=False)
    key = idempotency_key(bp.current_request, required=False)
    with audit.recorded(principal, "voucher.issue", "campaign", campaign or "-", amount_cents=amount,
                        quantity=quantity) as rec:
        vouchers = issuing.issue_vouchers(amount, quantity, campaign=campaign, expires_at=expires_at,
                                          idempotency_key=key)
        rec.detail(first=vouchers[0].voucher_id, last=vouchers[-1].voucher_id)
    return json_response({"vouchers": [views.voucher_issued(v) for v in vouchers]}, 201)


def _token_holders_voucher():  # type: ignore[no-untyped-def]
    """The voucher behind `?token=`, rate-limited per client; unknown and invalid tokens answer alike."""
    request = bp.current_request
    hit("balance", client_address(request), settings.get().balance_lookups_per_minute)
    token = query_param(request, "token")
    if not token:
        raise redemption.invalid_token()
    voucher_id = redemption.verify_token(token)
    try:
        return lifecycle.get_voucher(voucher_id)
    except DomainError:  # a validly signed but unknown voucher must look exactly like a bad token
        raise redemption.invalid_token() from None


@bp.route("/api/v1/vouchers/balance", methods=["GET"])
def voucher_balance():
    """Balance for the holder of a token; rate-limited per client; unknown and invalid tokens answer alike."""
    voucher = _token_holders_voucher()
    redemption.balance_hints.seen(voucher)
    return json_response(views.voucher_public(voucher), headers={"Cache-Control": "no-store"})


@bp.route("/api/v1/vouchers/spending", methods=["GET"])
def voucher_spending_history():
    """When and where a voucher was spent, for the holder of its token (shop names only); rate-limited like balance."""
    voucher_id = _token_holders_voucher().voucher_id
    return json_response({"voucher_id": voucher_id, "redemptions": spending.voucher_spending(voucher_id)},
                         headers={"Cache-Control": "no-store"})


@bp.route("/api/v1/vouchers/{voucher_id}", methods=["GET"])
def voucher_detail(voucher_id: str):
    """A voucher with its full ledger (admin, support, finance)."""
    auth.require(bp.current_request, ADMIN, SUPPORT, FINANCE)
    return json_response(lifecycle.voucher_with_ledger(voucher_id))


def _reason() -> str | None:
    """The optional `{"reason"}` of a block; an empty body is fine."""
    if not bp.current_request.raw_body:
        return None
    return text(json_body(bp.current_request), "reason", required=False, max_length=300)


@bp.route("/api/v1/vouchers/{voucher_id}/block", methods=["POST"])
def block_voucher(voucher_id: str):
    """Block a voucher (admin, support): it can no longer be redeemed."""
    principal = auth.require(bp.current_request, ADMIN, SUPPORT)
    reason = _reason()
    with audit.recorded(principal, "voucher.block", "voucher", voucher_id, reason=reason):
        voucher = lifecycle.block_voucher(voucher_id, reason, actor=audit.actor_of(principal).id)
    return json_response(views.voucher_admin(voucher))


@bp.route("/api/v1/vouchers/{voucher_id}/unblock", methods=["POST"])
def unblock_voucher(voucher_id: str):
    """Unblock a blocked voucher (admin, support)."""
    principal = auth.require(bp.current_request, ADMIN, SUPPORT)
    with audit.recorded(principal, "voucher.unblock", "voucher", voucher_id):
        voucher = lifecycle.unblock_voucher(voucher_id, actor=audit.actor_of(principal).id)
    return json_response(views.voucher_admin(voucher))


@bp.route("/api/v1/vouchers/{voucher_id}/reissue", methods=["POST"])
def reissue_voucher(voucher_id: str):
    """Re-issue the remaining balance of a blocked voucher under a new token (admin, support)."""
    principal = auth.require(bp.current_request, ADMIN, SUPPORT)
    with audit.recorded(principal, "voucher.reissue", "voucher", voucher_id) as rec:
        new = lifecycle.reissue_voucher(voucher_id, actor=audit.actor_of(principal).id)
        rec.detail(new_voucher_id=new.voucher_id)
    return json_response({"replaced": voucher_id, "voucher": views.voucher_issued(new)}, 201)


@bp.route("/api/v1/redemptions", methods=["POST"])
def create_redemption():
    """Redeem an amount from a voucher (retailer). Requires an Idempotency-Key header."""
    request = bp.current_request
    principal = auth.require(request, RETAILER, cached=True)
    key = idempotency_key(request, required=True)
    body = json_body(request)
    token = body.get("token")
    if not isinstance(token, str) or not token.strip():
        raise redemption.invalid_token()
    amount = integer(body, "amount_cents", minimum=1, maximum=issuing.MAX_AMOUNT_CENTS)
    expected = integer(body, "expected_balance_cents", minimum=0, required=False)
    result = redemption.redeem(principal, token, amount, key, expected)
    if isinstance(result, Refused):
        raise redemption.refusal_error(result)
    redeemed = result.redemption if isinstance(result, redemption.Replayed) else result
    return json_response(redeemed._asdict(), 201)


@bp.route("/api/v1/redemptions", methods=["GET"])
def list_redemptions():
    """The calling retailer's redemptions and reversals, newest first (`?date=YYYY-MM-DD`, `limit`, `cursor`)."""
    request = bp.current_request
    principal = auth.require(request, RETAILER, ADMIN, FINANCE, SUPPORT)
    retailer_id = principal.subject_id
    if principal.role != RETAILER:
        retailer_id = query_param(request, "retailer_id") or ""
        if not retailer_id:
            raise DomainError("invalid_request", "Admin must name 'retailer_id'.", field="retailer_id")
    raw_day = query_param(request, "date")
    day = day_param(raw_day) if raw_day is not None else None
    page = history.retailer_history(retailer_id, limit=limit_param(query_param(request, "limit")),
                            cursor=query_param(request, "cursor"), day=day)
    return json_response(page)


@bp.route("/api/v1/redemptions/{redemption_id}/reversal", methods=["POST"])
def reverse(redemption_id: str):
    """Reverse (storno) a redemption: the same retailer within 30 minutes, or admin at any time; once."""
    principal = auth.require(bp.current_request, RETAILER, ADMIN, SUPPORT)
    if len(redemption_id) > 100:
        raise not_found("No such redemption.")
    if principal.role == RETAILER:
        reversed_ = redemption.reverse_redemption(principal, redemption_id)
    else:  # staff (support or admin) may reverse at any time, like the admin token
        with audit.recorded(principal, "redemption.reverse", "redemption", redemption_id):
            reversed_ = redemption.reverse_redemption(principal._replace(role=ADMIN), redemption_id)
    answer = reversed_._asdict()
    del answer["new"]
    return json_response(answer, 201 if reversed_.new else 200)
