"""What the browser tests share besides fixtures: the lab's token, where screenshots go, page helpers."""

from pathlib import Path

TOKEN = "mass-ide-browser-test"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"


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
    page.wait_for_timeout(300)  # the theme's stylesheet swaps in after the flag


def hide_toasts(page) -> None:
    """Keep JupyterLab's notifications (its question about news) from covering the panels in screenshots."""
    page.add_style_tag(content=".Toastify { display: none !important; }")
