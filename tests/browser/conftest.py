"""Fixtures of the browser tests: a real JupyterLab with Mass IDE in a subprocess, and Debian's Chromium.

Playwright's sync API runs its own event loop, so pytest-jupyter's loop and
cleanup fixtures are replaced here by ones that do nothing.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pages import TOKEN
from servers import wait_until_answering

from mass_ide.core.serving.deployments import free_port
from mass_ide.core.workspace import Workspace

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """Playwright's sync API runs its own event loop here; keep pytest-jupyter's out of the way."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    """No in-process Jupyter server to clean up: these tests start a real one in a subprocess."""
    yield


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A real JupyterLab with Mass IDE on a free port, in an empty root folder, shared by every browser test
    module (each makes its own projects; :func:`undeploy_after_module` stops what a module deployed)."""
    root = tmp_path_factory.mktemp("lab-root")
    home = tmp_path_factory.mktemp("lab-home")
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
            "--allow-root",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=open(home / "server.log", "w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{url}/api/status?token={TOKEN}", server)
        yield {"url": url, "root": root, "log": home / "server.log"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        stop_deployment_workers(root / "mass-workspace")


@pytest.fixture(scope="module", autouse=True)
def undeploy_after_module(lab):
    """Undeploy whatever a test module left serving, so prediction workers do not pile up in the shared lab."""
    yield
    from mass_ide.core.serving.deployments import LIVE, undeploy

    ws = Workspace.open(lab["root"] / "mass-workspace")
    try:
        for row in list(ws.db["deployments"].rows_where("status IN (?, ?)", list(LIVE))):
            undeploy(ws, row["id"], user="browser-test")
    finally:
        ws.close()


def stop_deployment_workers(workspace_root) -> None:
    """Stop the prediction workers the lab started (they outlive a server on purpose, to be adopted on restart)."""
    from mass_ide.core.processes import terminate as stop_worker

    if not (workspace_root / "mass.db").is_file():
        return
    ws = Workspace.open(workspace_root)
    try:
        for row in ws.db["deployments"].rows_where("pid IS NOT NULL"):
            stop_worker(row["pid"])
    finally:
        ws.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, per module: Playwright's sync API keeps an event loop running while it is open,
    which the asyncio tests after the browser tests need for themselves."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab):
    """A JupyterLab page, loaded and with the Launcher showing."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{lab['url']}/lab?reset&token={TOKEN}")  # a fresh layout, not the last test's tabs
    page.locator(".jp-LauncherCard").first.wait_for(timeout=60_000)
    yield page
    context.close()
