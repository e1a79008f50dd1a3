"""Browser tests: Debian's Chromium (installed with apt-get when missing) driven by Playwright, against the real
local stack. Never `playwright install`: the browser comes from the distribution."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def ensure_chromium() -> str:
    from tests.support.debian import ensure_packages

    ensure_packages(["chromium"], present=[CHROMIUM])
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> str:
    return ensure_chromium()


@pytest.fixture(scope="session")
def built_assets() -> None:
    from devstack import assets

    assets.build()


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def launch(playwright_session: Any, chromium: str) -> Iterator[Callable[..., Any]]:
    """Starts a Chromium with our flags plus any extra ones (the fake camera needs them at launch)."""
    browsers: list[Any] = []

    def _launch(*extra: str) -> Any:
        browser = playwright_session.chromium.launch(executable_path=chromium, args=[*CHROMIUM_ARGS, *extra],
                                                     headless=True)
        browsers.append(browser)
        return browser

    yield _launch
    for browser in browsers:
        browser.close()


@pytest.fixture(scope="session")
def browser(launch: Callable[..., Any]) -> Any:
    return launch()


@pytest.fixture(scope="session")
def web(stack: Any, built_assets: None) -> Any:
    """The running stack, with assets in place before any page is opened."""
    return stack


@pytest.fixture
def page(browser: Any, web: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE",
                                  timezone_id="Europe/Berlin", base_url=web.app_url)
    pg = context.new_page()
    guard_external_requests(pg, web.app_url)
    yield pg
    context.close()


def guard_external_requests(pg: Any, app_url: str) -> list[str]:
    """Records every request that leaves the app's origin: a page must make none."""
    outside: list[str] = []

    def _check(request: Any) -> None:
        url = request.url
        if not url.startswith(app_url) and not url.startswith(("data:", "blob:", "about:")):
            outside.append(url)

    pg.on("request", _check)
    pg.external_requests = outside
    return outside
