"""A stopped Jupyter server stops its deployment workers, and the next one starts them again.

The server runs as a real ``jupyter server`` subprocess with the Mass IDE extension, as a
user starts it, so SIGTERM goes through jupyter_server's own shutdown to ``stop_extension``.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mass_ide.core.data import datasets
from mass_ide.core.runs.scheduler import pid_alive
from mass_ide.core.serving import deployments
from mass_ide.core.serving.evaluate import WorkerClient
from tests.servers import wait_until_answering

TOKEN = "mass-ide-stop-test"


@pytest.fixture
def labs(trained_labs, tmp_path):
    """A copy of the session's trained liver-function workspace: (workspace, table, registered version)."""
    ws, table, version = trained_labs.copy(tmp_path / "workspace")
    yield ws, table, version
    ws.close()


def start_server(workspace, home: Path) -> subprocess.Popen:
    """``jupyter server`` with Mass IDE on ``workspace``, answering; its log is ``home/server.log``."""
    home.mkdir()
    port = deployments.free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={workspace.root}",
         f"--MassIDEApp.workspace_dir={workspace.root}", "--allow-root"],
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=(home / "server.log").open("w"))
    wait_until_answering(f"http://127.0.0.1:{port}/mass-ide/api/deployments?token={TOKEN}", process)
    return process


def wait_until_running(workspace, deployment_id: int, timeout: float = 180) -> dict:
    """The deployment once its worker runs (polled; ``timeout`` is a last resort)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = deployments.get_deployment(workspace, deployment_id)
        if found["status"] == "running":
            return found
        assert found["status"] in deployments.LIVE, found["error"]
        time.sleep(0.2)
    raise TimeoutError(f"deployment {deployment_id} never ran")


def refuses_connections(port: int) -> bool:
    """Whether nothing listens on the loopback ``port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def stop(process: subprocess.Popen, signum: int = signal.SIGTERM) -> None:
    """Signal a server (SIGTERM as a service manager does, SIGINT as Ctrl-C) and wait for it to exit."""
    process.send_signal(signum)
    process.wait(timeout=120)


def test_sigterm_or_ctrl_c_stops_the_deployment_workers_and_the_next_server_starts_them_again(labs, tmp_path):
    workspace, table, version = labs
    records = [item.meta for item in datasets.all_items(workspace, table.id)[:2]]
    made = deployments.deploy(workspace, version["model"], version["number"], user="notebook")  # as a kernel does
    servers = [start_server(workspace, tmp_path / "first")]
    try:
        running = wait_until_running(workspace, made["id"])  # the server's supervisor started its worker
        expected = WorkerClient(port=running["port"], secret=running["secret"]).predict_records(records)
        stop(servers[0])
        assert not pid_alive(running["pid"]) and refuses_connections(running["port"])
        handed_over = deployments.get_deployment(workspace, made["id"])
        assert (handed_over["status"], handed_over["pid"], handed_over["port"]) == ("starting", None, None)
        assert "stopped with the IDE server" in handed_over["error"]
        assert "they start again with the server" in (tmp_path / "first" / "server.log").read_text()

        servers.append(start_server(workspace, tmp_path / "second"))
        again = wait_until_running(workspace, made["id"])
        assert again["pid"] != running["pid"] and pid_alive(again["pid"]) and again["error"] is None
        assert WorkerClient(port=again["port"], secret=again["secret"]).predict_records(records) == expected
        log = (tmp_path / "second" / "server.log").read_text()
        assert f"starting the workers of deployments {made['id']} again" in log
        stop(servers[1], signal.SIGINT)  # Ctrl-C without a terminal: no confirmation, no stop_extension either
        assert not pid_alive(again["pid"]) and refuses_connections(again["port"])
        assert deployments.get_deployment(workspace, made["id"])["error"] == deployments.SUSPENDED
    finally:
        for server in servers:
            if server.poll() is None:
                stop(server)
        found = deployments.get_deployment(workspace, made["id"])
        if found["status"] in deployments.LIVE:
            deployments.undeploy(workspace, made["id"], user="test")
