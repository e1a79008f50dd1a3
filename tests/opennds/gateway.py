"""The real openNDS (Debian's package) as a test gateway, in network namespaces of its own.

    guest ns  192.168.77.2 ──veth── 192.168.77.1  gateway ns (openNDS)  10.77.0.1 ──veth── upstream ns
                                                                                  10.77.0.2  FAS (http :80, https :443)
                                                                                  10.77.0.9  "internet" (http :80)

The FAS address relays through a unix socket to the app listening on the host's loopback. openNDS runs in a mount
namespace of its own (its config, a DHCP lease for the guest, iptables' legacy backend, a tmpfs on /run) and a PID
namespace of its own: its scripts look up `opennds` and `authmon.sh` by name, and stopping the namespace's first
process ends every process openNDS started. Only addresses inside these namespaces are used.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GUEST_IP, GATEWAY_LAN_IP = "192.168.77.2", "192.168.77.1"
GATEWAY_WAN_IP, FAS_IP, INTERNET_IP = "10.77.0.1", "10.77.0.2", "10.77.0.9"
GUEST_MAC = "02:5a:77:00:00:02"
# What the tier needs, and the Debian package that brings it.
PACKAGES = {"/usr/bin/opennds": "opennds", "/usr/bin/php": "php-cli", "/usr/sbin/xtables-legacy-multi": "iptables",
            "/usr/bin/curl": "curl", "/usr/bin/pgrep": "procps", "/usr/bin/nsenter": "util-linux",
            "/usr/bin/logger": "bsdutils"}
IP_COMMAND = ("/usr/sbin/ip", "/usr/bin/ip", "/sbin/ip", "/bin/ip")


def ensure_packages() -> None:
    """Debian's openNDS and its run-time helpers, installed with apt-get when missing (CI is a fresh machine)."""
    from tests.support.debian import ensure_packages as install

    install(sorted(set(PACKAGES.values())), present=list(PACKAGES))
    if not any(os.path.exists(p) for p in IP_COMMAND):
        install(["iproute2"], present=["/usr/sbin/ip"])


def run(*args: str, check: bool = True, timeout: float = 30, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, capture_output=True, text=True, timeout=timeout, **kwargs)


def make_tls(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for the FAS address (level 3: PHP checks it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Marktplatz test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, FAS_IP)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.IPv4Address(FAS_IP))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "fas.pem", folder / "fas.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class AppBridge:
    """Host side of the FAS relay: a unix socket whose connections are relayed to the app on loopback."""

    def __init__(self, path: Path, app_port: int) -> None:
        self.path, self.app_port = path, app_port
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(64)
        self.closed = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        from tests.opennds.upstream import pump

        while not self.closed:
            try:
                conn, _ = self.listener.accept()
                app = socket.create_connection(("127.0.0.1", self.app_port), timeout=30)
                app.settimeout(None)
            except OSError:
                continue
            threading.Thread(target=pump, args=(app, conn), daemon=True).start()
            threading.Thread(target=pump, args=(conn, app), daemon=True).start()

    def close(self) -> None:
        self.closed = True
        self.listener.close()


@dataclass
class Http:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Network:
    """The three namespaces, the upstream relay and the host bridge; `close()` removes all of it."""

    app_port: int
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="marktplatz-opennds-")))
    tag: str = field(default_factory=lambda: f"{os.getpid() % 100000}")
    procs: list[subprocess.Popen] = field(default_factory=list)
    bridge: AppBridge | None = None

    @property
    def guest(self) -> str:
        return f"mp-guest-{self.tag}"

    @property
    def gateway(self) -> str:
        return f"mp-gw-{self.tag}"

    @property
    def upstream(self) -> str:
        return f"mp-up-{self.tag}"

    @property
    def hold_file(self) -> Path:
        return self.work / "release-authmon"

    @property
    def record_file(self) -> Path:
        return self.work / "fas-requests.jsonl"

    def open(self) -> Network:
        self.ca, cert, key = make_tls(self.work)
        ip = next(p for p in IP_COMMAND if os.path.exists(p))
        for ns in (self.guest, self.gateway, self.upstream):
            run(ip, "netns", "add", ns)
        t = self.tag
        steps = [
            ["link", "add", f"mpg{t}", "type", "veth", "peer", "name", f"mpl{t}"],
            ["link", "add", f"mpw{t}", "type", "veth", "peer", "name", f"mpu{t}"],
            ["link", "set", f"mpg{t}", "netns", self.guest],
            ["link", "set", f"mpl{t}", "netns", self.gateway],
            ["link", "set", f"mpw{t}", "netns", self.gateway],
            ["link", "set", f"mpu{t}", "netns", self.upstream],
            ["-n", self.guest, "link", "set", f"mpg{t}", "address", GUEST_MAC],
            ["-n", self.guest, "addr", "add", f"{GUEST_IP}/24", "dev", f"mpg{t}"],
            ["-n", self.gateway, "addr", "add", f"{GATEWAY_LAN_IP}/24", "dev", f"mpl{t}"],
            ["-n", self.gateway, "addr", "add", f"{GATEWAY_WAN_IP}/24", "dev", f"mpw{t}"],
            ["-n", self.upstream, "addr", "add", f"{FAS_IP}/24", "dev", f"mpu{t}"],
            ["-n", self.upstream, "addr", "add", f"{INTERNET_IP}/24", "dev", f"mpu{t}"],
        ]
        for ns in (self.guest, self.gateway, self.upstream):
            steps.append(["-n", ns, "link", "set", "lo", "up"])
        steps += [["-n", self.guest, "link", "set", f"mpg{t}", "up"],
                  ["-n", self.gateway, "link", "set", f"mpl{t}", "up"],
                  ["-n", self.gateway, "link", "set", f"mpw{t}", "up"],
                  ["-n", self.upstream, "link", "set", f"mpu{t}", "up"],
                  ["-n", self.guest, "route", "add", "default", "via", GATEWAY_LAN_IP],
                  ["-n", self.gateway, "route", "add", "default", "via", FAS_IP],
                  ["-n", self.upstream, "route", "add", "192.168.77.0/24", "via", GATEWAY_WAN_IP]]
        for step in steps:
            run(ip, *step)
        run(ip, "netns", "exec", self.gateway, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self.bridge = AppBridge(self.work / "app.sock", self.app_port)
        ready = self.work / "upstream.ready"
        log = open(self.work / "upstream.log", "ab")  # noqa: SIM115 - closed with the process
        self.procs.append(subprocess.Popen(
            [ip, "netns", "exec", self.upstream, sys.executable, "-m", "tests.opennds.upstream",
             "--fas-ip", FAS_IP, "--internet-ip", INTERNET_IP, "--unix", str(self.work / "app.sock"),
             "--cert", str(cert), "--key", str(key), "--hold-authmon", str(self.hold_file),
             "--record", str(self.record_file), "--ready", str(ready)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        wait_for(lambda: ready.exists(), 20, "the upstream relay")
        return self

    def close(self) -> None:
        for proc in self.procs:
            stop_process(proc)
        if self.bridge is not None:
            self.bridge.close()
        ip = next(p for p in IP_COMMAND if os.path.exists(p))
        for ns in (self.guest, self.gateway, self.upstream):
            run(ip, "netns", "delete", ns, check=False)  # its veth ends go with it

    # --- the guest -------------------------------------------------------------------------------------------
    def curl(self, url: str, *, data: dict[str, str] | None = None, timeout: float = 15,
             headers: dict[str, str] | None = None) -> Http:
        """One request from the guest's namespace, redirects not followed (the test follows them itself)."""
        args = ["ip", "netns", "exec", self.guest, "curl", "-sS", "--max-time", str(int(timeout)), "-D", "-",
                "--cacert", str(self.ca), "-A", "Mozilla/5.0 (Linux; Android 14) Marktplatz-Test"]
        for name, value in (headers or {}).items():
            args += ["-H", f"{name}: {value}"]
        if data is not None:
            for name, value in data.items():
                args += ["--data-urlencode", f"{name}={value}"]
        done = subprocess.run([*args, url], capture_output=True, timeout=timeout + 5, check=False)
        if done.returncode != 0:
            raise ConnectionError(f"curl {url}: {done.returncode} {done.stderr.decode(errors='replace').strip()}")
        return parse_response(done.stdout.decode("utf-8", errors="replace"))

    def requests(self) -> list[dict[str, Any]]:
        if not self.record_file.exists():
            return []
        return [json.loads(line) for line in self.record_file.read_text().splitlines() if line.strip()]


def parse_response(raw: str) -> Http:
    head, _, body = raw.partition("\r\n\r\n")
    while head.startswith("HTTP/") and " 100 " in head.split("\r\n", 1)[0]:
        head, _, body = body.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Http(int(lines[0].split()[1]), headers, body)


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")


def stop_process(proc: subprocess.Popen, grace: float = 5) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace)


CONFIG = """GatewayInterface {lan}
GatewayName {gatewayname}
gatewayfqdn disable
dhcp_default_url_enable 0
login_option_enabled 0
fas_secure_enabled {level}
fasremoteip {fas_ip}
fasport {fasport}
faspath {faspath}
faskey {faskey}
sessiontimeout {sessiontimeout}
binauth /usr/lib/opennds/binauth_log.sh
debuglevel 3

FirewallRuleSet authenticated-users {{
}}
FirewallRuleSet preauthenticated-users {{
}}
FirewallRuleSet users-to-router {{
    FirewallRule allow udp port 53
    FirewallRule allow tcp port 53
    FirewallRule allow udp port 67
}}
"""

# The namespace has no syslog (/dev/log): authmon and binauth log through `logger`, so a stand-in writes their
# messages to a file the tests read.
LOGGER = """#!/bin/sh
tag=logger; prio=user.notice
while [ $# -gt 0 ]; do
  case "$1" in
    -t) tag="$2"; shift 2 ;;
    -p) prio="$2"; shift 2 ;;
    -s|-i) shift ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
if [ $# -gt 0 ]; then echo "$tag $prio $*" >> "{path}"; exit 0; fi
while IFS= read -r line; do echo "$tag $prio $line" >> "{path}"; done
"""

START = """set -e
mount --bind "$MP_LOGGER" /usr/bin/logger
mount -t tmpfs tmpfs /run
mount --bind /usr/sbin/xtables-legacy-multi /usr/sbin/xtables-nft-multi
mount --bind "$MP_CONF" /etc/opennds/opennds.conf
mkdir -p /var/lib/misc
mount --bind "$MP_LEASES" /var/lib/misc
for table in filter nat mangle; do iptables-legacy -t $table -F; iptables-legacy -t $table -X; done
exec /usr/bin/opennds -f -d 3
"""


@dataclass
class RealOpenNDS:
    """One run of the openNDS daemon in the gateway namespace; `stop()` ends it and everything it started."""

    net: Network
    level: int
    faskey: str
    faspath: str
    gatewayname: str = "Marktplatz Test"
    sessiontimeout: int = 30
    gateway_id: str = ""
    proc: subprocess.Popen | None = None
    started_at: float = 0.0

    @property
    def log_path(self) -> Path:
        return self.net.work / f"opennds-level{self.level}-{self.gateway_id}.log"

    @property
    def syslog_path(self) -> Path:
        return self.net.work / f"syslog-level{self.level}-{self.gateway_id}.log"

    def start(self) -> RealOpenNDS:
        work = self.net.work
        conf = work / f"opennds-level{self.level}.conf"
        conf.write_text(CONFIG.format(lan=f"mpl{self.net.tag}", gatewayname=self.gatewayname, level=self.level,
                                      fas_ip=FAS_IP, fasport=443 if self.level == 3 else 80, faspath=self.faspath,
                                      faskey=self.faskey, sessiontimeout=self.sessiontimeout))
        leases = work / "leases"
        leases.mkdir(exist_ok=True)
        expiry = int(time.time()) + 86400
        (leases / "dnsmasq.leases").write_text(f"{expiry} {GUEST_MAC} {GUEST_IP} marktplatz-guest *\n")
        logger = work / "logger"
        logger.write_text(LOGGER.replace("{path}", str(self.syslog_path)))
        logger.chmod(0o755)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "MP_CONF": str(conf), "MP_LEASES": str(leases),
               "MP_LOGGER": str(logger),
               "SSL_CERT_FILE": str(self.net.ca), "HOME": "/root", "LANG": "C.UTF-8"}
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.started_at = time.time()
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.net.gateway, "unshare", "--mount", "--propagation", "private", "--pid",
             "--fork", "--mount-proc", "--kill-child=SIGKILL", "sh", "-c", START],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._ready, 30, "openNDS start-up", interval=0.2)
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"openNDS exited ({self.proc.returncode}):\n{self.log()[-3000:]}")
        return self.daemon_pid() is not None and self.ndsctl("status", check=False).returncode == 0

    def daemon_pid(self) -> int | None:
        """openNDS's PID as the host sees it: the first process of its PID namespace."""
        if self.proc is None:
            return None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return None
        for child in children:
            try:
                if Path(f"/proc/{child}/comm").read_text().strip() == "opennds":
                    return int(child)
            except OSError:
                continue
        return None

    def ndsctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        pid = self.daemon_pid()
        if pid is None:
            raise RuntimeError("openNDS is not running")
        for _attempt in range(20):  # exit 4: another ndsctl (authmon's, binauth's) holds the lock: try again
            done = run("nsenter", "-t", str(pid), "-m", "-n", "-p", "ndsctl", *args, check=False, timeout=20)
            if done.returncode != 4:
                break
            time.sleep(0.25)
        if check and done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, ["ndsctl", *args], done.stdout, done.stderr)
        return done

    def clients(self) -> dict[str, Any]:
        return json.loads(self.ndsctl("json").stdout or "{}").get("clients", {})

    def guest_state(self) -> str | None:
        for client in self.clients().values():
            if client.get("mac") == GUEST_MAC:
                return client.get("state")
        return None

    def log(self) -> str:
        """What the router would show: the daemon's output and its scripts' syslog messages."""
        return "".join(p.read_text(errors="replace") for p in (self.log_path, self.syslog_path) if p.exists())

    def syslog(self) -> str:
        return self.syslog_path.read_text(errors="replace") if self.syslog_path.exists() else ""

    def stop(self) -> None:
        """SIGKILL to `unshare` (it ignores SIGTERM): --kill-child ends openNDS, the first process of its PID
        namespace, and with it every process in that namespace (authmon, PHP, shells)."""
        if self.proc is not None:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None
