"""What the browser tests share besides fixtures: the lab's token, where screenshots go, page helpers.

Waits end on events (a status reached, a frame drawn), never after a fixed time; what
depends on training speed gets ``LAST_RESORT_MS``, a limit only a hang reaches.
"""

import time
from pathlib import Path

TOKEN = "mass-ide-browser-test"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
LAST_RESORT_MS = 600_000
FINAL_RUN_STATUSES = ("completed", "failed", "cancelled", "interrupted", "pruned")


def api_get(page, lab, path: str) -> dict:
    """GET a Mass IDE route with the lab's token; the answer's JSON."""
    separator = "&" if "?" in path else "?"
    response = page.request.get(f"{lab['url']}/mass-ide/api/{path}{separator}token={TOKEN}")
    assert response.ok, (path, response.status, response.text())
    return response.json()


def wait_for_api(page, lab, path: str, condition, what: str) -> dict:
    """Poll a route until ``condition(answer)`` holds (or ``LAST_RESORT_MS`` passed); the answer."""
    deadline = time.monotonic() + LAST_RESORT_MS / 1000
    while True:
        answer = api_get(page, lab, path)
        if condition(answer):
            return answer
        assert time.monotonic() < deadline, f"gave up waiting for {what}: {answer}"
        time.sleep(0.25)


def wait_for_run_end(page, lab, run_id: int) -> dict:
    """The run, once it reached a final status (asked over the REST API)."""
    return wait_for_api(page, lab, f"runs/{run_id}", lambda run: run["status"] in FINAL_RUN_STATUSES,
                        f"run {run_id} to end")


def next_frames(page) -> None:
    """Wait until the page has drawn two more frames: what was due in the next frame has run and painted."""
    page.evaluate("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))")


def open_mass_sidebar(page) -> None:
    """Show the Mass sidebar (its tab toggles, so click only when hidden)."""
    if not page.locator("#mass-ide-sidebar").is_visible():
        page.locator('.jp-SideBar [data-id="mass-ide-sidebar"]').click()
    page.locator("#mass-ide-sidebar").wait_for()


def switch_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme ("JupyterLab Light" or "JupyterLab Dark") and wait until it applies."""
    light = "true" if theme == "JupyterLab Light" else "false"
    page.evaluate("theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme)
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{light}'")
    page.locator("#jupyterlab-splash").wait_for(state="detached")
    next_frames(page)  # the lab's relayout and the charts' new colours come in the frame after the switch


def hide_toasts(page) -> None:
    """Keep JupyterLab's notifications (its question about news) from covering the panels in screenshots."""
    page.add_style_tag(content=".Toastify { display: none !important; }")
