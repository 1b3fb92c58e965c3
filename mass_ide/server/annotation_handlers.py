"""Handlers for labels and masks, pre-labelling suggestions and label exports."""

import asyncio
from http import HTTPStatus

from jupyter_server.auth.decorator import authorized
from tornado import web

from mass_ide.core.annotation import label_files, prelabel
from mass_ide.core.annotation import labels as annotations
from mass_ide.core.data import datasets, render
from mass_ide.core.team import check_author
from mass_ide.server.base import (
    MassHandler,
    int_argument,
)
from mass_ide.server.schemas import PNG
from mass_ide.server.views import (
    annotation_json,
    relative_to_root,
)


class AnnotationHandler(MassHandler):
    """An item's class label, with optimistic concurrency."""

    roles_needed = {"put": "annotator"}

    responses = {"get": {200: "Annotation", 404: None}, "put": {200: "Annotation", 400: None, 409: None}}
    request_bodies = {"put": "LabelUpdate"}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """The item's annotation and its version (0 when none)."""
        self.write_json(annotation_json(annotations.get_annotation(self.workspace, int(item_id))))

    @web.authenticated
    @authorized
    def put(self, item_id: str) -> None:
        """Set (or clear, with null) the item's class; 409 when someone saved a newer version."""
        body = self.read_json()
        check_author(self.role, self.user_name, annotations.get_annotation(self.workspace, int(item_id)).updated_by)
        saved = annotations.set_label(self.workspace, int(item_id), label=body["label"],
                                      expected_version=body["version"], user=self.user_name)
        self.write_json(annotation_json(saved))


class MaskHandler(MassHandler):
    """Slices of an item's segmentation mask, as PNG whose grey values are label classes."""

    roles_needed = {"put": "annotator"}

    responses = {"get": {200: PNG, 400: None, 404: None}, "put": {200: "Annotation", 400: None, 409: None}}
    request_bodies = {"put": PNG}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """One mask slice as PNG (`?axis=&index=`), in the same orientation as the image slice."""
        item = datasets.get_item(self.workspace, int(item_id))
        axis, index = self.get_query_argument("axis", "axial"), int_argument(self, "index", 0)
        values = annotations.read_mask_slice(self.workspace, item.id, axis=axis, index=index)
        self.write_png(render.encode_mask_slice(item, values, axis=axis))

    @web.authenticated
    @authorized
    def put(self, item_id: str) -> None:
        """Replace one mask slice: PNG body, `?axis=&index=&version=`; 409 when a newer version exists."""
        item = datasets.get_item(self.workspace, int(item_id))
        check_author(self.role, self.user_name, annotations.get_annotation(self.workspace, item.id).updated_by)
        axis, index = self.get_query_argument("axis", "axial"), int_argument(self, "index")
        values = render.decode_mask_slice(item, self.request.body, axis=axis, index=index)
        saved = annotations.write_mask_slice(self.workspace, item.id, axis=axis, index=index, values=values,
                                             expected_version=int_argument(self, "version"), user=self.user_name)
        self.write_json(annotation_json(saved))


class MaskVolumesHandler(MassHandler):
    """How much of each label class an item's mask holds."""

    responses = {"get": {200: "MaskVolumes", 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """Voxels and mL (from the volume's voxel size) of each label class in the item's mask."""
        self.write_json(annotations.mask_volumes(self.workspace, int(item_id)))


class PrelabelHandler(MassHandler):
    """Pre-labelling a dataset's unlabelled items with the project's latest fitting model."""

    roles_needed = {"post": "annotator"}

    responses = {"get": {200: "PrelabelStatus", 404: None}, "post": {202: "PrelabelJob", 400: None, 404: None, 409: None}}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """The newest pre-label job of the dataset (null when there was none), with its progress, and how many
        of the dataset's items have a suggestion (ask for an item's suggestion only when there are some)."""
        self.write_json(prelabel.prelabel_status(self.workspace, int(dataset_id)))

    @web.authenticated
    @authorized
    def post(self, dataset_id: str) -> None:
        """Start pre-labelling in a worker process; 404 when no registered model fits, 409 when one runs."""
        job = prelabel.start(self.workspace, int(dataset_id), user=self.user_name)
        self.write_json(job, status=HTTPStatus.ACCEPTED)


class SuggestionHandler(MassHandler):
    """The model's suggestion for one item."""

    responses = {"get": {200: "Suggestion", 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """The suggested class with probabilities, or word of a suggested mask, and the model's uncertainty."""
        self.write_json(prelabel.get_suggestion(self.workspace, int(item_id)))


class SuggestionMaskHandler(MassHandler):
    """Slices of a suggested mask, as PNG in the same form as the item's own mask slices."""

    responses = {"get": {200: PNG, 400: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, item_id: str) -> None:
        """One slice of the suggested mask (`?axis=&index=`)."""
        item = datasets.get_item(self.workspace, int(item_id))
        axis, index = self.get_query_argument("axis", "axial"), int_argument(self, "index", 0)
        values = prelabel.read_suggestion_slice(self.workspace, item.id, axis=axis, index=index)
        self.write_png(render.encode_mask_slice(item, values, axis=axis))


class SuggestionAcceptHandler(MassHandler):
    """Accepting a suggestion: it becomes the item's label or mask, recorded as the user's, from the model."""

    roles_needed = {"post": "annotator"}

    responses = {"post": {200: "Annotation", 400: None, 404: None, 409: None}}
    request_bodies = {"post": "AcceptSuggestion"}

    @web.authenticated
    @authorized
    def post(self, item_id: str) -> None:
        """Save the suggestion as the annotation; 409 when someone saved a newer version."""
        check_author(self.role, self.user_name, annotations.get_annotation(self.workspace, int(item_id)).updated_by)
        saved = prelabel.accept(self.workspace, int(item_id), expected_version=self.read_json()["version"],
                                user=self.user_name)
        self.write_json(annotation_json(saved))


class LabelsCSVHandler(MassHandler):
    """Class labels of a dataset as CSV."""

    responses = {"get": {200: None, 404: None}}

    @web.authenticated
    @authorized
    def get(self, dataset_id: str) -> None:
        """Download every item's class as CSV: key, label, labelled_by, labelled_at."""
        text = label_files.labels_csv(self.workspace, int(dataset_id))
        self.set_header("Content-Disposition", f'attachment; filename="dataset-{int(dataset_id)}-labels.csv"')
        self.finish(text, set_content_type="text/csv; charset=utf-8")


class DecathlonExportHandler(MassHandler):
    """Medical Segmentation Decathlon-style exports of a dataset."""

    responses = {"post": {201: "ExportResult", 400: None, 404: None}}

    @web.authenticated
    @authorized
    async def post(self, dataset_id: str) -> None:
        """Write images and masks as NIfTI with a dataset.json that MONAI and nnU-Net read."""
        folder = await asyncio.to_thread(label_files.export_msd, self.workspace, int(dataset_id), user=self.user_name)
        self.write_json({"folder": relative_to_root(folder, self.root_dir), "cases": len(list(
            (folder / "labelsTr").iterdir()))}, status=HTTPStatus.CREATED)
