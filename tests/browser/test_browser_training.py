"""Training in a real JupyterLab, driven in Debian's Chromium: the Train panel, live curves, the report, auto-tune.

The JupyterLab server and the browser come from this folder's ``conftest.py`` (a
module-scoped server per test module, with pytest-jupyter's loop kept away
from Playwright's). The runs train for real, in worker processes, on the
liver-function template's sample data. Nothing here waits for a fixed time: waits
end when a run's status or the page changes, with ``LAST_RESORT_MS`` only against a hang.
"""

import re

import pytest
from pages import (
    LAST_RESORT_MS,
    OUTPUT,
    api_get,
    hide_toasts,
    switch_theme,
    wait_for_api,
    wait_for_run_end,
)
from playwright.sync_api import expect

from mass_ide.core import projects
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace

PROJECT = "Training study"
EPOCHS = 20  # the quick preset; with batches of 8, about 840 steps: long enough to watch the curve grow

# The number of points of the training loss curve of the open training panel (Plotly's graph div holds its data).
LOSS_POINTS = "(document.querySelector('.mass-TrainingPanel .mass-Chart[data-chart=\"loss\"]')?.data?.[0].x.length ?? 0)"

# Counts the points of the loss curve every 50 ms until the page shows that the run ended (the counts seen, in
# order), in the background: the answer waits in `window.massLossWatch`. Its limit is only against a hang.
WATCH_LOSS_CURVE = """
limit => { window.massLossWatch = (async () => {
  const counts = [];
  const deadline = Date.now() + limit;
  while (Date.now() < deadline) {
    const count = LOSS_POINTS;
    if (counts[counts.length - 1] !== count) {
      counts.push(count);
    }
    const status = document.querySelector('.mass-TrainingPanel .mass-RunHeader .mass-StatusBadge')?.dataset.status;
    if (status && !['queued', 'running', 'cancelling'].includes(status)) {
      return {counts, status};
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {counts, status: 'timeout'};
})(); }
""".replace("LOSS_POINTS", LOSS_POINTS)


@pytest.fixture(scope="module")
def project_id(lab):
    """A liver-function project with the template's sample data, made through the core API."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        project = projects.create_project(workspace, name=PROJECT, template="liver-function", user="browser-test")
        add_sample_data(workspace, project.id, user="browser-test")
        return project.id
    finally:
        workspace.close()


def test_train_from_the_form_watch_the_curve_grow_and_read_the_report(page, lab, project_id):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:train', {projectId})", project_id)
    form = page.locator(".mass-TrainPanel")
    epochs, batch_size = (form.locator(f'input[data-path="{name}"]') for name in ("epochs", "batch_size"))
    expect(form.locator('[data-preset="quick"]')).to_have_attribute("aria-checked", "true")  # on a CPU
    expect(epochs).to_have_value(str(EPOCHS))  # the quick preset's epochs (config.json says 60)
    picker = form.locator(".mass-DatasetPicker")
    expect(picker).to_contain_text("PBC trial lab values (real) — 412 of 418 records labelled")  # 6 lack a stage
    expect(form.locator(".mass-VersionPicker")).to_have_value("")  # no version yet: freeze a new one
    estimate = form.locator(".mass-TrainEstimate")
    expect(estimate).to_contain_text(f"on this CPU · 412 labelled × {EPOCHS} epochs")
    expect(estimate).to_contain_text("no finished run of this project to learn from yet")

    form.locator('[data-preset="full"]').click()  # full: config.json as it is
    expect(epochs).to_have_value("60")
    expect(estimate).to_contain_text("412 labelled × 60 epochs")
    batch_size.fill("8")  # more steps: the curve grows longer
    form.locator('[data-preset="quick"]').click()  # back to quick, the changed setting kept
    expect(epochs).to_have_value(str(EPOCHS))
    expect(batch_size).to_have_value("8")
    expect(form.locator(".mass-ConfigField", has=page.locator('input[data-path="batch_size"]'))).to_have_class("mass-ConfigField mass-mod-changed")
    expect(form.locator(".mass-TrainCard-note")).to_have_text("1 setting changed from the quick preset")
    expect(estimate).to_contain_text(f"412 labelled × {EPOCHS} epochs")
    page.screenshot(path=OUTPUT / "train-form.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "train-form-dark.png")
    switch_theme(page, "JupyterLab Light")

    form.get_by_role("button", name="Start training").click()
    panel = page.locator(".mass-TrainingPanel")
    panel.locator('.mass-Chart[data-chart="loss"]').wait_for(timeout=LAST_RESORT_MS)
    run_id = int(panel.get_attribute("data-run-id"))
    page.evaluate(WATCH_LOSS_CURVE, LAST_RESORT_MS)
    page.wait_for_function(f"() => {LOSS_POINTS} > 60", timeout=LAST_RESORT_MS)
    page.screenshot(path=OUTPUT / "training-live.png")
    assert wait_for_run_end(page, lab, run_id)["status"] == "completed"
    badge = panel.locator(".mass-RunHeader .mass-StatusBadge")
    expect(badge).to_have_attribute("data-status", "completed", timeout=LAST_RESORT_MS)
    watched = page.evaluate("() => window.massLossWatch")  # it ends once the page shows the end
    counts, status = watched["counts"], watched["status"]
    assert status == "completed", watched
    growing = [count for count in counts if count > 0]
    assert len(growing) >= 3, f"the loss curve did not grow step by step while training: {counts}"
    assert growing == sorted(growing), counts
    logged = api_get(page, lab, f"runs/{run_id}/metrics?since=0")
    steps = [metric for metric in logged["metrics"] if metric["name"] == "train/loss"]
    final = growing[-1]
    assert final == len(steps) >= EPOCHS, counts  # every step, once, whatever came over the websocket

    report = panel.locator(".mass-Report")
    auc = report.locator(".mass-Tile", has_text="ROC AUC").locator(".mass-Tile-value")
    expect(auc).to_have_text(re.compile(r"^(0\.\d+|1)$"), timeout=LAST_RESORT_MS)
    expect(report.locator(".mass-Confusion-cell")).to_have_count(4)  # stage 4 against the rest
    expect(panel.locator(".mass-RunProgress-epochs")).to_contain_text(f"Epoch {EPOCHS} of {EPOCHS}")
    expect(panel.locator(".mass-Log")).to_contain_text("evaluated best.pt")
    panel.locator('.mass-Chart[data-chart="roc"] .main-svg').first.wait_for()
    page.screenshot(path=OUTPUT / "training-done.png")
    report.scroll_into_view_if_needed()
    page.screenshot(path=OUTPUT / "training-report.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "training-report-dark.png")
    panel.evaluate("node => node.scrollTo(0, 0)")
    page.screenshot(path=OUTPUT / "training-dark.png")
    switch_theme(page, "JupyterLab Light")

    # Closed and opened again, the panel gets the whole curve back from the server.
    page.evaluate("() => window.jupyterapp.shell.currentWidget.close()")
    expect(panel).to_have_count(0)
    page.evaluate("runId => window.jupyterapp.commands.execute('mass-ide:open-run', {runId})", run_id)
    page.wait_for_function(f"final => {LOSS_POINTS} === final", arg=final, timeout=LAST_RESORT_MS)

    # The project panel lists the run with its status and best metric.
    page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
    row = page.locator(f'.mass-ProjectPanel [data-section="runs"] .mass-RunList-item[data-run-id="{run_id}"]')
    expect(row.locator(".mass-StatusBadge")).to_have_text("Completed")
    expect(row).to_contain_text("val/auc")
    page.screenshot(path=OUTPUT / "project-runs.png")


def test_auto_tune_lists_its_trials_and_stop_ends_it_keeping_what_ran(page, lab, project_id):
    hide_toasts(page)
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:train', {projectId})", project_id)
    form = page.locator(".mass-TrainPanel")
    form.locator('input[data-path="epochs"]').fill("200")  # long trials: the stop lands in the first one
    form.locator('input[data-path="trials"]').fill("3")
    form.get_by_role("button", name="Auto-tune").click()
    study_view = form.locator(".mass-Study")
    study_id = int(study_view.get_attribute("data-study-id"))
    study_badge = study_view.locator(".mass-Study-title .mass-StatusBadge")
    expect(study_badge).to_have_text("Running")
    wait_for_api(page, lab, f"studies/{study_id}", lambda s: s["trials"] and s["trials"][0]["epochs_done"] >= 1,
                 "the first trial to train")
    stop = study_view.get_by_role("button", name="Stop", exact=True)
    expect(stop).to_be_enabled()
    study_view.scroll_into_view_if_needed()
    page.screenshot(path=OUTPUT / "study-running.png")

    stop.click()
    expect(study_badge).to_have_text("Stopped")
    expect(study_badge).to_have_attribute("data-status", "stopped")
    expect(stop).to_have_count(0)  # only a running study can be stopped
    trial_badges = study_view.locator(".mass-RunTable tbody tr .mass-StatusBadge")
    expect(trial_badges).to_have_text(["Cancelled"], timeout=LAST_RESORT_MS)  # the view follows the trial to its end
    study = api_get(page, lab, f"studies/{study_id}")
    assert study["status"] == "stopped" and [t["status"] for t in study["trials"]] == ["cancelled"]
    expect(study_view.locator(".mass-Study-sub")).to_contain_text("stopped after 1 of 3 trials")
    expect(study_view.get_by_role("button", name="Promote best")).to_be_disabled()  # no trial completed
    page.screenshot(path=OUTPUT / "study-stopped.png")
