"""The UI in a real JupyterLab, driven in Debian's Chromium with Playwright for Python."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
TOKEN = "mass-ide-browser-test"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "browser"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    """Poll ``url`` until the server answers, failing early if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no answer from {url} in {timeout} s")


@pytest.fixture(autouse=True)
def jp_asyncio_loop():
    """Playwright's sync API runs its own event loop here; keep pytest-jupyter's out of the way."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup():
    """No in-process Jupyter server to clean up: these tests start a real one in a subprocess."""
    yield


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A real JupyterLab with Mass IDE on a free port, in an empty root folder."""
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


def stop_deployment_workers(workspace_root) -> None:
    """Stop the prediction workers the lab started (they outlive a server on purpose, to be adopted on restart)."""
    from mass_ide.core.serving.deployments import stop_worker

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
    """Headless Debian Chromium."""
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


def open_mass_sidebar(page) -> None:
    """Show the Mass sidebar (its tab toggles, so click only when hidden)."""
    if not page.locator("#mass-ide-sidebar").is_visible():
        page.locator('.jp-SideBar [data-id="mass-ide-sidebar"]').click()
    page.locator("#mass-ide-sidebar").wait_for()


def test_launcher_card_creates_a_project_shown_in_the_sidebar(page, lab):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    mass_section = page.locator(".jp-Launcher-section").filter(
        has=page.locator(".jp-Launcher-sectionTitle", has_text=re.compile("^Mass IDE$"))
    )
    launcher_cards = mass_section.locator(".jp-LauncherCard")
    assert sorted(launcher_cards.all_inner_texts()) == sorted(
        ["Liver function prediction", "Liver segmentation", "Cancer prediction"]
    )
    page.locator(".jp-LauncherCard", has_text="Liver function prediction").click()
    name_input = page.locator(".jp-Dialog input")
    name_input.fill("Browser study")
    page.screenshot(path=OUTPUT / "name-dialog.png")
    name_input.press("Enter")

    page.locator(".lm-TabBar-tab", has_text="liver_function.ipynb").wait_for()  # the notebook opened
    page.locator(".lm-TabBar-tab", has_text="Browser study").click()  # and so did the project panel
    panel = page.locator(".mass-ProjectPanel").filter(has_text="Browser study")
    panel.locator('[data-section="datasets"]').wait_for()
    assert "No datasets yet" in panel.inner_text()
    open_mass_sidebar(page)
    row = page.locator('#mass-ide-sidebar .mass-ProjectList-item[data-project-id="browser-study"]')
    row.wait_for()
    assert "Browser study" in row.inner_text()
    assert (lab["root"] / "mass-workspace" / "projects" / "browser-study" / "liver_function.ipynb").is_file()
    page.screenshot(path=OUTPUT / "project-created.png")


def background_of(page, selector: str) -> str:
    """The computed background colour of the first element matching ``selector``."""
    return page.locator(selector).first.evaluate("element => getComputedStyle(element).backgroundColor")


def test_sidebar_follows_the_dark_theme(page):
    open_mass_sidebar(page)
    light = background_of(page, "#mass-ide-sidebar")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'")
    page.wait_for_function(
        "light => getComputedStyle(document.querySelector('#mass-ide-sidebar')).backgroundColor !== light",
        arg=light,
    )
    page.locator("#jupyterlab-splash").wait_for(state="detached")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUTPUT / "dark-theme.png")
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'true'")
    assert background_of(page, "#mass-ide-sidebar") == light
