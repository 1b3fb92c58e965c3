"""Handlers of the trace from study to prediction: one per starting point, each one core call."""

from jupyter_server.auth.decorator import authorized
from tornado import web

from mass_ide.core.serving import trace
from mass_ide.server.base import MassHandler


class PredictionTraceHandler(MassHandler):
    """The trace of one prediction."""

    responses = {"get": {200: "Trace", 404: None}}

    @web.authenticated
    @authorized
    def get(self, deployment_id: str, prediction_id: str) -> None:
        """Where a prediction comes from: which studies trained the model that made it, and where its DICOM
        result went."""
        self.write_json(trace.trace_prediction(self.workspace, int(deployment_id), prediction_id))


class VersionTraceHandler(MassHandler):
    """The trace of one model version."""

    responses = {"get": {200: "Trace", 404: None}}

    @web.authenticated
    @authorized
    def get(self, name: str, version: str) -> None:
        """A model version's data back to its studies, and its deployments' newest predictions."""
        self.write_json(trace.trace_version(self.workspace, name, version))


class ItemTraceHandler(MassHandler):
    """The trace of one dataset item."""

    responses = {"get": {200: "Trace", 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """Where an item came from, and every model version trained on a frozen version holding it."""
        self.write_json(trace.trace_item(self.workspace, int(item_id)))
