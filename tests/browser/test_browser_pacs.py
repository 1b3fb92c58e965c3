"""The PACS panel in a real JupyterLab against a real Orthanc, driven in Debian's Chromium.

The lab of this module is its own Jupyter server with two PACS nodes configured (one
DICOMweb, one DIMSE, both the session's Orthanc from ``tests/conftest.py``) over a copy of
the session's ``trained_patches`` workspace (a registered 32×32 patch classifier to deploy);
the shared lab of ``conftest.py`` has none, and shows how to configure one.
"""

import json
import re
import time
import urllib.request
import zipfile

import pytest
from dicom_fixtures import write_ct_series
from pacs_fixtures import free_port, write_report
from pages import LAST_RESORT_MS, OUTPUT, TOKEN, hide_toasts, switch_theme
from playwright.sync_api import expect
from pydicom import dcmread
from pydicom.uid import generate_uid
from servers import start_jupyter_server
from test_browser_models import open_deployed_test_page, registered_segmenter

from mass_ide.core import projects
from mass_ide.core.data import datasets
from mass_ide.core.processes import terminate as stop_worker
from mass_ide.core.workspace import Workspace

PROJECT = "PACS study"
PATIENT = {"PatientName": "Browserby^Pacsworth", "PatientID": "PID-BROWSER-PACS", "AccessionNumber": "ACCBRW0001",
           "StudyDescription": "CT ABDOMEN"}


@pytest.fixture(scope="module")
def pacs_study(orthanc, tmp_path_factory):
    """A CT series and a report of one study, stored in Orthanc under a patient no other test uses."""
    folder = tmp_path_factory.mktemp("pacs-browser")
    series = write_ct_series(folder / "ct", count=6, description="ABDOMEN VENOUS", extra=PATIENT)
    report = folder / "report.dcm"
    write_report(report, study_uid=series.study_uid)
    ds = dcmread(report)
    for keyword, value in PATIENT.items():
        setattr(ds, keyword, value)
    ds.save_as(report, enforce_file_format=True)
    orthanc.upload([*series.files, report])
    return series


@pytest.fixture(scope="module")
def pacs_lab(orthanc, trained_patches, tmp_path_factory):
    """A JupyterLab with Mass IDE whose MassIDEApp.pacs_nodes name the session's Orthanc, by DICOMweb and DIMSE;
    its workspace a copy of ``trained_patches``. Deployment workers left at the end are stopped."""
    root = tmp_path_factory.mktemp("pacs-lab-root")
    trained_patches.place(root / "mass-workspace")
    home = tmp_path_factory.mktemp("pacs-lab-home")
    config = {"MassIDEApp": {"pacs_nodes": [orthanc.node("orthanc-web"), orthanc.node("orthanc-dimse",
                                                                                      protocol="dimse")]}}
    (home / "config").mkdir()
    (home / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
    with pytest.MonkeyPatch.context() as patch:  # the lab's settings (the theme, say) stay out of the user's
        patch.setenv("JUPYTERLAB_SETTINGS_DIR", str(home / "settings"))
        patch.setenv("JUPYTERLAB_WORKSPACES_DIR", str(home / "workspaces"))
        port = free_port()
        server = start_jupyter_server(root, token=TOKEN, port=port, log=home / "server.log",
                                      options=("--LabApp.expose_app_in_browser=True",))
    try:
        yield {"url": f"http://127.0.0.1:{port}", "root": root, "log": home / "server.log"}
    finally:
        server.terminate()
        server.wait(timeout=30)
        workspace = Workspace.open(root / "mass-workspace")  # workers outlive a server on purpose: stop them
        try:
            for row in workspace.db["deployments"].rows_where("pid IS NOT NULL"):
                stop_worker(row["pid"])
        finally:
            workspace.close()


def create_project(lab, name: str) -> str:
    """A liver-segmentation project made through the core API in the lab's workspace; its id."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        return projects.create_project(workspace, name=name, template="liver-segmentation", user="browser-test").id
    finally:
        workspace.close()


def open_lab(browser, lab):
    """A JupyterLab page of ``lab`` with a fresh layout, once Mass IDE's PACS command is there; page, context."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{lab['url']}/lab?reset&token={TOKEN}")
    page.wait_for_function("window.jupyterapp?.commands.hasCommand('mass-ide:open-pacs')", timeout=60_000)
    hide_toasts(page)
    return page, context


def screenshots(page, name: str) -> None:
    """``pacs-NAME.png`` in the light theme and ``pacs-NAME-dark.png`` in the dark one; back to light after."""
    page.screenshot(path=OUTPUT / f"pacs-{name}.png")
    switch_theme(page, "JupyterLab Dark")
    page.screenshot(path=OUTPUT / f"pacs-{name}-dark.png")
    switch_theme(page, "JupyterLab Light")


def test_search_the_pacs_choose_a_series_and_retrieve_it_into_a_dataset(browser, pacs_lab, pacs_study):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    project_id = create_project(pacs_lab, PROJECT)
    page, context = open_lab(browser, pacs_lab)
    try:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The Import panel's "From the PACS" opens the project's PACS panel.
        page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:import-data', {projectId})",
                      project_id)
        from_pacs = page.locator(".mass-ImportPanel .mass-PacsImport")
        from_pacs.scroll_into_view_if_needed()
        screenshots(page, "import-panel")
        from_pacs.get_by_role("button", name="Search the PACS…").click()
        panel = page.locator(".mass-PacsPanel")
        panel.wait_for()
        expect(page.locator(f'.lm-TabBar-tab[data-id="mass-ide-pacs-{project_id}"]')).to_contain_text(
            f"PACS · {PROJECT}")

        node = panel.get_by_label("PACS node")
        expect(node.locator("option")).to_have_text(["orthanc-web (DICOMweb)", "orthanc-dimse (DIMSE)"])
        node.select_option("orthanc-dimse")
        panel.get_by_role("button", name="Test connection").click()
        expect(panel.locator(".mass-PacsCheck")).to_contain_text("Connection to orthanc-dimse succeeded")
        expect(panel.locator(".mass-PacsCheck-item")).to_contain_text("C-ECHO to TESTPACS")
        node.select_option("orthanc-web")
        expect(panel.locator(".mass-PacsCheck")).to_have_count(0)  # the other node's check is forgotten
        panel.get_by_role("button", name="Test connection").click()
        expect(panel.locator(".mass-PacsCheck")).to_contain_text("Connection to orthanc-web succeeded")
        expect(panel.locator('.mass-PacsCheck-item[data-ok="true"]')).to_contain_text("QIDO-RS at")

        panel.get_by_label("Patient name").fill("Browserby")
        panel.get_by_label("Patient name").press("Enter")
        studies = panel.locator("tr.mass-PacsStudy")
        expect(studies).to_have_count(1)
        expect(studies).to_contain_text("Browserby, Pacsworth")
        expect(studies).to_contain_text("PID-BROWSER-PACS")
        expect(studies).to_contain_text("2024-02-29")
        expect(panel.locator(".mass-PacsNote")).to_have_text(
            "Patient details come from the PACS for this search and are not stored; "
            "the retrieved dataset is de-identified.")

        studies.click()
        series = panel.locator(".mass-PacsSeries-item")
        expect(series).to_have_count(2)
        report = series.filter(has_text="SR")
        expect(report.get_by_role("checkbox")).to_be_disabled()
        expect(report).to_contain_text("cannot be retrieved")
        retrieve = panel.get_by_role("button", name=re.compile(r"^Retrieve \d+ series into"))
        expect(retrieve).to_be_disabled()
        series.filter(has_text="ABDOMEN VENOUS").get_by_role("checkbox").check()
        expect(retrieve).to_have_text(f"Retrieve 1 series into {PROJECT}")
        expect(retrieve).to_be_enabled()
        panel.get_by_label("Dataset name (optional)").fill("PACS abdomen")
        screenshots(page, "search")

        retrieve.click()
        entry = panel.locator(".mass-PacsRetrieval").first
        open_dataset = entry.get_by_role("button", name="Open dataset")
        expect(open_dataset).to_be_visible(timeout=LAST_RESORT_MS)
        expect(entry).to_have_attribute("data-state", "done")
        expect(entry).to_contain_text("Imported 6 instances as a de-identified dataset")
        expect(entry.get_by_role("button", name="Annotate")).to_be_visible()
        entry.scroll_into_view_if_needed()
        screenshots(page, "retrieved")

        open_dataset.click()
        view = page.locator(".mass-DatasetView")
        expect(view.locator(".mass-DataHeader-title")).to_have_text("PACS abdomen")
        expect(view.locator(".mass-DataHeader-sub")).to_contain_text("1 item ·")
        # The project panel lists the new dataset: the project list was refreshed when the retrieval ended.
        page.evaluate("id => window.jupyterapp.commands.execute('mass-ide:open-project', {id})", project_id)
        project_panel = page.locator(".mass-ProjectPanel").filter(has_text=PROJECT)
        expect(project_panel.locator(".mass-DatasetList-item", has_text="PACS abdomen")).to_contain_text("1 item")
        assert errors == []
    finally:
        context.close()

    workspace = Workspace.open(pacs_lab["root"] / "mass-workspace")
    try:
        [dataset] = datasets.list_datasets(workspace, project_id)
        assert (dataset.name, dataset.kind, dataset.item_count) == ("PACS abdomen", "volume", 1)
    finally:
        workspace.close()


def test_without_a_configured_node_the_panel_says_how_to_configure_one(browser, lab):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    project_id = create_project(lab, "No PACS here")
    page, context = open_lab(browser, lab)
    try:
        page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-pacs', {projectId})",
                      project_id)
        panel = page.locator(".mass-PacsPanel")
        expect(panel.locator(".mass-PacsSetup")).to_contain_text("c.MassIDEApp.pacs_nodes")
        expect(panel.get_by_label("Patient name")).to_have_count(0)  # no form that could find nothing
        screenshots(page, "no-nodes")
    finally:
        context.close()


def retrieval(state: str, **fields) -> dict:
    """A retrieval as ``GET projects/{id}/retrievals`` answers it."""
    return {"id": f"r-{state}", "project_id": "p", "node": "orthanc-web", "series": 1, "state": state,
            "message": None, "dataset_id": None, "instances_total": 120, "instances_done": 0, "instances_resumed": 0,
            "instances_per_second": None, "seconds_left": None, "skipped": [], **fields}


def test_retrievals_show_their_progress_cancel_and_why_one_failed(browser, pacs_lab):
    """Each state of a retrieval as the panel shows it, from answers the page is given (a real retrieval of a
    few instances is over before it could be seen fetching)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    project_id = create_project(pacs_lab, "PACS progress")
    answers = {
        "fetching": retrieval("fetching", instances_done=40, instances_resumed=10, instances_per_second=12.5,
                              seconds_left=6.4),
        "importing": retrieval("importing", instances_done=120),
        "failed": retrieval("failed", instances_done=35, message="the PACS closed the connection (C-GET aborted); "
                            "35 instance(s) fetched are kept: retrieve again to resume"),
        "done": retrieval("done", instances_done=120, dataset_id=1, skipped=["SR series 90 (Basic Text SR)"]),
    }

    def answer_list(route):
        route.fulfill(json={"retrievals": list(answers.values())})

    def answer_cancel(route):
        answers["fetching"] = {**answers["fetching"], "state": "cancelled", "message": "cancelled; nothing was imported"}
        route.fulfill(json=answers["fetching"])

    page, context = open_lab(browser, pacs_lab)
    try:
        page.route(re.compile(rf".*/mass-ide/api/projects/{project_id}/retrievals(\?.*)?$"), answer_list)
        page.route(re.compile(r".*/mass-ide/api/retrievals/r-fetching/cancel(\?.*)?$"), answer_cancel)
        page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-pacs', {projectId})",
                      project_id)
        entries = page.locator(".mass-PacsRetrieval")
        expect(entries).to_have_count(4)
        fetching = entries.and_(page.locator('[data-state="fetching"]'))
        expect(fetching.locator(".mass-Import-status")).to_have_text(
            "40 of 120 instances · 12.5 instances/s · about 6 s left · 10 instances kept from an earlier try")
        expect(fetching.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "40")
        expect(entries.and_(page.locator('[data-state="importing"]'))).to_contain_text("de-identifying")
        failed = entries.and_(page.locator('[data-state="failed"]'))
        expect(failed.get_by_role("alert")).to_have_text(
            "The PACS closed the connection (C-GET aborted); 35 instance(s) fetched are kept: retrieve again to resume.")
        done = entries.and_(page.locator('[data-state="done"]'))
        expect(done.locator(".mass-PacsSkipped")).to_contain_text("SR series 90 (Basic Text SR)")
        expect(done.get_by_role("button", name="Open dataset")).to_be_visible()
        screenshots(page, "progress")

        fetching.get_by_role("button", name="Cancel").click()
        cancelled = entries.and_(page.locator('[data-state="cancelled"]'))
        expect(cancelled).to_contain_text("Cancelled — nothing was imported")
        expect(cancelled.get_by_role("button", name="Cancel")).to_have_count(0)
    finally:
        context.close()


def api(lab, method: str, path: str, body: dict | None = None) -> dict:
    """One call of a Mass IDE route with the lab's token (token-authenticated: no XSRF cookie needed); its JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{lab['url']}/mass-ide/api/{path}", data=data, method=method)
    request.add_header("Authorization", f"token {TOKEN}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read() or b"null")


def deploy_running(lab, model: str, number: int) -> dict:
    """Deploy a registered version through the server and wait until its worker answers."""
    created = api(lab, "POST", f"models/{model}/versions/{number}/deploy", {})
    deadline = time.monotonic() + LAST_RESORT_MS / 1000
    while (found := api(lab, "GET", f"deployments/{created['id']}"))["status"] == "starting":
        assert time.monotonic() < deadline, "the deployment never started"
        time.sleep(0.25)
    assert found["status"] == "running", found.get("error")
    return found


def deployed_patches(lab, trained_patches) -> tuple[object, dict, dict]:
    """The lab's copy of the ``trained_patches`` classifier, deployed and running: (its dataset, its version,
    the deployment)."""
    workspace = Workspace.open(lab["root"] / "mass-workspace")
    try:
        dataset, version = trained_patches.found_in(workspace)
    finally:
        workspace.close()
    return dataset, version, deploy_running(lab, version["model"], version["number"])


def search_patient(page, project_id: str, name: str):
    """Open the project's PACS panel and search the first node for a patient name; the panel."""
    page.evaluate("projectId => window.jupyterapp.commands.execute('mass-ide:open-pacs', {projectId})", project_id)
    panel = page.locator(".mass-PacsPanel")
    panel.get_by_label("Patient name").fill(name)
    panel.get_by_label("Patient name").press("Enter")
    return panel


def series_on_pacs(orthanc, study_uid: str, modality: str) -> int:
    """How many series of ``modality`` Orthanc lists in a study."""
    query = {"Level": "Series", "Query": {"StudyInstanceUID": study_uid, "Modality": modality}}
    return len(orthanc.rest("/tools/find", body=json.dumps(query).encode()))


def test_a_deployed_classifier_answers_a_pacs_series_with_an_sr_sent_back_to_the_pacs(browser, pacs_lab,
                                                                                      trained_patches, orthanc,
                                                                                      tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    patient = {"PatientName": "Predictby^Clinica", "PatientID": "PID-BROWSER-AI", "AccessionNumber": "ACCBRW0002",
               "StudyDescription": "CT KEY IMAGES"}
    series = write_ct_series(tmp_path / "images", count=2, shape=(32, 32), description="KEY IMAGES", seed=11,
                             extra=patient)
    orthanc.upload(series.files)
    dataset, version, deployment = deployed_patches(pacs_lab, trained_patches)
    page, context = open_lab(browser, pacs_lab)
    try:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        panel = search_patient(page, dataset.project_id, "Predictby")
        panel.locator("tr.mass-PacsStudy").click()
        item = panel.locator(".mass-PacsSeries-item", has_text="KEY IMAGES")
        item.get_by_role("button", name="Predict…").click()
        chooser = item.get_by_label("Deployment")
        expect(chooser.locator("option")).to_have_text(
            [f"{version['model']} v{version['number']} · deployment {deployment['id']} (newest)"])
        held = []  # the prediction is held back until its busy state has been seen
        page.route("**/pacs/predict*", lambda route: held.append(route))
        item.get_by_role("button", name="Run prediction").click()
        expect(item.get_by_role("status")).to_contain_text("Fetching the series from orthanc-web")
        expect(item.get_by_role("button", name="Predicting…")).to_have_count(2)
        expect(item.get_by_role("button", name="Predicting…").first).to_be_disabled()
        for _ in range(200):  # the handler runs while Playwright waits
            if held:
                break
            page.wait_for_timeout(50)
        assert len(held) == 1, "the prediction request was not seen"
        held[0].continue_()
        result = item.locator('.mass-PacsResult[data-kind="SR"]')
        expect(result).to_be_visible(timeout=LAST_RESORT_MS)
        expect(result.locator(".mass-PacsResult-title")).to_have_text("AI finding (DICOM SR)")
        findings = result.locator(".mass-PacsFinding")
        expect(findings).to_have_count(2)
        for row in findings.all():
            expect(row.locator(".mass-PacsFinding-class")).to_have_text(re.compile(r"^(no tumour|tumour)$"))
            expect(row).to_contain_text(re.compile(r"\d+\.\d%"))
        expect(result.locator(".mass-PacsResult-note")).to_contain_text("refers to the real study")
        expect(result.locator(".mass-PacsResult-note")).to_contain_text("beyond the audited prediction")

        with page.expect_download() as download:
            result.get_by_role("link", name="Download DICOM").click()
        dicom = download.value.path().read_bytes()
        assert dicom[128:132] == b"DICM" and dcmread(download.value.path()).Modality == "SR"

        expect(result.get_by_label("Send to node")).to_have_value("orthanc-web")  # where the series came from
        result.get_by_role("button", name="Send to PACS").click()
        expect(result.locator(".mass-PacsSent")).to_have_text("✓ Stored on orthanc-web (STOW-RS)")
        item.scroll_into_view_if_needed()
        screenshots(page, "prediction")
        assert errors == []
    finally:
        context.close()
        api(pacs_lab, "DELETE", f"deployments/{deployment['id']}")
    assert series_on_pacs(orthanc, series.study_uid, "SR") == 1


@pytest.fixture(scope="module")
def pacs_segmenter(pacs_lab):
    """A tiny registered 3D U-Net of a liver-segmentation project in the PACS lab's workspace (trained in seconds,
    as the shared lab's ``segmenter``)."""
    return registered_segmenter(pacs_lab["root"] / "mass-workspace", "PACS segmentation")


def zipped(series, target) -> bytes:
    """The files of a written series as a zip, as a CD export holds them; its bytes."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in series.files:
            archive.write(path, f"CD/{path.name}")
    return target.read_bytes()


def test_a_test_page_upload_of_a_dicom_series_is_written_as_a_seg_and_sent_to_the_pacs(browser, pacs_lab,
                                                                                     pacs_segmenter, orthanc,
                                                                                     tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    patient = {"PatientName": "Segmentby^Uploada", "PatientID": "PID-BROWSER-SEG", "AccessionNumber": "ACCBRW0003",
               "StudyDescription": "CT LIVER"}
    grid = {"count": 6, "shape": (20, 20), "pixel_spacing": (4.0, 4.0), "step": 6.0, "extra": patient}
    series = write_ct_series(tmp_path / "ct", description="LIVER PORTAL", **grid)
    other = write_ct_series(tmp_path / "other", description="LIVER LATE", origin=(50.0, 0.0, 0.0), **grid)
    orthanc.upload(series.files)  # the study the SEG joins on the PACS
    upload = tmp_path / "liver-portal.zip"
    zipped(series, upload)
    page, context = open_lab(browser, pacs_lab)
    try:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        _, row, test = open_deployed_test_page(page, pacs_segmenter["project"])
        write = test.get_by_role("button", name="Write DICOM SEG")
        test.locator(".mass-FileForm-input").set_input_files(str(upload))
        expect(write).to_have_count(0)  # nothing predicted yet
        test.get_by_role("button", name="Predict").click()
        expect(test.locator(".mass-MaskView-mask")).to_be_visible(timeout=LAST_RESORT_MS)

        # The server refuses a SEG on a series the mask does not lie on (here: another series' zip in the body).
        other_zip = zipped(other, tmp_path / "other.zip")
        page.route("**/predictions/*/dicom*", lambda route: route.continue_(post_data=other_zip))
        write.click()
        expect(test.locator(".mass-WriteSeg [role=alert]")).to_have_text(
            "The DICOM SEG could not be written for this upload: the predicted mask does not lie where this "
            "series' images are; predict on this very series.")
        page.unroute("**/predictions/*/dicom*")

        write.click()
        result = test.locator('.mass-DicomResult[data-kind="SEG"]')
        expect(result.locator(".mass-PacsResult-title")).to_have_text("AI segmentation (DICOM SEG)")
        expect(result.locator(".mass-Tile-label", has_text=re.compile(r"^liver · [\d,]+ voxels$"))).to_have_count(1)
        expect(test.locator(".mass-WriteSeg [role=alert]")).to_have_count(0)
        expect(write).to_have_count(0)
        expect(result.locator(".mass-Field-hint").last).to_contain_text("The series was uploaded on this page")

        with page.expect_download() as download:
            result.get_by_role("link", name="Download DICOM").click()
        seg = dcmread(download.value.path())
        assert seg.Modality == "SEG" and seg.StudyInstanceUID == series.study_uid
        assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == series.uid

        expect(result.get_by_label("Send to node")).to_have_value("orthanc-web")  # the first node
        result.get_by_label("Send to node").select_option("orthanc-dimse")
        result.get_by_role("button", name="Send to PACS").click()
        expect(result.locator(".mass-PacsSent")).to_have_text("✓ Stored on orthanc-dimse (C-STORE)")
        result.scroll_into_view_if_needed()
        screenshots(page, "test-page-seg")
        assert errors == []
        deployment_id = row.get_attribute("data-deployment-id")
    finally:
        context.close()
    api(pacs_lab, "DELETE", f"deployments/{deployment_id}")
    assert series_on_pacs(orthanc, series.study_uid, "SEG") == 1


def test_a_batch_predicts_each_chosen_series_sends_each_sr_and_says_which_one_failed(browser, pacs_lab,
                                                                                    trained_patches, orthanc,
                                                                                    tmp_path):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    patient = {"PatientName": "Batchby^Worklista", "PatientID": "PID-BROWSER-BATCH", "AccessionNumber": "ACCBRW0004",
               "StudyDescription": "CT FOLLOW-UP"}
    study_uid = generate_uid()
    series = [write_ct_series(tmp_path / f"s{number}", count=2, shape=(32, 32), number=number, seed=number,
                              study_uid=study_uid, description=f"PHASE {number}", extra=patient)
              for number in (1, 2, 3)]
    uploaded = [orthanc.upload(found.files) for found in series]
    dataset, version, deployment = deployed_patches(pacs_lab, trained_patches)
    page, context = open_lab(browser, pacs_lab)
    try:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        panel = search_patient(page, dataset.project_id, "Batchby")
        expect(panel.get_by_role("button", name="Predict on every image series of 1 study…")).to_be_enabled()
        panel.locator("tr.mass-PacsStudy").click()
        items = panel.locator(".mass-PacsSeries-item")
        expect(items).to_have_count(3)
        panel.get_by_role("button", name="Choose every image series").click()
        # Phase 2 leaves the PACS after it was listed: its line fails, the next series is still predicted.
        orthanc.rest(f"/series/{orthanc.rest(f'/instances/{uploaded[1][0]}')['ParentSeries']}", method="DELETE")

        panel.get_by_role("button", name="Predict on 3 series…").click()
        form = panel.locator(".mass-PacsBatchForm")
        expect(form).to_contain_text("Worklist: the 3 series chosen above")
        expect(form.get_by_label("Deployment").locator("option")).to_have_text(
            [f"{version['model']} v{version['number']} · deployment {deployment['id']} (newest)"])
        form.get_by_label("Send each result to").select_option("orthanc-dimse")
        form.scroll_into_view_if_needed()
        screenshots(page, "batch-form")
        form.get_by_role("button", name="Start predicting").click()
        expect(form).to_have_count(0)

        entry = panel.locator(".mass-PacsBatchEntry").first
        expect(entry).to_have_attribute("data-state", "done", timeout=LAST_RESORT_MS)
        expect(entry.locator(".mass-Import-source")).to_have_text("3 series of CT FOLLOW-UP (2024-02-29)")
        expect(entry.locator(".mass-Import-status")).to_have_text("3 of 3 series done · 1 failed")
        expect(entry.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "3")
        lines = entry.locator(".mass-PacsBatchItem")
        expect(lines.locator(".mass-PacsBatchItem-series")).to_have_text(
            ["#1 CT PHASE 1", "#2 CT PHASE 2", "#3 CT PHASE 3"])
        expect(lines.locator(".mass-PacsState")).to_have_text(["Done", "Failed", "Done"])
        for done in (lines.nth(0), lines.nth(2)):
            expect(done.locator(".mass-PacsBatchItem-kind")).to_have_text("SR")
            expect(done.locator(".mass-PacsBatchItem-sent")).to_have_text("✓ stored on orthanc-dimse")
        expect(lines.nth(1).locator(".mass-PacsBatchItem-message")).to_have_text(re.compile(r"^[A-Z].+\.$"))
        expect(entry.get_by_role("button", name="Cancel")).to_have_count(0)
        entry.scroll_into_view_if_needed()
        screenshots(page, "batch")
        assert errors == []
    finally:
        context.close()
        api(pacs_lab, "DELETE", f"deployments/{deployment['id']}")
    assert series_on_pacs(orthanc, study_uid, "SR") == 2
