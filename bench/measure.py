"""Measuring helpers for bench.py: a child process's wall time, CPU seconds and peak RSS (from wait4), and
min / median / max over rounds."""
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class ChildResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_rss_kib: int


def child(command, env):
    """Runs a command to completion; its own resource usage, not the sum of every child so far."""
    started = time.time()
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
        # communicate() would reap the child itself: read stdout, then reap with wait4 for the child's own rusage.
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read()
    return ChildResult(process.returncode, stdout, stderr, time.time() - started, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


@dataclass
class Measured:
    seconds: list = field(default_factory=list)
    cpu: list = field(default_factory=list)
    rss_kib: list = field(default_factory=list)

    def add(self, seconds):
        self.seconds.append(seconds)

    def add_child(self, result):
        self.seconds.append(result.seconds)
        self.cpu.append(result.cpu_seconds)
        self.rss_kib.append(result.peak_rss_kib)

    def cpu_text(self):
        return f"{statistics.median(self.cpu):.1f}" if self.cpu else "—"

    def rss_text(self):
        return f"{max(self.rss_kib) / 1024:.0f}" if self.rss_kib else "—"


def spread(values):
    """`min / median / max` with sensible precision."""
    def fmt(value):
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    return f"{fmt(min(values))} / {fmt(statistics.median(values))} / {fmt(max(values))}"


def free_port_url():
    from harness import free_port
    port = free_port()
    return f"http://127.0.0.1:{port}", port


def ready(url):
    """Whether a service answers /readyz with 200 (False while it is not listening yet)."""
    import urllib.request
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
