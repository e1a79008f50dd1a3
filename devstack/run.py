"""`make run`: the whole local stack in the foreground. Ctrl-C or SIGTERM stops every process it started.

    AWS stand-in (moto server, DynamoDB + SES + Secrets Manager) -> tables -> demo data
    localstripe, chalice local (both start while the stand-in loads its data)

The data lives in the data folder (`.local/`): the store's journal and snapshot (`aws/`), localstripe's state, the
signing key, the demo keys (`demo.json`) and the banner (`banner.txt`). Demo data is seeded only into an empty store;
`make reset` (`--reset`) deletes the folder to start from scratch.

Stopping: the first Ctrl-C/SIGTERM stops every process (SIGTERM, then SIGKILL after a few seconds); further signals
only say so and never interrupt that. Every child also gets SIGTERM from the kernel if this process dies
(PR_SET_PDEATHSIG), so none is left behind even after `kill -9`. If the app process dies, it is restarted.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from devstack.env import ROOT, local_env

PR_SET_PDEATHSIG = 1
STOP_GRACE_SECONDS = 6.0  # then SIGKILL: everything is gone well within 10 s
APP_RESTARTS_PER_MINUTE = 5


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: SIGTERM when the process that started us dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


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
        self.names: dict[int, str] = {}
        self.quiet_authmon = True
        self.app_proc: subprocess.Popen | None = None
        self.gateway_proc: subprocess.Popen | None = None
        self.aws_url = f"http://127.0.0.1:{aws_port}"
        self.app_url = f"http://127.0.0.1:{app_port}"
        self.env: dict[str, str] = {}
        self.demo: dict | None = None
        self.stripe_url: str | None = None
        self._logs_begun: set[str] = set()

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            # A stack's logs begin with it (an old run's lines are not this run's); a restarted process appends.
            mode = "ab" if name in self._logs_begun else "wb"
            self._logs_begun.add(name)
            out = open(self.log_dir / f"{name}.log", mode)  # noqa: SIM115 - closed with the process
        parent = os.getpid()
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                start_new_session=True, preexec_fn=lambda: _die_with_parent(parent))
        if out is not None:
            out.close()  # the child holds its own copy
        self.procs.append(proc)
        self.names[proc.pid] = name
        return proc

    def start(self) -> Stack:
        """Start every process; independent ones overlap: localstripe and the app boot while the store loads its data,
        and only the tables and demo data wait for the store."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.env = local_env(aws_url=self.aws_url, app_port=self.app_port, data_dir=self.data_dir,
                             base_url=self.base_url)
        aws = self._spawn("aws", [sys.executable, "-m", "devstack.aws_server", "--port", str(self.aws_port),
                                  "--data-dir", str(self.data_dir / "aws")])
        for hook in STARTUP_HOOKS:  # they may set the app's environment, so they run before it starts
            hook(self)
        self._spawn_app()
        wait_http(self.aws_url, timeout=120, proc=aws)
        demo_file = self.data_dir / "demo.json"
        parent = os.getpid()
        subprocess.run([sys.executable, "-m", "devstack.setup_data", "--seed" if self.seed else "--no-seed",
                        "--out", str(demo_file)], cwd=ROOT, env=self.env, check=True,
                       preexec_fn=lambda: _die_with_parent(parent))
        self.demo = json.loads(demo_file.read_text()) if demo_file.exists() else None
        self._wait_app()
        self.start_gateway()
        return self

    def start_app(self) -> None:
        self._spawn_app()
        self._wait_app()

    def _spawn_app(self) -> None:
        args = [sys.executable, "-m", "devstack.app_server", "--stage", "local", "--host", "127.0.0.1",
                "--port", str(self.app_port)]
        self.app_proc = self._spawn("app", args + (["--quiet-authmon"] if self.quiet_authmon else []))

    def _wait_app(self) -> None:
        wait_http(f"{self.app_url}/healthz", proc=self.app_proc)

    def start_gateway(self) -> None:
        if not (self.demo and self.demo.get("gateway")):
            return
        gw = self.demo["gateway"]
        self.gateway_port = self.gateway_port or free_port()
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        # The faskey goes to the simulator in a file only we can read, never on its command line (`ps` shows those
        # to every local user).
        faskey_file = self.data_dir / "demo-gateway.faskey"
        faskey_file.touch(mode=0o600)
        faskey_file.chmod(0o600)
        faskey_file.write_text(gw["faskey"])
        self.gateway_proc = self._spawn("gateway", [
            sys.executable, "-m", "devstack.gateway", "--app", self.app_url, "--gateway-id", gw["gateway_id"],
            "--faskey-file", str(faskey_file), "--gatewayname", gw["gatewayname"], "--port", str(self.gateway_port)])
        wait_http(f"{self.gateway_url}/status", proc=self.gateway_proc)

    def pid_of(self, name: str) -> int:
        return next(pid for pid, n in self.names.items() if n == name)

    def exited(self) -> list[subprocess.Popen]:
        return [p for p in self.procs if p.poll() is not None]

    def restart(self, proc: subprocess.Popen) -> None:
        """Start a dead app (or simulated router) process again; the store and the data keep running."""
        self.procs.remove(proc)
        name = self.names.pop(proc.pid, "?")
        if proc is self.app_proc:
            self.start_app()
        elif proc is self.gateway_proc:
            self.start_gateway()
        else:
            raise RuntimeError(f"cannot restart {name}")

    def stop(self) -> None:
        """SIGTERM to every process group, SIGKILL to what is left after the grace period; waits for all."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
        for proc in self.procs:
            _signal_group(proc, signal.SIGKILL)  # anything the child itself started
            proc.wait()
        self.procs.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


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


# Other domains add steps here (e.g. payments starts localstripe and registers the webhook). They run while the store
# is still loading its data: a step that needs the store waits for it (wait_http(stack.aws_url)).
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
        f"  AWS stand-in:      {stack.aws_url}  (DynamoDB, SES, Secrets Manager; kept in {stack.data_dir},"
        " `make reset` starts from scratch)",
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
    text = "\n".join(lines)
    (stack.data_dir / "banner.txt").write_text(text.strip() + f"\n(this banner: {stack.data_dir / 'banner.txt'})\n")
    print(text, flush=True)


def _stripe_banner(stack: Stack) -> list[str]:
    url = getattr(stack, "stripe_url", None)
    if not url:
        return []
    return [f"  Stripe stand-in:   {url}  (localstripe; test card 4242 4242 4242 4242, see docs/payments.md)"]


BANNER_LINES: list = [_stripe_banner]


def _footfall_banner(stack: Stack) -> list[str]:
    from devstack.footfall_demo import banner_lines

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


def reset(data_dir: Path) -> None:
    """Delete the local data folder (store, localstripe, signing key, demo keys): the next start is a first start."""
    pid_file = data_dir / "run.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text())
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            pass
        else:
            raise SystemExit(f"make run is still running (pid {pid}); stop it first")
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"removed {data_dir}; the next `make run` starts with an empty store and fresh demo data")


def supervise(stack: Stack) -> None:
    """Until a signal: restart a dead app process (and the simulated router); any other death stops the stack."""
    restarts: list[float] = []
    while True:
        time.sleep(0.5)
        for proc in stack.exited():
            name = stack.names.get(proc.pid, "?")
            if name not in ("app", "gateway"):
                print(f"the {name} process exited with {proc.returncode}; stopping the stack", file=sys.stderr)
                return
            restarts = [t for t in restarts if time.monotonic() - t < 60] + [time.monotonic()]
            if len(restarts) > APP_RESTARTS_PER_MINUTE:
                print(f"the {name} process keeps exiting; stopping the stack", file=sys.stderr)
                return
            print(f"the {name} process exited with {proc.returncode}; restarting it (the store keeps running)",
                  file=sys.stderr, flush=True)
            stack.restart(proc)
            print(f"the {name} process is running again", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("AWS_PORT", "0")) or None)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--log-authmon", action="store_true", help="log the simulated router's authmon polls")
    parser.add_argument("--reset", action="store_true", help="delete the local data folder and exit")
    args = parser.parse_args(argv)
    data_dir = Path(os.environ.get("MARKTPLATZ_DATA_DIR", ROOT / ".local")).resolve()
    if args.reset:
        reset(data_dir)
        return
    stack = Stack(app_port=args.port, aws_port=args.aws_port or free_port(), data_dir=data_dir,
                  seed=not args.no_seed, base_url=os.environ.get("MARKTPLATZ_BASE_URL"))
    stack.gateway_port = int(os.environ.get("GATEWAY_PORT", "0")) or (args.port + 1)
    stack.quiet_authmon = not args.log_authmon
    signals = 0

    def _stop(signum: int, _frame: object) -> None:
        nonlocal signals
        signals += 1
        if signals == 1:
            raise KeyboardInterrupt  # interrupts whatever start-up or supervision is doing; stop() runs next
        print(f"{signal.Signals(signum).name} again: still stopping, this takes a few seconds", file=sys.stderr,
              flush=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "run.pid").write_text(str(os.getpid()))
    try:
        stack.start()
        _print_banner(stack)
        supervise(stack)
    except KeyboardInterrupt:
        pass
    finally:
        signals = max(signals, 1)  # from here on a signal never interrupts the clean-up
        print("stopping the local stack", file=sys.stderr, flush=True)
        stack.stop()
        (data_dir / "run.pid").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
