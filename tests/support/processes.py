"""`make run` as a user runs it, for stack tests: started as a process, its output read as it comes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = {int(p) for p in out.split()}
    for child in list(found):
        found |= descendants(child)
    return found


def alive(pids: set[int]) -> list[int]:
    def running(pid: int) -> bool:
        try:
            return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
        except OSError:
            return False

    return [pid for pid in pids if running(pid)]


class MakeRun:
    """`python -m devstack.run` with its own ports and data folder; `output` collects every line it prints."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.output: list[str] = []
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180) -> str:
        self.output = []
        self.proc = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        banner = threading.Event()

        def read() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                self.output.append(line)
                if "Press Ctrl-C to stop." in line:
                    banner.set()
            banner.set()

        threading.Thread(target=read, daemon=True).start()
        banner.wait(timeout)
        text = "".join(self.output)
        assert "Press Ctrl-C to stop." in text, text[-3000:]
        return text

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, *signals: int, timeout: float = 10) -> float:
        """Send the signals (0.2 s apart); returns the seconds until the process and all its children are gone."""
        assert self.proc is not None
        children = descendants(self.pid)
        started = time.monotonic()
        for sig in signals or (signal.SIGTERM,):
            self.proc.send_signal(sig)
            time.sleep(0.2)
        self.proc.wait(timeout=timeout)
        while alive(children) and time.monotonic() - started < timeout:
            time.sleep(0.1)
        assert alive(children) == [], "processes left behind"
        return time.monotonic() - started

    def child(self, module: str) -> int:
        """The pid of the child process running `python -m <module>`."""
        for pid in descendants(self.pid):
            try:
                if module in Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0"):
                    return pid
            except OSError:
                continue
        raise AssertionError(f"no {module} process")

    def wait_for_line(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in list(self.output) if text in line]
            if found:
                return found[-1]
            time.sleep(0.2)
        raise AssertionError(f"no line with {text!r}: {''.join(self.output)[-2000:]}")

    def kill_everything(self) -> None:
        """kill -9 of every process of the stack at once, as a crash or the OOM killer would."""
        pids = descendants(self.pid) | {self.pid}
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert self.proc is not None
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alive(pids) == []

    def ensure_stopped(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for pid in descendants(self.pid) | {self.pid}:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
