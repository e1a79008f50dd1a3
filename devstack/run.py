"""`make run`: the whole local stack in the foreground. Ctrl-C or SIGTERM stops every process it started.

    AWS stand-in (moto server, DynamoDB + SES + Secrets Manager) -> tables -> demo data -> chalice local
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from devstack.env import ROOT, local_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as err:
            if getattr(err, "code", None):  # an HTTP error still means the server is up
                return
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up in {timeout:.0f}s")


class Stack:
    """The processes of the local stack; used by `make run` and by the end-to-end tests alike."""

    def __init__(self, *, app_port: int, aws_port: int, data_dir: Path, seed: bool = True,
                 log_dir: Path | None = None, base_url: str | None = None) -> None:
        self.app_port, self.aws_port, self.data_dir, self.seed = app_port, aws_port, data_dir, seed
        self.log_dir = log_dir
        self.base_url = base_url
        self.gateway_port: int | None = None
        self.gateway_url: str | None = None
        self.procs: list[subprocess.Popen] = []
        self.aws_url = f"http://127.0.0.1:{aws_port}"
        self.app_url = f"http://127.0.0.1:{app_port}"
        self.env: dict[str, str] = {}
        self.demo: dict | None = None
        self.stripe_url: str | None = None

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def start(self) -> Stack:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = local_env(aws_url=self.aws_url, app_port=self.app_port, data_dir=self.data_dir,
                             base_url=self.base_url)
        aws = self._spawn("aws", [sys.executable, "-m", "devstack.aws_server", "--port", str(self.aws_port)])
        wait_http(self.aws_url, proc=aws)
        for hook in STARTUP_HOOKS:
            hook(self)
        subprocess.run([sys.executable, "-m", "devstack.setup_data", "--seed" if self.seed else "--no-seed",
                        "--out", str(self.data_dir / "demo.json")], cwd=ROOT, env=self.env, check=True)
        self.demo = json.loads((self.data_dir / "demo.json").read_text()) if self.seed else None
        app = self._spawn("app", [sys.executable, "-m", "devstack.app_server", "--stage", "local",
                                  "--host", "127.0.0.1", "--port", str(self.app_port)])
        wait_http(f"{self.app_url}/healthz", proc=app)
        if self.demo and self.demo.get("gateway"):
            gw = self.demo["gateway"]
            self.gateway_port = self.gateway_port or free_port()
            self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
            sim = self._spawn("gateway", [sys.executable, "-m", "devstack.gateway", "--app", self.app_url,
                                          "--gateway-id", gw["gateway_id"], "--faskey", gw["faskey"],
                                          "--gatewayname", gw["gatewayname"], "--port", str(self.gateway_port)])
            wait_http(f"{self.gateway_url}/status", proc=sim)
        return self

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


def start_localstripe(stack: Stack) -> None:
    """localstripe on loopback (state in the data folder); the app is pointed at it and its webhook registered."""
    from chalicelib.payments.config import LOCAL_WEBHOOK_SECRET

    port = int(os.environ.get("STRIPE_PORT", "0")) or free_port()
    stack.stripe_url = f"http://127.0.0.1:{port}"
    proc = stack._spawn("stripe", [sys.executable, "-m", "devstack.stripe_server", "--port", str(port),
                                   "--data-dir", str(stack.data_dir / "stripe")])
    wait_http(f"{stack.stripe_url}/js.stripe.com/v3/", proc=proc)
    if not stack.env.get("STRIPE_SECRET_KEY"):  # with real Stripe keys the app talks to real Stripe instead
        stack.env["MARKTPLATZ_STRIPE_API_BASE"] = stack.stripe_url
    body = json.dumps({"url": f"{stack.app_url}/api/v1/stripe/webhook", "secret": LOCAL_WEBHOOK_SECRET}).encode()
    request = urllib.request.Request(f"{stack.stripe_url}/_config/webhooks/marktplatz", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10):
        pass


# Other domains add steps here (e.g. payments starts localstripe and registers the webhook).
STARTUP_HOOKS: list = [start_localstripe]


def _print_banner(stack: Stack) -> None:
    from chalicelib.core.settings import LOCAL_ADMIN_TOKEN

    admin = os.environ.get("MARKTPLATZ_ADMIN_TOKEN", LOCAL_ADMIN_TOKEN)
    lines = [
        "",
        "Marktplatz is running (local mode).",
        f"  App:               {stack.app_url}/",
        f"  Health:            {stack.app_url}/healthz",
        f"  API description:   {stack.app_url}/openapi.json",
        f"  Admin token:       {admin}",
        f"  AWS stand-in:      {stack.aws_url}  (DynamoDB, SES, Secrets Manager; data is lost on restart)",
    ]
    for extra in BANNER_LINES:
        lines.extend(extra(stack))
    if stack.demo:
        lines.append("  Demo retailers (API keys):")
        for r in stack.demo["retailers"]:
            lines.append(f"    {r['name']:<24} zone={r['zone']:<16} key={r['api_key']}")
        lines.append("  Demo vouchers:")
        for v in stack.demo["vouchers"]:
            lines.append(f"    {v['balance_cents'] / 100:.2f} EUR  {v['url']}")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), flush=True)


def _stripe_banner(stack: Stack) -> list[str]:
    url = getattr(stack, "stripe_url", None)
    if not url:
        return []
    return [f"  Stripe stand-in:   {url}  (localstripe; test card 4242 4242 4242 4242, see docs/payments.md)"]


BANNER_LINES: list = [_stripe_banner]


def _footfall_banner(stack: Stack) -> list[str]:
    from chalicelib.footfall.demo import banner_lines

    return banner_lines(stack.demo)


BANNER_LINES.append(_footfall_banner)


def _web_banner(stack: Stack) -> list[str]:
    return [f"  Shop:              {stack.app_url}/",
            f"  Retailer till:     {stack.app_url}/haendler  (sign in with a retailer key below)",
            f"  Marketing:         {stack.app_url}/dashboard"]


BANNER_LINES.append(_web_banner)


def _backoffice_banner(stack: Stack) -> list[str]:
    from chalicelib.staff.demo import banner_lines

    return banner_lines(stack.app_url, (stack.demo or {}).get("staff"))


BANNER_LINES.append(_backoffice_banner)


def _wlan_banner(stack: Stack) -> list[str]:
    if not stack.gateway_url:
        return []
    return [f"  Public WLAN:       {stack.gateway_url}/  (a simulated openNDS router: open it to log in as a guest;"
            f" {stack.gateway_url}/status shows who is online)"]


BANNER_LINES.append(_wlan_banner)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "0")) or None)
    parser.add_argument("--no-seed", action="store_true")
    args = parser.parse_args(argv)
    data_dir = Path(os.environ.get("MARKTPLATZ_DATA_DIR", ROOT / ".local")).resolve()
    stack = Stack(app_port=args.port, aws_port=args.aws_port or free_port(), data_dir=data_dir,
                  seed=not args.no_seed, base_url=os.environ.get("MARKTPLATZ_BASE_URL"))
    stack.gateway_port = int(os.environ.get("GATEWAY_PORT", "0")) or (args.port + 1)

    def _stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        _print_banner(stack)
        while all(p.poll() is None for p in stack.procs):
            time.sleep(0.5)
        print("a process of the stack exited; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
