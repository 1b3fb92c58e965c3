"""The hospital journey in one browser session, against a real Orthanc: search the PACS, retrieve a study's three
CT series into a de-identified dataset, paint the liver on each, train with the quick preset, deploy the version
the run registered, predict on a series in the PACS, send the DICOM SEG back, and find it listed in Orthanc.

The lab is this module's own Jupyter server (``pacs_lab`` of ``test_browser_pacs``: two PACS nodes naming the
session's Orthanc); everything in the page is clicked as a person would.
"""

import json
import re

import pytest
from dicom_fixtures import write_ct_series
from pages import LAST_RESORT_MS, OUTPUT, api_get, hide_toasts
from playwright.sync_api import expect
from pydicom.uid import generate_uid
from test_browser_journeys import Journey, deploy_from_the_run, train_quick
from test_browser_pacs import create_project, open_lab, pacs_lab, screenshots  # noqa: F401 - a fixture

PROJECT = "Liver from the PACS"
PATIENT = {"PatientName": "Hospitalby^Journey", "PatientID": "PID-BROWSER-HOSP", "AccessionNumber": "ACCBRW0003",
           "StudyDescription": "CT LIVER"}
PHASES = ("arterial", "venous", "delayed")  # training needs three labelled volumes
SEGMENTATION = Journey("Liver segmentation", "", "", "items", "Mean Dice")


@pytest.fixture(scope="module")
def liver_study(orthanc, tmp_path_factory):
    """A study of three small CT series (the arterial, venous and delayed phases) in Orthanc; its UID."""
    folder = tmp_path_factory.mktemp("hospital-study")
    study_uid = generate_uid()
    for number, phase in enumerate(PHASES, start=1):
        series = write_ct_series(folder / phase, count=10, shape=(32, 32), pixel_spacing=(4.0, 4.0), step=6.0,
                                 study_uid=study_uid, number=number, description=f"LIVER {phase.upper()}",
                                 seed=20 + number, extra=PATIENT)
        orthanc.upload(series.files)
    return study_uid


def search(panel) -> None:
    """Search the PACS for the journey's patient and open their study's series."""
    panel.get_by_label("Patient name").fill("Hospitalby")
    panel.get_by_label("Patient name").press("Enter")
    study = panel.locator("tr.mass-PacsStudy")
    expect(study).to_have_count(1)
    study.click()
    expect(panel.locator(".mass-PacsSeries-item")).to_have_count(len(PHASES))


def paint_the_liver(page) -> None:
    """One liver stroke across the middle of the shown slice, saved."""
    view = page.locator(".mass-AnnotationPanel:visible .mass-AnnotationView")
    view.locator('.mass-SliceViewport[data-loading="false"]').wait_for(timeout=LAST_RESORT_MS)
    box = view.locator(".mass-SliceCanvas").bounding_box()
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.5 * box["height"], steps=10)
    page.mouse.up()
    page.locator('.mass-AnnotationPanel:visible .mass-SaveStatus[data-state="saved"]').wait_for(timeout=60_000)


def test_from_a_pacs_study_to_a_model_whose_seg_goes_back_to_the_pacs(browser, pacs_lab, liver_study,  # noqa: F811
                                                                      orthanc):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    project_id = create_project(pacs_lab, PROJECT)
    page, context = open_lab(browser, pacs_lab)
    try:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        hide_toasts(page)
        page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-pacs', {projectId})",
                      project_id)
        panel = page.locator(".mass-PacsPanel")
        search(panel)
        panel.get_by_role("button", name="Choose every image series").click()
        retrieve = panel.get_by_role("button", name=f"Retrieve {len(PHASES)} series into {PROJECT}")
        panel.get_by_label("Dataset name (optional)").fill("Liver CT from the PACS")
        retrieve.click()
        entry = panel.locator(".mass-PacsRetrieval").first
        expect(entry).to_have_attribute("data-state", "done", timeout=LAST_RESORT_MS)
        expect(entry).to_contain_text(f"Imported {10 * len(PHASES)} instances as a de-identified dataset")

        entry.get_by_role("button", name="Annotate").click()  # label: the liver on each series' volume
        for number in range(1, len(PHASES) + 1):
            expect(page.locator(".mass-AnnotationPanel:visible .mass-AnnotationToolbar-position")).to_contain_text(
                f"{number} of {len(PHASES)}")
            paint_the_liver(page)
            if number < len(PHASES):
                page.locator(".mass-AnnotationPanel:visible").get_by_label("Next item").click()

        page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
        project = page.locator(".mass-ProjectPanel").filter(has_text=PROJECT)
        dataset_id = int(project.locator(".mass-DatasetList-item", has_text="Liver CT from the PACS")
                         .get_attribute("data-dataset-id"))
        train_quick(page, pacs_lab, project, SEGMENTATION, dataset_id)
        offered = api_get(page, pacs_lab, f"projects/{project_id}/runs/options")["datasets"]
        assert [d["labelled"] for d in offered if d["id"] == dataset_id] == [len(PHASES)]  # every stroke was saved
        test = deploy_from_the_run(page)
        deployment_id = test.get_attribute("data-deployment-id")

        page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-pacs', {projectId})",
                      project_id)
        search(panel)
        item = panel.locator(".mass-PacsSeries-item", has_text="LIVER VENOUS")
        item.get_by_role("button", name="Predict…").click()
        expect(item.get_by_label("Deployment").locator("option:checked")).to_contain_text(
            re.compile(rf"deployment {deployment_id} \(newest\)$"))
        item.get_by_role("button", name="Run prediction").click()
        result = item.locator('.mass-PacsResult[data-kind="SEG"]')
        expect(result).to_be_visible(timeout=LAST_RESORT_MS)
        expect(result.locator(".mass-PacsResult-title")).to_have_text("AI segmentation (DICOM SEG)")
        expect(result).to_contain_text("liver")
        expect(result).to_contain_text(re.compile(r"\d+(\.\d+)? mL"))
        result.get_by_role("button", name="Send to PACS").click()
        expect(result.locator(".mass-PacsSent")).to_have_text("✓ Stored on orthanc-web (STOW-RS)")
        item.scroll_into_view_if_needed()
        screenshots(page, "seg-sent")
        assert errors == []
    finally:
        context.close()

    found = orthanc.rest("/tools/find", body=json.dumps(
        {"Level": "Series", "Query": {"StudyInstanceUID": liver_study, "Modality": "SEG"}, "Expand": True}).encode())
    assert len(found) == 1 and found[0]["MainDicomTags"]["SeriesDescription"].startswith("AI segmentation")
