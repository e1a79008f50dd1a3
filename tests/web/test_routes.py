"""The page routes in-process: languages, the PWA files, and the local-Stripe bridge closed outside local mode."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.web.shops import zone_label


@pytest.mark.parametrize("path", ["/", "/haendler", "/dashboard"])
def test_pages_german_by_default_english_on_request(client: Any, path: str) -> None:
    de = client.http.get(path)
    assert de.status_code == 200 and de.headers["Content-Type"].startswith("text/html")
    assert '<html lang="de">' in de.body.decode()
    en = client.http.get(f"{path}?lang=en")
    assert '<html lang="en">' in en.body.decode()
    assert '<html lang="en">' in client.http.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"}).body.decode()


def test_till_manifest_and_service_worker(client: Any) -> None:
    manifest = client.http.get("/haendler.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.body)
    assert data["start_url"] == "/haendler" and data["scope"] == "/haendler"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        accept = {"Accept": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"}  # as a browser asks
        assert client.http.get(icon["src"], headers=accept).status_code == 200
    sw = client.http.get("/haendler-sw.js")
    assert sw.headers["Content-Type"].startswith("text/javascript") and "no-cache" in sw.headers["Cache-Control"]
    assert "/api/" in sw.body.decode()  # API calls are never cached


def test_local_stripe_bridge_is_closed_without_localstripe(dev_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = dev_client
    from chalicelib.core import settings

    monkeypatch.delenv("MARKTPLATZ_STRIPE_API_BASE", raising=False)
    settings.reset()
    assert client.http.get("/stripe-local/v3.js").status_code == 404
    r = client.http.post("/stripe-local/confirm", headers={"Content-Type": "application/json"},
                         body=json.dumps({"client_secret": "pi_x_secret_y", "card": {}}))
    assert r.status_code == 404
    assert json.loads(r.body)["error"]["code"] == "not_found"
    html = client.http.get("/").body.decode()
    assert "stripe" not in html.lower().replace("stripe-local", "")  # local mode without localstripe: no script


def test_zone_labels() -> None:
    assert zone_label("muensterstrasse") == "Muensterstraße"
    assert zone_label("markt-sued") == "Markt Sued"
    assert zone_label("markt") == "Markt"


def test_real_stripe_keys_close_the_bridge_and_load_stripe_js(dev_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = dev_client
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_real")
    settings.reset()
    assert client.http.get("/stripe-local/v3.js").status_code == 404
    html = client.http.get("/").body.decode()
    assert '<script src="https://js.stripe.com/v3/"' in html and "/stripe-local/" not in html


def test_local_mode_with_localstripe_serves_the_stand_in(dev_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = dev_client
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    settings.reset()
    html = client.http.get("/").body.decode()
    assert '<script src="/stripe-local/v3.js"' in html and "js.stripe.com" not in html
    assert "confirmPayment" in client.http.get("/stripe-local/elements.js").body.decode()
    r = client.http.post("/stripe-local/confirm", headers={"Content-Type": "application/json"},
                         body=json.dumps({"client_secret": "not-a-secret", "card": {}}))
    assert r.status_code == 400  # reached, and refuses a malformed client secret before calling localstripe


@pytest.fixture
def dev_client(client: Any) -> Any:
    """The in-process app with the local stack's own routes, as `devstack.app_server` serves it."""
    from app import app
    from devstack import stripe_local

    stripe_local.register(app)
    return client


def test_the_app_alone_has_no_local_stack_routes() -> None:
    import subprocess
    import sys

    code = "import app; print(sorted(p for p in app.app.routes if 'stripe-local' in p))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
