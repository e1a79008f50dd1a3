"""Static assets from npm: `npm ci` when node_modules is missing or stale, then copy the files the pages use into
chalicelib/static/vendor (what the Lambda serves; no CDN). Called by `make run`, `make test` and the browser tests.

Versions are pinned in package.json and package-lock.json; a stamp holding the lock file's hash tells whether
node_modules is current, so a second run costs nothing and needs no network.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "chalicelib" / "static" / "vendor"
STAMP = NODE_MODULES / ".marktplatz-lock.sha256"

# package file -> name under /static/vendor/. Only what a page loads; test-only packages (axe-core) stay in
# node_modules and are injected by the browser tests.
VENDORED = {
    "jsqr/dist/jsQR.js": "jsQR.js",
    "uplot/dist/uPlot.iife.min.js": "uPlot.iife.min.js",
    "uplot/dist/uPlot.min.css": "uPlot.min.css",
    "jsqr/LICENSE": "jsQR.LICENSE.txt",
    "uplot/LICENSE": "uPlot.LICENSE.txt",
}


def _lock_hash() -> str:
    return hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()


def install_packages() -> None:
    wanted = _lock_hash()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to vendor the front-end packages (apt-get install npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], cwd=ROOT,
                   check=True)
    STAMP.write_text(wanted + "\n")


def copy_vendored() -> list[Path]:
    VENDOR.mkdir(parents=True, exist_ok=True)
    written = []
    for source, name in VENDORED.items():
        src, dst = NODE_MODULES / source, VENDOR / name
        if not src.is_file():
            raise SystemExit(f"{src} is missing: is package.json in step with devstack/assets.py?")
        if not dst.is_file() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
        written.append(dst)
    return written


def build() -> list[Path]:
    # Test workers may call this at once: one runs npm, the others wait and then find the stamp current.
    with open(ROOT / ".assets.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        install_packages()
        return copy_vendored()


def main() -> None:
    files = build()
    print(f"assets: {len(files)} vendored files in {VENDOR.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
