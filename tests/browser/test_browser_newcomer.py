"""What a newcomer meets, in a real JupyterLab driven in Debian's Chromium: a Train form refusing a dataset
it cannot train on with what to do, a failed run saying why in one sentence before its folded traceback,
the Import panel offering the template's sample data with the next steps, thumbnails opening the annotator
at their item, and opening the same things again focusing their tabs instead of adding more."""

import pytest
from annotation_fixtures import image_dataset
from pages import LAST_RESORT_MS, OUTPUT, hide_toasts, switch_theme
from playwright.sync_api import expect

from mass_ide.core import projects, runs
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace

TRACEBACK = ("Traceback (most recent call last):\n"
             '  File "mass_ide/core/runs/worker.py", line 181, in execute\n'
             "    data = load_training_data(ws, run['dataset_id'], run['dataset_version'], run['config'])\n"
             "mass_ide.core.errors.InvalidInput: the file of item 'case7.nii.gz' is missing; import it again\n")


@pytest.fixture(scope="module")
def made(lab):
    """A cancer-prediction project with three unlabelled pictures, a liver-function run that failed, and an
    empty liver-function project."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        pictures = image_dataset(workspace, user="browser-test")
        project = projects.create_project(workspace, name="Failing study", template="liver-function",
                                          user="browser-test")
        [table] = add_sample_data(workspace, project.id, user="browser-test")
        run = runs.create_run(workspace, project.id, dataset_id=table.id, user="browser-test")
        runs.update_run(workspace, run["id"], status="failed", error=TRACEBACK)
        empty = projects.create_project(workspace, name="First steps", template="liver-function", user="browser-test")
        return {"pictures": pictures.project_id, "dataset": pictures.id, "run": run["id"], "empty": empty.id}
    finally:
        workspace.close()


def test_the_train_form_says_how_many_items_are_labelled_and_what_to_do(page, made):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:train', {projectId})", made["pictures"])
    form = page.locator(".mass-TrainPanel")
    start = form.get_by_role("button", name="Start training")
    expect(start).to_be_enabled(timeout=LAST_RESORT_MS)
    start.click()
    refusal = form.locator(".mass-Message.mass-mod-error")
    expect(refusal).to_contain_text("only 0 of the 3 items of the dataset are labelled", timeout=LAST_RESORT_MS)
    expect(refusal).to_contain_text("label at least 4 more items in the annotation view, or import labelled data")
    expect(page.locator(".mass-TrainingPanel")).to_have_count(0)  # no run was queued
    refusal.scroll_into_view_if_needed()
    page.screenshot(path=OUTPUT / "train-refused-unlabelled.png")


def test_a_failed_run_says_why_in_one_sentence_and_folds_its_traceback(page, made):
    hide_toasts(page)
    page.evaluate("runId => window.jupyterapp.commands.execute('mass-ide:open-run', {runId})", made["run"])
    error = page.locator(".mass-TrainingPanel .mass-RunError")
    expect(error.locator(".mass-RunError-summary")).to_have_text(
        "Why it failed: InvalidInput: the file of item 'case7.nii.gz' is missing; import it again",
        timeout=LAST_RESORT_MS)
    details = error.locator("details.mass-RunError-details")
    expect(details).not_to_have_attribute("open", "")
    expect(details.locator("pre")).to_be_hidden()
    details.locator("summary").click()
    expect(details.locator("pre")).to_contain_text("Traceback (most recent call last)")
    page.screenshot(path=OUTPUT / "training-failed.png")


def execute(page, command: str, args: dict) -> None:
    """Run a JupyterLab command with ``args``, as a button would."""
    page.evaluate("([command, args]) => window.jupyterapp.commands.execute(command, args)", [command, args])


def test_the_import_panel_offers_the_sample_data_and_shows_what_it_added_and_the_next_steps(page, made):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    execute(page, "mass-ide:import-data", {"projectId": made["empty"]})
    panel = page.locator(".mass-ImportPanel")
    offer = panel.locator(".mass-SampleOffer")
    expect(offer).to_contain_text("No data at hand?", timeout=60_000)
    page.screenshot(path=OUTPUT / "import-sample-offer.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "import-sample-offer-dark.png")
    switch_theme(page, "JupyterLab Light")

    offer.get_by_role("button", name="Add the template's sample data").click()
    entry = panel.locator(".mass-Import-entry", has_text="PBC trial lab values (real)")
    expect(entry).to_have_attribute("data-state", "done", timeout=LAST_RESORT_MS)
    expect(entry.locator(".mass-Import-source")).to_have_text("The template's sample data")
    expect(entry.locator(".mass-Report")).to_contain_text("items")
    expect(offer).to_have_count(0)  # the project has a dataset now
    page.screenshot(path=OUTPUT / "import-sample-added.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "import-sample-added-dark.png")
    switch_theme(page, "JupyterLab Light")

    entry.get_by_role("button", name="Annotate").click()  # the next steps: annotate, or open the dataset
    expect(page.locator(".mass-AnnotationPanel .mass-AnnotationToolbar-item")).to_have_text("row-000001",
                                                                                            timeout=60_000)
    page.locator('.lm-TabBar-tab[data-id^="mass-ide-import-"]').click()
    entry.get_by_role("button", name="Open dataset").click()
    expect(page.locator(".mass-DatasetView .mass-DataHeader-title")).to_have_text("PBC trial lab values (real)")


def main_area_tabs(page) -> list[str]:
    """The ids of the main area's tabs."""
    return page.locator("#jp-main-dock-panel .lm-TabBar-tab").evaluate_all("tabs => tabs.map(tab => tab.dataset.id)")


def open_the_journey(page, made, first_pass: bool) -> None:
    """Open a project, its dataset, the annotator at a thumbnail clicked and at one chosen with Enter, the
    project's Import and Train panels, and a run."""
    execute(page, "mass-ide:open-project", {"id": made["pictures"]})
    page.locator(f'.mass-DatasetList-item[data-dataset-id="{made["dataset"]}"]').click()
    view = page.locator(f'#mass-ide-dataset-{made["dataset"]}')
    thumbnails = view.locator(".mass-Thumb")
    thumbnails.nth(0).click()
    annotated = page.locator(".mass-AnnotationPanel .mass-AnnotationToolbar-item")
    expect(annotated).to_have_text("img0.png", timeout=60_000)
    page.locator(f'.lm-TabBar-tab[data-id="mass-ide-dataset-{made["dataset"]}"]').click()
    thumbnails.nth(1).focus()
    page.keyboard.press("Tab")  # the keyboard reaches the next picture
    expect(thumbnails.nth(2)).to_be_focused()
    if first_pass:
        page.screenshot(path=OUTPUT / "dataset-thumbnails.png")
        switch_theme(page, "JupyterLab Dark")
        page.screenshot(path=OUTPUT / "dataset-thumbnails-dark.png")
        switch_theme(page, "JupyterLab Light")
        thumbnails.nth(2).focus()
    page.keyboard.press("Enter")
    expect(annotated).to_have_text("img2.png")
    expect(page.locator(".mass-AnnotationPanel .mass-AnnotationToolbar-position")).to_have_text("3 of 3")
    execute(page, "mass-ide:import-data", {"projectId": made["pictures"]})
    page.locator(".mass-ImportPanel").wait_for()
    execute(page, "mass-ide:train", {"projectId": made["pictures"]})
    page.locator(".mass-TrainPanel").wait_for()
    execute(page, "mass-ide:open-run", {"runId": made["run"]})
    page.locator(".mass-TrainingPanel").wait_for()


def test_opening_the_same_things_again_focuses_their_tabs_and_thumbnails_open_the_annotator(page, made):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    open_the_journey(page, made, first_pass=True)
    tabs = main_area_tabs(page)
    assert len(tabs) == len(set(tabs))
    open_the_journey(page, made, first_pass=False)  # the annotator moves to each item asked for
    assert main_area_tabs(page) == tabs
    expect(page.locator(".mass-AnnotationPanel")).to_have_count(1)
