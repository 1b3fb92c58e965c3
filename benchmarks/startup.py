"""Jupyter server start-up time with the Mass IDE extension enabled vs disabled.

Each start is timed from launching ``jupyter server`` to its first answered
``GET /api/status``, alternating with / without, in a fresh root folder each
time (so the workspace and its database are created on every "with" start).
"""

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from benchmarks.report import figure, write_report

STARTS = 7
TOKEN = "startup-benchmark"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_one_start(*, with_extension: bool) -> float:
    """Seconds from launch to the first answered request."""
    port = free_port()
    with tempfile.TemporaryDirectory() as root:
        command = [
            sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
            f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root",
            f"--ServerApp.jpserver_extensions=mass_ide={with_extension}",
        ]
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=1)
                    return time.perf_counter() - started
                except OSError:
                    if server.poll() is not None:
                        raise RuntimeError("jupyter server exited during start-up") from None
                    time.sleep(0.01)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    """Alternate with / without, report medians and their ratio."""
    time_one_start(with_extension=True)  # warm the file-system caches for both variants
    samples = {"with": [], "without": []}
    for _ in range(STARTS):
        samples["with"].append(time_one_start(with_extension=True))
        samples["without"].append(time_one_start(with_extension=False))
    with_s, without_s = (statistics.median(samples[key]) for key in ("with", "without"))
    figures = {"with_vs_without": figure(with_s / without_s, goal="<= 1.15", unit="ratio")}
    table = [["variant", "median s", "min s", "max s", "starts"]] + [
        [key, f"{statistics.median(v):.3f}", f"{min(v):.3f}", f"{max(v):.3f}", len(v)] for key, v in samples.items()
    ]
    path = write_report(
        "startup",
        title="Jupyter server start-up: Mass IDE enabled vs disabled",
        figures=figures,
        table=table,
        notes=f"{STARTS} starts of each, alternating, after one warm-up start. Time is from launching "
        "`jupyter server` to its first answered `GET /api/status`; every start uses a fresh root "
        "folder, so 'with' includes creating the workspace and migrating its database.",
    )
    print(path.read_text())


if __name__ == "__main__":
    main()
