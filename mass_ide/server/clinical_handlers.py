"""Handlers for clinical inference on PACS series: predict, download the DICOM result, send it to a PACS, and
batches over a worklist.

Fetching from and sending to a PACS blocks, so the core calls run on a thread.
"""

import asyncio
from http import HTTPStatus

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from mass_ide.core.data.pacs.nodes import find_node
from mass_ide.core.errors import NotFound
from mass_ide.core.serving import clinical
from mass_ide.core.team import project_of
from mass_ide.server.base import API_PREFIX, MassHandler
from mass_ide.server.deploy_handlers import DeploymentBase
from mass_ide.server.schemas import BINARY


class PacsPredictHandler(DeploymentBase):
    """Predicting on a series in a PACS."""

    roles_needed = {"post": "reviewer"}

    request_bodies = {"post": "PacsPrediction"}
    responses = {"post": {200: "DicomPredictionAnswer", 400: None, 404: None, 409: None, 502: None}}

    @web.authenticated
    @authorized
    async def post(self, deployment_id: str) -> None:
        """Fetch the series (kept only until the answer), predict, and write the answer as DICOM: a SEG on the
        source series for a segmentation model, an SR with the finding and its probability for a classifier.
        The answer is the prediction's (as `predict` gives it) with `prediction_id` and `result`, the DICOM
        object held in memory for `send` and `dicom`; the audit log keeps the prediction with hashed UIDs."""
        body = self.read_json()
        node = find_node(self.pacs_nodes, body["node"])
        self.write_json(await asyncio.to_thread(
            clinical.predict_series, self.workspace, int(deployment_id), node=node, study_uid=body["study_uid"],
            series_uid=body["series_uid"], user=self.user_name))


class DicomResultHandler(DeploymentBase):
    """A prediction's DICOM result: written for an uploaded series, and as a file."""

    roles_needed = {"post": "reviewer"}

    request_bodies = {"post": BINARY}
    responses = {"get": {200: "DICOM", 404: None}, "post": {200: "DicomResult", 400: None, 404: None, 413: None}}
    body_limit = "max_predict_bytes"

    @web.authenticated
    @authorized
    async def post(self, deployment_id: str, prediction_id: str) -> None:
        """Write a DICOM SEG for a mask predicted from an uploaded zip of a DICOM series (the Test page): send the
        same zip as the body. It is built on that series (400 when the mask does not lie on it) and held in memory
        for `send` and `GET`, like a PACS prediction's."""
        self.write_json(await asyncio.to_thread(clinical.result_for_upload, self.workspace, int(deployment_id),
                                                prediction_id, data=bytes(self.request.body), user=self.user_name))

    @web.authenticated
    @authorized
    def get(self, deployment_id: str, prediction_id: str) -> None:
        """The SEG or SR as a DICOM Part 10 file, to open in a DICOM viewer (it refers to the identified study)."""
        data = clinical.result_file(int(deployment_id), prediction_id)
        self.set_header("Content-Disposition", f'attachment; filename="mass-ide-{prediction_id[:12]}.dcm"')
        self.set_header("Cache-Control", "no-store")
        self.finish(data, set_content_type="application/dicom")


class DicomResultSendHandler(DeploymentBase):
    """Sending a prediction's DICOM result to a PACS."""

    request_bodies = {"post": "DicomSend"}
    responses = {"post": {200: "DicomSent", 400: None, 404: None, 502: None}}

    @web.authenticated
    @authorized
    async def post(self, deployment_id: str, prediction_id: str) -> None:
        """Store the SEG or SR on the node (STOW-RS, or C-STORE for a DIMSE-only node); what it accepted and, for
        what it refused, why. Audited with hashed UIDs and the node."""
        node = find_node(self.pacs_nodes, self.read_json()["node"])
        self.write_json(await asyncio.to_thread(clinical.send_result, self.workspace, int(deployment_id),
                                                prediction_id, node=node, user=self.user_name))


class BatchesHandler(DeploymentBase):
    """Batches of predictions over PACS series by one deployment."""

    request_bodies = {"post": "NewBatch"}
    responses = {"get": {200: "BatchList", 404: None},
                 "post": {202: "Batch", 400: None, 404: None, 409: None}}

    @web.authenticated
    @authorized
    def get(self, deployment_id: str) -> None:
        """The batches this server started for the deployment, newest first."""
        self.write_json({"batches": [b.to_json() for b in self.batches.list(int(deployment_id))]})

    @web.authenticated
    @authorized
    def post(self, deployment_id: str) -> None:
        """Predict on each series of a worklist in turn, writing each answer as a SEG or SR and, with `send_to`,
        storing it on that node at once; 202 + Location to follow it. A series that fails is said on its line and
        the next one is tried."""
        body = self.read_json()
        batch = self.batches.start(int(deployment_id), node=body["node"], series=body["series"],
                                   send_to=body.get("send_to"), user=self.user_name)
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "batches", batch.id))
        self.write_json(batch.to_json(), status=HTTPStatus.ACCEPTED)


class BatchBase(MassHandler):
    """A route of one batch, which acts in the project of the batch's deployment."""

    def project_in_request(self) -> str | None:
        try:
            batch = self.batches.get(self.path_kwargs["batch_id"])
        except NotFound:  # the handler answers 404
            return None
        return project_of(self.workspace, {"deployment_id": batch.deployment_id})


class BatchHandler(BatchBase):
    """One batch."""

    responses = {"get": {200: "Batch", 404: None}}

    @web.authenticated
    @authorized
    def get(self, batch_id: str) -> None:
        """Where the batch stands: series done of total, and for each its state, result kind and what was sent."""
        self.write_json(self.batches.get(batch_id).to_json())


class BatchCancelHandler(BatchBase):
    """Cancelling a batch."""

    responses = {"post": {200: "Batch", 404: None}}

    @web.authenticated
    @authorized
    def post(self, batch_id: str) -> None:
        """Stop after the series being predicted; the rest are marked cancelled."""
        self.write_json(self.batches.cancel(batch_id).to_json())
