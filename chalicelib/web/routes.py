"""The web front ends: the shop, the retailer till (a PWA) and the marketing dashboard.

Pages are server-rendered shells in the visitor's language (German by default); their own scripts under /static do
the rest against the public API. Everything is served by the app itself: no CDN, no external request.
"""

from __future__ import annotations

import json
import re

from chalice import Blueprint, Response

from chalicelib.core import settings
from chalicelib.core.errors import not_found
from chalicelib.system.routes import STATIC_ROOT
from chalicelib.web import legal
from chalicelib.web.dashboard_page import dashboard_page
from chalicelib.web.layout import page, pick_lang
from chalicelib.web.scanner_page import manifest, scanner_page
from chalicelib.web.shop_page import shop_page

bp = Blueprint(__name__)
ORDER_ID_RE = re.compile(r"^ord_[A-Za-z0-9]{6,40}$")


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


@bp.route("/bestellung/{order_id}", methods=["GET"])
def order_page(order_id: str):
    """An order's durable page (HTML): `/bestellung/<order id>#<order secret>` shows its vouchers again. The secret
    stays in the fragment, so it never reaches a server or a log; the page's script asks the API with it."""
    if not ORDER_ID_RE.match(order_id):
        raise not_found("No such order.")
    return shop_page(pick_lang(bp.current_request), order_id=order_id)


@bp.route("/dashboard", methods=["GET"])
def marketing_dashboard():
    """The marketing dashboard (HTML): footfall, comparisons, events, redemptions, WLAN, heatmap, CSV."""
    return dashboard_page(pick_lang(bp.current_request))


@bp.route("/favicon.ico", methods=["GET"])
def favicon():
    """The town's icon for browser tabs (browsers ask for /favicon.ico on every site)."""
    body = (STATIC_ROOT / "img" / "favicon.ico").read_bytes()
    return Response(body=body, headers={"Content-Type": "image/x-icon", "Cache-Control": "public, max-age=86400"})


def _legal_page(slug: str) -> Response:
    lang = pick_lang(bp.current_request)
    body = f'<article class="legal">{legal.legal_html(slug, lang)}</article>'
    return page(legal.title(slug, lang), body, lang, lang_switch_path=f"/{slug}",
                headers={"Cache-Control": "public, max-age=300"})


@bp.route("/impressum", methods=["GET"])
def imprint():
    """Impressum (HTML): who runs the voucher shop, per town."""
    return _legal_page("impressum")


@bp.route("/datenschutz", methods=["GET"])
def privacy_policy():
    """Datenschutzerklärung (HTML): what Marktplatz stores and for how long."""
    return _legal_page("datenschutz")


@bp.route("/agb", methods=["GET"])
def terms():
    """AGB (HTML): the terms of the voucher purchase."""
    return _legal_page("agb")


@bp.route("/widerruf", methods=["GET"])
def withdrawal_notice():
    """Widerrufsbelehrung (HTML) with the model withdrawal form."""
    return _legal_page("widerruf")
