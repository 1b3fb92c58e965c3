"""The annotation view in a real JupyterLab and Chromium: paint a mask, label an image.

The data is recorded through the core API in the lab's workspace before the
page opens it; the checks read back what the server stored and what the
canvas shows.
"""

import io
import json
import urllib.request

import numpy as np
import pytest
from annotation_fixtures import image_dataset, volume_dataset
from pages import OUTPUT, TOKEN, switch_theme
from PIL import Image

from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets
from mass_ide.core.workspace import Workspace

AXIAL_MIDDLE = 4  # the volumes are 16 × 12 × 8: the view opens at axial slice 8 // 2
LIVER = 1


@pytest.fixture(scope="module", autouse=True)
def no_news(lab):
    """Tell JupyterLab not to ask about its news feed: its toast would cover the screenshots."""
    settings = lab["log"].parent / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))


@pytest.fixture
def page(browser, lab):
    """A JupyterLab page, loaded (the tabs of earlier tests come back with it, so no Launcher to wait for)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{lab['url']}/lab?token={TOKEN}")
    wait_for_lab(page)
    yield page
    context.close()


def wait_for_lab(page) -> None:
    """Wait until JupyterLab has started and restored the tabs of the last visit."""
    page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=60_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.commands.hasCommand('mass-ide:annotate')")
    # a flag the app's own promise sets, polled: a promise handed to Playwright can be garbage collected
    page.evaluate("() => { window.jupyterapp.restored.then(() => { window.massRestored = true; }); }")
    page.wait_for_function("() => window.massRestored === true", timeout=600_000)


@pytest.fixture(scope="module")
def workspace(lab):
    """The running lab's workspace, opened beside the server (SQLite in WAL mode)."""
    ws = Workspace.open(lab["root"] / "mass-workspace")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def volumes(workspace):
    """A liver-segmentation project with a dataset of two small CT volumes, and their item ids."""
    dataset = volume_dataset(workspace, user="ana")
    return dataset, [item.id for item in datasets.list_items(workspace, dataset.id)[0]]


def api_get(lab, path: str) -> bytes:
    """GET a Mass IDE API path with the lab's token."""
    url = f"{lab['url']}/mass-ide/api/{path}{'&' if '?' in path else '?'}token={TOKEN}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def mask_slice(lab, item_id: int, index: int) -> np.ndarray:
    """The server's axial mask slice as rows × columns of class values."""
    png = api_get(lab, f"items/{item_id}/mask?axis=axial&index={index}")
    return np.asarray(Image.open(io.BytesIO(png)))


def annotate(page, dataset_id: int, item_id: int | None = None) -> None:
    """Open (or show) the dataset's annotation view with the `mass-ide:annotate` command."""
    args = {"datasetId": dataset_id} if item_id is None else {"datasetId": dataset_id, "itemId": item_id}
    page.evaluate("args => window.jupyterapp.commands.execute('mass-ide:annotate', args)", args)
    shown(page, ".mass-AnnotationView").wait_for()


def shown(page, selector: str):
    """`selector` inside the annotation tab on show (earlier tabs are restored with the page)."""
    return page.locator(".mass-AnnotationPanel:visible").locator(selector)


def wait_for_slice(page, slice_id: str) -> None:
    """Wait until the viewport shows `slice_id` ("axial:4") with its picture."""
    shown(page, f'.mass-SliceViewport[data-slice="{slice_id}"][data-loading="false"]').wait_for()


def wait_for_save_state(page, state: str) -> None:
    shown(page, f'.mass-SaveStatus[data-state="{state}"]').wait_for()


def canvas_point(page, fx: float, fy: float) -> tuple[float, float]:
    """A point of the slice canvas, as fractions of its size, in page coordinates."""
    box = shown(page, ".mass-SliceCanvas").bounding_box()
    return box["x"] + fx * box["width"], box["y"] + fy * box["height"]


def paint(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A left-button stroke from `start` to `end`, as a user draws it."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=12)
    page.mouse.up()


CANVAS_PIXEL = """([fx, fy]) => {
  const canvas = [...document.querySelectorAll('.mass-SliceCanvas')].find(node => node.offsetParent !== null);
  const x = Math.round(fx * canvas.width), y = Math.round(fy * canvas.height);
  return Array.from(canvas.getContext('2d').getImageData(x, y, 1, 1).data);
}"""


def is_liver_red(rgba) -> bool:
    """Whether a canvas pixel shows the liver overlay (red over the grey CT)."""
    red, green, blue, _ = rgba
    return red > green + 40 and red > blue + 40


def test_painted_stroke_is_saved_and_shown_after_a_reload(page, lab, volumes):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    dataset, (item_id, _) = volumes
    annotate(page, dataset.id, item_id)
    wait_for_slice(page, f"axial:{AXIAL_MIDDLE}")
    assert shown(page, ".mass-SliceNav-label").inner_text() == f"{AXIAL_MIDDLE + 1} / 8"

    # A horizontal stroke through the middle of the slice, with the liver class.
    paint(page, canvas_point(page, 0.4, 0.5), canvas_point(page, 0.6, 0.5))
    wait_for_save_state(page, "unsaved")
    wait_for_save_state(page, "saved")
    # The Volumes section counts the painted liver in voxels and in mL (the volume's 1.5 × 1.5 × 2 mm voxels).
    liver = json.loads(api_get(lab, f"items/{item_id}/mask/volumes"))["classes"][0]
    assert liver["voxels"] > 0 and liver["ml"] == pytest.approx(liver["voxels"] * 0.0045)
    row = shown(page, f'.mass-MaskVolumes-row[data-value="{LIVER}"]')
    row.filter(has_text=f"{liver['voxels']} voxels").wait_for()
    assert f"{liver['ml']:.3g} mL" in row.inner_text()
    page.screenshot(path=OUTPUT / "annotation-painted.png")

    page.reload()
    wait_for_lab(page)
    annotate(page, dataset.id, item_id)
    wait_for_slice(page, f"axial:{AXIAL_MIDDLE}")

    mask = mask_slice(lab, item_id, AXIAL_MIDDLE)
    assert mask.shape == (12, 16)
    assert mask[6, 8] == LIVER and mask[5, 7] == LIVER  # under the stroke
    assert mask[0, 0] == 0 and mask[11, 15] == 0  # far from it
    assert set(np.unique(mask)) == {0, LIVER}
    # The canvas shows the liver colour under the stroke, and plain grey far from it.
    page.wait_for_function(
        f"""() => {{ const [r, g, b] = ({CANVAS_PIXEL})([0.5, 0.5]); return r > g + 40 && r > b + 40; }}"""
    )
    assert is_liver_red(page.evaluate(CANVAS_PIXEL, [0.5, 0.5]))
    assert not is_liver_red(page.evaluate(CANVAS_PIXEL, [0.5, 0.2]))
    page.screenshot(path=OUTPUT / "annotation-reloaded.png")

    page.keyboard.press("?")
    shown(page, ".mass-ShortcutHelp").wait_for()
    page.screenshot(path=OUTPUT / "annotation-shortcuts.png")
    page.keyboard.press("Escape")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "annotation-dark.png")
    switch_theme(page, "JupyterLab Light")


def test_a_conflicting_save_keeps_the_strokes_until_the_user_chooses(page, lab, workspace, volumes):
    dataset, (_, item_id) = volumes
    annotate(page, dataset.id, item_id)
    shown(page, ".mass-AnnotationToolbar-item").filter(has_text="case1.nii.gz").wait_for()
    wait_for_slice(page, f"axial:{AXIAL_MIDDLE}")

    # Bob saves a tumour mark on another slice while the page still holds version 0.
    theirs = np.zeros((16, 8), dtype=np.uint8)  # a coronal slice in voxel order: x × z
    theirs[0, 0] = 2
    annotations.write_mask_slice(workspace, item_id, axis="coronal", index=0, values=theirs, expected_version=0,
                                 user="bob")

    paint(page, canvas_point(page, 0.4, 0.5), canvas_point(page, 0.6, 0.5))
    wait_for_save_state(page, "conflict")
    notice = shown(page, ".mass-SaveNotice")
    assert "bob" in notice.inner_text()
    assert notice.get_by_role("button", name="Reload theirs").is_visible()
    assert is_liver_red(page.evaluate(CANVAS_PIXEL, [0.5, 0.5]))  # the strokes are still in the page
    assert mask_slice(lab, item_id, AXIAL_MIDDLE)[6, 8] == 0
    page.screenshot(path=OUTPUT / "annotation-conflict.png")

    notice.get_by_role("button", name="Keep mine").click()
    wait_for_save_state(page, "saved")
    assert mask_slice(lab, item_id, AXIAL_MIDDLE)[6, 8] == LIVER
    saved = json.loads(api_get(lab, f"items/{item_id}/annotation"))
    assert saved["version"] == 2 and saved["updated_by"] != "bob"


def is_tumour_green(rgba) -> bool:
    """Whether a canvas pixel shows the tumour overlay (green over the grey CT)."""
    red, green, blue, _ = rgba
    return green > red + 40 and green > blue + 40


def test_views_slices_fill_undo_and_window(page, lab, volumes):
    dataset, (item_id, _) = volumes
    annotate(page, dataset.id, item_id)
    wait_for_slice(page, f"axial:{AXIAL_MIDDLE}")

    page.keyboard.press("c")  # coronal slices: 8 rows (z) × 16 columns (x), 12 of them
    wait_for_slice(page, "coronal:6")
    page.mouse.move(*canvas_point(page, 0.5, 0.5))
    page.mouse.wheel(0, -100)
    wait_for_slice(page, "coronal:7")
    page.keyboard.press("PageDown")
    wait_for_slice(page, "coronal:6")
    assert shown(page, ".mass-SliceNav-label").inner_text() == "7 / 12"

    # Flood fill the background with the tumour class, then undo and redo it.
    page.keyboard.press("f")
    page.keyboard.press("2")
    page.mouse.click(*canvas_point(page, 0.5, 0.5))
    page.wait_for_function(f"() => {{ const [r, g, b] = ({CANVAS_PIXEL})([0.5, 0.5]); return g > r + 40; }}")
    page.keyboard.press("Control+z")
    page.wait_for_function(f"() => {{ const [r, g, b] = ({CANVAS_PIXEL})([0.5, 0.5]); return g <= r + 40; }}")
    page.keyboard.press("Control+Shift+z")
    page.wait_for_function(f"() => {{ const [r, g, b] = ({CANVAS_PIXEL})([0.5, 0.5]); return g > r + 40; }}")
    wait_for_save_state(page, "unsaved")
    wait_for_save_state(page, "saved")
    coronal = np.asarray(Image.open(io.BytesIO(api_get(lab, f"items/{item_id}/mask?axis=coronal&index=6"))))
    assert coronal.shape == (8, 16)
    assert coronal[4, 8] == 2 and coronal[7, 0] == 2  # the filled background
    assert coronal[3, 8] == LIVER  # the axial stroke crosses this slice at z = 4, and the fill went round it
    # The undo history survives a switch of axis: undo on the axial view goes back to the coronal fill.
    page.keyboard.press("a")
    wait_for_slice(page, f"axial:{AXIAL_MIDDLE}")
    assert shown(page, 'button[title="Undo (Ctrl+Z)"]').is_enabled()
    page.keyboard.press("Control+z")
    wait_for_slice(page, "coronal:6")
    wait_for_save_state(page, "unsaved")
    wait_for_save_state(page, "saved")
    assert not is_tumour_green(page.evaluate(CANVAS_PIXEL, [0.5, 0.5]))
    coronal = np.asarray(Image.open(io.BytesIO(api_get(lab, f"items/{item_id}/mask?axis=coronal&index=6"))))
    assert coronal[4, 8] == 0 and coronal[3, 8] == LIVER  # the fill undone, the axial stroke kept

    # Right-drag leaves the preset for a window of one's own; the slice is rendered again.
    info = shown(page, ".mass-SliceViewport-info.mass-mod-end")
    assert info.inner_text().startswith("Abdomen")
    page.mouse.move(*canvas_point(page, 0.5, 0.5))
    page.mouse.down(button="right")
    page.mouse.move(*canvas_point(page, 0.6, 0.6), steps=5)
    page.mouse.up(button="right")
    assert not info.inner_text().startswith("Abdomen")
    wait_for_slice(page, "coronal:6")
    page.keyboard.press("s")
    wait_for_slice(page, "sagittal:8")
    page.screenshot(path=OUTPUT / "annotation-sagittal.png")

    shown(page, "button").filter(has_text="Export for MONAI / nnU-Net").click()
    exported = page.locator(".Toastify__toast").filter(has_text="Exported 2 cases to")
    exported.first.wait_for()
    assert "mass-workspace/projects/seg/" in exported.first.inner_text()


def test_a_key_assigns_a_class_and_counts_it(page, lab, workspace):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    dataset = image_dataset(workspace, user="ana")
    first = datasets.list_items(workspace, dataset.id)[0][0]
    asked = []  # the project has no model: no item is asked for a suggestion (each would be a 404 in the console)
    page.on("request", lambda request: asked.append(request.url) if "/suggestion" in request.url else None)
    # Open it from the project panel's Datasets section.
    page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", dataset.project_id)
    button = page.locator(f'.mass-ProjectPanel .mass-AnnotateButton[data-dataset-id="{dataset.id}"]')
    button.wait_for()
    page.screenshot(path=OUTPUT / "annotation-project-panel.png")
    button.click()
    view = shown(page, ".mass-AnnotationView")
    view.locator(".mass-ItemPicture").wait_for()
    assert view.locator(".mass-AnnotationProgress-count").inner_text() == "0 / 3"

    view.locator(".mass-AnnotationStage").click()
    page.keyboard.press("2")
    view.locator(".mass-AnnotationProgress-count", has_text="1 / 3").wait_for()
    chosen = view.locator(".mass-ClassButton.mass-mod-active")
    assert chosen.inner_text().endswith("tumour")
    assert "mass-mod-pending" not in chosen.get_attribute("class")
    assert "Labelled by" in view.locator(".mass-LabelInfo").inner_text()
    assert json.loads(api_get(lab, f"items/{first.id}/annotation"))["label"] == "tumour"
    page.screenshot(path=OUTPUT / "annotation-classify.png")

    shown(page, "button").filter(has_text="Freeze version").click()
    shown(page, ".mass-AnnotationToolbar-version").filter(has_text="Version 1").wait_for()
    assert datasets.list_versions(workspace, dataset.id)[0]["number"] == 1

    page.keyboard.press("ArrowRight")
    shown(page, ".mass-AnnotationToolbar-position").filter(has_text="2 of 3").wait_for()
    assert asked == []
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "annotation-classify-dark.png")
    switch_theme(page, "JupyterLab Light")


def test_table_classes_say_what_they_mean_and_what_they_train_as(page, lab, workspace):
    from mass_ide.core import projects
    from mass_ide.core.samples.sample_data import add_sample_data

    project = projects.create_project(workspace, name="Stages", template="liver-function", user="ana")
    [table] = add_sample_data(workspace, project.id, user="ana")
    first = datasets.list_items(workspace, table.id, limit=1)[0][0]
    annotate(page, table.id, first.id)
    view = shown(page, ".mass-AnnotationView")
    buttons = view.locator(".mass-ClassButton")
    buttons.nth(3).wait_for()
    # The stored classes are "1".."4"; the buttons say what each stage is and what it trains as.
    assert buttons.nth(0).inner_text().split("\n")[1:] == ["stage 1 — portal inflammation",
                                                           "→ negative: no cirrhosis (stages 1–3)"]
    assert buttons.nth(3).inner_text().split("\n")[1:] == ["stage 4 — cirrhosis", "→ positive: cirrhosis (stage 4)"]
    assert "learns “cirrhosis (stage 4)” (positive)" in view.locator(".mass-TrainingTarget").inner_text()
    assert view.locator(".mass-RecordTable tr", has_text="ast").inner_text().endswith(" U/L")  # the lab's own unit
    view.locator(".mass-AnnotationStage").click()
    page.keyboard.press("4")
    view.locator(".mass-ClassButton.mass-mod-active:not(.mass-mod-pending)", has_text="stage 4 — cirrhosis").wait_for()
    assert json.loads(api_get(lab, f"items/{first.id}/annotation"))["label"] == "4"
    page.screenshot(path=OUTPUT / "annotation-stages.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "annotation-stages-dark.png")
    switch_theme(page, "JupyterLab Light")


def test_pre_label_suggests_and_enter_accepts(page, lab, workspace):
    from mass_ide.core import projects
    from mass_ide.core.annotation import prelabel
    from mass_ide.core.runs import registering
    from mass_ide.core.runs.worker import train_in_process
    from mass_ide.core.samples.sample_data import add_sample_data

    project = projects.create_project(workspace, name="Prelabel", template="cancer-prediction", user="ana")
    patches, _ = add_sample_data(workspace, project.id, user="ana")
    datasets.freeze(workspace, patches.id, user="ana")
    run = train_in_process(workspace, project.id, dataset_id=patches.id, version=1, user="ana",
                           overrides={"image_size": [32, 32], "epochs": 1, "device": "cpu", "register": False,
                                      "model": {"name": "resnet10", "spatial_dims": 2, "in_channels": 1}})
    registering.register_run(workspace, run["id"], user="ana")
    cleared = datasets.all_items(workspace, patches.id)[:3]
    for item in cleared:
        annotations.set_label(workspace, item.id, label=None, expected_version=1, user="ana")

    annotate(page, patches.id, cleared[0].id)
    view = shown(page, ".mass-AnnotationView")
    view.locator(".mass-ToolButton", has_text="Pre-label").click()
    suggestion = view.locator(".mass-Suggestion")
    suggestion.wait_for(timeout=120_000)  # the worker process loads torch, then predicts three patches
    assert prelabel.latest_job(workspace, patches.id)["status"] == "completed"
    suggested = prelabel.get_suggestion(workspace, cleared[0].id)
    assert suggested["label"] in suggestion.inner_text()
    assert view.locator(".mass-ProbabilityBars-row").count() == 2
    assert "0 = all probability on one class" in view.locator(".mass-UncertaintyHint").inner_text()
    page.screenshot(path=OUTPUT / "annotation-prelabel.png")

    view.locator(".mass-AnnotationStage").click()
    page.keyboard.press("Enter")
    view.locator(".mass-ToolButton", has_text="Accepted").wait_for()
    saved = json.loads(api_get(lab, f"items/{cleared[0].id}/annotation"))
    assert saved["label"] == suggested["label"] and saved["version"] == 3  # imported, cleared, accepted

    # Most uncertain first: the view starts again at the unlabelled item the model was least sure of.
    page.keyboard.press("u")
    page.keyboard.press("o")
    least_sure = max(cleared[1:], key=lambda item: prelabel.get_suggestion(workspace, item.id)["uncertainty"])
    shown(page, ".mass-AnnotationToolbar-item").filter(has_text=least_sure.key).wait_for()
    assert view.locator('.mass-AnnotationCheck input[type="checkbox"]').nth(0).is_checked()
