"""What every page must pass in the browser: axe-core (serious and critical findings fail) and screenshots at
phone and laptop width, saved as test artifacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
WIDTHS = {"phone": (360, 780), "laptop": (1280, 900)}
TABLET = {"tablet": (768, 1024)}


# Elements sticking out of the viewport, skipping what sits inside a scrolling box (which is fine).
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')].filter(e => {
    if (e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1) return false;
    for (let p = e.parentElement; p; p = p.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
    }
    return true;
}).slice(0, 8).map(e =>
    `${e.tagName.toLowerCase()}#${e.id}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any, name: str) -> None:
    bad = axe_violations(page)
    assert not bad, f"axe-core found serious/critical problems on {name}:\n" + json.dumps(bad, indent=1)


def screenshots(page: Any, name: str, extra: dict[str, tuple[int, int]] | None = None) -> list[Path]:
    """Screenshots at 360 px and 1280 px (and any extra widths); axe runs at each width, as layouts differ."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    paths = []
    for label, (width, height) in {**WIDTHS, **(extra or {})}.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        path = SHOTS / f"{name}-{label}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        paths.append(path)
        assert_accessible(page, f"{name} at {width} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            culprits = page.evaluate(WIDE_ELEMENTS)
            raise AssertionError(f"{name} scrolls sideways by {overflow} px at {width} px: {culprits}")
    if original:
        page.set_viewport_size(original)
    return paths


def assert_no_external_requests(page: Any) -> None:
    assert not page.external_requests, f"requests left the app: {page.external_requests}"
