"""The UI in a real JupyterLab, driven in Debian's Chromium with Playwright for Python."""

import re

from pages import LAST_RESORT_MS, OUTPUT, TOKEN, api_get, hide_toasts, next_frames, open_mass_sidebar, switch_theme
from playwright.sync_api import expect


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


def create_project_over_the_api(page, lab, name: str) -> str:
    """Create a liver-function project as the lab's owner (so they are its lead); its id."""
    response = page.request.post(f"{lab['url']}/mass-ide/api/projects", headers={"Authorization": f"token {TOKEN}"},
                                 data={"name": name, "template": "liver-function"})
    assert response.status == 201, response.text()
    return response.json()["id"]


def test_the_lead_adds_changes_and_removes_a_member_and_cannot_demote_the_only_lead(page, lab):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    project_id = create_project_over_the_api(page, lab, "Team study")
    owner = api_get(page, lab, f"projects/{project_id}/members")["you"]["user"]
    page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
    team = page.locator(".mass-ProjectPanel").filter(has_text="Team study").locator('[data-section="team"]')
    expect(team.locator(".mass-Team-summary")).to_contain_text("You are the lead of this project")
    expect(team.locator(".mass-Team-members")).to_be_hidden()  # folded until asked
    page.screenshot(path=OUTPUT / "project-team-folded.png")
    team.locator(".mass-Team-summary").click()
    expect(team.locator(".mass-Team-member")).to_have_count(1)
    expect(team.get_by_label(f"Role of {owner}")).to_have_value("lead")

    team.get_by_label("User name").fill("dr.kim")
    team.get_by_role("button", name="Add").click()  # as an annotator, the form's first choice
    kim = team.get_by_label("Role of dr.kim")
    expect(kim).to_have_value("annotator")
    kim.select_option("reviewer")
    expect(kim).to_have_value("reviewer")
    expect(team.locator(".mass-Team-member").first).to_have_attribute("data-user", owner)  # leads first
    for theme, suffix in (("JupyterLab Dark", "-dark"), ("JupyterLab Light", "")):
        switch_theme(page, theme)
        team.screenshot(path=OUTPUT / f"project-team{suffix}.png")
    team.get_by_role("button", name="Remove dr.kim").click()
    expect(team.locator(".mass-Team-member")).to_have_count(1)

    team.get_by_label(f"Role of {owner}").select_option("annotator")
    expect(team.get_by_role("alert")).to_have_text(
        f"{owner} is the only lead of project {project_id}: make someone else lead first")
    expect(team.get_by_label(f"Role of {owner}")).to_have_value("lead")
    team.screenshot(path=OUTPUT / "project-team-only-lead.png")
    assert [member["user"] for member in api_get(page, lab, f"projects/{project_id}/members")["members"]] == [owner]
