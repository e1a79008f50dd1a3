"""`make run`'s entry point: starts the stack with demo data, prints URLs and keys, and SIGTERM stops it all."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from devstack.run import free_port
from tests.conftest import without_test_timeouts

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
    data_dir = Path(tempfile.mkdtemp(prefix="mp-run-"))
    with without_test_timeouts() as environ:
        env = {**environ, "PORT": str(port), "GATEWAY_PORT": str(free_port()),
               "MARKTPLATZ_DATA_DIR": str(data_dir)}
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
        assert "Press Ctrl-C to stop." in (data_dir / "banner.txt").read_text()  # the banner, kept for later
        children = _children(proc.pid)
        assert children, "the stack should run its services as child processes"
        time.sleep(5)  # the simulated router's authmon polls the app every 2 s meanwhile
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)  # impatient: a second signal must not abort the clean-up
        rest = proc.communicate(timeout=30)[0]
        while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() - stopping < 10:
            time.sleep(0.1)
        assert time.monotonic() - stopping < 10
        alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
                 and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
        assert alive == []
        assert "/wlan/fas/" not in rest, rest[-2000:]  # authmon polls are not logged by default
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
