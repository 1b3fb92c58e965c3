"""Serving core: request checks against the signature, dynamic batching, export parity, the prediction server."""

import asyncio
import hashlib
import io
import json

import numpy as np
import pytest
from hostile_files import png_declaring
from PIL import Image
from tornado import httpclient, httpserver

from mass_ide.core.data import datasets
from mass_ide.core.errors import InvalidInput
from mass_ide.core.registry import bundle
from mass_ide.core.serving import export, inputs
from mass_ide.core.serving.batching import DynamicBatcher
from mass_ide.core.serving.deployments import free_port
from mass_ide.core.serving.predictor import Predictor
from mass_ide.core.serving.runtime import load_predictor
from mass_ide.core.serving.service import ModelService, decode_mask, encode_mask
from mass_ide.serve import make_app


@pytest.fixture(scope="module")
def labs(trained_labs, tmp_path_factory):
    """(workspace, table, registered version) of a 3-epoch liver-function model: the module's own copy of the
    session's (``trained_labs``), so what its tests export or deploy stays in the module."""
    ws, table, version = trained_labs.copy(tmp_path_factory.mktemp("labs") / "ws")
    yield ws, table, version
    ws.close()


@pytest.fixture(scope="module")
def patches(trained_patches, tmp_path_factory):
    """(workspace, patches dataset, registered version) of a 1-epoch 32×32 tumour-patch classifier: the module's
    own copy of the session's (``trained_patches``)."""
    ws, images, version = trained_patches.copy(tmp_path_factory.mktemp("patches") / "ws")
    yield ws, images, version
    ws.close()


def rows_of(ws, table, count: int = 5) -> list[dict]:
    """The first ``count`` records of a table dataset."""
    return [item.meta for item in datasets.all_items(ws, table.id)[:count]]


def png_bytes(width: int, height: int) -> bytes:
    """A grey PNG of the given size."""
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width), 120, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_units_and_columns_are_checked_against_the_signature(labs):
    ws, table, version = labs
    signature = version["signature"]
    records = rows_of(ws, table, 2)
    assert inputs.table_records({"records": records, "units": {"bili": "mg/dl"}}, signature) == records
    with pytest.raises(InvalidInput, match="'bili' was given in 'µmol/L' but the model expects mg/dL"):
        inputs.table_records({"records": records, "units": {"bili": "µmol/L"}}, signature)
    with pytest.raises(InvalidInput, match="'weight', which the model does not use"):
        inputs.table_records({"records": records, "units": {"weight": "kg"}}, signature)
    with pytest.raises(InvalidInput, match="records is empty"):
        inputs.table_records({"records": []}, signature)
    with pytest.raises(InvalidInput, match="table records"):
        inputs.upload_input(png_bytes(8, 8), name="x.png", signature=signature, folder=None)


async def test_the_service_answers_like_the_predictor_and_names_a_missing_column(labs):
    ws, table, version = labs
    predictor = Predictor.load(version["model_file"])
    service = ModelService(predictor, model=version["model"], version=version["number"])
    records = rows_of(ws, table)
    answer = await service.predict_json(json.dumps({"records": records}).encode())
    assert answer["model"] == version["model"] and answer["version"] == version["number"]
    assert answer["predictions"] == predictor.predict(records)
    broken = [{k: v for k, v in records[0].items() if k != "albumin"}]
    with pytest.raises(InvalidInput, match="misses column 'albumin'"):
        await service.predict_json(json.dumps({"records": broken}).encode())
    with pytest.raises(InvalidInput, match="not valid JSON"):
        await service.predict_json(b"{records")
    service.close()


async def test_concurrent_requests_share_forward_passes_and_a_bad_one_fails_alone(labs):
    ws, table, version = labs
    predictor = Predictor.load(version["model_file"])
    batcher = DynamicBatcher(predictor, max_inputs=64, max_wait_ms=20)
    records = rows_of(ws, table, 12)
    requests = [[row] for row in records] + [[{"bili": 1.0}]]
    answers = await asyncio.gather(*(batcher.predict(r) for r in requests), return_exceptions=True)
    assert [a[0] for a in answers[:-1]] == predictor.predict(records)
    assert isinstance(answers[-1], InvalidInput) and "misses column" in str(answers[-1])
    assert batcher.batches < len(requests)  # requests that arrived together went through one forward pass
    unbatched = DynamicBatcher(predictor, max_inputs=1, max_wait_ms=0)
    await asyncio.gather(*(unbatched.predict(r) for r in requests[:4]))
    assert unbatched.batches == 4
    batcher.close()
    unbatched.close()


def test_masks_travel_as_base64_gzip_and_come_back_equal():
    mask = np.random.default_rng(0).integers(0, 3, size=(7, 5, 3), dtype=np.uint8)
    encoded = encode_mask(mask)
    assert encoded["shape"] == [7, 5, 3] and encoded["dtype"] == "uint8" and encoded["encoding"] == "base64-gzip"
    assert np.array_equal(decode_mask(json.loads(json.dumps(encoded))), mask)


def test_pictures_far_from_the_model_size_or_not_pictures_are_refused(patches):
    *_, version = patches
    signature = version["signature"]
    assert inputs.check_picture(png_bytes(64, 64), name="ok.png", signature=signature)  # resized like training
    with pytest.raises(InvalidInput, match=r"wide.png is 96×32 pixels; the model takes 32×32"):
        inputs.check_picture(png_bytes(96, 32), name="wide.png", signature=signature)
    with pytest.raises(InvalidInput, match="tiny.png is 8×8 pixels"):
        inputs.check_picture(png_bytes(8, 8), name="tiny.png", signature=signature)
    with pytest.raises(InvalidInput, match="notes.png is not a PNG, JPEG or TIFF"):
        inputs.check_picture(b"hello", name="notes.png", signature=signature)
    with pytest.raises(InvalidInput, match="huge.png .*too large to decode"):  # the model's shape, a bomb's size
        inputs.check_picture(png_declaring(10_000, 10_000), name="huge.png", signature=signature)


def test_export_writes_torchscript_and_onnx_that_match_eager_pytorch(labs):
    ws, table, version = labs
    report = export.export_bundle(version["folder"])
    assert report["torchscript"]["file"] == "models/model.ts" and report["onnx"]["file"] == "models/model.onnx"
    assert report["torchscript"]["max_abs_diff"] < 1e-4 and report["onnx"]["max_abs_diff"] < 1e-4
    for fmt, tolerance in (("torchscript", 1e-5), ("onnx", 1e-3)):  # a verdict per format on realistic records
        assert report[fmt]["tolerance"] == {"max_abs_diff": tolerance, "dice": None} and report[fmt]["passed"] is True
        assert [case["name"] for case in report[fmt]["cases"]] == report["parity"]["cases"]
    assert report["parity"]["cases"] == ["typical records", "far-out records", "all values missing"]
    assert (version["folder"] / "models" / "model.onnx").stat().st_size > 0
    assert bundle.read_report(version["folder"]) == json.loads(json.dumps(report))
    eager = Predictor.load(version["model_file"]).predict(rows_of(ws, table))
    served = load_predictor(version["model_file"], runtime="onnx",
                            onnx_file=version["folder"] / "models" / "model.onnx").predict(rows_of(ws, table))
    for a, b in zip(eager, served):
        assert a["class"] == b["class"]
        assert a["probabilities"] == pytest.approx(b["probabilities"], abs=1e-4)


async def fetch(port: int, path: str, **kwargs) -> httpclient.HTTPResponse:
    """A request to the local prediction server (errors returned, not raised)."""
    return await httpclient.AsyncHTTPClient().fetch(f"http://127.0.0.1:{port}{path}", raise_error=False, **kwargs)


async def test_the_prediction_server_needs_its_key_and_stays_up_after_bad_input(patches):
    ws, images, version = patches
    service = ModelService(Predictor.load(version["model_file"]), model=version["model"], version=version["number"])
    port = free_port()
    server = httpserver.HTTPServer(make_app(service, api_key="s3cret"))
    server.listen(port, address="127.0.0.1")
    key = {"X-API-Key": "s3cret"}
    try:
        assert (await fetch(port, "/")).code == 401
        assert (await fetch(port, "/", headers={"Authorization": "Bearer wrong"})).code == 401
        info = json.loads((await fetch(port, "/", headers={"Authorization": "Bearer s3cret"})).body)
        assert info["signature"] == version["signature"] and info["runtime"] == "torch"
        document = json.loads((await fetch(port, "/openapi.json")).body)
        assert "/predict" in document["paths"] and "base64-gzip" in document["info"]["description"]
        picture = datasets.all_items(ws, images.id)[0].file
        boundary = "massboundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{picture.name}\"\r\n"
                "Content-Type: image/png\r\n\r\n").encode() + picture.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        multipart = await fetch(port, "/predict", method="POST", body=body,
                                headers={**key, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        [prediction] = json.loads(multipart.body)["predictions"]
        assert multipart.code == 200 and prediction["class"] in ("no tumour", "tumour")
        bad = await fetch(port, "/predict?filename=notes.txt", method="POST", body=b"plain text", headers=key)
        assert bad.code == 400 and "not a PNG, JPEG or TIFF" in json.loads(bad.body)["message"]
        records = await fetch(port, "/predict", method="POST", body=json.dumps({"records": [{}]}),
                              headers={**key, "Content-Type": "application/json"})
        assert records.code == 400 and "uploads, not JSON records" in json.loads(records.body)["message"]
        raw = await fetch(port, f"/predict?filename={picture.name}", method="POST", body=picture.read_bytes(),
                          headers=key)
        assert json.loads(raw.body)["predictions"] == [prediction]  # the server is still up, answers the same
    finally:
        server.stop()
        service.close()


async def raw_exchange(port: int, head: str, body: bytes = b"", *, deadline: float = 60) -> bytes:
    """Send a request's head and the first bytes of its body on a raw socket; all the server answers.

    ``deadline`` is a last resort: a server that waits for the rest of the body never answers.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=deadline)  # the server closes after answering
    finally:
        writer.close()


def status_and_message(answer: bytes) -> tuple[int, str | None]:
    """The status code of a raw HTTP answer and its JSON message (None when it has no JSON body)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)["message"] if body.strip() else None


async def test_the_key_and_the_size_are_checked_before_the_body_is_read(labs):
    ws, table, version = labs
    service = ModelService(Predictor.load(version["model_file"]), model=version["model"], version=version["number"])
    port = free_port()
    server = httpserver.HTTPServer(make_app(service, api_key="s3cret", max_body_bytes=1_000_000))
    server.listen(port, address="127.0.0.1")
    announced = "POST /predict HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 100000000\n{key}"
    try:
        for key in ("", "X-API-Key: wrong\n"):  # a few bytes of a 100 MB body: the answer comes without the rest
            status, message = status_and_message(await raw_exchange(port, announced.format(key=key), b'{"rec'))
            assert status == 401 and "API key" in message
        status, message = status_and_message(await raw_exchange(port, announced.format(key="X-API-Key: s3cret\n"),
                                                                b'{"rec'))
        assert status == 413 and "100,000,000 bytes is over this server's limit of 1,000,000 bytes" in message
        chunked = "POST /predict HTTP/1.1\nHost: x\nX-API-Key: s3cret\nTransfer-Encoding: chunked\n"
        status, _ = status_and_message(await raw_exchange(port, chunked, b"200000\r\n"))  # a 2 MB chunk announced
        assert status == 400  # the connection's own limit cut it off
        body = json.dumps({"records": rows_of(ws, table, 2)})
        answer = await fetch(port, "/predict", method="POST", body=body, headers={"X-API-Key": "s3cret"})
        assert answer.code == 200 and len(json.loads(answer.body)["predictions"]) == 2
    finally:
        server.stop()
        service.close()


def wait_until(condition, timeout: float = 120):
    """Poll ``condition`` until it returns something true."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise TimeoutError("the condition never held")


def post_status(deployment: dict, body: bytes) -> int:
    """The status a deployment's worker answers a POST /predict of ``body`` with (its key given)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{deployment['port']}/predict", data=body,
                                     headers={"X-API-Key": deployment["secret"]})
    try:
        return urllib.request.urlopen(request, timeout=60).status
    except urllib.error.HTTPError as error:
        return error.code


def test_supervisor_starts_workers_adopts_them_after_a_restart_and_notices_deaths(labs):
    import os
    import signal

    from mass_ide.core.serving import deployments
    from mass_ide.core.serving.evaluate import WorkerClient

    ws, table, version = labs
    supervisor = deployments.DeploymentSupervisor(ws, max_body_bytes=100_000)
    first = deployments.deploy(ws, version["model"], str(version["number"]), user="ana")
    try:
        def status() -> str:
            supervisor.tick()
            return deployments.get_deployment(ws, first["id"])["status"]

        wait_until(lambda: status() != "starting")
        assert status() == "running", deployments.get_deployment(ws, first["id"])["error"]
        live = deployments.get_deployment(ws, first["id"])
        answer = WorkerClient(port=live["port"], secret=live["secret"]).predict_records(rows_of(ws, table, 2))
        assert answer == Predictor.load(version["model_file"]).predict(rows_of(ws, table, 2))
        assert post_status(live, b" " * 100_001) == 413  # the worker was given the supervisor's limit
        restarted = deployments.DeploymentSupervisor(ws)  # a new server process finds the worker alive
        restarted.recover()
        assert restarted.adopted == {first["id"]: live["pid"]}
        os.killpg(live["pid"], signal.SIGKILL)
        supervisor.children.pop(first["id"]).wait()
        wait_until(lambda: restarted.tick() or deployments.get_deployment(ws, first["id"])["status"] == "failed")
        assert "the worker stopped" in deployments.get_deployment(ws, first["id"])["error"]
        second = deployments.deploy(ws, version["model"], str(version["number"]), user="ana")
        deployments.update_deployment(ws, second["id"], status="running", pid=live["pid"])  # its worker is gone
        later = deployments.DeploymentSupervisor(ws)
        later.recover()
        assert deployments.get_deployment(ws, second["id"])["status"] == "stopped" and not later.adopted
    finally:
        supervisor.stop_all()


def test_mass_ide_export_and_serve_a_bundle_folder_from_the_command_line(labs, tmp_path, capsys):
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    from mass_ide import cli

    ws, table, version = labs
    assert cli.main(["export", "--workspace", str(ws.root), f"{version['model']}:{version['number']}"]) == 0
    printed = capsys.readouterr().out
    assert "torchscript" in printed and "onnx" in printed and printed.count("parity passed: max |difference|") == 2
    assert (version["folder"] / "models" / "model.ts").is_file()
    (tmp_path / "key").write_text("k3y\n")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mass_ide.cli", "serve", str(version["folder"]),  # as in docker
                               "--port", str(port), "--api-key-file", str(tmp_path / "key"),
                               "--runtime", "onnx", "--audit-log", str(tmp_path / "audit.jsonl"),
                               "--max-body-bytes", "100000"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return urllib.request.urlopen(f"{url}/health", timeout=2).status == 200
        except OSError:
            assert server.poll() is None, server.stdout.read().decode()
            return False

    try:
        wait_until(healthy)
        body = json.dumps({"records": rows_of(ws, table, 2)}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{url}/predict", data=body))
        assert refused.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{url}/predict", data=b" " * 100_001,
                                                          headers={"X-API-Key": "k3y"}))
        assert refused.value.code == 413 and "limit of 100,000 bytes" in json.loads(refused.value.read())["message"]
        request = urllib.request.Request(f"{url}/predict", data=body, headers={"X-API-Key": "k3y"})
        answer = json.loads(urllib.request.urlopen(request).read())
        assert (answer["model"], answer["version"]) == (version["model"], version["number"])
        assert [p["class"] for p in answer["predictions"]] == [
            p["class"] for p in Predictor.load(version["model_file"]).predict(rows_of(ws, table, 2))]
        [logged] = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        assert logged["input_sha256"] == hashlib.sha256(body).hexdigest() and logged["version"] == version["number"]
        assert [p["class"] for p in logged["output"]] == [p["class"] for p in answer["predictions"]]
        document = json.loads(urllib.request.urlopen(f"{url}/openapi.json").read())
        assert document["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def test_a_format_that_cannot_be_exported_is_reported_and_the_others_still_are(labs, tmp_path, monkeypatch):
    *_, version = labs
    folder = tmp_path / "bundle"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "model.pt").write_bytes(version["model_file"].read_bytes())

    def untraceable(predictor, path):
        path.write_bytes(b"partial")
        raise RuntimeError("Tracer cannot infer type of output")

    monkeypatch.setattr(export, "export_torchscript", untraceable)
    report = export.export_bundle(folder)
    assert report["torchscript"] == {"file": "models/model.ts", "max_abs_diff": None, "dice": None,
                                     "tolerance": {"max_abs_diff": 1e-5, "dice": None}, "passed": None, "cases": [],
                                     "error": "Tracer cannot infer type of output"}
    assert not (folder / "models" / "model.ts").exists()
    assert report["onnx"]["error"] is None and report["onnx"]["max_abs_diff"] < 1e-4


def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace_period():
    import signal
    import subprocess
    import sys

    from mass_ide.core.processes import pid_alive
    from mass_ide.core.processes import stop_pids as end_workers

    ignoring = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"
    stubborn = subprocess.Popen([sys.executable, "-c", ignoring], stdout=subprocess.PIPE, start_new_session=True)
    assert stubborn.stdout.readline() == b"ready\n"  # SIGTERM is ignored from here on
    end_workers([stubborn.pid], grace_s=0.5)
    assert not pid_alive(stubborn.pid) and stubborn.wait(timeout=30) == -signal.SIGKILL


def test_a_refused_zip_upload_is_named_as_uploaded(tmp_path):
    volume = {"inputs": {"kind": "volume"}}
    with pytest.raises(InvalidInput, match=r"^scan\.zip is not a readable zip archive") as refused:
        inputs.upload_input(b"PK\x03\x04 torn", name="scan.zip", signature=volume, folder=tmp_path)
    assert "upload.zip" not in str(refused.value)  # the name the scratch copy happens to have is not the user's
