"""The trace from study to prediction in a real JupyterLab, driven in Debian's Chromium.

A liver-function project trains two tiny runs in-process (each registers itself); @staging is
set on version 1 and moved to version 2, @production set on version 1. The Trace button of
version 1's view opens the chain: the sample's import, the dataset with its items, the frozen
version's digest, the run, the model version with its alias history, and "not deployed yet".
The Trace button of the annotation view's toolbar opens the trace of the item shown: the
model versions trained on it. Then version 1 is deployed through REST and tested once on its
Test page, whose "Trace this prediction" button shows the deployment and that prediction. Screenshots
light and dark.
"""

import json
import time
import urllib.request

import pytest
from pages import LAST_RESORT_MS, OUTPUT, TOKEN, hide_toasts, switch_theme
from playwright.sync_api import expect

from mass_ide.core import projects, registry
from mass_ide.core.runs.worker import train_in_process
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.workspace import Workspace

PROJECT = "Trace study"
TINY = {"epochs": 2, "device": "cpu"}


@pytest.fixture(scope="module")
def traced(lab):
    """A liver-function project with two registered versions and an alias history."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        project = projects.create_project(workspace, name=PROJECT, template="liver-function", user="browser-test")
        [table] = add_sample_data(workspace, project.id, user="browser-test")
        runs = [train_in_process(workspace, project.id, dataset_id=table.id, user="browser-test", overrides=TINY)
                for _ in range(2)]
        assert [run["status"] for run in runs] == ["completed", "completed"], [run["error"] for run in runs]
        versions = [workspace.db.execute("SELECT m.name, v.number FROM model_versions v JOIN models m "
                                         "ON m.id = v.model_id WHERE v.run_id = ?", [run["id"]]).fetchone()
                    for run in runs]
        name = versions[0][0]
        registry.set_alias(workspace, name, versions[0][1], "staging", user="browser-test")
        registry.set_alias(workspace, name, versions[0][1], "production", user="browser-test")
        registry.set_alias(workspace, name, versions[1][1], "staging", user="browser-test")
        version = registry.get_version(workspace, name, versions[0][1])
        item = workspace.db.execute("SELECT id, key FROM items WHERE dataset_id = ? ORDER BY id LIMIT 1",
                                    [table.id]).fetchone()
        return {"project": project.id, "model": name, "number": versions[0][1], "run": runs[0]["id"],
                "dataset": table.name, "dataset_id": table.id, "digest": version["lineage"]["dataset_digest"], "item": item}
    finally:
        workspace.close()


def test_trace_from_the_version_view_and_from_an_item(page, lab, traced):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    page.evaluate("args => window.jupyterapp.commands.execute('mass-ide:open-models', args)",
                  {"projectId": traced["project"], "model": traced["model"], "version": traced["number"]})
    view = page.locator(f'.mass-ModelsPanel[data-project-id="{traced["project"]}"] .mass-VersionView')
    expect(view).to_have_attribute("data-version", str(traced["number"]), timeout=60_000)
    view.get_by_role("button", name="Trace", exact=True).click()

    panel = page.locator(f'.mass-TracePanel[data-trace="version-{traced["model"]}-{traced["number"]}"]')
    steps = panel.locator(".mass-TraceStep")
    expect(steps).to_have_count(6, timeout=30_000)
    sources, dataset, frozen, run, model, deployments = (panel.locator(f'.mass-TraceStep[data-step="{kind}"]')
                                                         for kind in ("sources", "dataset", "frozen", "run", "model",
                                                                      "deployments"))
    expect(sources.locator(".mass-TraceSource")).not_to_have_count(0)
    expect(sources).to_contain_text("by browser-test")
    expect(dataset.locator(".mass-TraceName")).to_have_text(traced["dataset"])
    expect(frozen.locator(".mass-Hash")).to_have_attribute("data-hash", traced["digest"])
    expect(frozen.locator(".mass-Hash code")).to_have_text(traced["digest"][:16])
    expect(run.locator(".mass-TraceName")).to_have_text(f"Run {traced['run']}")
    expect(run.locator(".mass-StatusBadge")).to_have_text("completed")
    expect(model).to_contain_text(f"{traced['model']}v{traced['number']}")
    chips = model.locator(".mass-TraceAlias")
    expect(chips).to_have_count(3)
    expect(chips.nth(0)).to_contain_text("@staging set")
    expect(chips.nth(1)).to_contain_text("@production set")
    expect(chips.nth(2)).to_contain_text(f"@staging moved to v{traced['number'] + 1}")
    expect(deployments.locator(".mass-TraceEmpty")).to_contain_text("Not deployed yet")
    expect(panel.locator(".mass-TraceMeta time")).not_to_have_count(0)
    page.screenshot(path=OUTPUT / "trace-version.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "trace-version-dark.png")
    switch_theme(page, "JupyterLab Light")

    # The run's step opens the run's panel.
    run.get_by_role("button", name="Open run").click()
    expect(page.locator(".mass-TrainingPanel")).to_be_visible(timeout=30_000)

    # From an item in the annotation view: the item, and both model versions trained on a frozen version holding it.
    item_id, key = traced["item"]
    page.evaluate("args => window.jupyterapp.commands.execute('mass-ide:annotate', args)",
                  {"datasetId": traced["dataset_id"], "itemId": item_id})
    toolbar = page.locator(".mass-AnnotationToolbar")
    expect(toolbar.locator(".mass-AnnotationToolbar-item")).to_have_text(key, timeout=30_000)
    toolbar.get_by_role("button", name="Trace").click()
    item_panel = page.locator(f'.mass-TracePanel[data-trace="item-{item_id}"]')
    expect(item_panel.locator(".mass-TraceItem")).to_contain_text(key, timeout=30_000)
    branches = item_panel.locator(".mass-TraceBranch")
    expect(branches).to_have_count(2)
    expect(branches.nth(0)).to_have_attribute("data-version", str(traced["number"]))
    page.screenshot(path=OUTPUT / "trace-item.png")


def api(lab, method: str, path: str, body: dict | None = None) -> dict:
    """One call of a Mass IDE route with the lab's token (token-authenticated: no XSRF cookie needed); its JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{lab['url']}/mass-ide/api/{path}", data=data, method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read() or b"null")


def test_trace_of_a_deployment_from_the_test_page(page, lab, traced):
    hide_toasts(page)
    created = api(lab, "POST", f"models/{traced['model']}/versions/{traced['number']}/deploy", {})
    deadline = time.monotonic() + LAST_RESORT_MS / 1000
    while api(lab, "GET", f"deployments/{created['id']}")["status"] == "starting":
        assert time.monotonic() < deadline, "the deployment never started"
        time.sleep(0.25)
    page.evaluate("deploymentId => window.jupyterapp.commands.execute('mass-ide:test-deployment', {deploymentId})",
                  created["id"])
    test = page.locator(f'.mass-TestPanel[data-deployment-id="{created["id"]}"]')
    form = test.locator(".mass-LabForm")
    form.get_by_role("button", name="Fill mid-range values").click()
    form.get_by_role("button", name="Predict").click()
    expect(test.locator(".mass-Prediction")).to_be_visible(timeout=60_000)
    # Every answered prediction has an id, a classifier's too: the button traces that prediction.
    test.get_by_role("button", name="Trace this prediction").click()

    panel = page.locator(f'.mass-TracePanel[data-trace^="prediction-{created["id"]}-"]')
    deployment = panel.locator(f'.mass-TraceDeployment[data-deployment-id="{created["id"]}"]')
    expect(deployment.locator(".mass-StatusBadge")).to_have_text("running", timeout=30_000)
    expect(deployment.locator(".mass-TracePrediction")).to_have_count(1)
    expect(deployment.locator(".mass-TracePrediction")).to_contain_text("No DICOM result written")
    page.screenshot(path=OUTPUT / "trace-deployed.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "trace-deployed-dark.png")
    switch_theme(page, "JupyterLab Light")
