"""Marktplatz: a town centre's vouchers, public WLAN and footfall. This file only wires the pieces together."""

from chalice import Chalice

from chalicelib.core.http import error_middleware
from chalicelib.system.routes import bp as system_routes
from chalicelib.vouchers.pages import bp as voucher_pages
from chalicelib.vouchers.retailer_routes import bp as retailer_routes
from chalicelib.vouchers.routes import bp as voucher_routes
from chalicelib.web.routes import bp as web_pages

app = Chalice(app_name="marktplatz")
app.api.binary_types.append("image/png")
app.register_middleware(error_middleware, "http")

app.register_blueprint(system_routes)
app.register_blueprint(voucher_routes)
app.register_blueprint(retailer_routes)
app.register_blueprint(voucher_pages)
app.register_blueprint(web_pages)
