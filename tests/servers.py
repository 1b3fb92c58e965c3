"""Jupyter servers started in a subprocess (browser, notebook and fault tests), and waiting for them."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


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


def start_jupyter_server(root, *, token: str, port: int, log, options: tuple[str, ...] = ()) -> subprocess.Popen:
    """``jupyter server`` with Mass IDE in ``root`` (its workspace ``root/mass-workspace``), answering on ``port``.

    Its Jupyter configuration and runtime folders live beside its ``log`` file, so the
    user's own settings never leak in. The caller stops it.
    """
    home = Path(log).parent
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--allow-root", *options],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")},
        stdout=subprocess.DEVNULL, stderr=Path(log).open("w"))
    wait_until_answering(f"http://127.0.0.1:{port}/mass-ide/api/templates?token={token}", process)
    return process
