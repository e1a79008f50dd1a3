"""The city's back office (/verwaltung): server-rendered section shells; verwaltung.js talks to the API."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.errors import not_found
from chalicelib.web.backoffice_page import SLUGS, backoffice_page
from chalicelib.web.layout import pick_lang

bp = Blueprint(__name__)


@bp.route("/verwaltung", methods=["GET"])
def back_office():
    """The back office (HTML): overview; sign-in for city staff."""
    return backoffice_page(pick_lang(bp.current_request), "")


@bp.route("/verwaltung/{section}", methods=["GET"])
def back_office_section(section: str):
    """A back-office section (HTML): haendler, gutscheine, bestellungen, aktionen, abrechnung, berichte, wlan,
    sensoren, marketing, protokoll, mitarbeitende."""
    if section not in SLUGS or not section:
        raise not_found("No such back-office page.")
    return backoffice_page(pick_lang(bp.current_request), section)
