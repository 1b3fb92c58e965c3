"""The Import panel and the dataset view in a real JupyterLab, driven in Debian's Chromium.

The JupyterLab server and the browser come from this folder's ``conftest.py``
(a module-scoped server per test module, with pytest-jupyter's loop kept away
from Playwright's).
"""

import os
import re
import time

import pytest
from annotation_fixtures import volume_dataset
from pages import LAST_RESORT_MS, OUTPUT, TOKEN, hide_toasts, switch_theme
from playwright.sync_api import expect

from mass_ide.core import projects
from mass_ide.core.data import datasets
from mass_ide.core.workspace import Workspace

PROJECT = "Import study"
LAB_VALUES = """age,sex,bilirubin,albumin,stage
54,M,1.2,3.9,F1
61,F,,3.1,F3
47, M ,0.8,4.2,F0
70,F,2.9,,F4
58,M,1.0,3.7,F2
"""


@pytest.fixture(scope="module")
def project_id(lab):
    """A liver-function project, created through the core API in the server's workspace."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        return projects.create_project(workspace, name=PROJECT, template="liver-function", user="browser-test").id
    finally:
        workspace.close()


@pytest.fixture
def page(browser, lab):
    """A JupyterLab page with a fresh layout (the last test's tabs are not restored), Mass IDE loaded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{lab['url']}/lab?reset&token={TOKEN}")
    page.wait_for_function("window.jupyterapp?.commands.hasCommand('mass-ide:import-data')", timeout=60_000)
    yield page
    context.close()


def open_import_panel(page, project_id: str):
    """Open the project panel and its Import data button; the Import panel's locator."""
    page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
    datasets = page.locator(".mass-ProjectPanel").filter(has_text=PROJECT).locator('[data-section="datasets"]')
    datasets.locator(".mass-ImportButton").click()
    panel = page.locator(".mass-ImportPanel")
    panel.wait_for()
    return panel


def test_upload_a_table_see_its_report_and_quality_plots(page, lab, project_id, tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    table = tmp_path / "lab_values.csv"
    table.write_text(LAB_VALUES, encoding="utf-8")
    panel = open_import_panel(page, project_id)
    assert "Drop files or folders here" in panel.inner_text()

    panel.get_by_label("Files to import").set_input_files(table)
    entry = panel.locator(".mass-Import-entry", has_text="lab_values.csv")
    entry.and_(page.locator('[data-state="done"]')).wait_for(timeout=60_000)
    assert entry.locator('[role="progressbar"]').count() == 0  # the upload and the import have finished
    report = entry.locator(".mass-Report").inner_text()
    assert "5 items" in report
    assert "5 columns" in report
    page.screenshot(path=OUTPUT / "import-report.png")

    entry.get_by_role("button", name="Open dataset").click()
    view = page.locator(".mass-DatasetView")
    view.locator(".mass-DataHeader-title", has_text="lab_values.csv").wait_for()
    # Each record's class is in its stage column already, and counts as a label, as training counts it.
    expect(view.locator(".mass-Labelling")).to_contain_text("5 of 5 items labelled")
    expect(view.locator(".mass-Table tbody tr")).to_have_count(5)  # the Items tab shows the records

    view.get_by_role("tab", name="Quality").click()
    view.locator("svg.mass-BarList").first.wait_for(timeout=30_000)
    expect(view.locator("svg.mass-Histogram")).to_have_count(3)  # age, bilirubin, albumin
    expect(view.locator(".mass-Quality-summary")).to_contain_text("2 missing values")
    page.screenshot(path=OUTPUT / "dataset-quality.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "dataset-quality-dark.png")
    switch_theme(page, "JupyterLab Light")

    view.get_by_role("tab", name="Export").click()
    href = view.get_by_role("link", name="Download labels.csv").get_attribute("href")
    download = page.request.get(href)  # with the page's cookies, as the link would be followed
    assert download.ok, download.status
    assert download.text().splitlines()[0].startswith("key,label")

    page.locator(f'.lm-TabBar-tab[data-id="mass-ide-project-{project_id}"]').click()
    expect(page.locator(".mass-DatasetList-item", has_text="lab_values.csv")).to_contain_text("5 items")


def test_a_chosen_folder_uploads_as_one_dataset(page, lab, project_id, tmp_path):
    from dicom_fixtures import write_ct_series

    write_ct_series(tmp_path / "abdomen", count=5)
    (tmp_path / "abdomen" / ".DS_Store").write_bytes(b"finder litter")  # hidden files stay behind
    panel = open_import_panel(page, project_id)
    panel.get_by_label("Folder to import").set_input_files(tmp_path / "abdomen")
    entry = panel.locator(".mass-Import-entry", has_text="abdomen (5 files)")
    entry.and_(page.locator('[data-state="done"]')).wait_for(timeout=60_000)
    assert "1 item" in entry.locator(".mass-Report").inner_text()
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        [dataset] = [d for d in datasets.list_datasets(workspace, project_id) if d.name == "abdomen"]
        assert dataset.kind == "volume" and dataset.item_count == 1
        assert not any((workspace.root / "uploads").iterdir())
    finally:
        workspace.close()


def throttle_uploads(page, bytes_per_second: int) -> None:
    """Slow this page's uploads down (-1: full speed), so that their progress shows."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": bytes_per_second})


def upload_in_progress(panel, path):
    """Upload ``path`` and wait until some of it is sent; the entry's locator."""
    panel.get_by_label("Files to import").set_input_files(path)
    entry = panel.locator(".mass-Import-entry", has_text=path.name)
    expect(entry.locator(".mass-Import-status")).to_have_text(re.compile(r" of 1.5 MB · [1-9]\d*%"), timeout=30_000)
    return entry


def test_a_damaged_volume_shows_the_server_message_next_to_the_file(page, project_id, tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    damaged = tmp_path / "scan.nii.gz"
    damaged.write_bytes(os.urandom(1_500_000))
    panel = open_import_panel(page, project_id)
    throttle_uploads(page, 400_000)

    entry = upload_in_progress(panel, damaged)
    page.screenshot(path=OUTPUT / "import-progress.png")
    error = entry.locator(".mass-Import-error")
    error.wait_for(timeout=60_000)
    expect(error).to_contain_text("scan.nii.gz")
    expect(error).to_contain_text("NIfTI")
    expect(entry).to_have_attribute("data-state", "failed")
    page.screenshot(path=OUTPUT / "import-error.png")


def test_cancel_stops_an_upload_and_leaves_nothing_behind(page, lab, project_id, tmp_path):
    large = tmp_path / "large.csv"
    large.write_text("value\n" + "1234567\n" * 187_500, encoding="utf-8")  # 1.5 MB
    panel = open_import_panel(page, project_id)
    throttle_uploads(page, 300_000)

    entry = upload_in_progress(panel, large)
    entry.get_by_role("button", name="Cancel").click()
    expect(entry).to_have_attribute("data-state", "cancelled")
    expect(entry).to_contain_text("nothing was imported")
    uploads = lab["root"] / "mass-workspace" / "uploads"
    deadline = time.monotonic() + 10
    while any(uploads.glob("upload-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(uploads.glob("upload-*")), "the cancelled upload left a file on the server"
    page.locator(f'.lm-TabBar-tab[data-id="mass-ide-project-{project_id}"]').click()
    expect(page.locator(".mass-DatasetList-item", has_text="large.csv")).to_have_count(0)


def test_a_cleaning_recipe_previews_its_changes_and_applies_as_a_new_dataset(page, lab, project_id, tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    hide_toasts(page)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    # Wide and long: the one changed cell (" M ", row 20) starts out of sight in its table's scroll box.
    header, *rows = LAB_VALUES.splitlines()
    fillers = [f"extra{n:02d}" for n in range(24)]
    filler_rows = [",".join(["7"] * 24 + ["54", "F", "1.1", "3.8", "F1"]) for _ in range(17)]
    lines = [",".join(fillers + header.split(",")), *filler_rows, *("7," * 24 + row for row in rows)]
    table = tmp_path / "recipe.csv"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        dataset = datasets.import_dataset(workspace, project_id, source=table, name="Recipe table", user="browser-test")
        ct = volume_dataset(workspace, user="browser-test")
    finally:
        workspace.close()
    page.evaluate("datasetId => window.jupyterapp.commands.execute('mass-ide:open-dataset', {datasetId})", dataset.id)
    view = page.locator(f"#mass-ide-dataset-{dataset.id}")
    view.get_by_role("tab", name="Cleaning recipe").click()
    looks = "button => [getComputedStyle(button).opacity, getComputedStyle(button).cursor]"
    for theme in ("JupyterLab Dark", "JupyterLab Light"):  # nothing to save or apply yet: those buttons look it
        switch_theme(page, theme)
        expect(view.get_by_role("button", name="Save")).to_be_disabled()
        assert view.get_by_role("button", name="Save").evaluate(looks) == ["0.45", "not-allowed"]
        assert view.get_by_role("button", name="Apply as new dataset").evaluate(looks) == ["0.45", "not-allowed"]
        assert view.get_by_role("button", name="Preview").evaluate(looks)[0] == "1"
        page.screenshot(path=OUTPUT / f"recipe-empty-{'dark' if 'Dark' in theme else 'light'}.png")

    view.get_by_label("Add a step").select_option("trim")
    view.get_by_role("button", name="Preview").click()
    changed = view.locator(".mass-PreviewSide", has_text="After").locator("td.mass-mod-changed")
    expect(changed).to_have_count(1)  # " M " lost its blanks
    expect(changed).to_have_text("M")
    expect(changed).to_have_attribute("title", "was:  M ")
    expect(changed).to_be_in_viewport()  # scrolled into view, inside its box and on the page
    was = view.locator(".mass-PreviewSide", has_text="Before").locator("tbody tr").nth(19).locator("td").nth(25)
    expect(was).to_have_text(" M ")
    expect(was).to_be_in_viewport()  # the Before table shows the same cell
    page.screenshot(path=OUTPUT / "recipe-preview.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "recipe-preview-dark.png")
    switch_theme(page, "JupyterLab Light")

    preview_volume_recipe(page, ct.id)
    page.locator(f'.lm-TabBar-tab[data-id="mass-ide-dataset-{dataset.id}"]').click()

    view.get_by_role("button", name="Apply as new dataset").click()
    title = page.locator(".mass-DataHeader-title", has_text="Recipe table (cleaned)")
    cleaned = page.locator(".mass-DatasetView", has=title)
    cleaned.wait_for(timeout=60_000)
    expect(cleaned.locator(".mass-DataHeader-sub")).to_contain_text(f"cleaned from dataset {dataset.id}")
    expect(cleaned.locator(".mass-Table tbody tr")).to_have_count(22)
    assert page_errors == []


def preview_volume_recipe(page, dataset_id: int) -> None:
    """A CT window and a resampling previewed on a volume dataset: its middle axial slice before and after."""
    page.evaluate("datasetId => window.jupyterapp.commands.execute('mass-ide:open-dataset', {datasetId})", dataset_id)
    view = page.locator(f"#mass-ide-dataset-{dataset_id}")
    view.get_by_role("tab", name="Cleaning recipe").click()
    view.get_by_label("Add a step").select_option("window")
    view.get_by_label("Add a step").select_option("resample")
    for number, spacing in enumerate(["3", "3", "4"], start=1):
        view.get_by_label(f"Spacing {number}").fill(spacing)
    view.get_by_role("button", name="Preview").click()
    pictures = view.locator(".mass-PreviewPicture")
    expect(pictures).to_have_count(2, timeout=LAST_RESORT_MS)  # the server's first resampling imports MONAI
    # 16 × 12 × 8 voxels of 1.5 × 1.5 × 2 mm, resampled to 3 × 3 × 4 mm: 8 × 6 × 4
    expect(pictures.nth(0)).to_contain_text("Before 16 × 12 pixels · middle axial slice, 5 of 8")
    expect(pictures.nth(1)).to_contain_text("After 8 × 6 pixels · middle axial slice, 3 of 4")
    sizes = pictures.locator("img").evaluate_all("images => images.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert sizes == [[True, 16, 12], [True, 8, 6]]
    expect(view.locator(".mass-SummaryTable")).to_contain_text("8 × 6 × 4")
    view.locator(".mass-Preview").scroll_into_view_if_needed()
    page.screenshot(path=OUTPUT / "recipe-preview-volume.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / "recipe-preview-volume-dark.png")
    switch_theme(page, "JupyterLab Light")
