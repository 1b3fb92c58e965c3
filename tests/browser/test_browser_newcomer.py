"""What a newcomer meets, in a real JupyterLab driven in Debian's Chromium: a Train form refusing a dataset
it cannot train on with what to do, and a failed run saying why in one sentence before its folded traceback."""

import pytest
from annotation_fixtures import image_dataset
from pages import LAST_RESORT_MS, OUTPUT, hide_toasts
from playwright.sync_api import expect

from mass_ide.core import projects, runs
from mass_ide.core.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace

TRACEBACK = ("Traceback (most recent call last):\n"
             '  File "mass_ide/core/worker.py", line 181, in execute\n'
             "    data = load_training_data(ws, run['dataset_id'], run['dataset_version'], run['config'])\n"
             "mass_ide.core.errors.InvalidInput: the file of item 'case7.nii.gz' is missing; import it again\n")


@pytest.fixture(scope="module")
def made(lab):
    """A cancer-prediction project with three unlabelled pictures, and a liver-function run that failed."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        pictures = image_dataset(workspace, user="browser-test")
        project = projects.create_project(workspace, name="Failing study", template="liver-function",
                                          user="browser-test")
        [table] = add_sample_data(workspace, project.id, user="browser-test")
        run = runs.create_run(workspace, project.id, dataset_id=table.id, user="browser-test")
        runs.update_run(workspace, run["id"], status="failed", error=TRACEBACK)
        return {"pictures": pictures.project_id, "run": run["id"]}
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
