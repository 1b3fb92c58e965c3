"""Deployments through the server: register, deploy, predict (records and uploads), evaluate, export, undeploy."""

import asyncio
import contextlib
import gzip
import hashlib
import io
import json
import shutil
import zipfile

import nibabel
import numpy as np
import pytest
from PIL import Image
from tornado.httpclient import HTTPClientError

from mass_ide.core import audit, projects, registry, runs
from mass_ide.core.data import datasets
from mass_ide.core.runs import registering
from mass_ide.core.runs.scheduler import pid_alive
from mass_ide.core.runs.worker import train_in_process
from mass_ide.core.samples.sample_data import add_sample_data
from mass_ide.core.serving import deployments, evaluate
from mass_ide.server.base import SUPERVISOR_SETTING
from tests.test_training import SEGMENTATION_FAST

API = "mass-ide/api"
BOUNDARY = "mass-ide-test-boundary"


@pytest.fixture
def workspace(jp_serverapp):
    """The running server's workspace; deployment workers still running at the end are stopped."""
    settings = jp_serverapp.web_app.settings
    yield settings["mass_ide_workspace"]
    if SUPERVISOR_SETTING in settings:
        settings[SUPERVISOR_SETTING].stop_all()


def trained(ws, template: str, name: str, overrides: dict, *, dataset: int = 0):
    """A project of ``template`` with its sample data and a completed, registered tiny run: (dataset, version)."""
    project = projects.create_project(ws, name=name, template=template, user="ana")
    found = add_sample_data(ws, project.id, user="ana")[dataset]
    run = train_in_process(ws, project.id, dataset_id=found.id, user="ana", overrides={**overrides, "device": "cpu"})
    row = ws.db.execute("SELECT m.name, v.number FROM model_versions v JOIN models m ON m.id = v.model_id "
                        "WHERE v.run_id = ?", [run["id"]]).fetchone()
    version = registry.get_version(ws, *row) if row else registering.register_run(ws, run["id"], user="ana")
    return found, version


async def post_json(jp_fetch, *parts, body: dict | None = None, **kwargs):
    """POST JSON and return (code, decoded body); errors are returned, not raised."""
    try:
        response = await jp_fetch(API, *parts, method="POST", body=json.dumps(body or {}), **kwargs)
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def deploy(jp_fetch, version: dict, **body) -> dict:
    """Deploy a version and wait until its worker runs."""
    response = await jp_fetch(API, "models", version["model"], "versions", str(version["number"]), "deploy",
                              method="POST", body=json.dumps(body))
    created = json.loads(response.body)
    assert response.code == 201 and response.headers["Location"].endswith(f"deployments/{created['id']}")
    assert created["status"] == "starting" and created["url"] == f"deployments/{created['id']}/predict"
    for _ in range(600):
        found = json.loads((await jp_fetch(API, "deployments", str(created["id"]))).body)
        if found["status"] != "starting":
            break
        await asyncio.sleep(0.2)
    assert found["status"] == "running", found.get("error")
    return found


def multipart(name: str, data: bytes) -> tuple[bytes, dict]:
    """A multipart body with one file field ``file``, and its Content-Type header."""
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def upload(jp_fetch, deployment: dict, name: str, data: bytes):
    """Upload a file to a deployment's predict route: (code, decoded body)."""
    body, headers = multipart(name, data)
    try:
        response = await jp_fetch(API, deployment["url"], method="POST", body=body, headers=headers)
    except HTTPClientError as error:
        return error.code, json.loads(error.response.body)
    return response.code, json.loads(response.body)


async def undeploy(jp_fetch, ws, deployment: dict) -> None:
    """Undeploy and check the worker is gone and predictions are refused."""
    pid = deployments.get_deployment(ws, deployment["id"])["pid"]
    stopped = json.loads((await jp_fetch(API, "deployments", str(deployment["id"]), method="DELETE")).body)
    assert stopped["status"] == "stopped" and stopped["stopped_at"]
    for _ in range(100):
        if not pid_alive(pid):
            break
        await asyncio.sleep(0.1)
    assert not pid_alive(pid)
    code, answer = await post_json(jp_fetch, deployment["url"], body={"records": []})
    assert code == 409 and "is stopped" in answer["message"]


async def test_table_model_deploys_predicts_evaluates_exports_and_undeploys(served_labs, jp_fetch, workspace):
    table, version = served_labs.found_in(workspace)
    code, refused = await post_json(jp_fetch, "models", version["model"], "versions", "1", "deploy",
                                    body={"runtime": "tensorrt"})
    assert code == 400 and "runtime" in refused["message"]
    code, refused = await post_json(jp_fetch, "models", "no-such-model", "versions", "1", "deploy")
    assert code == 404
    code, refused = await post_json(jp_fetch, "deployments", "999", "predict", body={"records": []})
    assert code == 404 and "no deployment with id 999" in refused["message"]
    deployment = await deploy(jp_fetch, version)
    records = [item.meta for item in datasets.all_items(workspace, table.id)[:3]]
    body = {"records": records, "units": {"bili": "mg/dL", "albumin": "g/dL"}}
    code, answer = await post_json(jp_fetch, deployment["url"], body=body)
    assert code == 200 and (answer["model"], answer["version"]) == (version["model"], version["number"])
    assert len(answer["predictions"]) == 3
    assert {"class", "probabilities", "uncertainty"} <= set(answer["predictions"][0])

    broken = {"records": [{k: v for k, v in records[0].items() if k != "bili"}]}
    code, refused = await post_json(jp_fetch, deployment["url"], body=broken)
    assert code == 400 and "misses column 'bili'" in refused["message"]
    code, refused = await post_json(jp_fetch, deployment["url"], body={"records": records, "units": {"bili": "µmol/L"}})
    assert code == 400 and "expects mg/dL" in refused["message"]
    code, refused = await post_json(jp_fetch, deployment["url"], body={"rows": records})
    assert code == 400 and '"records"' in refused["message"]
    again_code, again = await post_json(jp_fetch, deployment["url"], body=body)  # the worker is still up
    assert again_code == 200 and again["predictions"] == answer["predictions"]

    listed = json.loads((await jp_fetch(API, "deployments", params={"project": table.project_id})).body)
    [row] = listed["deployments"]
    assert (row["requests"], row["errors"], row["status"]) == (2, 3, "running") and row["latency_ms_p50"] > 0
    assert "secret" not in row and "port" not in row
    [event, *_] = audit.events(workspace.db, target=f"deployment:{deployment['id']}")
    assert event["action"] == "prediction" and event["user"] and event["at"]
    assert event["detail"]["version"] == version["number"] and len(event["detail"]["output"]) == 3
    assert event["detail"]["input_sha256"] == hashlib.sha256(json.dumps(body).encode()).hexdigest()

    await evaluation_scores_only_unseen_items_unless_asked(jp_fetch, workspace, deployment, table, version)

    code, exported = await post_json(jp_fetch, "models", version["model"], "versions", str(version["number"]),
                                     "export")
    assert code == 200 and exported["onnx"]["max_abs_diff"] < 1e-4 and exported["torchscript"]["max_abs_diff"] < 1e-4
    assert (workspace.root / exported["bundle"] / "models" / "model.onnx").is_file()
    shown = json.loads((await jp_fetch(API, "models", version["model"], "versions", str(version["number"]))).body)
    assert shown["export"]["onnx"] == exported["onnx"] and shown["export"]["bundle"] == exported["bundle"]
    await undeploy(jp_fetch, workspace, deployment)


async def evaluation_scores_only_unseen_items_unless_asked(jp_fetch, workspace, deployment: dict, table, version):
    """By default the run's validation split on its training version (its own validation metric, near enough);
    the items of a newer version that are not in the training split; ``items: all`` with a warning."""
    trained_on = version["lineage"]["dataset_version"]
    run_report = runs.get_run(workspace, version["run_id"])["result"]["report"]
    split = run_report["split"]
    code, report = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                   body={"dataset_id": table.id, "version": trained_on})
    assert code == 200 and report["kind"] == "classification"
    assert report["case_count"] == report["scored"]["items"] == len(split["validation"])
    assert sorted(report["scored"]["keys"]) == sorted(split["validation"])
    assert report["scored"]["which"] == f"the run's validation split (version {trained_on})"
    assert report["scored"]["training_items_included"] == 0 and report["warning"] is None
    assert abs(report["roc_auc"] - run_report["roc_auc"]) < 0.005 and 0 <= report["accuracy"] <= 1
    [event, *_] = audit.events(workspace.db, target=f"deployment:{deployment['id']}")
    assert event["action"] == "deployment.evaluate" and event["detail"]["training_items_included"] == 0
    assert report["requests"] == 1  # the records go in one request; it counts like any other
    assert deployments.get_deployment(workspace, deployment["id"])["requests"] == 2 + report["requests"]

    newer = datasets.freeze(workspace, table.id, user="ana")["number"]  # the same items, frozen again
    code, report = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                   body={"dataset_id": table.id})
    assert code == 200 and report["dataset_version"] == newer
    assert sorted(report["scored"]["keys"]) == sorted(split["validation"])
    assert report["scored"]["which"] == (f"the labelled items of version {newer} that were not in the training "
                                         f"split (version {trained_on})")

    code, everything = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                       body={"dataset_id": table.id, "version": trained_on, "items": "all"})
    total = len(split["train"]) + len(split["validation"])
    assert code == 200 and everything["case_count"] == everything["scored"]["items"] == total
    assert everything["scored"]["training_items_included"] == len(split["train"])
    assert everything["scored"]["which"] == f"every labelled item of version {trained_on}, training items included"
    assert everything["warning"] == (f"{len(split['train'])} of the {total} items scored were used to train this "
                                     "model; scores are optimistic")
    code, refused = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                    body={"dataset_id": table.id, "items": "training"})
    assert code == 400 and "items" in refused["message"]


def picture(width: int, height: int) -> bytes:
    """A PNG of the given size."""
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (height, width), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_image_model_served_with_onnx_runtime_takes_uploads_and_refuses_bad_pictures(served_patches, jp_fetch,
                                                                                          workspace):
    patches, version = served_patches.found_in(workspace)
    deployment = await deploy(jp_fetch, version, runtime="onnx")
    assert deployment["runtime"] == "onnx" and (version["folder"] / "models" / "model.onnx").is_file()
    item = datasets.all_items(workspace, patches.id)[0]
    code, answer = await upload(jp_fetch, deployment, item.file.name, item.file.read_bytes())
    assert code == 200 and answer["predictions"][0]["class"] in ("no tumour", "tumour")
    code, refused = await upload(jp_fetch, deployment, "wide.png", picture(128, 32))
    assert code == 400 and "wide.png is 128×32 pixels; the model takes 32×32" in refused["message"]
    code, refused = await upload(jp_fetch, deployment, "scan.png", b"%PDF-1.7 not a picture")
    assert code == 400 and "not a PNG, JPEG or TIFF" in refused["message"]
    raw = await jp_fetch(API, deployment["url"], method="POST", body=item.file.read_bytes(),
                         params={"filename": item.file.name}, headers={"Content-Type": "image/png"})
    assert json.loads(raw.body)["predictions"] == answer["predictions"]  # a raw upload named by ?filename=
    code, report = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                   body={"dataset_id": patches.id})  # the newest frozen version
    assert report["dataset_version"] == 1 and report["scored"]["which"] == "the run's validation split (version 1)"
    split = runs.get_run(workspace, version["run_id"])["result"]["report"]["split"]
    assert code == 200 and report["case_count"] == len(split["validation"])
    assert report["case_count"] < len(datasets.all_items(workspace, patches.id))
    assert report["confusion_matrix"] and 0 <= report["accuracy"] <= 1
    with broken_scratch(workspace, deployment):
        code, failed = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                       body={"dataset_id": patches.id})
    assert code == 502 and f"deployment {deployment['id']}'s worker failed" in failed["message"]
    assert "NotADirectoryError" in failed["message"] and "worker.log" in failed["message"]
    await undeploy(jp_fetch, workspace, deployment)


@contextlib.contextmanager
def broken_scratch(ws, deployment: dict):
    """The worker's scratch folder replaced by a file meanwhile: it cannot unpack uploads, its fault, not the user's."""
    scratch = deployments.deployment_dir(ws, deployment["id"]) / "scratch"
    shutil.rmtree(scratch)
    scratch.write_bytes(b"")
    try:
        yield
    finally:
        scratch.unlink()
        scratch.mkdir()


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    """A zip archive of ``entries`` (name, content), in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


HOSTILE_ZIPS = {
    "clash.zip": [("series/a", b"x"), ("series/a/b", b"y")],  # a file and a folder of the same name
    "long.zip": [("x" * 300 + ".dcm", b"y")],  # a name longer than a file system takes
    "deep.zip": [("/".join(["d"] * 2000) + "/f.dcm", b"y")],  # nested deeper than a path can be
}


async def hostile_uploads_are_refused_and_a_failing_worker_is_a_502(jp_fetch, ws, deployment: dict, item) -> None:
    """Malformed uploads get 400 naming the file; a worker failing on a request is a 502 pointing at its log."""
    for name, entries in HOSTILE_ZIPS.items():
        code, refused = await upload(jp_fetch, deployment, name, zipped(entries))
        assert code == 400 and name in refused["message"], (name, refused)
    data = item.file.read_bytes()
    code, refused = await upload(jp_fetch, deployment, item.file.name, data[: len(data) // 2])
    assert code == 400 and "is not a readable NIfTI volume" in refused["message"]
    with broken_scratch(ws, deployment):
        code, failed = await upload(jp_fetch, deployment, item.file.name, data)
    assert code == 502 and f"deployment {deployment['id']}'s worker failed" in failed["message"]
    assert "NotADirectoryError" in failed["message"]
    assert f"deployments/{deployment['id']}/worker.log" in failed["message"]
    log = (deployments.deployment_dir(ws, deployment["id"]) / "worker.log").read_text()
    assert "NotADirectoryError" in log and deployments.get_deployment(ws, deployment["id"])["secret"] not in log
    code, _ = await upload(jp_fetch, deployment, item.file.name, data)
    assert code == 200  # the worker stayed up


async def test_volume_masks_come_back_encoded_with_slices_and_dice(jp_fetch, workspace):
    volumes, version = trained(workspace, "liver-segmentation", "Liver", SEGMENTATION_FAST)
    deployment = await deploy(jp_fetch, version)
    item = datasets.all_items(workspace, volumes.id)[0]
    code, answer = await upload(jp_fetch, deployment, item.file.name, item.file.read_bytes())
    assert code == 200, answer
    [prediction] = answer["predictions"]
    shape = nibabel.load(item.file).shape
    encoded = prediction["mask"]
    assert (encoded["shape"], encoded["dtype"], encoded["encoding"]) == (list(shape), "uint8", "base64-gzip")
    import base64

    mask = np.frombuffer(gzip.decompress(base64.b64decode(encoded["data"])), dtype=np.uint8).reshape(shape)
    assert prediction["slices"] == shape[2] and prediction["voxels"]["liver"] == int((mask == 1).sum())
    from mass_ide.core.data import (
        orientation,  # the slice is shown as the input's image slices are, from its affine
    )

    affine = nibabel.load(item.file).affine
    assert np.allclose(prediction["affine"], affine)
    middle = orientation.slice_count(shape, affine, "axial") // 2
    response = await jp_fetch(API, "deployments", str(deployment["id"]), "predictions", answer["prediction_id"],
                              "slice", params={"axis": "axial", "index": str(middle)})
    shown = np.asarray(Image.open(io.BytesIO(response.body)))
    assert response.headers["Content-Type"] == "image/png"
    assert np.array_equal(shown, orientation.display_slice(mask, affine, "axial", middle))
    code, refused = await upload(jp_fetch, deployment, "scan.txt", b"not a volume")
    assert code == 400 and ".nii, .nii.gz or a .zip" in refused["message"]
    await hostile_uploads_are_refused_and_a_failing_worker_is_a_502(jp_fetch, workspace, deployment, item)
    code, report = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                   body={"dataset_id": volumes.id, "version": 1})
    split = runs.get_run(workspace, version["run_id"])["result"]["report"]["split"]  # unseen: the validation cases
    assert code == 200 and report["kind"] == "segmentation" and report["case_count"] == len(split["validation"])
    assert [case["key"] for case in report["cases"]] == report["scored"]["keys"] == split["validation"]
    code, report = await post_json(jp_fetch, "deployments", str(deployment["id"]), "evaluate",
                                   body={"dataset_id": volumes.id, "version": 1, "items": "all"})
    assert code == 200 and report["case_count"] == len(split["train"]) + len(split["validation"]) >= 3
    assert report["scored"]["training_items_included"] == len(split["train"]) and report["warning"]
    assert set(report["dice"]) == {"liver", "tumour"} and 0 <= report["dice"]["liver"] <= 1
    await undeploy(jp_fetch, workspace, deployment)


async def test_the_server_starts_workers_of_deployments_made_outside_it(served_labs, jp_fetch, workspace):
    _, version = served_labs.found_in(workspace)
    made = deployments.deploy(workspace, version["model"], version["number"], user="notebook")  # as a kernel does
    for _ in range(600):  # no request to the server: its supervisor's own tick starts the worker
        found = deployments.get_deployment(workspace, made["id"])
        if found["status"] != "starting":
            break
        await asyncio.sleep(0.2)
    assert found["status"] == "running", found["error"]
    await undeploy(jp_fetch, workspace, found)


async def test_no_answer_audit_entry_or_log_holds_a_deployments_key(served_labs, jp_fetch, workspace):
    table, version = served_labs.found_in(workspace)
    deployment = await deploy(jp_fetch, version)
    secret = deployments.get_deployment(workspace, deployment["id"])["secret"]
    assert len(secret) >= 32 and repr(evaluate.WorkerClient(port=1, secret=secret)).count(secret) == 0
    records = [item.meta for item in datasets.all_items(workspace, table.id)[:2]]
    dep = str(deployment["id"])
    answers = [deployment]
    for parts, body in [((deployment["url"],), {"records": records}), ((deployment["url"],), {"records": []}),
                        ((deployment["url"],), {"rows": records}), (("deployments", dep, "evaluate"), {"dataset_id": 999}),
                        (("models", version["model"], "versions", str(version["number"]), "deploy"), {"runtime": "x"})]:
        answers.append(await post_json(jp_fetch, *parts, body=body))
    for parts in [("deployments",), ("deployments", dep), ("models", version["model"]), ("runs", str(version["run_id"])),
                  ("models", version["model"], "versions", str(version["number"]))]:
        answers.append(json.loads((await jp_fetch(API, *parts)).body))
    answers.append(json.loads((await jp_fetch(API, "deployments", dep, method="DELETE")).body))
    answers.append(await post_json(jp_fetch, deployment["url"], body={"records": records}))  # 409: it is stopped
    answers.append(audit.events(workspace.db))
    shown = json.dumps(answers) + (deployments.deployment_dir(workspace, deployment["id"]) / "worker.log").read_text()
    assert "prediction" in shown and "is stopped" in shown and secret not in shown
