"""Waiting for a server started in a subprocess (browser and notebook tests)."""

import subprocess
import time
import urllib.request


def wait_until_answering(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    """Poll ``url`` until the server answers, failing early if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url} in {timeout} s")
