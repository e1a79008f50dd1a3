"""Marktplatz: a town centre's vouchers, public WLAN and footfall. This file only wires the pieces together."""

from chalice import Chalice, Rate

from chalicelib.core.auth import credentials_middleware
from chalicelib.core.http import answer_store_outages, error_middleware
from chalicelib.core.logs import request_logging
from chalicelib.footfall.routes import bp as footfall_routes
from chalicelib.payments.routes import bp as payment_routes
from chalicelib.signing.routes import bp as signing_key_routes
from chalicelib.system.routes import bp as system_routes
from chalicelib.vouchers.pages import bp as voucher_pages
from chalicelib.vouchers.retailer_routes import bp as retailer_routes
from chalicelib.vouchers.routes import bp as voucher_routes
from chalicelib.web.routes import bp as web_pages
from chalicelib.wlan.admin_routes import bp as wlan_admin_routes
from chalicelib.wlan.jobs import bp as wlan_jobs
from chalicelib.wlan.routes import bp as wlan_routes

app = Chalice(app_name="marktplatz")
app.api.binary_types.extend(["image/png", "image/x-icon"])
app.register_middleware(request_logging, "all")  # outermost: every line of the request carries its id
app.register_middleware(error_middleware, "http")
app.register_middleware(credentials_middleware(app), "http")  # inside the error middleware: its 401 is JSON
answer_store_outages()

app.register_blueprint(system_routes)
app.register_blueprint(voucher_routes)
app.register_blueprint(retailer_routes)
app.register_blueprint(voucher_pages)
app.register_blueprint(signing_key_routes)
app.register_blueprint(web_pages)
app.register_blueprint(payment_routes)
app.register_blueprint(wlan_admin_routes)
app.register_blueprint(wlan_routes)
app.register_blueprint(wlan_jobs)
app.register_blueprint(footfall_routes)


@app.schedule(Rate(10, unit=Rate.MINUTES))
def reconcile_payments(event):  # type: ignore[no-untyped-def]
    """No paid order lost: issue what a lost webhook left undone, retry refunds Stripe did not take."""
    from chalicelib.payments.reconcile import reconcile

    return reconcile()
