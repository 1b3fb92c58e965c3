"""Predictions from a notebook kernel: straight to a deployment's worker over loopback.

A kernel runs beside the Jupyter server and shares its workspace, so it reads a
deployment's port and key from the store and posts to the worker the way the IDE
server's predict route does (the same :class:`~mass_ide.core.serving.evaluate.WorkerClient`
evaluation uses). Every prediction is counted and written to the audit log with the
user, the model version, the input's SHA-256 and the output, like one made through
the server. Pure Python: no tornado, no torch.
"""

import json
import time
import urllib.error
from collections import deque
from pathlib import Path

from mass_ide.core.errors import Conflict, InvalidInput
from mass_ide.core.serving import deployments, predictions
from mass_ide.core.serving.evaluate import WorkerClient
from mass_ide.core.serving.inputs import input_sha256
from mass_ide.core.workspace import Workspace

POLL_SECONDS = 0.25
_latencies: dict[int, deque] = {}  # this kernel's recent request latencies per deployment


def wait_until_running(ws: Workspace, deployment_id: int, *, timeout: float = 120.0) -> dict:
    """The deployment once its worker listens; Conflict when it failed or was stopped, TimeoutError when slow.

    The Mass IDE server's supervisor starts the worker; this only watches the store.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = deployments.public_deployment(ws, deployment_id)
        if found["status"] == "running":
            return found
        if found["status"] != "starting":
            raise Conflict(f"deployment {deployment_id} is {found['status']}: {found['error'] or 'no error recorded'}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"deployment {deployment_id} is still starting after {timeout:.0f} s; is the Mass IDE "
                               "server (JupyterLab) running on this workspace? It starts deployment workers")
        time.sleep(POLL_SECONDS)


def _request(inputs: list[dict] | str | Path) -> tuple[bytes, object]:
    """The bytes a request sends (for its hash) and how to send them: records as JSON, a file as itself."""
    if isinstance(inputs, (str, Path)):
        path = Path(inputs)
        if not path.is_file():
            raise InvalidInput(f"{path} is not a file; give a picture, a NIfTI volume or a zip of a DICOM series")
        return path.read_bytes(), lambda client: [client.predict_file(path)]
    if not isinstance(inputs, list) or not all(isinstance(record, dict) for record in inputs):
        raise InvalidInput("give a list of records ({column: value}) or the path of a picture or volume")
    return json.dumps({"records": inputs}).encode(), lambda client: client.predict_records(inputs)


def predict(ws: Workspace, deployment_id: int, inputs: list[dict] | str | Path, *, user: str,
            origin: dict | None = None, prediction_id: str | None = None) -> dict:
    """Predict with a running deployment: a list of lab-value records, or the path of one picture or volume.

    Answers ``{model, version, predictions, prediction_id}`` like ``POST deployments/{dep}/predict``
    (masks kept in the deployment's folder under ``prediction_id``, None without a mask). A refused
    input raises InvalidInput with the deployment's message; both are audited and counted (``origin``:
    where a series from a PACS came from, in hashed UIDs; ``prediction_id``: the id to record it under).
    """
    found = deployments.running_deployment(ws, deployment_id)
    body, send = _request(inputs)
    digest, client = input_sha256(body), WorkerClient(port=found["port"], secret=found["secret"])
    started = time.perf_counter()
    try:
        results = send(client)
    except InvalidInput as error:
        predictions.record_answer(ws, found, user=user, input_sha256=digest, error=str(error), origin=origin)
        raise
    except urllib.error.URLError as error:
        raise Conflict(f"deployment {deployment_id}'s worker does not answer ({error.reason}); "
                       "the server marks it failed shortly") from None
    latency_ms = (time.perf_counter() - started) * 1000
    answer = {"model": found["model"], "version": found["version"], "predictions": results}
    answer["prediction_id"] = predictions.record_answer(
        ws, found, user=user, input_sha256=digest, answer=answer, origin=origin, prediction_id=prediction_id,
        latency_ms_p50=deployments.observe_latency(_latencies, deployment_id, latency_ms))
    return answer


def evaluate(ws: Workspace, deployment_id: int, *, dataset_id: int, version: int | None = None, user: str,
             items: str = "unseen") -> dict:
    """Score the deployment on the labelled samples of a dataset version (default: its newest).

    ``items="unseen"`` (default) scores only items the model did not train on, ``"all"`` every
    labelled one; the report's ``scored`` says which, and ``warning`` when training items are in.
    It is kept in the deployment's folder and audited, as ``POST deployments/{dep}/evaluate`` does.
    """
    from mass_ide.core.serving.evaluate import evaluate_deployment

    return evaluate_deployment(ws, deployment_id, dataset_id=dataset_id, version=version, items=items, user=user)
