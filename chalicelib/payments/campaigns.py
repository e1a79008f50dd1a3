"""create_campaign and the campaign a purchase falls into. The budget guard itself is in fulfil.py: a conditional
ADD on `remaining_cents` inside the issuing transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.core import clock
from chalicelib.core.errors import DomainError, not_found
from chalicelib.core.ids import random_id
from chalicelib.payments.models import Campaign


def bonus_per_voucher(amount_cents: int, percent: int) -> int:
    """Whole cents, rounded down: the city never pays a fraction more than it promised."""
    return amount_cents * percent // 100


def create_campaign(*, name: str, percent: int, budget_cents: int, starts_at: datetime, ends_at: datetime,
                    code: str | None = None) -> Campaign:
    if ends_at <= starts_at:
        raise DomainError("invalid_request", "'ends_at' must be after 'starts_at'.", field="ends_at")
    campaign = Campaign(random_id("cmp"), name=name, percent=percent, code=code.upper() if code else None,
                        budget_cents=budget_cents, remaining_cents=budget_cents, starts_at=clock.iso(starts_at),
                        ends_at=clock.iso(ends_at), created_at=clock.iso(clock.now()))
    campaign.save(condition=Campaign.campaign_id.does_not_exist())
    return campaign


def get_campaign(campaign_id: str) -> Campaign:
    try:
        return Campaign.get(campaign_id, consistent_read=True)
    except DoesNotExist:
        raise not_found("No such campaign.") from None


def list_campaigns() -> list[Campaign]:
    # A town runs a handful of campaigns a year: a scan is the simplest correct index.
    return sorted(Campaign.scan(consistent_read=True), key=lambda c: c.starts_at, reverse=True)


def _running(campaign: Campaign, at: datetime) -> bool:
    return clock.parse_iso(campaign.starts_at) <= at < clock.parse_iso(campaign.ends_at)


def current_campaign(code: str | None, at: datetime | None = None) -> Campaign | None:
    """The campaign a purchase at `at` gets: the one matching its code, else an open one (no code needed).

    Only campaigns with budget left count; the final check of the budget happens when issuing.
    """
    at = at or clock.now()
    wanted = code.strip().upper() if code else None
    running = [c for c in list_campaigns() if _running(c, at) and int(c.remaining_cents) > 0]
    if wanted:
        for campaign in running:
            if campaign.code == wanted:
                return campaign
    open_ones = [c for c in running if not c.code]
    return max(open_ones, key=lambda c: int(c.percent)) if open_ones else None


def code_is_known(code: str) -> bool:
    return any(c.code == code.strip().upper() for c in list_campaigns())


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    remaining = int(campaign.remaining_cents)
    return {
        "campaign_id": campaign.campaign_id,
        "name": campaign.name,
        "percent": int(campaign.percent),
        "code": campaign.code,
        "budget_cents": int(campaign.budget_cents),
        "spent_cents": int(campaign.budget_cents) - remaining,
        "remaining_cents": remaining,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
    }


def campaign_public(campaign: Campaign) -> dict[str, Any]:
    """What the shop shows: the bonus while budget lasts (the budget itself is the city's business)."""
    return {"campaign_id": campaign.campaign_id, "name": campaign.name, "percent": int(campaign.percent),
            "ends_at": campaign.ends_at, "budget_left": int(campaign.remaining_cents) > 0}
