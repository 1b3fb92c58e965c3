"""The PACS in the core, against a real Orthanc: connection checks, searches, retrievals into datasets."""

import socket

import nibabel
import numpy as np
import pytest
from dicom_fixtures import PHI, write_ct_series
from pacs_fixtures import PASSWORD, free_port, start_orthanc, write_report
from pydicom import dcmread
from pydicom.uid import generate_uid

from mass_ide.core import audit, projects
from mass_ide.core.data import datasets
from mass_ide.core.data.pacs import query
from mass_ide.core.data.pacs.nodes import hashed_uid, parse_node, parse_nodes
from mass_ide.core.data.pacs.retrievals import Retrievals
from mass_ide.core.data.pacs.retrieve import Cancelled, Transfer, download_folder, fetch_series, retrieve_into_dataset
from mass_ide.core.errors import InvalidInput, NotFound, RemoteUnavailable

PROTOCOLS = ["dicomweb", "dimse"]


@pytest.fixture
def study(orthanc, tmp_path):
    """A fresh study in the PACS: a 5-slice CT series, a 3-slice CT series and a report."""
    study_uid = generate_uid()
    first = write_ct_series(tmp_path / "one", count=5, study_uid=study_uid, seed=1)
    second = write_ct_series(tmp_path / "two", count=3, study_uid=study_uid, number=2, shape=(4, 4), seed=2)
    report = write_report(tmp_path / "report.dcm", study_uid=study_uid)
    orthanc.upload([*first.files, *second.files, tmp_path / "report.dcm"])
    return {"uid": study_uid, "first": first, "second": second, "report": report}


@pytest.fixture
def project(workspace):
    return projects.create_project(workspace, name="Liver", template="liver-segmentation", user="ana")


def silent_listener() -> socket.socket:
    """A socket that accepts connections into its backlog and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(8)
    return listener


def test_a_node_is_checked_and_never_shows_its_login():
    node = parse_node({"name": "main", "dicomweb_url": "https://pacs.example/dicom-web/", "username": "reader",
                       "password": "s3cret", "ae_title": "PACS", "host": "10.0.0.5", "port": 104})
    assert node.dicomweb_url == "https://pacs.example/dicom-web" and node.protocol == "dicomweb"
    assert "s3cret" not in repr(node) and "reader" not in repr(node)
    assert "s3cret" not in str(node.to_json()) and node.to_json()["authenticated"] is True
    for bad, said in [({"name": "x"}, "give a dicomweb_url"), ({"name": "x", "ae_title": "A"}, "together"),
                      ({"name": "x", "dicomweb_url": "ftp://a"}, "http"),
                      ({"name": "../x", "dicomweb_url": "http://a"}, "name"),
                      ({"name": "x", "ae_title": "A" * 17, "host": "h", "port": 1}, "16"),
                      ({"name": "x", "dicomweb_url": "http://a", "pasword": "typo"}, "unknown setting")]:
        with pytest.raises(InvalidInput, match=said):
            parse_node(bad)
    with pytest.raises(InvalidInput, match="two PACS nodes"):
        parse_nodes([{"name": "a", "dicomweb_url": "http://a"}, {"name": "a", "dicomweb_url": "http://b"}])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_test_connection_works_over_dicomweb_and_dimse(orthanc, protocol):
    checked = query.check_connection(parse_node(orthanc.node(protocol=protocol)))
    assert checked["ok"] is True and [c["protocol"] for c in checked["checks"]] == [protocol]


def test_test_connection_says_what_failed_and_never_quotes_the_password(orthanc):
    listener = silent_listener()
    try:
        silent = listener.getsockname()[1]
        cases = [
            (orthanc.node(password="wrong-password-123"), "refused the login (HTTP 401)"),
            (orthanc.node(dicomweb_url=f"{orthanc.url}/not-dicomweb"), "no DICOMweb service"),
            (orthanc.node(dicomweb_url=f"http://127.0.0.1:{free_port()}"), "refused the connection"),
            (orthanc.node(dicomweb_url=f"http://127.0.0.1:{silent}", timeout=1), "did not answer in 1 s"),
            (orthanc.node(protocol="dimse", ae_title="NOTTHEPACS"), "the PACS is not called NOTTHEPACS"),
            (orthanc.node(protocol="dimse", port=free_port()), "refused the connection"),
            (orthanc.node(protocol="dimse", port=silent, timeout=1), "did not accept an association within 1 s"),
        ]
        for config, said in cases:
            checked = query.check_connection(parse_node(config))
            [check] = checked["checks"]
            assert checked["ok"] is False and said in check["message"], (config, check)
            assert PASSWORD not in check["message"] and "wrong-password-123" not in check["message"]
    finally:
        listener.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_studies_are_found_by_patient_date_modality_and_list_their_series(orthanc, study, protocol):
    node = parse_node(orthanc.node(protocol=protocol))
    for filters in (query.StudyFilters(patient_name="quixotic"), query.StudyFilters(patient_id=PHI["PatientID"]),
                    query.StudyFilters(date_from="2024-02-01", date_to="2024-03-01", modality="CT"),
                    query.StudyFilters(accession_number=PHI["AccessionNumber"])):
        found = {s["study_uid"]: s for s in query.find_studies(node, filters)}
        assert study["uid"] in found, filters
    shown = found[study["uid"]]
    assert shown["patient_name"] == PHI["PatientName"] and shown["study_date"] == "2024-02-29"
    assert query.find_studies(node, query.StudyFilters(date_from="2030-01-01")) == []
    series = {s["series_uid"]: s for s in query.find_series(node, study["uid"])}
    assert (series[study["first"].uid]["instances"], series[study["second"].uid]["instances"]) == (5, 3)
    assert series[study["first"].uid]["images"] and not series[study["report"]]["images"]
    with pytest.raises(InvalidInput, match="not a date"):
        query.find_studies(node, query.StudyFilters(date_from="29.02.2024"))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_series_instances_are_listed_in_pages_once_each_in_instance_order(orthanc, study, protocol, monkeypatch):
    monkeypatch.setattr(query, "INSTANCE_PAGE", 2)  # five instances: pages of 2, 2 and 1 over QIDO-RS
    node = parse_node(orthanc.node(protocol=protocol))
    instances = query.find_instances(node, study["uid"], study["first"].uid)
    assert [i["number"] for i in instances] == [1, 2, 3, 4, 5]
    assert {i["sop_uid"] for i in instances} == {str(dcmread(path).SOPInstanceUID) for path in study["first"].files}


def workspace_bytes(ws) -> bytes:
    """Every byte of every file in the workspace (the database included)."""
    return b"".join(path.read_bytes() for path in ws.root.rglob("*") if path.is_file())


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_retrieval_imports_each_series_de_identified_and_leaves_no_patient_data(workspace, project, orthanc,
                                                                                   study, protocol):
    node = parse_node(orthanc.node(protocol=protocol))
    transfer = Transfer()
    chosen = [study["first"].uid, study["second"].uid, study["report"]]
    dataset = retrieve_into_dataset(workspace, project.id, node=node, study_uid=study["uid"], series_uids=chosen,
                                    user="ana", transfer=transfer)
    assert (transfer.total, transfer.done, dataset.item_count) == (8, 8, 2)
    assert transfer.skipped == ["series 90 (SR): not images"]
    assert "series 90 (SR): not images" in dataset.report["warnings"]
    volumes = sorted((nibabel.load(item.file).get_fdata() for item in datasets.all_items(workspace, dataset.id)),
                     key=lambda volume: volume.shape)
    assert [v.shape for v in volumes] == [(4, 4, 3), (5, 6, 5)]
    first = study["first"]
    # the volume is in Hounsfield units: stored values + RescaleIntercept, slices along the normal
    expected = np.stack([pixels.T.astype(float) - 1024 for pixels in first.pixels], axis=-1)
    assert np.array_equal(volumes[1], expected)
    stored = workspace_bytes(workspace)
    for value in (PHI["PatientName"], PHI["PatientID"], PHI["AccessionNumber"], study["uid"], first.uid):
        assert value.encode() not in stored, value
    assert not download_folder(workspace.root, node, study["uid"], chosen).exists()
    [row] = [r for r in audit.events(workspace.db) if r["action"] == "dataset.import"]
    assert row["user"] == "ana" and row["detail"]["origin"]["study"] == hashed_uid(study["uid"])
    assert row["detail"]["origin"]["pacs"] == node.name and row["detail"]["origin"]["instances"] == 8


def test_a_retrieval_broken_off_by_the_pacs_imports_nothing_and_resumes_where_it_stopped(workspace, project,
                                                                                          tmp_path):
    pacs = start_orthanc(tmp_path / "pacs")
    series = write_ct_series(tmp_path / "series", count=6, seed=3)
    pacs.upload(series.files)
    node = parse_node(pacs.node())
    folder = download_folder(workspace.root, node, series.study_uid, [series.uid])
    instances = query.find_instances(node, series.study_uid, series.uid)
    fetch_series(node, series.study_uid, series.uid, folder / hashed_uid(series.uid), Transfer(), instances[:4])
    pacs.stop()  # the PACS goes away after four of the six instances
    with pytest.raises(RemoteUnavailable, match="refused the connection"):
        retrieve_into_dataset(workspace, project.id, node=node, study_uid=series.study_uid, series_uids=[series.uid],
                              user="ana", transfer=Transfer())
    assert datasets.list_datasets(workspace, project.id) == [] and len(list(folder.rglob("*.dcm"))) == 4
    pacs = start_orthanc(tmp_path / "pacs")  # back, with the same studies, on new ports
    try:
        node = parse_node(pacs.node())
        transfer = Transfer()
        dataset = retrieve_into_dataset(workspace, project.id, node=node, study_uid=series.study_uid,
                                        series_uids=[series.uid], user="ana", transfer=transfer)
    finally:
        pacs.stop()
    assert (transfer.present, transfer.done, transfer.total) == (4, 6, 6)
    assert dataset.item_count == 1 and not folder.exists()
    [item] = datasets.all_items(workspace, dataset.id)
    assert item.meta["shape"][2] == 6


def test_a_cancelled_retrieval_imports_nothing_and_deletes_what_it_fetched(workspace, project, orthanc, study):
    node = parse_node(orthanc.node())
    transfer = Transfer()
    transfer.stop.set()
    with pytest.raises(Cancelled):
        retrieve_into_dataset(workspace, project.id, node=node, study_uid=study["uid"],
                              series_uids=[study["first"].uid], user="ana", transfer=transfer)
    assert datasets.list_datasets(workspace, project.id) == []
    assert not download_folder(workspace.root, node, study["uid"], [study["first"].uid]).exists()


def test_a_retrieval_of_reports_only_or_of_unknown_series_is_refused(workspace, project, orthanc, study):
    node = parse_node(orthanc.node())
    with pytest.raises(InvalidInput, match="hold no images"):
        retrieve_into_dataset(workspace, project.id, node=node, study_uid=study["uid"],
                              series_uids=[study["report"]], user="ana", transfer=Transfer())
    with pytest.raises(InvalidInput, match="not in that study"):
        retrieve_into_dataset(workspace, project.id, node=node, study_uid=study["uid"],
                              series_uids=[generate_uid()], user="ana", transfer=Transfer())


def test_retrievals_run_on_threads_and_report_progress_and_failures(workspace, project, orthanc, study):
    retrievals = Retrievals(workspace, parse_nodes([orthanc.node("main"), orthanc.node("down", dicomweb_url=(
        f"http://127.0.0.1:{free_port()}"))]))
    done = retrievals.wait(retrievals.start(project.id, node="main", study_uid=study["uid"],
                                            series_uids=[study["first"].uid], user="ana").id, timeout=120)
    shown = done.to_json()
    assert shown["state"] == "done" and shown["instances_done"] == shown["instances_total"] == 5
    assert datasets.get_dataset(workspace, shown["dataset_id"]).name == "From PACS main"
    failed = retrievals.wait(retrievals.start(project.id, node="down", study_uid=study["uid"],
                                              series_uids=[study["first"].uid], user="ana").id, timeout=120)
    assert failed.state == "failed" and "refused the connection" in failed.message
    assert [r.id for r in retrievals.list(project.id)] == [failed.id, done.id]
    with pytest.raises(NotFound, match="no PACS node is called 'elsewhere'"):
        retrievals.start(project.id, node="elsewhere", study_uid=study["uid"], series_uids=["1.2"], user="ana")
