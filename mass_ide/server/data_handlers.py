"""Handlers for datasets, uploads, items and slices, versions, quality, cleaning recipes and sample data."""

import asyncio
import tempfile
from http import HTTPStatus
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from mass_ide.core import projects
from mass_ide.core.annotation import cleaning
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, files, quality, recipes, render, uploads
from mass_ide.core.data.deidentify import DeidOptions
from mass_ide.core.samples import sample_data
from mass_ide.server.base import (
    API_PREFIX,
    MassHandler,
    StreamedUploadHandler,
    int_argument,
)
from mass_ide.server.schemas import PNG
from mass_ide.server.views import (
    dataset_json,
    item_json,
)


class DatasetsHandler(StreamedUploadHandler):
    """A project's datasets; POST imports one, streaming an upload to disk in chunks."""

    responses = {"get": {200: "DatasetList", 404: None}, "post": {201: "Dataset", 400: None, 404: None}}
    request_bodies = {"post": "NewDataset"}

    async def prepare(self) -> None:
        """After the base class's checks, for an upload: check what the query asks, open the file the body streams into."""
        await super().prepare()
        if self.request.method != "POST" or self.sends_json():
            return
        projects.get_project(self.workspace, self.path_kwargs["project_id"])
        filename = files.check_file_name(self.get_query_argument("filename", ""))
        self.upload_deid = DeidOptions.parse(clean_descriptors=self.get_query_argument("clean_descriptors", None),
                                             dates=self.get_query_argument("dates", None))
        upload_dir = Path(tempfile.mkdtemp(prefix="upload-", dir=self.workspace.root / "uploads"))
        self.receive_into(upload_dir / filename, remove=upload_dir)

    @web.authenticated
    @authorized
    def get(self, project_id: str) -> None:
        """List a project's datasets, oldest first."""
        found = datasets.list_datasets(self.workspace, project_id)
        self.write_json({"datasets": [dataset_json(dataset) for dataset in found]})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Import a dataset: upload a file as the body, or name a path under the server root.

        Upload: send the file's bytes with `?filename=NAME` (a CSV/TSV/TXT, image, NIfTI, DICOM
        file or a zip of them). Server path: send JSON `{"path": "folder/under/root", "name": ...}`.
        DICOM is de-identified on import (PS3.15 Basic Profile); its options: `deidentification:
        {"clean_descriptors": false, "dates": "remove"|"shift"}` in the JSON, or
        `?clean_descriptors=1&dates=shift` with an upload. The import is atomic: it lands whole or not at all.
        """
        if self._upload is not None:
            source, name, deid = self.finish_upload(), self.get_query_argument("name", None), self.upload_deid
        else:
            body = self.read_json()
            source, name = datasets.resolve_inside(Path(self.root_dir), body["path"]), body.get("name")
            deid = DeidOptions.parse(**body.get("deidentification", {}))
        await import_and_answer(self, project_id, source=source, name=name, deid=deid)


async def import_and_answer(handler: MassHandler, project_id: str, *, source: Path, name: str | None,
                            deid: DeidOptions) -> None:
    """Import ``source`` off the event loop (DICOM with ``deid``), commit it, answer 201 with the dataset and Location."""
    salt = datasets.deid_salt(handler.workspace)
    staged = await asyncio.to_thread(datasets.stage_import, handler.workspace, project_id, source=source, salt=salt,
                                     deid=deid)
    dataset = datasets.commit_import(handler.workspace, staged, name=name, user=handler.user_name)
    handler.set_header("Location", url_path_join(handler.base_url, API_PREFIX, "datasets", str(dataset.id)))
    handler.write_json(dataset_json(dataset), status=HTTPStatus.CREATED)


class UploadFoldersHandler(MassHandler):
    """Folder uploads of a project: POST opens one for the files of a dropped folder."""

    responses = {"post": {201: "UploadFolder", 404: None}}

    @web.authenticated
    @authorized
    def post(self, project_id: str) -> None:
        """Open an upload folder; send its files to `uploads/{id}/files?path=`, then POST `uploads/{id}`."""
        projects.get_project(self.workspace, project_id)
        self.write_json({"id": uploads.open_folder(self.workspace)}, status=HTTPStatus.CREATED)


class UploadFileHandler(StreamedUploadHandler):
    """One file of a folder upload, streamed to disk at its path inside the dropped folder."""

    responses = {"post": {204: None, 400: None, 404: None}}

    async def prepare(self) -> None:
        await super().prepare()
        if self.request.method == "POST":
            target = uploads.file_target(self.workspace, self.path_kwargs["upload_id"], self.get_query_argument("path", ""))
            self.receive_into(target, remove=target)

    @web.authenticated
    @authorized
    def post(self, project_id: str, upload_id: str) -> None:
        """Store the body as the file `?path=series/IM0001.dcm` of the upload folder."""
        self.finish_upload()
        self.keep_upload()
        self.set_status(HTTPStatus.NO_CONTENT)


class UploadFolderHandler(MassHandler):
    """A folder upload: import what arrived as one dataset, or discard it."""

    responses = {"post": {201: "Dataset", 400: None, 404: None}, "delete": {204: None, 404: None}}
    request_bodies = {"post": "UploadImport"}

    @web.authenticated
    @authorized
    async def post(self, project_id: str, upload_id: str) -> None:
        """Import the uploaded folder as one dataset (atomic, DICOM de-identified); the upload is then removed.

        Body: `{"name": ..., "deidentification": {"clean_descriptors": false, "dates": "remove"|"shift"}}`.
        """
        body = self.read_json()
        name, deid = body.get("name"), DeidOptions.parse(**body.get("deidentification", {}))
        try:
            await import_and_answer(self, project_id, source=uploads.import_source(self.workspace, upload_id), name=name,
                                    deid=deid)
        finally:
            uploads.discard(self.workspace, upload_id)

    @web.authenticated
    @authorized
    def delete(self, project_id: str, upload_id: str) -> None:
        """Discard the upload folder and what arrived in it."""
        uploads.existing_folder(self.workspace, upload_id)
        uploads.discard(self.workspace, upload_id)
        self.set_status(HTTPStatus.NO_CONTENT)


class DatasetHandler(MassHandler):
    """One dataset."""

    responses = {"get": {200: "Dataset", 404: None}}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """A dataset with its import report (what was read, converted and de-identified)."""
        self.write_json(dataset_json(datasets.get_dataset(self.workspace, int(dataset_id))))


class ItemsHandler(MassHandler):
    """The items of a dataset, a page at a time."""

    responses = {"get": {200: "ItemPage", 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """A page of items with their annotations: `?offset=0&limit=100&unlabelled=1&order=import|uncertainty`.

        A table's record whose class column (the project's `target`, or `positive_when`'s) holds a value counts
        as labelled, as training counts it.
        `order=uncertainty` lists what the pre-labelling model was least sure of first (active learning).
        """
        column = annotations.dataset_class_column(self.workspace, int(dataset_id))
        page, total = datasets.list_items(
            self.workspace, int(dataset_id),
            unlabelled_only=self.get_query_argument("unlabelled", "0") in ("1", "true"),
            order=self.get_query_argument("order", "import"),
            offset=int_argument(self, "offset", 0), limit=int_argument(self, "limit", 100, minimum=1),
            class_column=column,
        )
        found = [item_json(item, annotations.get_annotation(self.workspace, item.id)) for item in page]
        labelled = datasets.count_labelled(self.workspace, int(dataset_id), class_column=column)
        self.write_json({"items": found, "total": total, "labelled": labelled})


class VersionsHandler(MassHandler):
    """Frozen versions of a dataset."""

    responses = {"get": {200: "VersionList", 404: None}, "post": {201: "Version", 404: None}}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """The dataset's frozen versions, newest first."""
        self.write_json({"versions": datasets.list_versions(self.workspace, int(dataset_id))})

    @web.authenticated
    @authorized
    def post(self, dataset_id: str) -> None:
        """Freeze: record an immutable version (content hashes of items, labels and masks)."""
        version = datasets.freeze(self.workspace, int(dataset_id), user=self.user_name)
        self.write_json({key: version[key] for key in ("dataset_id", "number", "digest", "created_at", "created_by")},
                        status=HTTPStatus.CREATED)


class ItemHandler(MassHandler):
    """One item."""

    responses = {"get": {200: "Item", 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """An item with its metadata and current annotation."""
        item = datasets.get_item(self.workspace, int(item_id))
        self.write_json(item_json(item, annotations.get_annotation(self.workspace, item.id)))


class SliceHandler(MassHandler):
    """Rendered slices of an image or volume."""

    responses = {"get": {200: PNG, 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """One slice as PNG: `?axis=axial|coronal|sagittal&index=N&window=abdomen|liver|bone|L,W`.

        A volume is shown in the radiological convention, from its affine (the closest anatomical axes of an
        oblique one): axial with anterior at the top and the patient's right on the left, coronal with superior
        at the top and the right on the left, sagittal with superior at the top and anterior on the left.
        `index` counts from the most inferior (axial), anterior (coronal) or rightmost (sagittal) slice; the
        item's `meta.shape` gives the number of sagittal, coronal and axial slices. A picture shows as stored.
        """
        item = datasets.get_item(self.workspace, int(item_id))
        png = render.render_slice(item, axis=self.get_query_argument("axis", "axial"),
                                  index=int_argument(self, "index", 0), window=self.get_query_argument("window", None))
        self.write_png(png, cache_seconds=3600)


class QualityHandler(MassHandler):
    """Data-quality summary of a dataset."""

    responses = {"get": {200: None, 404: None}}

    @web.authenticated
    @authorized
    async def get(self, dataset_id: str) -> None:
        """Missing values, value ranges (histograms) and class balance, ready to plot."""
        self.write_json(await asyncio.to_thread(quality.dataset_quality, self.workspace, int(dataset_id)))


class RecipeHandler(MassHandler):
    """A dataset's cleaning recipe."""

    responses = {"get": {200: "Recipe", 404: None}, "put": {200: "Recipe", 400: None, 404: None}}
    request_bodies = {"put": "RecipeSteps"}

    def recipe_json(self, dataset_id: int, steps: list[dict]) -> dict:
        """The steps with the operations available for the dataset's kind."""
        kind = datasets.get_dataset(self.workspace, dataset_id).kind
        return {"steps": steps, "operations": recipes.operations_json(kind)}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """The saved steps and the operations (with parameter schemas) this dataset offers."""
        self.write_json(self.recipe_json(int(dataset_id), recipes.get_recipe(self.workspace, int(dataset_id))))

    @web.authenticated
    @authorized
    def put(self, dataset_id: str) -> None:
        """Save the recipe's steps (400 names a bad step)."""
        steps = recipes.save_recipe(self.workspace, int(dataset_id), steps=self.read_json()["steps"],
                                    user=self.user_name)
        self.write_json(self.recipe_json(int(dataset_id), steps))


class RecipePreviewHandler(MassHandler):
    """Before / after of a recipe, without saving anything."""

    roles_needed = {"post": "viewer"}

    responses = {"post": {200: None, 400: None, 404: None}}
    request_bodies = {"post": "RecipeSteps"}

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        """The first rows (tables) or the first item (images, volumes) before and after the steps."""
        steps = self.read_json()["steps"]
        self.write_json(await asyncio.to_thread(recipes.preview, self.workspace, int(dataset_id), steps=steps))


class RecipeApplyHandler(MassHandler):
    """Apply a recipe to the whole dataset."""

    responses = {"post": {201: "Dataset", 400: None, 404: None}}

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        """Run the saved recipe and import the result as a new, cleaned dataset."""
        cleaned = await asyncio.to_thread(cleaning.apply_recipe, self.workspace, int(dataset_id), user=self.user_name)
        self.set_header("Location", url_path_join(self.base_url, API_PREFIX, "datasets", str(cleaned.id)))
        self.write_json(dataset_json(cleaned), status=HTTPStatus.CREATED)


class SampleDataHandler(MassHandler):
    """The template's sample data, added to a project."""

    responses = {"post": {201: "DatasetList", 400: None, 404: None}}

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Import the template's sample data (real and generated) as labelled datasets."""
        added = await asyncio.to_thread(sample_data.add_sample_data, self.workspace, project_id, user=self.user_name)
        self.write_json({"datasets": [dataset_json(dataset) for dataset in added]}, status=HTTPStatus.CREATED)
