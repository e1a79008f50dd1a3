"""Debian packages a test tier needs, installed by the project itself when missing (CI is a fresh machine).

Two xdist workers (or two tiers) may need packages at the same moment; dpkg allows one installer at a time, so
installs are serialised by an exclusive lock and each waits for dpkg's own lock instead of failing at once."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterable

_LOCK = "/var/lock/marktplatz-apt.lock"
_WAIT = ["-o", "DPkg::Lock::Timeout=900"]


def ensure_packages(packages: Iterable[str], *, present: Iterable[str]) -> None:
    """Installs `packages` unless every path in `present` exists already."""
    wanted = list(present)
    if all(os.path.exists(p) for p in wanted):
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError(f"missing {wanted}; install Debian's {' '.join(packages)} (apt-get install)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with open(_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(os.path.exists(p) for p in wanted):  # another worker installed them while we waited
            return
        subprocess.run(["apt-get", *_WAIT, "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", *_WAIT, "install", "-y", "-qq", "--no-install-recommends", *packages],
                       check=True, env=env)
