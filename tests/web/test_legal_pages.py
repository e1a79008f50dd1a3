"""Impressum, Datenschutzerklärung, AGB and Widerrufsbelehrung: per-town texts, linked from the foot of every page;
and /favicon.ico, which browsers ask for on every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser_checks import assert_accessible, assert_no_external_requests, screenshots

LEGAL = {"/impressum": "Impressum", "/datenschutz": "Datenschutzerklärung", "/agb": "Allgemeine Geschäftsbedingungen",
         "/widerruf": "Widerrufsbelehrung"}
FOOTER_DE = ["Impressum", "Datenschutz", "AGB", "Widerrufsbelehrung"]
FOOTER_EN = ["Legal notice", "Privacy", "Terms", "Right of withdrawal"]


def _footer(page: Any) -> list[tuple[str, str]]:
    return [(a.text_content(), a.get_attribute("href")) for a in page.locator("footer.legal-links a").all()]


@pytest.mark.browser
@pytest.mark.xdist_group("stack")
def test_every_page_links_the_legal_pages_and_has_a_favicon(page: Any, web: Any) -> None:
    voucher = web.demo["vouchers"][0]
    pages = ["/", "/haendler", "/dashboard", voucher["url"].replace(web.app_url, ""), "/bestellung/ord_abcdefgh",
             *LEGAL]
    for path in pages:
        page.goto(path)
        assert _footer(page) == list(zip(FOOTER_DE, ["/impressum", "/datenschutz", "/agb", "/widerruf"],
                                         strict=True)), path
        page.goto(path + ("&" if "?" in path else "?") + "lang=en")
        assert [text for text, _ in _footer(page)] == FOOTER_EN, path
        assert all(href.endswith("?lang=en") for _, href in _footer(page)), path
    favicon = page.request.get("/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"
    assert favicon.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert page.evaluate("document.querySelector('link[rel=icon]').getAttribute('href')") == "/favicon.ico"
    assert_no_external_requests(page)


@pytest.mark.browser
@pytest.mark.xdist_group("stack")
@pytest.mark.parametrize("path", list(LEGAL))
def test_legal_pages_german_and_english(page: Any, web: Any, path: str) -> None:
    page.goto(path)
    assert page.get_attribute("html", "lang") == "de"
    assert LEGAL[path] in page.text_content("h1")
    screenshots(page, f"legal{path.replace('/', '-')}")
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert "binding" in page.text_content(".binding")
    assert_accessible(page, f"{path} (en)")
    assert_no_external_requests(page)


@pytest.mark.browser
@pytest.mark.xdist_group("stack")
def test_privacy_policy_says_what_is_stored_and_for_how_long(page: Any, web: Any) -> None:
    page.goto("/datenschutz")
    text = " ".join(page.text_content("article").split())
    for fact in ("keine IP-Adressen und keine Geräteadressen (MAC)", "Tages-Pseudonym", "vernichtet",
                 "höchstens 7 Tage", "E-Mail-Adresse", "Stripe", "nach 5 Minuten", "Werte unter 10",
                 "nach 14 Tagen automatisch gelöscht",  # log groups outside prod (infra/stages.py)
                 "dauerhaft", "zehn Jahren"):
        assert fact in text, fact


# --- in-process: the texts are the town's ---------------------------------------------------------------------

def test_town_facts_fill_the_texts_and_missing_ones_are_marked(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import settings

    body = client.http.get("/impressum").body.decode()
    assert "Stadt Billerbeck" in body
    assert '<mark class="missing">[bitte eintragen: MARKTPLATZ_LEGAL_ADDRESS]</mark>' in body
    monkeypatch.setenv("MARKTPLATZ_LEGAL_ADDRESS", "Markt 1, 48727 Billerbeck")
    monkeypatch.setenv("MARKTPLATZ_LEGAL_OPERATOR", "Stadt Billerbeck <Stadtmarketing>")
    settings.reset()
    body = client.http.get("/impressum").body.decode()
    assert "Markt 1, 48727 Billerbeck" in body and "MARKTPLATZ_LEGAL_ADDRESS" not in body
    assert "Stadt Billerbeck &lt;Stadtmarketing&gt;" in body  # facts are text, never markup


def test_a_towns_own_text_replaces_the_default(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import settings
    from chalicelib.web import legal

    town_dir = legal.TEXTS_ROOT / "testhausen"
    town_dir.mkdir()
    try:
        (town_dir / "agb.de.html").write_text("<h1>AGB der Stadt $town</h1>", encoding="utf-8")
        monkeypatch.setenv("MARKTPLATZ_TOWN_NAME", "Testhausen")
        settings.reset()
        legal._template.cache_clear()
        assert "<h1>AGB der Stadt Testhausen</h1>" in client.http.get("/agb").body.decode()
        # Pages the town does not provide come from the defaults.
        assert "Widerrufsbelehrung" in client.http.get("/widerruf").body.decode()
    finally:
        (town_dir / "agb.de.html").unlink()
        town_dir.rmdir()
        legal._template.cache_clear()


def test_favicon_route(client: Any) -> None:
    r = client.http.get("/favicon.ico", headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/x-icon"
