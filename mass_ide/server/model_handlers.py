"""Handlers for the model registry: models, versions, aliases, soft deletion and bundle downloads."""

import asyncio
import tempfile
from http import HTTPStatus
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from mass_ide.core import registry
from mass_ide.core.data import files
from mass_ide.core.registry.bundle import write_bundle_zip
from mass_ide.core.runs import registering
from mass_ide.server.base import API_PREFIX, MassHandler, StreamedUploadHandler
from mass_ide.server.schemas import BINARY
from mass_ide.server.views import model_json, version_json

DOWNLOAD_CHUNK = 1 << 20
SPOOL_BYTES = 16 << 20


class ModelsHandler(MassHandler):
    """The registered models."""

    responses = {"get": {200: "ModelList", 404: None}}

    @web.authenticated
    @authorized
    def get(self) -> None:
        """List registered models (`?project=ID` for one project's), with their newest version and aliases."""
        found = registry.list_models(self.workspace, self.get_query_argument("project", None))
        self.write_json({"models": [model_json(model) for model in found]})


class ModelHandler(MassHandler):
    """One model."""

    responses = {"get": {200: "ModelDetail", 404: None}}

    @web.authenticated
    @authorized
    def get(self, name: str) -> None:
        """A model with all its versions, newest first; deleted versions carry `deleted_at`."""
        self.write_json(model_json(registry.get_model(self.workspace, name)))


class RunRegisterHandler(MassHandler):
    """Register a run as a model version."""

    responses = {"post": {201: "ModelVersion", 400: None, 404: None, 409: None}}
    request_bodies = {"post": "RegisterRun"}

    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        """Register a completed run's best checkpoint as the next version of its project's model.

        The body may name the model (default: the project's name as a slug); an empty body is fine.
        Answers 409 when the run has not completed or its weights are already registered.
        """
        body = self.read_json() if self.request.body.strip() else {}
        # Reading the checkpoint loads torch and builds the network: off the event loop.
        created_version(self, await asyncio.to_thread(registering.register_run, self.workspace, int(run_id),
                                                      user=self.user_name, name=body.get("name")))


def created_version(handler: MassHandler, version: dict) -> None:
    """Answer 201 with a new version and its Location."""
    handler.set_header("Location", url_path_join(handler.base_url, API_PREFIX, "models", version["model"],
                                                 "versions", str(version["number"])))
    handler.write_json(version_json(version), status=HTTPStatus.CREATED)


class ModelVersionsHandler(StreamedUploadHandler):
    """Upload a model file as a new version."""

    responses = {"post": {201: "ModelVersion", 400: None, 404: None, 409: None}}
    request_bodies = {"post": BINARY}
    body_limit = "max_model_bytes"

    async def prepare(self) -> None:
        """After the base class's checks, stream the uploaded model file to disk."""
        await super().prepare()
        if self.request.method == "POST":
            filename = files.check_file_name(self.get_query_argument("filename", "model.pt"))
            folder = Path(tempfile.mkdtemp(prefix="model-", dir=self.workspace.root / "uploads"))
            self.receive_into(folder / filename, remove=folder)

    @web.authenticated
    @authorized
    async def post(self, name: str) -> None:
        """Import a model file (the body's bytes) as the next version of model `name`.

        The file must be a weights-only `.pt` of a Mass IDE model (weights and metadata); a
        pickle that would run code is refused with 400 and never unpickled. A new model names
        its project with `?project=ID`; `?filename=NAME` is the file's name for the model card.
        """
        version = await asyncio.to_thread(registry.import_model_file, self.workspace, self.finish_upload(), name=name,
                                          user=self.user_name, project_id=self.get_query_argument("project", None))
        created_version(self, version)


class ModelVersionHandler(MassHandler):
    """One model version."""

    responses = {"get": {200: "ModelVersion", 400: None, 404: None},
                 "delete": {200: "ModelVersion", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def get(self, name: str, version: str) -> None:
        """A version (a number, `latest` or `@alias`): metrics, lineage, signature, aliases, model card, files."""
        self.write_json(version_json(registry.get_version(self.workspace, name, version)))

    @web.authenticated
    @authorized
    def delete(self, name: str, version: str) -> None:
        """Soft-delete a version (its files stay; restore brings it back).

        Answers 409 while an alias points at it or it is deployed.
        """
        self.write_json(version_json(registry.delete_version(self.workspace, name, version, user=self.user_name)))


class ModelVersionRestoreHandler(MassHandler):
    """Restore a deleted version."""

    responses = {"post": {200: "ModelVersion", 404: None, 409: None}}

    @web.authenticated
    @authorized
    def post(self, name: str, version: str) -> None:
        """Bring back a soft-deleted version."""
        self.write_json(version_json(registry.restore_version(self.workspace, name, version, user=self.user_name)))


class ModelVersionAliasHandler(MassHandler):
    """Give a version an alias."""

    responses = {"put": {200: "ModelVersion", 400: None, 404: None, 409: None}}
    request_bodies = {"put": "NewAlias"}

    @web.authenticated
    @authorized
    def put(self, name: str, version: str) -> None:
        """Point an alias (e.g. `staging`, `production`) at this version, moving it from another one."""
        body = self.read_json()
        self.write_json(version_json(registry.set_alias(self.workspace, name, version, body["alias"],
                                                        user=self.user_name)))


class ModelAliasHandler(MassHandler):
    """One alias of a model."""

    responses = {"delete": {200: "Model", 404: None}}

    @web.authenticated
    @authorized
    def delete(self, name: str, alias: str) -> None:
        """Remove an alias; answers the model with its remaining aliases."""
        self.write_json(model_json(registry.remove_alias(self.workspace, name, alias, user=self.user_name)))


class ModelVersionDownloadHandler(MassHandler):
    """Download a version's bundle."""

    responses = {"get": {200: "ZIP", 404: None}}

    @web.authenticated
    @authorized
    async def get(self, name: str, version: str) -> None:
        """The version's MONAI bundle (metadata, weights, model card, exports) as a zip."""
        found = registry.get_version(self.workspace, name, version)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            filename = write_bundle_zip(found, spool)
            self.set_header("Content-Type", "application/zip")
            self.set_header("Content-Disposition", f'attachment; filename="{filename}"')
            spool.seek(0)
            while chunk := spool.read(DOWNLOAD_CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()
