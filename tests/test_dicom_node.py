"""Mass IDE as a DICOM node, with dcmtk's echoscu and storescu and a real Orthanc as the senders."""

import subprocess
import time

import nibabel
import numpy as np
import pytest
from dicom_fixtures import PHI, write_ct_series
from pacs_fixtures import AE_TITLE as ORTHANC_AE
from pacs_fixtures import free_port, write_report
from pydicom.uid import generate_uid

from mass_ide.core import audit, projects
from mass_ide.core.data import datasets
from mass_ide.core.data.pacs.nodes import hashed_uid
from mass_ide.core.data.pacs.store_scp import RECEIVED, DicomNode
from mass_ide.core.errors import InvalidInput, RemoteUnavailable

SETTLE = 1.5  # seconds of quiet before a series is imported: more than storescu needs to start again


@pytest.fixture
def project(workspace):
    return projects.create_project(workspace, name="Liver", template="liver-segmentation", user="ana")


def new_node(workspace, **overrides) -> DicomNode:
    settings = {"ae_title": "MASSIDE", "port": free_port(), "allowed_callers": ["SCANNER", ORTHANC_AE],
                "project": "Liver", "settle_seconds": SETTLE, **overrides}
    return DicomNode(workspace, **settings)


@pytest.fixture
def node(workspace, project):
    """A listening node whose inbox is the Liver project's (named by its project name)."""
    started = new_node(workspace)
    started.start()
    yield started
    started.stop()


def dcmtk(tool: str, node: DicomNode, *files, calling: str = "SCANNER", called: str | None = None):
    """Run echoscu or storescu against the node; the finished process (output in stdout)."""
    command = [tool, "-aet", calling, "-aec", called or node.ae_title, node.host, str(node.port), *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def wait_for(found, *, timeout: float = 60):
    """Poll ``found()`` until it is truthy (its value), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := found()):
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
    return value


def series_state(node: DicomNode, uid: str, *, states=("imported", "failed", "skipped")) -> dict | None:
    """The node's record of the series once it is in one of ``states``."""
    shown = [s for s in node.to_json()["series"] if s["series"] == hashed_uid(uid)]
    return shown[0] if shown and shown[0]["state"] in states else None


def inbox(workspace, project):
    [found] = [d for d in datasets.list_datasets(workspace, project.id) if d.name == "PACS inbox"]
    return found


def test_c_echo_answers_our_ae_title_only(node):
    answered = dcmtk("echoscu", node)
    assert answered.returncode == 0, answered.stderr
    assert dcmtk("echoscu", node, called="SOMEONE").returncode != 0


def test_a_pushed_series_lands_de_identified_in_the_inbox(workspace, project, node, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=5, shape=(32, 32), seed=11)
    sent = dcmtk("storescu", node, *series.files)
    assert sent.returncode == 0, sent.stderr
    shown = wait_for(lambda: series_state(node, series.uid))
    assert shown["state"] == "imported" and shown["instances"] == 5 and shown["callers"] == ["SCANNER"], shown
    dataset = inbox(workspace, project)
    [item] = datasets.all_items(workspace, dataset.id)
    assert dataset.id == shown["dataset_id"] and dataset.item_count == 1
    expected = np.stack([pixels.T.astype(float) - 1024 for pixels in series.pixels], axis=-1)
    assert np.array_equal(nibabel.load(item.file).get_fdata(), expected)
    stored = b"".join(path.read_bytes() for path in workspace.root.rglob("*") if path.is_file())
    for value in (PHI["PatientName"], PHI["PatientID"], PHI["AccessionNumber"], series.uid, series.study_uid):
        assert value.encode() not in stored, value
    assert [p.name for p in (workspace.root / RECEIVED).iterdir()] == [".incoming"]
    [row] = [r for r in audit.events(workspace.db) if r["action"] == "dataset.import"]
    assert row["user"] == "dicom:SCANNER" and row["detail"]["origin"] == {
        "dicom_node": "MASSIDE", "series": hashed_uid(series.uid), "callers": ["SCANNER"], "instances": 5,
        "skipped": 0}


def test_a_series_sent_in_two_associations_is_one_item_and_the_next_one_joins_the_inbox(workspace, project, node,
                                                                                         tmp_path):
    series = write_ct_series(tmp_path / "ct", count=6, shape=(32, 32), seed=12)
    assert dcmtk("storescu", node, *series.files[:4]).returncode == 0
    assert dcmtk("storescu", node, *series.files[3:]).returncode == 0  # one instance again: it overwrites itself
    shown = wait_for(lambda: series_state(node, series.uid))
    assert shown["state"] == "imported" and shown["instances"] == 6, shown
    [item] = datasets.all_items(workspace, inbox(workspace, project).id)
    assert item.meta["shape"][2] == 6
    other = write_ct_series(tmp_path / "other", count=4, shape=(32, 32), seed=13)
    assert dcmtk("storescu", node, *other.files).returncode == 0
    assert wait_for(lambda: series_state(node, other.uid))["state"] == "imported"
    dataset = inbox(workspace, project)
    assert dataset.item_count == 2 and len(datasets.all_items(workspace, dataset.id)) == 2
    [added] = [r for r in audit.events(workspace.db) if r["action"] == "dataset.add"]
    assert added["target"] == f"dataset:{dataset.id}" and added["detail"]["origin"]["series"] == hashed_uid(other.uid)
    assert dcmtk("storescu", node, *other.files).returncode == 0  # sent again after its import: another item
    wait_for(lambda: inbox(workspace, project).item_count == 3)
    keys = sorted(found.key for found in datasets.all_items(workspace, dataset.id))
    assert len(set(keys)) == 3 and sum(key.endswith("-2.nii.gz") for key in keys) == 1, keys
    assert all(found.file.exists() for found in datasets.all_items(workspace, dataset.id))


def test_an_unknown_calling_ae_title_is_refused_and_audited_and_nothing_lands(workspace, project, node, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), seed=14)
    refused = dcmtk("storescu", node, *series.files, calling="INTRUDER")
    assert refused.returncode != 0 and "Calling AE Title Not Recognized" in refused.stdout + refused.stderr
    row = wait_for(lambda: [r for r in audit.events(workspace.db) if r["action"] == "dicom_node.refuse"])[0]
    assert row["detail"]["calling_ae_title"] == "INTRUDER" and row["detail"]["address"].startswith("127.0.0.1:")
    assert node.to_json()["series"] == [] and datasets.list_datasets(workspace, project.id) == []
    assert [p.name for p in (workspace.root / RECEIVED).iterdir()] == [".incoming"]


def test_a_report_is_accepted_skipped_and_listed(workspace, project, node, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), seed=15)
    report = write_report(tmp_path / "report.dcm", study_uid=series.study_uid)
    sent = dcmtk("storescu", node, *series.files, tmp_path / "report.dcm")
    assert sent.returncode == 0, sent.stderr
    skipped = wait_for(lambda: series_state(node, report))
    assert skipped["state"] == "skipped" and skipped["instances"] == 0
    assert skipped["skipped"] == ["an instance of Basic Text SR Storage (no image)"]
    assert wait_for(lambda: series_state(node, series.uid))["state"] == "imported"
    [row] = [r for r in audit.events(workspace.db) if r["action"] == "dicom_node.skip"]
    assert row["detail"]["series"] == hashed_uid(report) and row["detail"]["objects"] == skipped["skipped"]


def test_orthanc_pushes_a_series_to_the_node(workspace, project, node, orthanc, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), study_uid=generate_uid(), seed=16)
    ids = orthanc.upload(series.files)
    modality = f"massnode{node.port}"
    orthanc.rest(f"/modalities/{modality}", method="PUT",
                 body=f'{{"AET": "MASSIDE", "Host": "127.0.0.1", "Port": {node.port}}}'.encode())
    orthanc.rest(f"/modalities/{modality}/store", method="POST", body=str(ids).replace("'", '"').encode())
    shown = wait_for(lambda: series_state(node, series.uid))
    assert shown["state"] == "imported" and shown["callers"] == [ORTHANC_AE] and shown["instances"] == 4, shown


def test_series_a_stopped_node_had_not_imported_are_imported_after_the_next_start(workspace, project, tmp_path):
    series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), seed=17)
    first = new_node(workspace, settle_seconds=600)
    first.start()
    try:
        assert dcmtk("storescu", first, *series.files).returncode == 0
    finally:
        first.stop()
    assert datasets.list_datasets(workspace, project.id) == []
    again = new_node(workspace, port=first.port)
    again.start()
    try:
        shown = wait_for(lambda: series_state(again, series.uid))
    finally:
        again.stop()
    assert shown["state"] == "imported" and inbox(workspace, project).item_count == 1


def test_series_wait_for_a_missing_project_and_wrong_settings_are_said(workspace, tmp_path):
    waiting = new_node(workspace, project="Kidney")
    waiting.start()
    try:
        series = write_ct_series(tmp_path / "ct", count=4, shape=(32, 32), seed=18)
        assert dcmtk("storescu", waiting, *series.files).returncode == 0
        assert "no project 'Kidney'" in wait_for(lambda: waiting.to_json()["message"])
        projects.create_project(workspace, name="Kidney", template="liver-segmentation", user="ana")
        assert wait_for(lambda: series_state(waiting, series.uid))["state"] == "imported"
        with pytest.raises(RemoteUnavailable, match="cannot listen"):
            new_node(workspace, port=waiting.port).start()
    finally:
        waiting.stop()
    for overrides, said in [({"ae_title": "A" * 17}, "not an AE title"), ({"port": 0}, "0 is off"),
                            ({"project": ""}, "dicom_node_project"), ({"allowed_callers": ["BAD\\AE"]}, "AE title")]:
        wrong = new_node(workspace, **overrides)
        with pytest.raises(InvalidInput, match=said):
            wrong.start()
        assert said in wrong.to_json()["message"] and not wrong.listening
