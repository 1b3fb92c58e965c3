"""Nothing committed is lost: the server never reads its own database as data, and a SIGKILL loses no row.

A real ``jupyter server`` runs in a subprocess. Closing any descriptor of an SQLite
file drops every lock the process holds on it; if a hostile import made the server
do that, the next process to open and close the database would take itself for the
last user, checkpoint and delete the WAL the server still writes into, and rows the
API had answered for would never reach the disk.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from servers import start_jupyter_server

from mass_ide.core.serving.deployments import free_port

TOKEN = "mass-ide-database-safety"
HOSTILE_PATHS = ["mass-workspace/mass.db", "mass-workspace/mass.db-wal", "mass-workspace/mass.db-shm",
                 "mass-workspace", "mass-workspace/artifacts", "mass-workspace/trash", ".", "labs.csv",
                 "linked.csv", "folder-with-link"]


@pytest.fixture
def server(tmp_path):
    """A Jupyter server with Mass IDE in ``tmp_path/root``; yields (root, port, process)."""
    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    port = free_port()
    process = start_jupyter_server(root, token=TOKEN, port=port, log=home / "server.log")
    try:
        yield root, port, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


def call(port: int, method: str, route: str, body: dict | None = None) -> tuple[int, dict]:
    """One API request with the token: (status, JSON answer)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mass-ide/api/{route}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def open_and_close_elsewhere(database) -> None:
    """What a training worker, the CLI or a notebook does: open the database, read, close."""
    code = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('select count(*) from projects'); c.close()"
    subprocess.run([sys.executable, "-c", code, str(database)], check=True, timeout=120)


def project_names_on_disk(database) -> set[str]:
    """The project names a fresh process finds in the database file."""
    code = ("import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "print(json.dumps([r[0] for r in c.execute('select name from projects')]))")
    found = subprocess.run([sys.executable, "-c", code, str(database)], check=True, capture_output=True, text=True,
                           timeout=120)
    return set(json.loads(found.stdout))


def plant_links(root) -> None:
    """A hard link and symbolic links to the database under the server root, dressed as data."""
    database = root / "mass-workspace" / "mass.db"
    os.link(database, root / "labs.csv")
    (root / "linked.csv").symlink_to(database)
    (root / "folder-with-link").mkdir()
    (root / "folder-with-link" / "table.csv").symlink_to(database)


def test_the_workspace_is_never_an_import_source_and_no_write_is_lost(server):
    root, port, _ = server
    assert call(port, "POST", "projects", {"name": "Before", "template": "liver-function"})[0] == 201
    plant_links(root)
    for path in HOSTILE_PATHS:
        status, answer = call(port, "POST", "projects/before/datasets", {"path": path})
        assert status == 400, (path, answer)
        assert "never imported" in answer["message"], (path, answer)
        assert str(root) not in answer["message"]  # no absolute server paths in messages
    database = root / "mass-workspace" / "mass.db"
    open_and_close_elsewhere(database)
    assert (root / "mass-workspace" / "mass.db-wal").exists()  # the server's lock kept the WAL in place
    assert call(port, "POST", "projects", {"name": "After", "template": "cancer-prediction"})[0] == 201
    assert project_names_on_disk(database) == {"Before", "After"}


def test_sigkill_loses_no_committed_row(server):
    root, port, process = server
    for name in ("One", "Two", "Three"):
        assert call(port, "POST", "projects", {"name": name, "template": "liver-function"})[0] == 201
    assert call(port, "POST", "projects/one/datasets", {"path": "mass-workspace/mass.db"})[0] == 400
    open_and_close_elsewhere(root / "mass-workspace" / "mass.db")
    assert call(port, "DELETE", "projects/two")[0] == 204
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    database = root / "mass-workspace" / "mass.db"
    assert project_names_on_disk(database) == {"One", "Two", "Three"}
    with sqlite3.connect(database) as fresh:
        actions = [row[0] for row in fresh.execute("select action from audit order by id")]
        trashed = [row[0] for row in fresh.execute("select name from projects where deleted_at is not null")]
    assert actions.count("project.create") == 3 and "project.trash" in actions
    assert trashed == ["Two"]
