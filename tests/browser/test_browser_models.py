"""The model registry and deployments in a real JupyterLab, driven in Debian's Chromium.

Two tiny runs train in-process on the liver-function template's sample data
without registering themselves; the first is registered through the core API,
the second with the training panel's Register button. In the Models panel the
test compares the two versions, sets an alias, exports, deploys in one click,
opens the Test page from the Deployments list, enters lab values and reads the
class probabilities, evaluates the deployment on the frozen dataset version,
and stops it. A tiny 3D U-Net of the liver-segmentation template is deployed on
ONNX Runtime and tested with an uploaded NIfTI volume: its mask is drawn over
the volume slice by slice. (A picture uploaded to an image classifier is
tested in the cancer-prediction journey, test_browser_journeys.py.)
"""

import re

import pytest
from pages import OUTPUT, TOKEN, hide_toasts, switch_theme
from playwright.sync_api import expect
from test_training import SEGMENTATION_FAST

from mass_ide.core import projects
from mass_ide.core.runs import registering
from mass_ide.core.runs.worker import train_in_process
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.samples.writers import save_phantom
from mass_ide.core.workspace import Workspace

PROJECT = "Registry study"
TINY = {"epochs": 2, "register": False}  # registered by the fixture and by the Register button
LAB_VALUES = {"bili": "1.4", "albumin": "3.5", "platelet": "250"}
# What the liver-function template calls its training classes (its config's class_names).
TARGET_NAMES = {"negative": "no cirrhosis (stages 1–3)", "positive": "cirrhosis (stage 4)"}


@pytest.fixture(scope="module")
def trained(lab):
    """A liver-function project with two tiny completed runs, the first registered as version 1."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        project = projects.create_project(workspace, name=PROJECT, template="liver-function", user="browser-test")
        [table] = add_sample_data(workspace, project.id, user="browser-test")
        first = train_in_process(workspace, project.id, dataset_id=table.id, user="browser-test", overrides=TINY)
        second = train_in_process(workspace, project.id, dataset_id=table.id, version=first["dataset_version"],
                                  user="browser-test", overrides={**TINY, "learning_rate": 0.01})
        assert first["status"] == second["status"] == "completed", (first["error"], second["error"])
        version = registering.register_run(workspace, first["id"], user="browser-test")
        return {"project": project.id, "model": version["model"], "runs": [first["id"], second["id"]],
                "dataset": table.id, "dataset_version": first["dataset_version"]}
    finally:
        workspace.close()


def registered_segmenter(workspace_root, name: str) -> dict:
    """A liver-segmentation project called ``name`` in the workspace at ``workspace_root``, with a tiny 3D U-Net
    trained in-process on its sample data and registered: {project, model}."""
    workspace = Workspace.open(workspace_root)
    try:
        project = projects.create_project(workspace, name=name, template="liver-segmentation", user="browser-test")
        [volumes] = add_sample_data(workspace, project.id, user="browser-test")
        run = train_in_process(workspace, project.id, dataset_id=volumes.id, user="browser-test",
                               overrides={**SEGMENTATION_FAST, "register": False})
        assert run["status"] == "completed", run["error"]
        version = registering.register_run(workspace, run["id"], user="browser-test")
    finally:
        workspace.close()
    return {"project": project.id, "model": version["model"]}


@pytest.fixture(scope="module")
def segmenter(lab, tmp_path_factory):
    """A liver-segmentation project with a tiny registered 3D U-Net, and a new CT phantom to test it on."""
    found = registered_segmenter(lab["root"] / "mass-workspace", "Segmentation registry")
    folder = tmp_path_factory.mktemp("phantom")
    ct, _ = save_phantom(folder / "phantom_ct.nii.gz", folder / "phantom_labels.nii.gz", seed=99)
    return {**found, "ct": ct}


def open_deployed_test_page(page, project_id: str, runtime: str = "torch"):
    """Open the project's Models panel, deploy its newest version on ``runtime`` and open its Test page.

    Answers the version view, the deployment's row in the Deployments list and the Test page.
    """
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-models', {projectId})", project_id)
    models = page.locator(f'.mass-ModelsPanel[data-project-id="{project_id}"]')
    view = models.locator(".mass-VersionView")
    view.wait_for(timeout=60_000)
    view.get_by_label("Runtime").select_option(runtime)
    view.get_by_role("button", name="Deploy").click()
    row = models.locator(".mass-DeploymentList-item").first
    expect(row).to_have_attribute("data-status", "running", timeout=180_000)
    deployment_id = row.get_attribute("data-deployment-id")
    row.get_by_role("button", name="Test").click()
    return view, row, page.locator(f'.mass-TestPanel[data-deployment-id="{deployment_id}"]')


def api(page, lab, path: str):
    """GET a Mass IDE route with the test's token; the decoded JSON."""
    answer = page.request.get(f"{lab['url']}/mass-ide/api/{path}{'&' if '?' in path else '?'}token={TOKEN}")
    assert answer.ok, answer.text()
    return answer.json()


def tile(scope, label: str):
    """The value of the figure tile labelled exactly ``label``."""
    return scope.locator(".mass-Tile").filter(has=scope.page.get_by_text(label, exact=True)).locator(".mass-Tile-value")


def test_register_compare_deploy_test_evaluate_and_stop(page, lab, trained):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    project_id, model_name = trained["project"], trained["model"]

    # The Register button of the second run's training panel makes version 2 and opens the Models panel on it.
    page.evaluate("runId => window.jupyterapp.commands.execute('mass-ide:open-run', {runId})", trained["runs"][1])
    run_panel = page.locator(".mass-TrainingPanel")
    # The run report names the classes in clinical words, the positive one included.
    expect(run_panel.locator(".mass-Confusion thead")).to_contain_text(TARGET_NAMES["positive"], timeout=30_000)
    expect(run_panel.locator(".mass-Report-note", has_text="as the positive class")).to_contain_text(
        f"with “{TARGET_NAMES['positive']}” as the positive class")
    run_panel.get_by_role("button", name="Register").click()
    models = page.locator(f'.mass-ModelsPanel[data-project-id="{project_id}"]')
    # The server loads torch for its first registration: allow it time on a busy machine.
    expect(models.locator(".mass-VersionView")).to_have_attribute("data-version", "2", timeout=60_000)
    versions = models.locator(".mass-VersionList-item")
    expect(versions).to_have_count(2)
    # The run's panel now links to its version instead.
    expect(run_panel.locator(".mass-RunVersionButton")).to_have_text(f"{model_name} v2")

    # The version shows its lineage, key metrics and generated model card.
    view = models.locator(".mass-VersionView")
    expect(view.locator(".mass-Lineage")).to_contain_text(f"Run {trained['runs'][1]}")
    expect(view.locator(".mass-Lineage")).to_contain_text(f"version {trained['dataset_version']}")
    expect(view.locator(".mass-Tile").first).to_be_visible()
    expect(view.locator(".mass-ModelCard")).to_contain_text(model_name)
    expect(view.locator(".mass-Signature")).to_contain_text("bili (mg/dL)")
    expect(view.locator(".mass-Signature")).to_contain_text(
        "9 lab values: bili (mg/dL), albumin (g/dL), alk.phos (U/L), ast (U/L)")
    expect(view.locator(".mass-Signature")).to_contain_text(f"probabilities of {', '.join(TARGET_NAMES.values())}")

    # Ticking both versions draws their metrics side by side.
    versions.locator('input[type="checkbox"]').nth(0).check()
    versions.locator('input[type="checkbox"]').nth(1).check()
    chart = models.locator('.mass-Chart[data-chart="version-metrics"]')
    chart.locator(".main-svg").first.wait_for()
    assert chart.evaluate("node => node.data.map(trace => trace.name)") == ["v1", "v2"]

    # Alias: version 2 becomes production, in the panel and through the API.
    view.get_by_role("button", name="Set alias").click()  # "production" is the first choice
    expect(view.locator('.mass-VersionView-title .mass-AliasChip[data-alias="production"]')).to_be_visible()
    assert api(page, lab, f"models/{model_name}")["aliases"] == {"production": 2}
    page.screenshot(path=OUTPUT / "models-panel.png")

    # Download answers the version's bundle as a zip.
    href = view.get_by_role("link", name="Download").get_attribute("href")
    bundle = page.request.get(f"{href}?token={TOKEN}")
    assert bundle.ok and bundle.body()[:2] == b"PK"

    # Delete is soft: version 1 is marked deleted, and Restore brings it back.
    first = models.locator('.mass-VersionList-item[data-version="1"]')
    first.click()
    expect(view).to_have_attribute("data-version", "1")
    view.get_by_role("button", name="Delete").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    expect(first).to_have_attribute("data-deleted", "true")
    expect(view.locator('.mass-StatusBadge[data-status="deleted"]')).to_be_visible()
    expect(view.get_by_role("button", name="Deploy")).to_be_disabled()
    view.get_by_role("button", name="Restore").click()
    expect(first).not_to_have_attribute("data-deleted", "true")
    models.locator('.mass-VersionList-item[data-version="2"]').click()
    expect(view).to_have_attribute("data-version", "2")

    # Export writes TorchScript and ONNX and reports their parity with the model.
    view.get_by_role("button", name="Export").click()
    report = view.locator(".mass-ExportReport")
    expect(report).to_be_visible(timeout=120_000)
    for fmt in ("TorchScript", "ONNX"):
        diff = report.locator("tr", has_text=fmt).locator(".mass-ExportReport-diff")
        expect(diff).to_have_text(re.compile(r"^\d\.\d\de[-+]\d+$"))
        assert float(diff.inner_text()) < 1e-3

    # One click deploys; the Deployments list shows it running with its URL.
    view.get_by_role("button", name="Deploy").click()
    row = models.locator(".mass-DeploymentList-item").first
    expect(row).to_have_attribute("data-status", "running", timeout=120_000)
    expect(row.locator(".mass-DeploymentList-url")).to_contain_text("predict")
    deployment_id = row.get_attribute("data-deployment-id")
    # Above the model card too: the live deployment with its Test page.
    live = models.locator(f'.mass-LiveDeployments-item[data-deployment-id="{deployment_id}"]')
    expect(live).to_contain_text(f"{model_name} v2")
    assert live.bounding_box()["y"] < view.locator(".mass-ModelCard").bounding_box()["y"]
    page.screenshot(path=OUTPUT / "models-deployed.png")

    # Test opens the page built from the signature: lab values with their units.
    row.get_by_role("button", name="Test").click()
    test = page.locator(f'.mass-TestPanel[data-deployment-id="{deployment_id}"]')
    form = test.locator(".mass-LabForm")
    expect(form.locator(".mass-LabField", has_text="bili")).to_contain_text("mg/dL")
    expect(form.locator(".mass-LabField", has_text="ast")).to_contain_text("U/L")  # as the PBC table's values are
    form.get_by_role("button", name="Fill mid-range values").click()
    for name, value in LAB_VALUES.items():
        form.locator(f'input[data-column="{name}"]').fill(value)
    form.get_by_role("button", name="Predict").click()
    probabilities = test.locator(".mass-Probability")
    expect(probabilities.first).to_have_text(re.compile(r"^.+: \d+\.\d%$"))
    shares = [float(re.search(r"(\d+\.\d)%$", text).group(1)) for text in probabilities.all_inner_texts()]
    assert len(shares) >= 2 and abs(sum(shares) - 100) < 0.5, shares
    predicted = test.locator(".mass-Prediction").get_attribute("data-class")
    # The answer says what the classes mean, not "positive/negative", and what uncertainty is.
    expect(tile(test, "Predicted class")).to_have_text(TARGET_NAMES[predicted])
    assert sorted(text.rsplit(":", 1)[0] for text in probabilities.all_inner_texts()) == sorted(TARGET_NAMES.values())
    expect(test.locator(".mass-UncertaintyHint")).to_contain_text("0 = all probability on one class")
    test.locator('.mass-Chart[data-chart="probabilities"] .main-svg').first.wait_for()
    expect(test.locator(".mass-RunHeader-sub")).to_contain_text("1 request", timeout=15_000)
    page.screenshot(path=OUTPUT / "test-page.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "test-page-dark.png")
    switch_theme(page, "JupyterLab Light")

    # A field that is not a number is marked and blocks Predict.
    form.locator("input[data-column]").first.fill("abc")
    expect(form.locator(".mass-LabField.mass-mod-invalid")).to_have_count(1)
    expect(form.get_by_role("button", name="Predict")).to_be_disabled()

    # Evaluate runs the deployment over the frozen dataset version and shows accuracy and AUC.
    evaluate = test.locator(".mass-Evaluate")
    expect(evaluate.locator(".mass-EvaluateVersion")).to_have_value(str(trained["dataset_version"]))
    evaluate.get_by_role("button", name="Evaluate").click()
    expect(tile(evaluate, "Accuracy")).to_have_text(re.compile(r"^\d+\.\d%$"), timeout=120_000)
    expect(tile(evaluate, "ROC AUC")).to_have_text(re.compile(r"^(0\.\d+|1\.000)$"))
    expect(evaluate.locator(".mass-Confusion thead")).to_contain_text(TARGET_NAMES["negative"])
    expect(evaluate.locator(".mass-Report-note").first).to_contain_text(
        f"labelled items of dataset {trained['dataset']}, version {trained['dataset_version']}")
    # By default only the items the model never trained on are scored, and the page says which.
    expect(evaluate.locator(".mass-EvaluateScored")).to_contain_text(
        f"the run's validation split (version {trained['dataset_version']}); none of them used to train this model")
    expect(evaluate.locator(".mass-EvaluateWarning")).to_have_count(0)
    evaluate.locator(".mass-EvaluateItems").select_option("all")
    evaluate.get_by_role("button", name="Evaluate").click()
    expect(evaluate.locator(".mass-EvaluateWarning")).to_contain_text(
        "items scored were used to train this model; scores are optimistic", timeout=120_000)
    expect(evaluate.locator(".mass-EvaluateScored")).to_contain_text("training items included")
    evaluate.scroll_into_view_if_needed()
    page.screenshot(path=OUTPUT / "test-evaluate.png")

    # The project panel lists the model and the deployment; Stop undeploys it.
    page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
    project = page.locator(".mass-ProjectPanel")
    expect(project.locator(f'.mass-ModelList-item[data-model="{model_name}"]')).to_contain_text("2 versions")
    deployed = project.locator(f'.mass-DeploymentList-item[data-deployment-id="{deployment_id}"]')
    expect(deployed).to_have_attribute("data-status", "running")
    page.screenshot(path=OUTPUT / "project-models.png")
    # The live deployment shows above the sections too, and its Test page focuses the tab already open.
    live = project.locator(f'.mass-LiveDeployments-item[data-deployment-id="{deployment_id}"]')
    expect(live).to_contain_text(f"{model_name} v2")
    assert live.bounding_box()["y"] < project.locator('[data-section="datasets"]').bounding_box()["y"]
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "project-models-dark.png")
    switch_theme(page, "JupyterLab Light")
    tabs = page.locator("#jp-main-dock-panel .lm-TabBar-tab")
    opened = tabs.count()
    live.get_by_role("button", name="Test page").click()
    expect(test).to_be_visible()
    assert tabs.count() == opened
    page.locator(f'.lm-TabBar-tab[data-id="mass-ide-project-{project_id}"]').click()
    deployed.get_by_role("button", name="Stop").click()
    expect(deployed).to_have_attribute("data-status", "stopped", timeout=30_000)
    expect(project.locator(".mass-LiveDeployments")).to_have_count(0)
    assert api(page, lab, f"deployments/{deployment_id}")["status"] == "stopped"


# Counts the opaque pixels of the mask canvas and those among them that are grey (the CT under the mask).
CANVAS_PIXELS = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let opaque = 0, grey = 0, coloured = 0;
  for (let at = 0; at < data.length; at += 4) {
    if (data[at + 3] === 255) {
      opaque += 1;
      if (data[at] === data[at + 1] && data[at + 1] === data[at + 2]) { grey += 1; } else { coloured += 1; }
    }
  }
  return {opaque, grey, coloured, width: canvas.width, height: canvas.height};
}"""


# Where the mask canvas is coloured (the mask over the grey CT), row by row as 0/1.
COLOURED_PIXELS = """canvas => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const rows = [];
  for (let row = 0; row < canvas.height; row++) {
    const line = [];
    for (let column = 0; column < canvas.width; column++) {
      const at = (row * canvas.width + column) * 4;
      line.push(data[at] === data[at + 1] && data[at + 1] === data[at + 2] ? 0 : 1);
    }
    rows.push(line);
  }
  return rows;
}"""


def coloured_pixels(mask) -> list[list[int]]:
    """The Test page's mask canvas: 1 where the mask is drawn."""
    return mask.evaluate(COLOURED_PIXELS)


def server_mask_pixels(page, lab, deployment_id: str, index: int) -> list[list[int]]:
    """The server's own axial slice of the newest kept prediction (radiological convention): 1 where a class is."""
    import io

    import numpy as np
    from PIL import Image

    kept = lab["root"] / "mass-workspace" / "deployments" / deployment_id / "predictions"
    newest = max(kept.glob("*.json"), key=lambda path: path.stat().st_mtime).stem
    answer = page.request.get(f"{lab['url']}/mass-ide/api/deployments/{deployment_id}/predictions/{newest}/slice"
                              f"?axis=axial&index={index}&token={TOKEN}")
    assert answer.ok, answer.text()
    return (np.asarray(Image.open(io.BytesIO(answer.body()))) > 0).astype(int).tolist()


def test_deploy_a_segmenter_on_onnx_upload_a_volume_and_see_its_mask_slice_by_slice(page, lab, segmenter):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    view, row, test = open_deployed_test_page(page, segmenter["project"], runtime="onnx")
    expect(view.locator(".mass-Signature")).to_contain_text("3D volume")
    assert api(page, lab, f"deployments/{row.get_attribute('data-deployment-id')}")["runtime"] == "onnx"
    # A file that is no volume gets the server's reason, in the page.
    test.locator(".mass-FileForm-input").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a CT volume"})
    test.get_by_role("button", name="Predict").click()
    expect(test.locator('.mass-TryIt [role="alert"]')).to_contain_text("notes.txt", timeout=60_000)
    expect(test.locator(".mass-Prediction")).to_have_count(0)
    test.locator(".mass-FileForm-input").set_input_files(segmenter["ct"])
    test.get_by_role("button", name="Predict").click()
    mask = test.locator(".mass-MaskView-mask")
    expect(mask).to_be_visible(timeout=120_000)
    expect(tile(test, "Uncertainty")).to_have_text(re.compile(r"^0\.\d{3}$"))
    # Each class's predicted volume in mL (from the CT's voxel spacing) beside its voxel count.
    liver = test.locator(".mass-Tile").filter(has=page.get_by_text(re.compile(r"^liver · [\d,]+ voxels$")))
    expect(liver.locator(".mass-Tile-value")).to_have_text(re.compile(r"^[\d,.]+ mL$"))
    expect(test.locator(".mass-MaskView-legend")).to_contain_text("liver")
    # A NIfTI volume carries no DICOM series to put a SEG on (a zip of one does: test_browser_pacs.py).
    expect(test.get_by_role("button", name="Write DICOM SEG")).to_have_count(0)
    slider = test.locator(".mass-MaskView-slider")
    expect(slider).to_contain_text(re.compile(r"Slice \d+ of \d+"))
    # The volume is drawn under the mask: every pixel opaque, grey CT and coloured mask.
    page.wait_for_function("canvas => canvas.width > 1", arg=mask.element_handle())
    pixels = mask.evaluate(CANVAS_PIXELS)
    assert pixels["opaque"] == pixels["width"] * pixels["height"], pixels
    assert pixels["grey"] > 0, pixels
    first = mask.get_attribute("data-slice")
    slider.locator("input").press("ArrowRight" if int(first) == 0 else "ArrowLeft")
    expect(mask).not_to_have_attribute("data-slice", first)
    page.screenshot(path=OUTPUT / "test-segmentation.png")
    assert coloured_pixels(mask) == server_mask_pixels(page, lab, row.get_attribute("data-deployment-id"),
                                                       int(mask.get_attribute("data-slice")))
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "test-segmentation-dark.png")
    switch_theme(page, "JupyterLab Light")

    # Evaluate scores every labelled volume of the frozen version: Dice per case and its mean.
    evaluate = test.locator(".mass-Evaluate")
    evaluate.get_by_role("button", name="Evaluate").click()
    expect(tile(evaluate, "Mean Dice")).to_have_text(re.compile(r"^(0\.\d{3}|1\.000)$"), timeout=180_000)
    expect(evaluate.locator(".mass-CaseTable tbody tr").first).to_be_visible()
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-models', {projectId})",
                  segmenter["project"])
    row.get_by_role("button", name="Stop").click()
    expect(row).to_have_attribute("data-status", "stopped", timeout=30_000)
