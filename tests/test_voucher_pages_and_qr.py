"""The voucher page, its QR images, the QR size budget, the OpenAPI document and health."""

from __future__ import annotations

import json
import re

from chalicelib.signing.token import encode
from chalicelib.vouchers.qr import qr_png, qr_text, qr_version
from tests.conftest import Api
from tests.support.qr import decode_png


def test_qr_fits_version_7_at_level_m_with_a_32_char_base_url() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    token = encode(255, "zzzzzzzzzzzzzzzz", Ed25519PrivateKey.generate())
    base = "https://gutscheine.billerbeck.de"  # 32 characters
    assert len(base) == 32
    url = f"{base}/v/{token}"
    assert qr_version(url) <= 7
    text, _ = decode_png(qr_png(url))
    assert text == url.upper() == qr_text(url)


def test_voucher_page_german_and_english(api: Api) -> None:
    [v] = api.vouchers(2500)
    de = api.call("GET", f"/v/{v['token']}")
    assert de.status_code == 200 and de.headers["Content-Type"].startswith("text/html")
    html = de.body.decode() if isinstance(de.body, bytes) else de.body
    assert 'lang="de"' in html and "25,00 €" in html and "Drucken" in html and "qr.svg" in html
    assert "private" in de.headers["Cache-Control"]
    en = api.call("GET", f"/v/{v['token']}?lang=en")
    html_en = en.body.decode() if isinstance(en.body, bytes) else en.body
    assert 'lang="en"' in html_en and "Print" in html_en and "Valid until" in html_en
    upper = api.call("GET", f"/V/{v['token'].upper()}")
    assert upper.status_code == 200


def test_voucher_page_unknown_or_tampered_is_a_plain_404(api: Api) -> None:
    [v] = api.vouchers(2500)
    for token in ("nope", v["token"][:-1] + ("A" if v["token"][-1] != "A" else "B")):
        r = api.call("GET", f"/v/{token}")
        assert r.status_code == 404
        assert "nicht gefunden" in (r.body.decode() if isinstance(r.body, bytes) else r.body)


def test_qr_images(api: Api) -> None:
    [v] = api.vouchers(2500)
    svg = api.call("GET", f"/v/{v['token']}/qr.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    body = svg.body.decode() if isinstance(svg.body, bytes) else svg.body
    assert body.lstrip().startswith("<?xml") or "<svg" in body
    png = api.call("GET", f"/v/{v['token']}/qr.png", headers={"Accept": "image/png"})
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    text, _ = decode_png(png.body)
    assert text == v["url"].upper()
    assert api.call("GET", "/v/bogus/qr.png").status_code == 404


def test_openapi_describes_every_route(client, api: Api) -> None:  # type: ignore[no-untyped-def]
    from app import app

    spec = api.json("GET", "/openapi.json", expect=200)
    assert spec["openapi"].startswith("3.")
    for path, methods in app.routes.items():
        assert path in spec["paths"], path
        for method in methods:
            op = spec["paths"][path][method.lower()]
            assert op["summary"], f"{method} {path} needs a docstring"
            for name in re.findall(r"{([^}]+)}", path):
                assert any(p["name"] == name for p in op["parameters"])
    assert set(spec["paths"]) == set(app.routes)
    assert spec["paths"]["/api/v1/redemptions"]["post"]["security"] == [{"bearer": []}]


def test_healthz_and_unknown_route_shape(api: Api) -> None:
    assert api.json("GET", "/healthz", expect=200) == {"status": "ok"}
    r = api.call("GET", "/api/v1/does-not-exist")
    assert r.status_code in (403, 404)
    r = api.call("DELETE", "/api/v1/vouchers/balance")
    assert r.status_code == 405
    assert json.loads(r.body)["error"]["code"] == "method_not_allowed"


def test_spending_history_for_the_token_holder(api: Api) -> None:
    shop = api.retailer(zone="markt", name="Café <Domblick>")
    [voucher] = api.vouchers(amount=2000)
    first = api.redeem(shop["api_key"], voucher["token"], 1500)
    assert first.status_code == 201
    api.json("POST", f"/api/v1/redemptions/{first.json_body['redemption_id']}/reversal", token=shop["api_key"],
             expect=201)
    assert api.redeem(shop["api_key"], voucher["token"], 2000).status_code == 201
    history = api.json("GET", f"/api/v1/vouchers/spending?token={voucher['token']}", expect=200)
    assert [(r["amount_cents"], r["shop"], r["reversed"]) for r in history["redemptions"]] == [
        (1500, "Café <Domblick>", True), (2000, "Café <Domblick>", False)]
    assert set(history["redemptions"][0]) == {"at", "amount_cents", "shop", "reversed"}  # no retailer id, no address
    assert api.json("GET", "/api/v1/vouchers/spending?token=NOPE", expect=400)["error"]["code"] == "invalid_token"
    html = api.call("GET", f"/v/{voucher['token']}").body.decode()
    assert "Vollständig eingelöst" in html and "vollständig eingelöst" in html
    assert "Café &lt;Domblick&gt;" in html and "Café <Domblick>" not in html
    assert html.count('data-testid="spent-row"') == 2 and "(storniert)" in html
