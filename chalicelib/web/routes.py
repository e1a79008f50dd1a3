"""The web front ends: the shop, the retailer till (a PWA) and the marketing dashboard.

Pages are server-rendered shells in the visitor's language (German by default); their own scripts under /static do
the rest against the public API. Everything is served by the app itself: no CDN, no external request.
"""

from __future__ import annotations

import json

from chalice import Blueprint, Response

from chalicelib.core import settings
from chalicelib.system.routes import STATIC_ROOT
from chalicelib.web.dashboard_page import dashboard_page
from chalicelib.web.layout import pick_lang
from chalicelib.web.scanner_page import manifest, scanner_page
from chalicelib.web.shop_page import shop_page

bp = Blueprint(__name__)


@bp.route("/haendler", methods=["GET"])
def retailer_till():
    """The retailer till (HTML): scan or type a voucher, redeem, undo, today's list."""
    return scanner_page(pick_lang(bp.current_request))


@bp.route("/haendler.webmanifest", methods=["GET"])
def retailer_till_manifest():
    """The till's web app manifest, so a phone can install it."""
    body = json.dumps(manifest(pick_lang(bp.current_request), settings.get().town_name), ensure_ascii=False)
    return Response(body=body, headers={"Content-Type": "application/manifest+json",
                                        "Cache-Control": "public, max-age=3600"})


@bp.route("/haendler-sw.js", methods=["GET"])
def retailer_till_service_worker():
    """The till's service worker; served from the root so its scope can cover /haendler."""
    body = (STATIC_ROOT / "js" / "haendler-sw.js").read_text(encoding="utf-8")
    return Response(body=body, headers={"Content-Type": "text/javascript; charset=utf-8",
                                        "Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


@bp.route("/", methods=["GET"])
def shop():
    """The voucher shop (HTML): buy vouchers, participating shops, balance check."""
    return shop_page(pick_lang(bp.current_request))


@bp.route("/dashboard", methods=["GET"])
def marketing_dashboard():
    """The marketing dashboard (HTML): footfall, comparisons, events, redemptions, WLAN, heatmap, CSV."""
    return dashboard_page(pick_lang(bp.current_request))
