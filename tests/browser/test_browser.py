"""The UI in a real JupyterLab, driven in Debian's Chromium with Playwright for Python."""

import re

from pages import LAST_RESORT_MS, OUTPUT, next_frames, open_mass_sidebar, switch_theme


def test_launcher_card_creates_a_project_shown_in_the_sidebar_and_sample_data_is_one_click_away(page, lab):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
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

    notebook_tab = page.locator(".lm-TabBar-tab", has_text="liver_function.ipynb")
    notebook_tab.wait_for()  # the notebook opened
    # Untouched, it stays saved once its kernel has started (and told JupyterLab its language_info).
    page.wait_for_function(NOTEBOOK_KERNEL_IDLE, timeout=LAST_RESORT_MS)
    assert "jp-mod-dirty" not in notebook_tab.get_attribute("class")
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

    page.locator(".lm-TabBar-tab", has_text="Browser study").click()
    offer = panel.get_by_role("button", name="Add the template's sample data")
    offer.wait_for()
    page.screenshot(path=OUTPUT / "project-sample-data-offer.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "project-sample-data-offer-dark.png")
    switch_theme(page, "JupyterLab Light")
    offer.click()  # the next step, in one click
    panel.locator(".mass-DatasetList", has_text="PBC trial lab values").wait_for(timeout=600_000)
    assert "No datasets yet" not in panel.inner_text()
    page.screenshot(path=OUTPUT / "project-sample-data.png")

    # "Close All Tabs" with the notebook edited asks about it; dismissing the question throws no page error.
    notebook_tab.click()
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.keyboard.press("Enter")
    page.keyboard.type("edited ")
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('.lm-TabBar-tab.jp-mod-dirty') !== null")
    page.evaluate("window.jupyterapp.commands.execute('application:close-all')")
    page.locator(".jp-Dialog button", has_text="Cancel").click()
    page.locator(".jp-Dialog").wait_for(state="detached")
    next_frames(page)
    assert page_errors == []


NOTEBOOK_KERNEL_IDLE = """() => [...window.jupyterapp.shell.widgets('main')].some(widget =>
  widget.context?.path.endsWith('liver_function.ipynb') && widget.sessionContext?.kernelDisplayStatus === 'idle')"""


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
