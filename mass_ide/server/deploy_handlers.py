"""Handlers for deployments: deploy a version, list and undeploy, predict, evaluate, export.

A prediction is checked against Jupyter auth here, forwarded over loopback to the
deployment's worker (``python -m mass_ide.serve``) with its key, counted, timed and
written to the audit log with the user, the model version, the input's SHA-256 and
the output (masks are kept in the workspace and summarised, not logged).
"""

import asyncio
import json
import time
from http import HTTPStatus

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import httpclient, web

from mass_ide.core import registry
from mass_ide.core.serving import deployments, predictions
from mass_ide.core.serving.inputs import input_sha256
from mass_ide.server.base import API_PREFIX, MassHandler, int_argument

CLIENT_SETTING = "mass_ide_forwarding_client"
FORWARD_TIMEOUT_S = 600
MAX_BODY_BYTES = 2 * 1024**3


def forwarding_client(settings: dict) -> httpclient.AsyncHTTPClient:
    """The server's HTTP client for forwarding predictions to workers (large answers allowed)."""
    if CLIENT_SETTING not in settings:
        settings[CLIENT_SETTING] = httpclient.AsyncHTTPClient(force_instance=True, max_clients=64,
                                                              max_body_size=MAX_BODY_BYTES)
    return settings[CLIENT_SETTING]


class DeploymentBase(MassHandler):
    """Base of the deployment handlers: the supervisor (:attr:`MassHandler.supervisor`) is ticked before answers
    about deployments' state."""

    fresh_status = True  # tick first, so a status is never older than this request

    async def prepare(self) -> None:
        await super().prepare()
        if self.fresh_status:
            self.supervisor.tick()

    def public(self, deployment_id: int) -> dict:
        """A deployment as JSON, its key and port left out."""
        return deployments.public_deployment(self.workspace, deployment_id)


class DeployHandler(DeploymentBase):
    """Deploy a model version."""

    responses = {"post": {201: "Deployment", 400: None, 404: None, 409: None}}
    request_bodies = {"post": "NewDeployment"}

    @web.authenticated
    @authorized
    def post(self, name: str, version: str) -> None:
        """Start a prediction endpoint for a version (`latest`, a number or `@alias`).

        The deployment starts as `starting` and turns `running` once its worker listens
        (`failed` with the worker's log when it cannot start). `runtime` is `torch`
        (default) or `onnx` (ONNX Runtime on the exported graph, exported first if needed). 409 when the
        version's last ONNX export failed its parity check, unless `override_parity` is true (audited).
        """
        body = self.read_json() if self.request.body.strip() else {}
        found = deployments.deploy(self.workspace, name, version, user=self.user_name,
                                   runtime=body.get("runtime", "torch"),
                                   override_parity=body.get("override_parity", False))
        self.supervisor.tick()
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "deployments", str(found["id"])))
        self.write_json(self.public(found["id"]), status=HTTPStatus.CREATED)


class DeploymentsHandler(DeploymentBase):
    """The deployments."""

    responses = {"get": {200: "DeploymentList"}}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Deployments, newest first (`?project=ID` for one project's), with status, counts and p50 latency."""
        found = deployments.list_deployments(self.workspace, self.get_query_argument("project", None))
        self.write_json({"deployments": found})


class DeploymentHandler(DeploymentBase):
    """One deployment."""

    responses = {"get": {200: "Deployment", 404: None}, "delete": {200: "Deployment", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def get(self, deployment_id: str) -> None:
        """A deployment: its model version, status, predict URL, requests, errors and p50 latency."""
        self.write_json(self.public(int(deployment_id)))

    @web.authenticated
    @authorized
    def delete(self, deployment_id: str) -> None:
        """Undeploy: stop the worker; the deployment stays listed as `stopped` (409 when it already is)."""
        deployments.undeploy(self.workspace, int(deployment_id), user=self.user_name)
        self.write_json(self.public(int(deployment_id)))


def with_prediction_id(body: bytes, prediction_id: str | None) -> bytes:
    """The worker's JSON answer with ``"prediction_id"`` added, without decoding and encoding it again."""
    if prediction_id is None:
        return body
    return body.rstrip()[:-1] + b', "prediction_id": "' + prediction_id.encode("ascii") + b'"}'


class PredictHandler(DeploymentBase):
    """Predictions of a deployment."""

    roles_needed = {"post": "reviewer"}

    responses = {"post": {200: "PredictionAnswer", 400: None, 404: None, 409: None, 413: None, 502: None}}
    fresh_status = False  # the periodic tick notices dead workers; a dead one answers 503 here anyway
    body_limit = "max_predict_bytes"

    async def prepare(self) -> None:
        """Before the body: the deployment must be able to answer (404 unknown, 409 not running)."""
        await super().prepare()
        self.deployment = deployments.running_deployment(self.workspace, int(self.path_kwargs["deployment_id"]))

    @web.authenticated
    @authorized
    async def post(self, deployment_id: str) -> None:
        """Predict: JSON `{"records": [...], "units": {...}}` for tables; an upload for pictures and volumes.

        Upload a PNG/JPEG/TIFF, `.nii`/`.nii.gz` or a zip of one DICOM series as multipart field `file`
        (or as the raw body with `?filename=`). The answer is `{model, version, predictions: [...]}`:
        classifiers give `class`, `probabilities` and `uncertainty` (0 sure … 1 unsure); segmentation gives
        `mask` = {shape, dtype: uint8, encoding: base64-gzip, data} (the C-order bytes of the class mask on the
        input's own grid, gzip then base64), `slices`, `classes`, `voxels`, `affine` (volumes), `uncertainty`,
        and the answer carries `prediction_id`: `GET deployments/{dep}/predictions/{prediction_id}/slice`
        renders a slice as PNG. A 400 names the missing column, wrong unit, picture size or format.
        """
        dep = self.deployment
        body = bytes(self.request.body)
        started = time.perf_counter()
        answer = await forwarding_client(self.settings).fetch(
            f"http://127.0.0.1:{dep['port']}/predict" + (f"?{self.request.query}" if self.request.query else ""),
            method="POST", body=body, raise_error=False,
            headers={"Content-Type": self.request.headers.get("Content-Type", "application/octet-stream"),
                     "X-API-Key": dep["secret"]},
            request_timeout=FORWARD_TIMEOUT_S)
        latency_ms = (time.perf_counter() - started) * 1000
        digest = input_sha256(body)
        if answer.code == 599:
            raise web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE, f"deployment {dep['id']}'s worker does not answer")
        if answer.code != HTTPStatus.OK:
            status, message = deployments.relayed_refusal(self.workspace, dep, code=answer.code, body=answer.body)
            predictions.record_answer(self.workspace, dep, user=self.user_name, input_sha256=digest, error=message)
            raise web.HTTPError(status, message)
        result = json.loads(answer.body)
        prediction_id = predictions.record_answer(self.workspace, dep, user=self.user_name, input_sha256=digest,
                                                  answer=result,
                                                  latency_ms_p50=self.supervisor.observe(dep["id"], latency_ms))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(with_prediction_id(answer.body, prediction_id))  # the worker's JSON as it came


class PredictionSliceHandler(DeploymentBase):
    """A slice of a predicted mask."""

    responses = {"get": {200: "PNG", 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, deployment_id: str, prediction_id: str) -> None:
        """One slice of a predicted mask as PNG, grey value = class (`?axis=axial|coronal|sagittal&index=N`).

        Oriented like `GET items/{id}/mask`, so it overlays the input's slices; a picture's mask has one slice.
        """
        png = predictions.mask_slice_png(self.workspace, int(deployment_id), prediction_id,
                                         axis=self.get_query_argument("axis", "axial"),
                                         index=int_argument(self, "index", 0))
        self.write_png(png, cache_seconds=3600)  # a kept prediction never changes


class EvaluateHandler(DeploymentBase):
    """Evaluate a deployment."""

    roles_needed = {"post": "reviewer"}

    responses = {"post": {200: "EvaluationReport", 400: None, 404: None, 409: None, 502: None}}
    request_bodies = {"post": "NewEvaluation"}

    @web.authenticated
    @authorized
    async def post(self, deployment_id: str) -> None:
        """Run the labelled samples of a dataset version through the endpoint and score the answers.

        `version` defaults to the dataset's newest frozen version. `items` is `unseen` (default: only items
        the model did not train on — the run's validation split on its own training version, the items not
        in its training split on another version) or `all`. `scored` says which items were scored and how
        many of them the model trained on; `warning` is set when that is more than none.

        The report has the shape of training's evaluation reports: accuracy, balanced accuracy,
        ROC AUC, sensitivity/specificity, confusion matrix and ROC curve for classifiers; per-case
        and mean Dice for segmentation.
        """
        from mass_ide.core.serving.evaluate import evaluate_deployment

        body = self.read_json()
        self.write_json(await asyncio.to_thread(
            evaluate_deployment, self.workspace, int(deployment_id), dataset_id=body["dataset_id"],
            version=body.get("version"), items=body.get("items", "unseen"), user=self.user_name))


class ExportHandler(MassHandler):
    """Export a version for edge devices."""

    responses = {"post": {200: "ExportReport", 404: None}}

    @web.authenticated
    @authorized
    async def post(self, name: str, version: str) -> None:
        """Write TorchScript (`models/model.ts`) and ONNX (`models/model.onnx`) into the version's MONAI bundle.

        Each export is checked against eager PyTorch on realistic inputs of the model's input size (`parity`
        names them): `max_abs_diff` is the largest difference of the class probabilities, `dice` (masks) the
        smallest mean Dice of the argmax masks, and `passed` the verdict against the format's `tolerance`.
        `bundle` is the bundle folder (download it as a zip).
        """
        from mass_ide.core.serving.export import export_bundle, record_export

        found = registry.get_version(self.workspace, name, version)
        report = await asyncio.to_thread(export_bundle, found["folder"])  # minutes for a 3D U-Net: off the loop
        self.write_json(record_export(self.workspace, found, report, user=self.user_name))
