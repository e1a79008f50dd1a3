"""`make run`'s entry point: starts the stack with demo data, prints URLs and keys, and SIGTERM stops it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from devstack.run import free_port

pytestmark = [pytest.mark.stack, pytest.mark.xdist_group("stack")]
ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = {int(p) for p in out.split()}
    for child in list(found):
        found |= _children(child)
    return found


def test_run_prints_the_banner_and_sigterm_stops_every_process() -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "GATEWAY_PORT": str(free_port()),
           "MARKTPLATZ_DATA_DIR": tempfile.mkdtemp(prefix="mp-run-")}
    env.pop("MARKTPLATZ_BASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        banner = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in banner, banner[-2000:]
        assert "Admin token:" in banner and "key=mpk_" in banner and f"http://127.0.0.1:{port}/v/" in banner
        assert "Stripe stand-in:   http://127.0.0.1:" in banner  # localstripe, on loopback
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
        shops = requests.get(f"http://127.0.0.1:{port}/api/v1/shops", timeout=5).json()["shops"]
        assert len(shops) >= 2
        children = _children(proc.pid)
        assert children, "the stack should run its services as child processes"
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        time.sleep(0.5)
        alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
                 and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
        assert alive == []
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
