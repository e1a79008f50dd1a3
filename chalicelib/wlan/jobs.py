"""Scheduled WLAN housekeeping: destroy the pseudonym keys (and device markers) of past days, every hour."""

from __future__ import annotations

import logging
from typing import Any

from chalice import Blueprint, Rate

bp = Blueprint(__name__)
log = logging.getLogger("marktplatz.wlan")


@bp.schedule(Rate(1, unit=Rate.HOURS))
def destroy_wlan_day_keys(event: Any) -> dict[str, int]:
    """Hourly, so that the town's midnight (Europe/Berlin, with DST) is caught within the hour."""
    from chalicelib.wlan.keys import destroy_past_days

    result = destroy_past_days()
    log.info("wlan keys destroyed=%d markers=%d", result["keys_destroyed"], result["device_markers_deleted"])
    return result
