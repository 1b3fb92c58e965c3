"""The PACS routes against a real Orthanc: nodes without logins, checks, searches in bodies, retrievals."""

import asyncio
import io
import json

import pydicom
import pytest
from dicom_fixtures import PHI, write_ct_series
from pacs_fixtures import PASSWORD, USER, free_port
from pydicom.uid import generate_uid
from tornado.httpclient import HTTPClientError

from tests.test_server_deploy import deploy, undeploy, workspace  # noqa: F401 - workspace: the server's, workers stopped

API = "mass-ide/api"


@pytest.fixture
def jp_server_config(orthanc):
    """Mass IDE with two nodes on the test Orthanc (DICOMweb with a login, and DIMSE) and one that is down."""
    down = {"name": "down", "dicomweb_url": f"http://127.0.0.1:{free_port()}", "timeout": 2}
    return {"ServerApp": {"jpserver_extensions": {"mass_ide": True}},
            "MassIDEApp": {"pacs_nodes": [orthanc.node("main"), orthanc.node("modality", protocol="dimse"), down]}}


@pytest.fixture
def series(orthanc, tmp_path):
    """A fresh 4-slice CT series in the PACS."""
    written = write_ct_series(tmp_path / "series", count=4, study_uid=generate_uid(), seed=5)
    orthanc.upload(written.files)
    return written


async def post(jp_fetch, *parts, body: dict):
    answer = await jp_fetch(API, *parts, method="POST", body=json.dumps(body))
    return answer, json.loads(answer.body)


async def test_nodes_are_listed_without_their_login(jp_fetch):
    answer = await jp_fetch(API, "pacs", "nodes")
    nodes = {node["name"]: node for node in json.loads(answer.body)["nodes"]}
    assert nodes["main"]["protocol"] == "dicomweb" and nodes["main"]["authenticated"] is True
    assert nodes["modality"]["protocol"] == "dimse" and nodes["modality"]["ae_title"] == "TESTPACS"
    assert PASSWORD.encode() not in answer.body and USER.encode() not in answer.body


async def test_test_connection_and_an_unknown_node(jp_fetch):
    for name, protocol in (("main", "dicomweb"), ("modality", "dimse")):
        _, checked = await post(jp_fetch, "pacs", "nodes", name, "echo", body={})
        assert checked["ok"] and checked["checks"][0]["protocol"] == protocol
    with pytest.raises(HTTPClientError) as caught:
        await post(jp_fetch, "pacs", "nodes", "nowhere", "echo", body={})
    assert caught.value.code == 404 and "down, main, modality" in json.loads(caught.value.response.body)["message"]


async def test_search_studies_and_series_with_patient_data_only_in_bodies(jp_fetch, series):
    for node in ("main", "modality"):
        _, found = await post(jp_fetch, "pacs", "nodes", node, "studies", "search",
                              body={"patient_id": PHI["PatientID"], "modality": "CT"})
        assert series.study_uid in [study["study_uid"] for study in found["studies"]]
        _, listed = await post(jp_fetch, "pacs", "nodes", node, "series", "search",
                               body={"study_uid": series.study_uid})
        assert [(s["series_uid"], s["instances"]) for s in listed["series"]] == [(series.uid, 4)]
    with pytest.raises(HTTPClientError) as caught:
        await post(jp_fetch, "pacs", "nodes", "main", "studies", "search", body={"patient": "typo"})
    assert caught.value.code == 400


async def test_a_retrieval_is_followed_to_its_dataset_and_the_pacs_failing_is_a_502(jp_fetch, jp_serverapp, series):
    await post(jp_fetch, "projects", body={"name": "Liver", "template": "liver-segmentation"})
    answer, started = await post(jp_fetch, "projects", "liver", "retrievals", body={
        "node": "main", "study_uid": series.study_uid, "series_uids": [series.uid], "name": "Venous CT"})
    assert answer.code == 202 and answer.headers["Location"].endswith(f"/retrievals/{started['id']}")
    retrievals = jp_serverapp.web_app.settings["mass_ide_retrievals"]
    await asyncio.to_thread(retrievals.wait, started["id"], 120)
    shown = json.loads((await jp_fetch(API, "retrievals", started["id"])).body)
    assert shown["state"] == "done" and shown["instances_done"] == 4, shown
    dataset = json.loads((await jp_fetch(API, "datasets", str(shown["dataset_id"]))).body)
    assert dataset["name"] == "Venous CT" and dataset["item_count"] == 1
    listed = json.loads((await jp_fetch(API, "projects", "liver", "retrievals")).body)["retrievals"]
    assert [r["id"] for r in listed] == [started["id"]]
    _, cancelled = await post(jp_fetch, "retrievals", started["id"], "cancel", body={})
    assert cancelled["state"] == "done"  # too late to cancel: it stays done
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(API, "retrievals", "0123456789ab")
    assert caught.value.code == 404
    with pytest.raises(HTTPClientError) as caught:
        await post(jp_fetch, "pacs", "nodes", "down", "studies", "search", body={})
    assert caught.value.code == 502 and "refused the connection" in json.loads(caught.value.response.body)["message"]


async def test_a_classifier_answers_a_pacs_series_with_an_sr_to_download_and_send(served_patches, jp_fetch,
                                                                                  workspace, orthanc, tmp_path):  # noqa: F811
    _, version = served_patches.found_in(workspace)
    deployment = await deploy(jp_fetch, version)
    written = write_ct_series(tmp_path / "images", count=2, shape=(32, 32), study_uid=generate_uid(), seed=7)
    orthanc.upload(written.files)
    _, answer = await post(jp_fetch, "deployments", str(deployment["id"]), "pacs", "predict",
                           body={"node": "main", "study_uid": written.study_uid, "series_uid": written.uid})
    assert answer["result"]["kind"] == "SR" and len(answer["predictions"]) == 2
    assert {p["class"] for p in answer["predictions"]} <= {"no tumour", "tumour"}
    result = ("deployments", str(deployment["id"]), "predictions", answer["prediction_id"])
    downloaded = await jp_fetch(API, *result, "dicom")
    assert downloaded.headers["Content-Type"] == "application/dicom"
    report = pydicom.dcmread(io.BytesIO(downloaded.body))
    assert report.Modality == "SR" and report.StudyInstanceUID == written.study_uid
    _, sent = await post(jp_fetch, *result, "send", body={"node": "modality"})
    assert sent == {"node": "modality", "protocol": "dimse", "accepted": 1, "refused": []}
    chain = json.loads((await jp_fetch(API, *result, "trace")).body)
    [prediction] = chain["models"][0]["deployments"][0]["predictions"]
    assert [d["action"] for d in prediction["dicom"]] == ["dicom.result", "dicom.sent"]
    assert chain["models"][0]["version"] == version["number"] and chain["sources"]
    by_version = json.loads((await jp_fetch(API, "models", version["model"], "versions", "latest", "trace")).body)
    assert by_version["models"][0]["deployments"][0]["predictions"][0]["prediction_id"] == answer["prediction_id"]
    with pytest.raises(HTTPClientError) as unknown:
        await post(jp_fetch, "deployments", str(deployment["id"]), "predictions", "f" * 32, "send",
                   body={"node": "main"})
    assert unknown.value.code == 404 and "predict again" in json.loads(unknown.value.response.body)["message"]
    with pytest.raises(HTTPClientError) as down:
        await post(jp_fetch, *result, "send", body={"node": "down"})
    assert down.value.code == 502 and "refused the connection" in json.loads(down.value.response.body)["message"]
    await undeploy(jp_fetch, workspace, deployment)
