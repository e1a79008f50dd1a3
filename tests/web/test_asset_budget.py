"""Each page's own JS and CSS stay under 150 KB gzipped (the chart library excepted), and nothing is fetched from
another host. Measured from the HTML the app really serves, through the in-process client."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "chalicelib" / "static"
BUDGET = 150 * 1024
CHARTS = {"/static/vendor/uPlot.iife.min.js", "/static/vendor/uPlot.min.css"}
PAGES = ["/", "/haendler", "/dashboard"]


def page_assets(html: str) -> list[str]:
    return re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"',
                                                                       html)


def gzipped(path: str) -> int:
    if path.startswith("/stripe-local/"):
        return 0  # local mode only: localstripe's own script, never served in production
    assert path.startswith("/static/"), f"asset from outside the app: {path}"
    return len(gzip.compress((STATIC / path.removeprefix("/static/")).read_bytes(), 9))


@pytest.fixture(scope="module")
def vendored() -> None:
    from devstack import assets

    assets.build()


@pytest.mark.parametrize("path", PAGES)
def test_page_assets_fit_the_budget(client: Any, vendored: None, path: str) -> None:
    html = client.http.get(path).body.decode("utf-8")
    assets = page_assets(html)
    assert assets, path
    sizes = {a: gzipped(a) for a in assets if a not in CHARTS}
    total = sum(sizes.values())
    detail = ", ".join(f"{a} {s / 1024:.1f}" for a, s in sizes.items())
    print(f"{path}: {total / 1024:.1f} KB gzipped own JS+CSS ({detail})")
    assert total < BUDGET, (path, sizes)
    assert not re.search(r'(src|href)="(https?:)?//', html), f"{path} refers to another host"


def test_voucher_page_assets(client: Any, api: Any, vendored: None) -> None:
    token = api.vouchers(1000)[0]["token"]
    html = client.http.get(f"/v/{token}").body.decode("utf-8")
    total = sum(gzipped(a) for a in page_assets(html))
    print(f"/v/<token>: {total / 1024:.1f} KB gzipped own JS+CSS")
    assert 0 < total < BUDGET
